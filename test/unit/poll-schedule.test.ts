import { pollDelayMs, resolvePolling, type ResolvedPolling } from '../../contract/polling';
import { PollingSchema } from '../../contract/restore';

const polling: ResolvedPolling = {
  initialDelaySeconds: 50,
  intervalSeconds: 8,
  backoffAfterSeconds: 240,
  backoffCoefficient: 2,
  maxIntervalSeconds: 60,
  jitterRatio: 0,
  reportEverySeconds: 600,
};

describe('pollDelayMs', () => {
  test.each([
    { elapsedS: 50, ms: 8_000 },
    { elapsedS: 239, ms: 8_000 },
    { elapsedS: 240, ms: 8_000 },
    { elapsedS: 241, ms: 16_000 },
    { elapsedS: 300, ms: 16_000 },
    { elapsedS: 301, ms: 32_000 },
    { elapsedS: 361, ms: 60_000 },
    { elapsedS: 86_400, ms: 60_000 },
  ])('after $elapsedS s the next poll comes in $ms ms', ({ elapsedS, ms }) => {
    expect(pollDelayMs(polling, elapsedS * 1000, () => 0.5)).toBe(ms);
  });

  test.each([
    { random: 0, ms: 6_400 },
    { random: 0.5, ms: 8_000 },
    { random: 0.999999, ms: 9_600 },
  ])('jitter of 20% with random $random gives $ms ms', ({ random, ms }) => {
    expect(pollDelayMs({ ...polling, jitterRatio: 0.2 }, 60_000, () => random)).toBe(ms);
  });
});

describe('resolvePolling', () => {
  test.each([
    { family: 'flex' as const, initial: 50, backoffAfter: 240 },
    { family: 'tenant-v1' as const, initial: 10, backoffAfter: 900 },
    { family: 'tenant-v2' as const, initial: 10, backoffAfter: 900 },
  ])(
    '$family waits $initial s before the first poll and backs off after $backoffAfter s',
    ({ family, initial, backoffAfter }) => {
      expect(resolvePolling(PollingSchema.parse({}), family)).toEqual({
        initialDelaySeconds: initial,
        intervalSeconds: 8,
        backoffAfterSeconds: backoffAfter,
        backoffCoefficient: 1.5,
        maxIntervalSeconds: 60,
        jitterRatio: 0.1,
        reportEverySeconds: 600,
      });
    }
  );

  test('explicit values win over the family defaults', () => {
    expect(
      resolvePolling(PollingSchema.parse({ initialDelaySeconds: 1, backoffAfterSeconds: 5 }), 'flex')
    ).toMatchObject({
      initialDelaySeconds: 1,
      backoffAfterSeconds: 5,
    });
  });
});
