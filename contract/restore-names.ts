/**
 * The contract's names, keys and pure helpers, without zod: workflow code imports these (zod stays out of the workflow
 * bundle, where every module is evaluated again for each workflow), everyone else gets them through `restore.ts`.
 */
import type { RestoreRequest, RestoreTarget } from './restore';

/** Workflow type name to start. */
export const RESTORE_WORKFLOW_TYPE = 'restoreSnapshotWorkflow';
/** Task queue the worker listens on unless configured otherwise. */
export const DEFAULT_TASK_QUEUE = 'atlas-restore';
/** Query name that returns a {@link RestoreStatus}. */
export const RESTORE_STATUS_QUERY = 'restoreStatus';
/** Signal name that makes a waiting restore poll Atlas at once. */
export const POLL_NOW_SIGNAL = 'pollNow';
/**
 * Update name that waits until the restore's Atlas job exists (or the restore ended) and returns the status: with
 * update-with-start a caller starts a restore, or joins the running one, and gets its job id in one call.
 */
export const RESTORE_JOB_UPDATE = 'awaitRestoreJob';
/** Signal name sent to the caller's workflow (`notify`) with a {@link RestoreFinishedNotification}. */
export const RESTORE_FINISHED_SIGNAL = 'restoreFinished';

/** `ApplicationFailure.type` values a restore workflow can end with; callers branch on these. */
export const RestoreFailureType = {
  /** Atlas ran the restore and reported FAILED. */
  RESTORE_FAILED: 'RestoreFailed',
  /** The overall deadline passed before Atlas reported a final status; the Atlas job may still be running. */
  DEADLINE_EXCEEDED: 'RestoreDeadlineExceeded',
  /** The request did not pass validation; nothing was sent to Atlas. */
  INVALID_REQUEST: 'InvalidRestoreRequest',
  /** Atlas refused the credentials (401) or the key lacks the role (403). */
  ATLAS_AUTH_FAILED: 'AtlasAuthFailed',
  /** The project, cluster, snapshot or restore job does not exist. */
  ATLAS_NOT_FOUND: 'AtlasNotFound',
  /** Atlas rejected the request as invalid (400). */
  ATLAS_BAD_REQUEST: 'AtlasBadRequest',
  /** The endpoint is sunset (410 VERSION_GONE). */
  ATLAS_ENDPOINT_GONE: 'AtlasEndpointGone',
  /** Atlas answered with a body that does not match its documented shape. */
  ATLAS_RESPONSE_INVALID: 'AtlasResponseInvalid',
  /** Atlas could not be reached, or kept failing, until the create step's time ran out. */
  ATLAS_UNAVAILABLE: 'AtlasUnavailable',
  /** A DOWNLOAD was asked of a worker that does not hand out links (no payload encryption configured). */
  DOWNLOADS_DISABLED: 'DownloadLinksDisabled',
} as const;
/** One of the {@link RestoreFailureType} values. */
export type RestoreFailureType = (typeof RestoreFailureType)[keyof typeof RestoreFailureType];

/** `ApplicationFailure.type` of the benign activity failure that schedules the next poll of a job still running. */
export const JOB_NOT_FINISHED = 'RestoreJobNotFinished';

/** True when Atlas will not move the job any further; unknown future statuses are treated as not final. */
export function isFinalRestoreJobStatus(status: string): status is 'COMPLETED' | 'FAILED' {
  return status === 'COMPLETED' || status === 'FAILED';
}

/** The business key of a restore: one restore per target cluster at a time. */
export function restoreWorkflowId(target: { targetProjectId: string; targetClusterName: string }): string {
  return `atlas-restore/${target.targetProjectId}/${target.targetClusterName}`;
}

/** The business key of a download: one per source snapshot at a time (a download wipes nothing). */
export function downloadWorkflowId(source: { projectId: string; clusterName: string; snapshotId: string }): string {
  return `atlas-download/${source.projectId}/${source.clusterName}/${source.snapshotId}`;
}

/** The restore's coordinates from a validated request (`latest` stays `latest` until the workflow resolves it). */
export function restoreTargetOf(request: RestoreRequest): RestoreTarget {
  const restore = request.delivery === 'RESTORE';
  return {
    projectId: request.projectId,
    clusterName: request.clusterName,
    snapshotId: request.snapshotId,
    delivery: request.delivery,
    targetProjectId: restore ? (request.targetProjectId ?? request.projectId) : null,
    targetClusterName: restore ? (request.targetClusterName ?? null) : null,
  };
}

/** The workflow id for a request: the target cluster for a RESTORE, the snapshot for a DOWNLOAD. */
export function workflowIdFor(target: RestoreTarget): string {
  if (target.delivery === 'DOWNLOAD' || target.targetProjectId === null || target.targetClusterName === null) {
    return downloadWorkflowId(target);
  }
  return restoreWorkflowId({ targetProjectId: target.targetProjectId, targetClusterName: target.targetClusterName });
}

/**
 * The coordinates a raw, possibly invalid input claims, for a provisional status and for telling the caller about a
 * refusal: strings as given (cut to 200 characters), everything else empty.
 */
export function claimedTarget(input: unknown): RestoreTarget {
  const raw =
    input !== null && typeof input === 'object' && !Array.isArray(input) ? (input as Record<string, unknown>) : {};
  const text = (key: string) => (typeof raw[key] === 'string' ? (raw[key] as string).slice(0, 200) : '');
  return {
    projectId: text('projectId'),
    clusterName: text('clusterName'),
    snapshotId: text('snapshotId'),
    delivery: raw.delivery === 'DOWNLOAD' ? 'DOWNLOAD' : 'RESTORE',
    targetProjectId: text('targetProjectId') || text('projectId') || null,
    targetClusterName: text('targetClusterName') || null,
  };
}
