/**
 * The measured phase: starts every restore of the job set as a workflow through the public client library, waits
 * for them all to close by asking Temporal's visibility store (two counts every two seconds, whatever N is), then
 * reads each result for the workflow's own `finishedAt`, and the history of a sample of them for their length.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import {
  awaitRestore,
  InvalidRestoreRequestError,
  RestoreAlreadyRunningError,
  RestoreFailedError,
  startRestore,
} from '../client/restore-client';
import { restoreWorkflowId, type RestoreRequestInput } from '../contract/restore';
import { mulberry32 } from '../simulator/seeded-random';
import { apiFamilyOf, type BenchJob } from './job-set';
import { mapPool, runPaced, type PaceOptions } from './pacing';
import type { RestoreRecord } from './restore-record';

/** What the phase needs. */
export interface WorkflowPhaseOptions {
  client: Client;
  taskQueue: string;
  projectId: string;
  jobs: readonly BenchJob[];
  pace: PaceOptions;
  /** Stop waiting this long after the last start; restores still running then are terminated. */
  waitAfterStartsMs: number;
  /** The request's `polling`, when the run sets one; validated by the client library like any request. */
  polling?: Record<string, unknown>;
  /** Histories read: this many random restores, plus the one that polled most and the longest one. */
  historySample: number;
  seed: number;
  log: (line: string) => void;
  /** One line on the load (API calls, worker memory), appended to progress lines. */
  describeLoad: () => string;
}

/** History lengths over the sampled restores. */
export interface HistoryFigures {
  sampled: number;
  /** Most events in one run. */
  eventsPerRunMax: number;
  /** Most events over all runs (continue-as-new included) of one restore. */
  eventsPerRestoreMax: number;
  runsPerRestoreMax: number;
}

/** What the phase measured. */
export interface WorkflowPhaseOutcome {
  records: RestoreRecord[];
  startsBeganAt: number;
  startsEndedAt: number;
  terminated: number;
  history: HistoryFigures;
}

const COUNT_INTERVAL_MS = 2000;
const PROGRESS_INTERVAL_MS = 10_000;
const START_ATTEMPTS = 5;
const FETCH_CONCURRENCY = 32;

/** Runs the phase; never throws for a single restore's failure (it becomes that record's outcome). */
export async function runWorkflowPhase(options: WorkflowPhaseOptions): Promise<WorkflowPhaseOutcome> {
  const { client, jobs, log } = options;
  const records: RestoreRecord[] = jobs.map((job) => ({ clusterName: job.clusterName, outcome: 'NotStarted' }));
  const firstRunIds = new Map<number, string>();
  const startsBeganAt = Date.now();
  let startsDone = false;
  let started = 0;

  const starting = runPaced(
    jobs.length,
    options.pace,
    async (index) => {
      const job = jobs[index] as BenchJob;
      const record = records[index] as RestoreRecord;
      record.startAt = Date.now();
      const request = requestFor(options.projectId, job, options.polling);
      const runId = await startWithRetries(client, request, options.taskQueue);
      firstRunIds.set(index, runId);
      record.outcome = 'Running';
      started += 1;
    },
    (index, error) => log(`start of ${jobs[index]?.clusterName} failed: ${String(error)}`)
  ).then(() => {
    startsDone = true;
  });

  const queue = JSON.stringify(options.taskQueue);
  let closed = 0;
  let running = 0;
  let lastProgress = Date.now();
  let deadline = Number.POSITIVE_INFINITY;
  let startsEndedAt = Number.NaN;
  let gaveUp = false;
  for (;;) {
    // While starts are being sent, wake when they end, to date it; after that, only every COUNT_INTERVAL_MS.
    await (startsDone ? sleep(COUNT_INTERVAL_MS) : Promise.race([sleep(COUNT_INTERVAL_MS), starting]));
    if (startsDone && Number.isNaN(startsEndedAt)) {
      startsEndedAt = Date.now();
      deadline = startsEndedAt + options.waitAfterStartsMs;
      log(`all starts sent: ${started}/${jobs.length} in ${((startsEndedAt - startsBeganAt) / 1000).toFixed(1)} s`);
    }
    try {
      running = (await client.workflow.count(`TaskQueue = ${queue} AND ExecutionStatus = "Running"`)).count;
      closed = (
        await client.workflow.count(
          `TaskQueue = ${queue} AND ExecutionStatus != "Running" AND ExecutionStatus != "ContinuedAsNew"`
        )
      ).count;
    } catch (error) {
      log(`visibility count failed (will retry): ${String(error)}`);
    }
    if (Date.now() - lastProgress >= PROGRESS_INTERVAL_MS) {
      lastProgress = Date.now();
      const elapsed = ((lastProgress - startsBeganAt) / 1000).toFixed(0);
      log(
        `[${elapsed.padStart(5)} s] started ${started}/${jobs.length}, running ${running}, closed ${closed}; ${options.describeLoad()}`
      );
    }
    if (startsDone && closed >= started) break;
    if (Date.now() >= deadline) {
      log(`gave up waiting ${options.waitAfterStartsMs / 1000} s after the last start: ${running} still running`);
      gaveUp = true;
      break;
    }
  }

  const terminated = gaveUp ? await terminateStragglers(client, records, firstRunIds, options.projectId) : 0;
  log(`reading ${started} results…`);
  await mapPool(records, FETCH_CONCURRENCY, async (record) => {
    if (record.outcome !== 'Running') return;
    await readOutcome(client, options.projectId, record);
  });
  const history = await measureHistories(client, options, records, firstRunIds);
  return { records, startsBeganAt, startsEndedAt, terminated, history };
}

