import type { Polling } from './restore';

/**
 * When to ask Atlas whether a restore is done. A restore cannot finish in its first minute, so nothing is polled
 * before `initialDelaySeconds`; then polls come every `intervalSeconds` while a finish is likely, and back off once
 * the job has run past `backoffAfterSeconds`. Pure and free of zod (the schema is `PollingSchema` in `restore.ts`),
 * so the workflow, the activities and the tests agree.
 */

/** Polling with every field decided. */
export type ResolvedPolling = Required<Polling>;

/**
 * Defaults by API family. Flex restores take about 1 to 3 minutes (a recorded one: 63 s; hundreds of list entries:
 * 1–3 min), so the first poll waits 50 s and backoff starts after 4 min. Shared-tier durations are not documented:
 * poll early and back off after 15 min.
 */
export const FAMILY_POLLING_DEFAULTS: Record<
  'tenant-v1' | 'tenant-v2' | 'flex',
  { initialDelaySeconds: number; backoffAfterSeconds: number }
> = {
  flex: { initialDelaySeconds: 50, backoffAfterSeconds: 240 },
  'tenant-v1': { initialDelaySeconds: 10, backoffAfterSeconds: 900 },
  'tenant-v2': { initialDelaySeconds: 10, backoffAfterSeconds: 900 },
};

/** Fills the fields left out (of a validated request's polling) with the family's defaults. */
export function resolvePolling(polling: Polling, family: keyof typeof FAMILY_POLLING_DEFAULTS): ResolvedPolling {
  const defaults = FAMILY_POLLING_DEFAULTS[family];
  return {
    ...polling,
    initialDelaySeconds: polling.initialDelaySeconds ?? defaults.initialDelaySeconds,
    backoffAfterSeconds: polling.backoffAfterSeconds ?? defaults.backoffAfterSeconds,
  };
}

/**
 * Milliseconds until the next poll of a job that has been running for `elapsedMs` (since it was created).
 * `random` is a source in [0, 1): the activity's `Math.random`, or a fixed value in tests.
 */
export function pollDelayMs(polling: ResolvedPolling, elapsedMs: number, random: () => number): number {
  const overMinutes = (elapsedMs / 1000 - polling.backoffAfterSeconds) / 60;
  const base =
    overMinutes <= 0
      ? polling.intervalSeconds
      : Math.min(
          polling.intervalSeconds * polling.backoffCoefficient ** Math.ceil(overMinutes),
          polling.maxIntervalSeconds
        );
  const jitter = base * polling.jitterRatio * (2 * random() - 1);
  return Math.max(0, Math.round((base + jitter) * 1000));
}
