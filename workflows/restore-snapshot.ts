import {
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  TimeoutFailure,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  log,
  ParentClosePolicy,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  startChild,
  upsertSearchAttributes,
  workflowInfo,
  type ActivityOptions,
} from '@temporalio/workflow';
import type { CreateRestoreJobOutput, JobChange, RestoreActivities } from '../activities/restore-activities';
import { AtlasFailureType } from '../contract/atlas-failures';
import { resolvePolling, type ResolvedPolling } from '../contract/polling';
import {
  RestoreFailureType,
  claimedTarget,
  isFinalRestoreJobStatus,
  restoreTargetOf,
  workflowIdFor,
} from '../contract/restore-names';
import type {
  ApiFamily,
  NotifyTarget,
  RestoreFinishedNotification,
  RestoreJobView,
  RestoreRequest,
  RestoreRequestInput,
  RestoreResult,
  RestoreStatus,
  RestoreTarget,
} from '../contract/restore';
import { searchAttributeChanges } from '../contract/search-attributes';
import { deliverRestoreWebhookWorkflow } from './deliver-restore-webhook';
import { pollNowSignal, restoreFinishedSignal, restoreJobUpdate, restoreStatusQuery } from './messages';
import { countRestoreFinished, countRestoreStarted } from './restore-metrics';

/** State carried from one run to the next when the workflow continues as new. Internal to the workflow. */
export interface RestoreContinuation {
  status: RestoreStatus;
  /** The request as validated by the first run. */
  request: RestoreRequest;
}

/** How long each step before polling (detect, create) may keep retrying before the restore is reported failed. */
const SETUP_STEP_TIMEOUT_MS = 15 * 60 * 1000;
/** A failed create is followed by one last look for a job an ambiguous attempt may have made. */
const FIND_STEP_TIMEOUT_MS = 5 * 60 * 1000;
const ACTIVITY_START_TO_CLOSE = '2 minutes';
/** Activities beat every few seconds, so a killed worker's activity is retried within this, not after 2 minutes. */
const ACTIVITY_HEARTBEAT_TIMEOUT = '20 seconds';

/** Poll errors after which waiting longer cannot help: the job, cluster or endpoint is gone or misbehaving. */
const FATAL_POLL_FAILURES: readonly string[] = [
  AtlasFailureType.NOT_FOUND,
  AtlasFailureType.ENDPOINT_GONE,
  AtlasFailureType.BAD_REQUEST,
  AtlasFailureType.RESPONSE_INVALID,
];

interface Failure {
  type: string;
  message: string;
}

/**
 * Restores an Atlas snapshot onto a target cluster (or requests its download) exactly once, and waits for Atlas to
 * finish: picks the API family and snapshot when asked to, creates the job (adopting one an earlier attempt made),
 * waits out a quiet period, then polls through activity retries until COMPLETED or FAILED or the deadline, keeps a
 * live status for the
 * `restoreStatus` query, signals the caller named in `notify`, and returns a {@link RestoreResult} or fails with a
 * typed `ApplicationFailure` ({@link RestoreFailureType}).
 */
