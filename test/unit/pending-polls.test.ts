import { msNumberToTs } from '@temporalio/common/lib/time';
import { withPendingPolls } from '../../client/restore-client';
import type { RestoreStatus } from '../../contract/restore';

const status = {
  pollCount: 3,
  nextPollAt: null,
  lastError: null,
} as unknown as RestoreStatus;

const ts = msNumberToTs;

describe('withPendingPolls', () => {
  test('no wait in progress leaves the status as the workflow reported it', () => {
    expect(withPendingPolls(status, [])).toBe(status);
  });

  test('a wait in progress adds its polls and the next poll time', () => {
    const merged = withPendingPolls(status, [
      {
        activityType: { name: 'awaitRestoreJobChange' },
        attempt: 5,
        nextAttemptScheduleTime: ts(Date.parse('2026-11-29T10:00:08Z')),
        lastFailure: {
          message: 'Atlas job x is still RUNNING',
          applicationFailureInfo: { type: 'RestoreJobNotFinished' },
        },
      },
    ] as never);
    expect(merged).toMatchObject({ pollCount: 7, nextPollAt: '2026-11-29T10:00:08.000Z', lastError: null });
  });

  test('an Atlas error being retried shows as the last error', () => {
    const merged = withPendingPolls(status, [
      {
        activityType: { name: 'awaitRestoreJobChange' },
        attempt: 2,
        lastAttemptCompleteTime: ts(Date.parse('2026-11-29T10:00:00Z')),
        lastFailure: { message: 'Atlas GET … failed with 429', applicationFailureInfo: { type: 'AtlasRateLimited' } },
      },
    ] as never);
    expect(merged.lastError).toEqual({
      type: 'AtlasRateLimited',
      message: 'Atlas GET … failed with 429',
      at: '2026-11-29T10:00:00.000Z',
    });
  });
});
