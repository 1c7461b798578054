import type { Polling } from '../contract/restore';

/**
 * Pure poll spacing, so the same numbers come out in the workflow, in replays and in tests. `random` is the
 * workflow's seeded `Math.random`, which Temporal replays identically.
 */

/** Delay in ms before status poll number `pollIndex` (0 = the first poll after the job was created). */
export function pollDelayMs(polling: Polling, pollIndex: number, random: () => number): number {
  const baseSeconds =
    pollIndex === 0
      ? polling.initialDelaySeconds
      : Math.min(polling.intervalSeconds * polling.backoffCoefficient ** (pollIndex - 1), polling.maxIntervalSeconds);
  const jitter = baseSeconds * polling.jitterRatio * (2 * random() - 1);
  return Math.max(0, Math.round((baseSeconds + jitter) * 1000));
}