export async function restoreSnapshotWorkflow(
  input: RestoreRequestInput,
  continuation?: RestoreContinuation
): Promise<RestoreResult> {
  // Queries answer from the first moment: a provisional status until the request is validated.
  let status = continuation?.status ?? provisionalStatus(input);
  let pollRequested = false;
  setHandler(restoreStatusQuery, () => status);
  setHandler(pollNowSignal, () => {
    pollRequested = true;
  });
  // Update-with-start callers learn the job id (or why there is none) as soon as it exists.
  setHandler(restoreJobUpdate, async () => {
    await condition(() => status.jobId !== null || status.finishedAt !== null);
    return status;
  });
  if (!continuation) countRestoreStarted(status.target.delivery);
  const request = continuation?.request ?? (await validate(input, status));
  const target = restoreTargetOf(request);
  const expectedWorkflowId = workflowIdFor(target);
  if (workflowInfo().workflowId !== expectedWorkflowId) {
    return refuse(
      status,
      request.notify ?? null,
      target,
      `Invalid restore request: it must run under workflow id "${expectedWorkflowId}" (the target), so that two ` +
        `restores of one target can never run at once; it was started as "${workflowInfo().workflowId}"`
    );
  }
  if (status.phase === 'VALIDATING') status = initialStatus(request, status.startedAt);
  publishSearchAttributes(status);

  const justCreated = status.jobId === null;
  if (justCreated) {
    applyJob(status, await createJob(request, status));
    publishSearchAttributes(status);
  }
  const jobId = status.jobId as string;
  const polling = resolvePolling(request.polling, status.family as ApiFamily);
  const deadlineMs = Date.parse(status.deadlineAt);
  if (justCreated && !isFinalRestoreJobStatus(status.atlasStatus ?? '')) {
    // Quiet period: a restore cannot finish this soon, so the first poll waits (a pollNow signal cuts it short).
    const wait = Math.min(polling.initialDelaySeconds * 1000, deadlineMs - Date.now());
    if (wait > 0) {
      status.nextPollAt = new Date(Date.now() + wait).toISOString();
      await condition(() => pollRequested, wait);
      status.nextPollAt = null;
    }
  }

  while (!isFinalRestoreJobStatus(status.atlasStatus ?? '')) {
    if (Date.now() >= deadlineMs) return finish(request, status, deadlineFailure(status));
    if (shouldContinueAsNew(request)) {
      status.continuedAsNew += 1;
      log.info('Continuing as new to keep history short', { historyLength: workflowInfo().historyLength });
      await continueAsNew<typeof restoreSnapshotWorkflow>(input, { status, request });
    }
    if (pollRequested) {
      pollRequested = false;
      await pollOnce(request, status, jobId, deadlineMs);
    } else {
      await awaitChange(request, status, polling, deadlineMs, () => pollRequested);
    }
  }

  if (status.atlasStatus === 'COMPLETED') return finish(request, status, null);
  return finish(request, status, {
    type: RestoreFailureType.RESTORE_FAILED,
    message: `Atlas reported ${request.delivery === 'DOWNLOAD' ? 'download' : 'restore'} job ${jobId} as FAILED`,
  });
}

/** A status with nothing known yet beyond the target and the clock. */
function blankStatus(
  phase: RestoreStatus['phase'],
  target: RestoreTarget,
  startedAt: string,
  deadlineAt: string
): RestoreStatus {
  return {
    workflowId: workflowInfo().workflowId,
    phase,
    target,
    jobId: null,
    adoptedExistingJob: false,
    family: null,
    familyReason: null,
    atlasStatus: null,
    pollCount: 0,
    continuedAsNew: 0,
    lastError: null,
    startedAt,
    updatedAt: startedAt,
    deadlineAt,
    nextPollAt: null,
    jobScheduledAt: null,
    jobFinishedAt: null,
    jobExpiresAt: null,
    finishedAt: null,
    notified: null,
    webhookWorkflowId: null,
  };
}

/** What queries see while the request is being validated: the target as claimed by the raw input. */
function provisionalStatus(input: unknown): RestoreStatus {
  const now = new Date().toISOString();
  return blankStatus('VALIDATING', claimedTarget(input), now, now);
}

function initialStatus(request: RestoreRequest, startedAt: string): RestoreStatus {
  const deadlineAt = new Date(Date.parse(startedAt) + request.deadlineSeconds * 1000).toISOString();
  const status = blankStatus('CREATING', restoreTargetOf(request), startedAt, deadlineAt);
  status.familyReason = request.family === 'auto' ? null : 'requested';
  return status;
}

/** Options for the steps before polling: retried with backoff until the step's time (or the deadline) runs out. */
function setupStepOptions(status: RestoreStatus, timeoutMs: number): ActivityOptions {
  const remainingMs = Date.parse(status.deadlineAt) - Date.now();
  return {
    startToCloseTimeout: ACTIVITY_START_TO_CLOSE,
    heartbeatTimeout: ACTIVITY_HEARTBEAT_TIMEOUT,
    scheduleToCloseTimeout: Math.max(1000, Math.min(timeoutMs, remainingMs)),
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
  };
}

/**
 * Creates the job (deciding the API family and snapshot first when the request left them to Atlas's answers), at
 * most once: the activity adopts a job an earlier attempt made, and after the step gives up the workflow looks once
 * more before reporting failure.
 */
