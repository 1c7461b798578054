import { PollingSchema } from '../../contract/restore';
import { pollDelayMs } from '../../workflows/poll-schedule';

const polling = PollingSchema.parse({
  initialDelaySeconds: 10,
  intervalSeconds: 4,
  backoffCoefficient: 2,
  maxIntervalSeconds: 30,
  jitterRatio: 0,
});

describe('pollDelayMs', () => {
  test.each([
    { pollIndex: 0, ms: 10_000 },
    { pollIndex: 1, ms: 4_000 },
    { pollIndex: 2, ms: 8_000 },
    { pollIndex: 3, ms: 16_000 },
    { pollIndex: 4, ms: 30_000 },
    { pollIndex: 50, ms: 30_000 },
  ])('poll $pollIndex waits $ms ms without jitter', ({ pollIndex, ms }) => {
    expect(pollDelayMs(polling, pollIndex, () => 0.5)).toBe(ms);
  });

  test.each([
    { random: 0, ms: 3_200 },
    { random: 0.5, ms: 4_000 },
    { random: 0.999999, ms: 4_800 },
  ])('jitter of 20% with random $random gives $ms ms', ({ random, ms }) => {
    expect(pollDelayMs({ ...polling, jitterRatio: 0.2 }, 1, () => random)).toBe(ms);
  });

  test('the same random sequence gives the same schedule (replay-safe)', () => {
    const seq = () => {
      let x = 0.1;
      return () => (x = (x * 9301 + 0.49297) % 1);
    };
    const a = seq();
    const b = seq();
    const j = { ...polling, jitterRatio: 0.3 };
    expect([0, 1, 2, 3].map((i) => pollDelayMs(j, i, a))).toEqual([0, 1, 2, 3].map((i) => pollDelayMs(j, i, b)));
  });
});
