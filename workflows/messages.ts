import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { RestoreFinishedNotification, RestoreStatus } from '../contract/restore';
import {
  POLL_NOW_SIGNAL,
  RESTORE_FINISHED_SIGNAL,
  RESTORE_JOB_UPDATE,
  RESTORE_STATUS_QUERY,
} from '../contract/restore-names';

/** Returns the live {@link RestoreStatus} of a restore. */
export const restoreStatusQuery = defineQuery<RestoreStatus>(RESTORE_STATUS_QUERY);

/**
 * Sent by the restore workflow to the caller's workflow named in `notify`. Define a handler for it in the caller
 * (`setHandler(restoreFinishedSignal, (n) => …)`) to learn the outcome without polling.
 */
export const restoreFinishedSignal = defineSignal<[RestoreFinishedNotification]>(RESTORE_FINISHED_SIGNAL);

/**
 * Ends the current wait and polls Atlas at once. Send it when something outside (an Atlas alert, a webhook, an
 * operator) says the job has probably finished: the restore notices in one round trip instead of the next poll.
 */
export const pollNowSignal = defineSignal<[]>(POLL_NOW_SIGNAL);

/**
 * Resolves with the {@link RestoreStatus} once the Atlas job exists (`jobId` set) or the restore ended without one
 * (`finishedAt` set, `lastError` says why). Meant for update-with-start: start-or-join and learn the job id at once.
 */
export const restoreJobUpdate = defineUpdate<RestoreStatus>(RESTORE_JOB_UPDATE);
