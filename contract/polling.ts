import { z } from 'zod';

/**
 * When to ask Atlas whether a restore is done. A restore cannot finish in its first minute, so nothing is polled
 * before `initialDelaySeconds`; then polls come every `intervalSeconds` while a finish is likely, and back off once
 * the job has run past `backoffAfterSeconds`. Pure, so the workflow, the activities and the tests agree.
 */

/** `ApplicationFailure.type` of the benign activity failure that schedules the next poll of a job still running. */
export const JOB_NOT_FINISHED = 'RestoreJobNotFinished';

/** How a restore spaces its status polls (all in seconds). Fields left out get the API family's defaults. */
export const PollingSchema = z.strictObject({
  /** Quiet period after the job is created: no poll can see it finished sooner. */
  initialDelaySeconds: z
    .number()
    .min(0)
    .max(24 * 3600)
    .optional(),
  /** Interval between polls while a finish is likely (half of it is the typical delay in noticing). */
  intervalSeconds: z.number().min(0.1).max(3600).default(8),
  /** Once the job has run this long, intervals grow by `backoffCoefficient` per minute, up to the maximum. */
  backoffAfterSeconds: z
    .number()
    .min(0)
    .max(7 * 24 * 3600)
    .optional(),
  /** Growth per minute past `backoffAfterSeconds`. */
  backoffCoefficient: z.number().min(1).max(10).default(1.5),
  /** Longest interval between polls. */
  maxIntervalSeconds: z.number().min(0.1).max(3600).default(60),
  /** Each interval is moved by up to this fraction at random, so restores started together don't poll in step. */
  jitterRatio: z.number().min(0).max(0.5).default(0.1),
  /**
   * Polls run as retries of one activity, which Temporal keeps out of the history; the workflow hears back on every
   * status change, and at least this often otherwise (to record progress, check its deadline, keep history short).
   */
  reportEverySeconds: z
    .number()
    .min(1)
    .max(24 * 3600)
    .default(600),
});
/** Polling as requested (family defaults not yet applied). */
export type Polling = z.infer<typeof PollingSchema>;
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

/** Fills the fields left out with the family's defaults. */
export function resolvePolling(input: unknown, family: keyof typeof FAMILY_POLLING_DEFAULTS): ResolvedPolling {
  const polling = PollingSchema.parse(input ?? {});
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
