import { defineQuery, defineSignal } from '@temporalio/workflow';
import {
  RESTORE_FINISHED_SIGNAL,
  RESTORE_STATUS_QUERY,
  type RestoreFinishedNotification,
  type RestoreStatus,
} from '../contract/restore';

/** Returns the live {@link RestoreStatus} of a restore. */
export const restoreStatusQuery = defineQuery<RestoreStatus>(RESTORE_STATUS_QUERY);

/**
 * Sent by the restore workflow to the caller's workflow named in `notify`. Define a handler for it in the caller
 * (`setHandler(restoreFinishedSignal, (n) => …)`) to learn the outcome without polling.
 */
export const restoreFinishedSignal = defineSignal<[RestoreFinishedNotification]>(RESTORE_FINISHED_SIGNAL);
