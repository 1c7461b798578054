import {
  WorkflowExecutionAlreadyStartedError,
  WorkflowFailedError,
  WorkflowNotFoundError,
  type Client,
  type WorkflowExecutionDescription,
  type WorkflowHandle,
} from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import { JOB_NOT_FINISHED } from '../contract/restore-names';
import {
  DEFAULT_TASK_QUEUE,
  RESTORE_WORKFLOW_TYPE,
  parseRestoreRequest,
  restoreTargetOf,
  workflowIdFor,
  type RestoreRequestInput,
  type RestoreResult,
  type RestoreStatus,
  type RestoreTarget,
} from '../contract/restore';
import { startSearchAttributes } from '../contract/search-attributes';
import { explainSearchAttributeError } from './search-attribute-errors';
import type { restoreSnapshotWorkflow } from '../workflows/restore-snapshot';
import { restoreStatusQuery } from '../workflows/messages';

/**
 * The library other services use to run restores: start one (idempotently: the workflow id is the target
 * cluster, so at most one restore per target runs at a time), read its live status, and wait for its outcome.
 */

/** Thrown before anything is started when a request is invalid; `message` lists every problem. */
export class InvalidRestoreRequestError extends Error {
  override readonly name = 'InvalidRestoreRequestError';
}

/** Thrown when the target already has a running restore of another snapshot (or `onRunning: 'fail'`). */
export class RestoreAlreadyRunningError extends Error {
  override readonly name = 'RestoreAlreadyRunningError';
  constructor(
    readonly workflowId: string,
    readonly runningTarget: RestoreTarget | undefined
  ) {
    super(
      `A restore of ${runningTarget ? describeTarget(runningTarget) : 'this target'} is already running ` +
        `(workflow ${workflowId}); a second one would wipe the target again`
    );
  }
}

/** Thrown by {@link awaitRestore} when the restore ended without COMPLETED; `type` is a `RestoreFailureType`. */
export class RestoreFailedError extends Error {
  override readonly name = 'RestoreFailedError';
  constructor(
    message: string,
    readonly workflowId: string,
    readonly type: string,
    readonly status: RestoreStatus | undefined
  ) {
    super(message);
  }
}

/** Options of {@link startRestore}. */
export interface StartRestoreOptions {
  taskQueue?: string;
  /**
   * What to do when the same target already has a running restore: `attach` returns it when it restores the
   * same snapshot (a repeated start is idempotent), `fail` always refuses. A different snapshot is always refused.
   */
  onRunning?: 'attach' | 'fail';
  /**
   * The caller's idempotency key for this request. A start repeated with the same key returns the earlier restore
   * even after it has finished, instead of restoring (and wiping the target) again; without a key, a start after the
   * target's previous restore finished is a new restore.
   */
  requestKey?: string;
}

/** A started (or attached) restore. */
export interface StartedRestore {
  workflowId: string;
  runId: string;
  /** False when an identical running restore was found and returned instead of starting another. */
  started: boolean;
  handle: WorkflowHandle<typeof restoreSnapshotWorkflow>;
}

/** Validates the request and starts the restore workflow, or returns the identical one already running. */
export async function startRestore(
  client: Client,
  input: RestoreRequestInput,
  options: StartRestoreOptions = {}
): Promise<StartedRestore> {
  const parsed = parseRestoreRequest(input);
  if (!parsed.success) throw new InvalidRestoreRequestError(`Invalid restore request:\n${parsed.error}`);
  const target = restoreTargetOf(parsed.data);
  const workflowId = workflowIdFor(target);
  if (options.requestKey !== undefined) {
    const earlier = await latestRunWithKey(client, workflowId, options.requestKey);
    if (earlier) return earlier;
  }
  try {
    const handle = await client.workflow.start<typeof restoreSnapshotWorkflow>(RESTORE_WORKFLOW_TYPE, {
      args: [input],
      taskQueue: options.taskQueue ?? DEFAULT_TASK_QUEUE,
      workflowId,
      workflowIdConflictPolicy: 'FAIL',
      memo: options.requestKey === undefined ? { target } : { target, requestKey: options.requestKey },
      // Listed by project, cluster and status from the first moment (the workflow keeps them current).
      typedSearchAttributes: startSearchAttributes(target, 'VALIDATING'),
    });
    return { workflowId, runId: handle.firstExecutionRunId, started: true, handle };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError))
      throw explainSearchAttributeError(err, client.options.namespace);
    const handle = client.workflow.getHandle<typeof restoreSnapshotWorkflow>(workflowId);
    const description = await handle.describe();
    const running = description.memo?.target as RestoreTarget | undefined;
    if (options.onRunning === 'fail' || !running || !sameRestore(running, target)) {
      throw new RestoreAlreadyRunningError(workflowId, running);
    }
    return { workflowId, runId: description.runId, started: false, handle };
  }
}

