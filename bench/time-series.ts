/**
 * Per-second series of one phase for the chart: restores in flight, Atlas calls per second, and the lag of the
 * restores noticed in each second. Calls come from the once-a-second simulator readings; in-flight and lag are
 * rebuilt afterwards from each restore's own timestamps, which are exact where a live count would be sampled.
 */

import { lagMs, percentile, type RestoreRecord } from './restore-record';
import type { Sample } from './sampler';

/** One phase, second by second from `origin`. Entries are null where a second had nothing to measure. */
export interface PhaseSeries {
  /** Epoch ms of second 0: the phase's first start. */
  origin: number;
  seconds: number;
  /** Restores started and not yet noticed final. */
  inFlight: number[];
  /** Atlas jobs between their POST and their final status. */
  atlasRunning: number[];
  apiCallsPerSecond: (number | null)[];
  rateLimitedPerSecond: (number | null)[];
  lagP50Ms: (number | null)[];
  lagMaxMs: (number | null)[];
}

/** Builds the series of a phase from its records and samples. */
export function buildPhaseSeries(
  origin: number,
  records: readonly RestoreRecord[],
  samples: readonly Sample[]
): PhaseSeries {
  const lastInstant = Math.max(
    origin,
    ...records.map((r) => Math.max(r.noticedAt ?? 0, r.atlasFinishedAt ?? 0)),
    ...samples.map((s) => s.at)
  );
  const seconds = Math.max(1, Math.ceil((lastInstant - origin) / 1000) + 1);
  const second = (at: number): number => Math.min(seconds - 1, Math.max(0, Math.floor((at - origin) / 1000)));

  const inFlight = occupancy(
    seconds,
    records.map((r) => [r.startAt, r.noticedAt ?? Number.POSITIVE_INFINITY]),
    second
  );
  const atlasRunning = occupancy(
    seconds,
    records.map((r) => [r.postAt, r.atlasFinishedAt ?? Number.POSITIVE_INFINITY]),
    second
  );

  const apiCallsPerSecond = new Array<number | null>(seconds).fill(null);
  const rateLimitedPerSecond = new Array<number | null>(seconds).fill(null);
  for (let i = 1; i < samples.length; i += 1) {
    const before = samples[i - 1] as Sample;
    const after = samples[i] as Sample;
    const span = (after.at - before.at) / 1000;
    if (span <= 0) continue;
    const s = second(after.at);
    apiCallsPerSecond[s] = (after.apiCalls - before.apiCalls) / span;
    rateLimitedPerSecond[s] = (after.rateLimited429 - before.rateLimited429) / span;
  }

  const lagsBySecond = new Map<number, number[]>();
  for (const record of records) {
    const lag = lagMs(record);
    if (lag === undefined || record.noticedAt === undefined) continue;
    const s = second(record.noticedAt);
    const bucket = lagsBySecond.get(s) ?? [];
    bucket.push(lag);
    lagsBySecond.set(s, bucket);
  }
  const lagP50Ms = new Array<number | null>(seconds).fill(null);
  const lagMaxMs = new Array<number | null>(seconds).fill(null);
  for (const [s, lags] of lagsBySecond) {
    lagP50Ms[s] = percentile(lags, 50);
    lagMaxMs[s] = Math.max(...lags);
  }
  return { origin, seconds, inFlight, atlasRunning, apiCallsPerSecond, rateLimitedPerSecond, lagP50Ms, lagMaxMs };
}

/** How many intervals `[from, to)` are open in each second, counted from the seconds they open and close in. */
function occupancy(
  seconds: number,
  intervals: readonly [number | undefined, number][],
  second: (at: number) => number
): number[] {
  const delta = new Array<number>(seconds + 1).fill(0);
  for (const [from, to] of intervals) {
    if (from === undefined) continue;
    const first = second(from);
    delta[first] = (delta[first] ?? 0) + 1;
    if (Number.isFinite(to)) {
      const end = second(to);
      delta[end] = (delta[end] ?? 0) - 1;
    }
  }
  const counts: number[] = [];
  let running = 0;
  for (let s = 0; s < seconds; s += 1) {
    running += delta[s] ?? 0;
    counts.push(running);
  }
  return counts;
}