/** The request of one job: explicit family (no detection calls), snapshot by id, the cluster onto itself. */
function requestFor(
  projectId: string,
  job: BenchJob,
  polling: Record<string, unknown> | undefined
): RestoreRequestInput {
  return {
    projectId,
    clusterName: job.clusterName,
    snapshotId: job.snapshotId,
    targetClusterName: job.clusterName,
    family: apiFamilyOf(job),
    ...(polling === undefined ? {} : { polling: polling as RestoreRequestInput['polling'] }),
  };
}

/** Starts one restore; transient server errors (overload, unavailable) are retried a few times. */
async function startWithRetries(client: Client, input: RestoreRequestInput, taskQueue: string): Promise<string> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return (await startRestore(client, input, { taskQueue })).runId;
    } catch (error) {
      const permanent = error instanceof InvalidRestoreRequestError || error instanceof RestoreAlreadyRunningError;
      if (permanent || attempt >= START_ATTEMPTS) throw error;
      await sleep(500 * 2 ** attempt);
    }
  }
}

/** Terminates the restores still running when the wait gave up, so none outlives the benchmark. */
async function terminateStragglers(
  client: Client,
  records: RestoreRecord[],
  firstRunIds: ReadonlyMap<number, string>,
  projectId: string
): Promise<number> {
  const running = (
    await mapPool(records, FETCH_CONCURRENCY, async (record, index) => {
      if (!firstRunIds.has(index)) return false;
      const handle = client.workflow.getHandle(
        restoreWorkflowId({ targetProjectId: projectId, targetClusterName: record.clusterName })
      );
      const description = await handle.describe();
      if (description.status.name !== 'RUNNING') return false;
      await handle.terminate('benchmark deadline');
      record.outcome = 'BenchDeadline';
      return true;
    })
  ).filter(Boolean).length;
  return running;
}

/** Reads the result (or failure) of one closed restore: the workflow's `finishedAt` is when it noticed. */
async function readOutcome(client: Client, projectId: string, record: RestoreRecord): Promise<void> {
  const workflowId = restoreWorkflowId({ targetProjectId: projectId, targetClusterName: record.clusterName });
  try {
    const result = await awaitRestore(client, workflowId);
    record.outcome = result.outcome;
    record.noticedAt = Date.parse(result.finishedAt);
    record.jobId = result.jobId;
    record.pollCount = result.pollCount;
  } catch (error) {
    if (!(error instanceof RestoreFailedError)) throw error;
    record.outcome = error.type;
    const finishedAt = error.status?.finishedAt;
    record.noticedAt = finishedAt ? Date.parse(finishedAt) : undefined;
    record.jobId = error.status?.jobId ?? undefined;
    record.pollCount = error.status?.pollCount;
  }
}

/** Follows every run (continue-as-new included) of a sample of restores and counts their events. */
async function measureHistories(
  client: Client,
  options: WorkflowPhaseOptions,
  records: readonly RestoreRecord[],
  firstRunIds: ReadonlyMap<number, string>
): Promise<HistoryFigures> {
  const candidates = [...firstRunIds.keys()];
  const random = mulberry32(options.seed ^ 0x5eed);
  for (let i = candidates.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [candidates[i], candidates[j]] = [candidates[j] as number, candidates[i] as number];
  }
  const chosen = new Set(candidates.slice(0, options.historySample));
  const mostPolls = maxBy(candidates, (i) => records[i]?.pollCount ?? 0);
  const longest = maxBy(candidates, (i) => {
    const r = records[i];
    return r?.noticedAt !== undefined && r.startAt !== undefined ? r.noticedAt - r.startAt : 0;
  });
  if (mostPolls !== undefined) chosen.add(mostPolls);
  if (longest !== undefined) chosen.add(longest);

  options.log(`reading the histories of ${chosen.size} restores…`);
  const figures: HistoryFigures = {
    sampled: chosen.size,
    eventsPerRunMax: 0,
    eventsPerRestoreMax: 0,
    runsPerRestoreMax: 0,
  };
  await mapPool([...chosen], 8, async (index) => {
    const record = records[index] as RestoreRecord;
    const workflowId = restoreWorkflowId({ targetProjectId: options.projectId, targetClusterName: record.clusterName });
    let runId: string | undefined = firstRunIds.get(index);
    let events = 0;
    let runs = 0;
    while (runId !== undefined && runs < 1000) {
      const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
      const runEvents = history.events ?? [];
      events += runEvents.length;
      runs += 1;
      figures.eventsPerRunMax = Math.max(figures.eventsPerRunMax, runEvents.length);
      runId = runEvents.at(-1)?.workflowExecutionContinuedAsNewEventAttributes?.newExecutionRunId ?? undefined;
    }
    figures.eventsPerRestoreMax = Math.max(figures.eventsPerRestoreMax, events);
    figures.runsPerRestoreMax = Math.max(figures.runsPerRestoreMax, runs);
  });
  return figures;
}

function maxBy(items: readonly number[], score: (item: number) => number): number | undefined {
  let best: number | undefined;
  let bestScore = Number.NEGATIVE_INFINITY;
  for (const item of items) {
    const value = score(item);
    if (value > bestScore) {
      best = item;
      bestScore = value;
    }
  }
  return best;
}
