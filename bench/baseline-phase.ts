/**
 * The baseline the workflow is compared with: what a script built on the Atlas CLI does, one plain loop per
 * restore that posts the job and then reads it every 4 s until it is COMPLETED or FAILED (the CLI's `watch`). It
 * uses the same Atlas client as the worker, so both phases pay the same Digest costs, starts each loop when the
 * workflow phase started the same restore, and runs every loop at once (they are cheap timers) behind the client's
 * bounded connection pool.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import type { AtlasClient, AtlasClusterRef } from '../activities/atlas/atlas-client';
import { AtlasApiError } from '../activities/atlas/errors';
import { isFinalRestoreJobStatus } from '../contract/restore-names';
import { apiFamilyOf, type BenchJob } from './job-set';
import type { RestoreRecord } from './restore-record';

/** The Atlas CLI's `watch` interval. */
export const BASELINE_INTERVAL_MS = 4000;

/** What the phase needs. */
export interface BaselinePhaseOptions {
  atlas: AtlasClient;
  projectId: string;
  jobs: readonly BenchJob[];
  /**
   * When each restore starts, in ms after the first: the workflow phase's own start times, so that both phases
   * put the same arrivals on Atlas. Undefined for a restore the workflow phase could not start.
   */
  startOffsetsMs: readonly (number | undefined)[];
  /** Every loop stops this long after the last start, finished or not. */
  waitAfterStartsMs: number;
  log: (line: string) => void;
  describeLoad: () => string;
}

/** What the phase measured. */
export interface BaselinePhaseOutcome {
  records: RestoreRecord[];
  /** Epoch ms of the first start: second 0 of the baseline's series. */
  startsBeganAt: number;
}

const PROGRESS_INTERVAL_MS = 10_000;

/** Runs every loop to its end (a final status or the deadline). */
export async function runBaselinePhase(options: BaselinePhaseOptions): Promise<BaselinePhaseOutcome> {
  const { jobs, log } = options;
  const records: RestoreRecord[] = jobs.map((job) => ({ clusterName: job.clusterName, outcome: 'NotStarted' }));
  const offsets = options.startOffsetsMs.filter((offset): offset is number => offset !== undefined);
  const lastOffset = offsets.length === 0 ? 0 : Math.max(...offsets);
  const startsBeganAt = Date.now();
  const deadline = startsBeganAt + lastOffset + options.waitAfterStartsMs;
  let started = 0;
  let finished = 0;

  const progress = setInterval(() => {
    const elapsed = ((Date.now() - startsBeganAt) / 1000).toFixed(0);
    log(
      `[${elapsed.padStart(5)} s] baseline started ${started}/${jobs.length}, finished ${finished}; ${options.describeLoad()}`
    );
  }, PROGRESS_INTERVAL_MS);
  try {
    await Promise.all(
      jobs.map(async (job, index) => {
        const offset = options.startOffsetsMs[index];
        if (offset === undefined) return;
        await sleep(Math.max(0, startsBeganAt + offset - Date.now()));
        const record = records[index] as RestoreRecord;
        record.startAt = Date.now();
        record.outcome = 'Running';
        started += 1;
        try {
          record.jobId = await createJob(options, job, deadline);
          if (record.jobId === undefined) record.outcome = 'BenchDeadline';
          else await watch(options, job, record, deadline);
        } finally {
          finished += 1;
        }
      })
    );
  } finally {
    clearInterval(progress);
  }
  return { records, startsBeganAt };
}

/** Posts the job; an error (a 429 above all) is retried after `Retry-After`, else after the watch interval. */
async function createJob(options: BaselinePhaseOptions, job: BenchJob, deadline: number): Promise<string | undefined> {
  while (Date.now() < deadline) {
    try {
      const created = await options.atlas.createRestoreJob({
        ...clusterRef(options.projectId, job),
        snapshotId: job.snapshotId,
        targetDeploymentItemName: job.clusterName,
        targetProjectId: options.projectId,
      });
      return created.id;
    } catch (error) {
      await sleep(Math.min(retryDelayMs(error), Math.max(0, deadline - Date.now())));
    }
  }
  return undefined;
}

/** Reads the job at once, then every 4 s, until it is final or the deadline passes. */
async function watch(
  options: BaselinePhaseOptions,
  job: BenchJob,
  record: RestoreRecord,
  deadline: number
): Promise<void> {
  const ref = clusterRef(options.projectId, job);
  while (Date.now() < deadline) {
    try {
      const read = await options.atlas.getRestoreJob({ ...ref, restoreId: record.jobId as string });
      if (isFinalRestoreJobStatus(read.status)) {
        record.noticedAt = Date.now();
        record.outcome = read.status;
        return;
      }
    } catch {
      // The CLI would give up; the baseline keeps watching so that both phases finish the same job set.
    }
    await sleep(Math.min(BASELINE_INTERVAL_MS, Math.max(0, deadline - Date.now())));
  }
  record.outcome = 'BenchDeadline';
}

function clusterRef(projectId: string, job: BenchJob): AtlasClusterRef {
  return { family: apiFamilyOf(job), groupId: projectId, clusterName: job.clusterName };
}

function retryDelayMs(error: unknown): number {
  if (error instanceof AtlasApiError && error.retryAfterSeconds !== undefined) return error.retryAfterSeconds * 1000;
  return BASELINE_INTERVAL_MS;
}
