/**
 * What the benchmark knows about one restore, in either phase, once the client's, the workflow's and the
 * simulator's timestamps are joined; and the statistics the report draws from them.
 */

import type { SimulatorJob } from './simulator-admin';

/** One restore of one phase. Times are epoch milliseconds. */
export interface RestoreRecord {
  clusterName: string;
  /** Client side, just before the start call (workflow phase) or the POST (baseline). */
  startAt?: number;
  /** When the POST reached the simulator (`scheduledAt`). */
  postAt?: number;
  /** When Atlas reached the final status (`finishesAt`). */
  atlasFinishedAt?: number;
  /** When the workflow (its own `finishedAt`) or the baseline loop saw the final status. */
  noticedAt?: number;
  /** COMPLETED, FAILED, a failure type, `NotStarted` or `BenchDeadline`. */
  outcome: string;
  jobId?: string;
  /** Status polls, as the workflow counted them (workflow phase). */
  pollCount?: number;
}

/** Adds the simulator's timestamps: by job id when known, else the cluster's first job (each cluster has one). */
export function joinSimulatorJobs(records: RestoreRecord[], jobs: readonly SimulatorJob[]): void {
  const byId = new Map(jobs.map((job) => [job.id, job]));
  const byCluster = new Map<string, SimulatorJob>();
  for (const job of jobs) if (!byCluster.has(job.clusterName)) byCluster.set(job.clusterName, job);
  for (const record of records) {
    const job = (record.jobId === undefined ? undefined : byId.get(record.jobId)) ?? byCluster.get(record.clusterName);
    if (job === undefined) continue;
    record.jobId ??= job.id;
    record.postAt = job.scheduledAt;
    record.atlasFinishedAt = job.finishesAt ?? undefined;
  }
}

/** Lag of a record that was noticed: noticed − Atlas final, ms. */
export function lagMs(record: RestoreRecord): number | undefined {
  return record.noticedAt === undefined || record.atlasFinishedAt === undefined
    ? undefined
    : record.noticedAt - record.atlasFinishedAt;
}

/** Nearest-rank percentile (`p` in 0–100) of the defined values; null when there are none. */
export function percentile(values: readonly (number | undefined)[], p: number): number | null {
  const sorted = values.filter((v): v is number => v !== undefined && Number.isFinite(v)).sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  const rank = Math.min(sorted.length, Math.max(1, Math.ceil((p / 100) * sorted.length)));
  return sorted[rank - 1] as number;
}

/** Rounds for the report: whole milliseconds, or `digits` decimals. */
export function round(value: number | null, digits = 0): number | null {
  if (value === null) return null;
  const factor = 10 ** digits;
  return Math.round(value * factor) / factor;
}