async function createJob(request: RestoreRequest, status: RestoreStatus): Promise<RestoreJobView> {
  const { createRestoreJob } = proxyActivities<RestoreActivities>(setupStepOptions(status, SETUP_STEP_TIMEOUT_MS));
  const spec = {
    family: request.family,
    projectId: status.target.projectId,
    clusterName: status.target.clusterName,
    snapshotId: status.target.snapshotId,
    delivery: status.target.delivery,
    targetProjectId: status.target.targetProjectId,
    targetClusterName: status.target.targetClusterName,
    notBefore: status.startedAt,
  };
  let created: CreateRestoreJobOutput | null;
  try {
    created = await createRestoreJob({ ...spec, lookupFirst: false });
  } catch (err) {
    const failure = describeFailure(err);
    recordError(status, failure);
    // Whatever ended the create step, an earlier attempt's POST may have created the job with its answer lost (a
    // reset, a killed worker): look once more before reporting a failure, unless nothing was ever sent.
    const { findRestoreJob } = proxyActivities<RestoreActivities>(setupStepOptions(status, FIND_STEP_TIMEOUT_MS));
    created =
      failure.type === RestoreFailureType.DOWNLOADS_DISABLED ? null : await findRestoreJob(spec).catch(() => null);
    if (created === null) {
      return finish(
        request,
        status,
        failure.retryable
          ? {
              type: RestoreFailureType.ATLAS_UNAVAILABLE,
              message: `Could not create the ${request.delivery === 'DOWNLOAD' ? 'download' : 'restore'} job: ${failure.message}`,
            }
          : failure
      );
    }
  }
  status.adoptedExistingJob = created.adopted;
  status.family = created.family;
  status.familyReason = request.family === 'auto' ? created.familyReason : 'requested';
  status.target.snapshotId = created.snapshotId;
  return created.job;
}

/**
 * Waits (through activity retries, outside the history) until Atlas reports another status, or the report interval
 * passes; a `pollNow` signal cancels the wait so the caller polls at once.
 */
async function awaitChange(
  request: RestoreRequest,
  status: RestoreStatus,
  polling: ResolvedPolling,
  deadlineMs: number,
  nudged: () => boolean
): Promise<void> {
  const { awaitRestoreJobChange } = proxyActivities<RestoreActivities>({
    startToCloseTimeout: ACTIVITY_START_TO_CLOSE,
    heartbeatTimeout: ACTIVITY_HEARTBEAT_TIMEOUT,
    scheduleToCloseTimeout: Math.max(
      1000,
      Math.min(deadlineMs - Date.now(), (polling.reportEverySeconds + 300) * 1000)
    ),
    retry: {
      initialInterval: Math.round(polling.intervalSeconds * 1000),
      backoffCoefficient: 2,
      maximumInterval: Math.max(60_000, Math.round(polling.intervalSeconds * 1000)),
    },
  });
  status.phase = 'POLLING';
  touch(status);
  let settled = false;
  let change: JobChange | undefined;
  let error: unknown;
  const scope = new CancellationScope();
  const waiting = scope
    .run(() =>
      awaitRestoreJobChange({
        family: status.family as ApiFamily,
        projectId: request.projectId,
        clusterName: request.clusterName,
        jobId: status.jobId as string,
        knownStatus: status.atlasStatus,
        polling,
        jobCreatedAt: status.jobScheduledAt ?? status.startedAt,
      })
    )
    .then(
      (result) => {
        change = result;
      },
      (err: unknown) => {
        error = err;
      }
    )
    .finally(() => {
      settled = true;
    });
  await condition(() => settled || nudged());
  if (!settled) {
    scope.cancel();
    await waiting;
    return;
  }
  if (change !== undefined) {
    status.pollCount += change.polls;
    applyJob(status, change.job);
    status.lastError = null;
    return;
  }
  const failure = describeFailure(error);
  recordError(status, failure);
  if (FATAL_POLL_FAILURES.includes(failure.type)) return finish(request, status, failure);
  log.warn('Waiting for the job failed; will wait again', { jobId: status.jobId, type: failure.type });
}

async function pollOnce(request: RestoreRequest, status: RestoreStatus, jobId: string, deadlineMs: number) {
  const { getRestoreJob } = proxyActivities<RestoreActivities>({
    startToCloseTimeout: ACTIVITY_START_TO_CLOSE,
    heartbeatTimeout: ACTIVITY_HEARTBEAT_TIMEOUT,
    scheduleToCloseTimeout: Math.max(1000, deadlineMs - Date.now()),
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '30 seconds', maximumAttempts: 5 },
  });
  status.pollCount += 1;
  try {
    const job = await getRestoreJob({
      family: status.family as ApiFamily,
      projectId: request.projectId,
      clusterName: request.clusterName,
      jobId,
    });
    applyJob(status, job);
    status.lastError = null;
  } catch (err) {
    const failure = describeFailure(err);
    recordError(status, failure);
    if (FATAL_POLL_FAILURES.includes(failure.type)) return finish(request, status, failure);
    log.warn('Status poll failed; will poll again', { jobId, type: failure.type, message: failure.message });
  }
}