/** The target's latest restore when it was started with `requestKey` (running or not), else undefined. */
async function latestRunWithKey(
  client: Client,
  workflowId: string,
  requestKey: string
): Promise<StartedRestore | undefined> {
  const handle = client.workflow.getHandle<typeof restoreSnapshotWorkflow>(workflowId);
  const description = await handle.describe().catch((err: unknown) => {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  });
  if (description?.memo?.requestKey !== requestKey) return undefined;
  return { workflowId, runId: description.runId, started: false, handle };
}

/** Live status of a restore: from the workflow's query while it runs, from its outcome once it ended. */
export async function getRestore(client: Client, workflowId: string): Promise<RestoreStatus> {
  const handle = client.workflow.getHandle<typeof restoreSnapshotWorkflow>(workflowId);
  const description = await handle.describe();
  if (description.status.name === 'RUNNING') {
    return withPendingPolls(await handle.query(restoreStatusQuery), description.raw.pendingActivities ?? []);
  }
  try {
    await handle.result();
    return handle.query(restoreStatusQuery);
  } catch (err) {
    const status = statusFromFailure(err);
    if (status) return status;
    throw err;
  }
}

/** Waits for the restore to end; resolves with its result or rejects with a {@link RestoreFailedError}. */
export async function awaitRestore(client: Client, workflowId: string): Promise<RestoreResult> {
  try {
    return await client.workflow.getHandle<typeof restoreSnapshotWorkflow>(workflowId).result();
  } catch (err) {
    if (err instanceof WorkflowFailedError) {
      const cause = err.cause;
      const type = cause instanceof ApplicationFailure ? (cause.type ?? 'Error') : (cause?.name ?? 'Error');
      throw new RestoreFailedError(cause?.message ?? err.message, workflowId, type, statusFromFailure(err));
    }
    throw err;
  }
}

type PendingActivity = NonNullable<WorkflowExecutionDescription['raw']['pendingActivities']>[number];

/**
 * Polls run as retries of one activity and reach the workflow only on a change, so a live view adds what the server
 * knows about the wait in progress: polls already made, the next poll time, and an Atlas error being retried.
 */
export function withPendingPolls(status: RestoreStatus, pending: readonly PendingActivity[]): RestoreStatus {
  const wait = pending.find((a) => a.activityType?.name === 'awaitRestoreJobChange');
  if (!wait) return status;
  const failedAttempts = Math.max(0, (wait.attempt ?? 1) - 1);
  const nextMs = optionalTsToMs(wait.nextAttemptScheduleTime);
  const failure = wait.lastFailure;
  const failureType = failure?.applicationFailureInfo?.type;
  const atlasError =
    failure && failureType !== JOB_NOT_FINISHED
      ? {
          type: failureType ?? 'Error',
          message: failure.message ?? '',
          at: new Date(optionalTsToMs(wait.lastAttemptCompleteTime) ?? Date.now()).toISOString(),
        }
      : null;
  return {
    ...status,
    pollCount: status.pollCount + failedAttempts,
    nextPollAt: nextMs === undefined ? status.nextPollAt : new Date(nextMs).toISOString(),
    lastError: atlasError ?? status.lastError,
  };
}

/** The workflow puts its final status in the failure details; read it back for operators. */
function statusFromFailure(err: unknown): RestoreStatus | undefined {
  if (!(err instanceof WorkflowFailedError) || !(err.cause instanceof ApplicationFailure)) return undefined;
  const detail = err.cause.details?.[0] as { status?: RestoreStatus } | undefined;
  return detail?.status;
}

function sameRestore(a: RestoreTarget, b: RestoreTarget): boolean {
  return (
    a.projectId === b.projectId &&
    a.clusterName === b.clusterName &&
    a.snapshotId === b.snapshotId &&
    a.delivery === b.delivery &&
    a.targetProjectId === b.targetProjectId &&
    a.targetClusterName === b.targetClusterName
  );
}

/** One-line description of a restore, for messages. */
export function describeTarget(t: RestoreTarget): string {
  const source = `snapshot ${t.snapshotId} of ${t.projectId}/${t.clusterName}`;
  return t.delivery === 'DOWNLOAD'
    ? `a download of ${source}`
    : `${source} onto ${t.targetProjectId}/${t.targetClusterName}`;
}