function applyJob(status: RestoreStatus, job: RestoreJobView): void {
  status.jobId = job.id;
  status.atlasStatus = job.status;
  status.jobScheduledAt = job.restoreScheduledDate;
  status.jobFinishedAt = job.restoreFinishedDate;
  status.jobExpiresAt = job.expirationDate;
  status.phase = 'POLLING';
  touch(status);
}

function shouldContinueAsNew(request: RestoreRequest): boolean {
  const info = workflowInfo();
  return info.historyLength >= request.continueAsNewAfterEvents || info.continueAsNewSuggested;
}

interface DescribedFailure extends Failure {
  retryable: boolean;
}

function describeFailure(err: unknown): DescribedFailure {
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    return { type: cause.type ?? 'Error', message: cause.message, retryable: !cause.nonRetryable };
  }
  if (cause instanceof TimeoutFailure) {
    return { type: 'ActivityTimeout', message: `Atlas call timed out (${cause.timeoutType})`, retryable: true };
  }
  return { type: 'Error', message: cause instanceof Error ? cause.message : String(cause), retryable: true };
}

function recordError(status: RestoreStatus, failure: Failure): void {
  const at = new Date().toISOString();
  status.lastError = { type: failure.type, message: failure.message, at };
  status.updatedAt = at;
}

/** Mirrors the status into the restore's search attributes (one history event, only when something changed). */
function publishSearchAttributes(status: RestoreStatus): void {
  const changes = searchAttributeChanges(workflowInfo().typedSearchAttributes, status);
  if (changes.length > 0) upsertSearchAttributes(changes);
}

function touch(status: RestoreStatus): void {
  status.updatedAt = new Date().toISOString();
}

function deadlineFailure(status: RestoreStatus): Failure {
  const job = status.jobId ? `Atlas job ${status.jobId} was still ${status.atlasStatus ?? 'unknown'}` : 'no job';
  return {
    type: RestoreFailureType.DEADLINE_EXCEEDED,
    message: `Restore deadline ${status.deadlineAt} passed: ${job}; it may still finish in Atlas`,
  };
}

/**
 * Ends the restore: sets the final phase, fetches a download's link, tells the caller, and returns the result or
 * throws the typed failure. Typed `never` on failure so callers can `return finish(...)` from any depth.
 */
function finish(request: RestoreRequest, status: RestoreStatus, failure: null): Promise<RestoreResult>;
function finish(request: RestoreRequest, status: RestoreStatus, failure: Failure): Promise<never>;
async function finish(request: RestoreRequest, status: RestoreStatus, failure: Failure | null): Promise<RestoreResult> {
  const snapshotUrl =
    failure === null && request.delivery === 'DOWNLOAD' ? await fetchSnapshotUrl(request, status) : null;
  const finishedAt = new Date().toISOString();
  status.finishedAt = finishedAt;
  status.updatedAt = finishedAt;
  status.nextPollAt = null;
  status.phase =
    failure === null
      ? 'COMPLETED'
      : failure.type === RestoreFailureType.DEADLINE_EXCEEDED
        ? 'DEADLINE_EXCEEDED'
        : 'FAILED';
  publishSearchAttributes(status);
  countRestoreFinished(status, failure?.type ?? null);
  const result: RestoreResult | null =
    failure === null
      ? {
          workflowId: status.workflowId,
          outcome: 'COMPLETED',
          target: status.target,
          jobId: status.jobId as string,
          adoptedExistingJob: status.adoptedExistingJob,
          family: status.family as ApiFamily,
          snapshotUrl,
          restoreScheduledDate: status.jobScheduledAt,
          restoreFinishedDate: status.jobFinishedAt,
          expirationDate: status.jobExpiresAt,
          pollCount: status.pollCount,
          startedAt: status.startedAt,
          finishedAt,
        }
      : null;
  if (request.notify) {
    await notifyCaller(request.notify, status, {
      workflowId: status.workflowId,
      outcome: failure === null ? 'COMPLETED' : 'FAILED',
      target: status.target,
      jobId: status.jobId,
      atlasStatus: status.atlasStatus,
      failure,
      result,
      finishedAt,
    });
  }
  if (result !== null) return result;
  throw ApplicationFailure.create({
    message: (failure as Failure).message,
    type: (failure as Failure).type,
    nonRetryable: true,
    details: [{ status }],
  });
}

/** A finished download's link, read once at the end so it never sits in the status or in activity results before. */
async function fetchSnapshotUrl(request: RestoreRequest, status: RestoreStatus): Promise<string | null> {
  const { getSnapshotUrl } = proxyActivities<RestoreActivities>(setupStepOptions(status, FIND_STEP_TIMEOUT_MS));
  return getSnapshotUrl({
    family: status.family as ApiFamily,
    projectId: request.projectId,
    clusterName: request.clusterName,
    jobId: status.jobId as string,
  });
}

/**
 * Tells whoever `notify` names: signals the caller workflow (recording in `status.notified` whether that worked), and
 * starts the webhook delivery as an abandoned child, so a slow or absent receiver is retried for up to a day without
 * holding this restore, and its target, open. A download's link never goes into a webhook.
 */
async function notifyCaller(
  notify: NotifyTarget,
  status: RestoreStatus,
  notification: RestoreFinishedNotification
): Promise<void> {
  if (notify.workflowId !== undefined) {
    try {
      await getExternalWorkflowHandle(notify.workflowId, notify.runId).signal(restoreFinishedSignal, notification);
      status.notified = true;
    } catch (err) {
      status.notified = false;
      log.warn('Could not signal the caller workflow', {
        callerWorkflowId: notify.workflowId,
        error: err instanceof Error ? err.message : String(err),
      });
    }
  }
  if (notify.webhookUrl !== undefined) {
    const info = workflowInfo();
    // Also the `webhook-id` receivers dedupe on: stable across attempts, unique per restore run, no dots or spaces.
    const workflowId = `${info.workflowId}/webhook/${info.runId}`.replace(/[^A-Za-z0-9/_-]/g, '_');
    const payload: RestoreFinishedNotification = notification.result
      ? { ...notification, result: { ...notification.result, snapshotUrl: null } }
      : notification;
    await startChild(deliverRestoreWebhookWorkflow, {
      workflowId,
      args: [{ url: notify.webhookUrl, deliveryId: workflowId, payload }],
      parentClosePolicy: ParentClosePolicy.ABANDON,
    });
    status.webhookWorkflowId = workflowId;
  }
}

/**
 * Validates the input with the contract's zod schema in a local activity: zod stays out of the workflow bundle
 * (every workflow evaluates the bundle's modules afresh), and the verdict is recorded, so replays never re-run it.
 * An invalid request ends the workflow, after telling a well-named caller why.
 */
async function validate(input: unknown, status: RestoreStatus): Promise<RestoreRequest> {
  const { validateRestoreRequest } = proxyLocalActivities<RestoreActivities>({
    startToCloseTimeout: '10 seconds',
    retry: { maximumAttempts: 3 },
  });
  const verdict = await validateRestoreRequest(input);
  if (verdict.valid) return verdict.request;
  return refuse(status, verdict.notify, verdict.target, `Invalid restore request:\n${verdict.error}`);
}

/** Ends a restore refused before anything was sent to Atlas: records why, tells a well-named caller, fails. */
async function refuse(
  status: RestoreStatus,
  notify: NotifyTarget | null,
  target: RestoreTarget,
  message: string
): Promise<never> {
  const failure = { type: RestoreFailureType.INVALID_REQUEST, message };
  recordError(status, failure);
  status.phase = 'FAILED';
  status.finishedAt = status.updatedAt;
  countRestoreFinished(status, failure.type);
  if (notify) await notifyRejection(notify, status, target, message);
  throw ApplicationFailure.create({ ...failure, nonRetryable: true, details: [{ status }] });
}

/** Tells the caller a request was refused, so nobody waits for a signal that never comes. */
async function notifyRejection(
  notify: NotifyTarget,
  status: RestoreStatus,
  target: RestoreTarget,
  message: string
): Promise<void> {
  await notifyCaller(notify, status, {
    workflowId: workflowInfo().workflowId,
    outcome: 'FAILED',
    target,
    jobId: null,
    atlasStatus: null,
    failure: { type: RestoreFailureType.INVALID_REQUEST, message },
    result: null,
    finishedAt: new Date().toISOString(),
  });
}
