/** The TypeScript library for services that trigger restores. */
export {
  InvalidRestoreRequestError,
  RestoreAlreadyRunningError,
  RestoreFailedError,
  awaitRestore,
  getRestore,
  startRestore,
  type StartRestoreOptions,
  type StartedRestore,
} from './restore-client';
export { connectFromEnv, type RestoreClientContext } from './connection';
export { restoreFinishedSignal, restoreStatusQuery } from '../workflows/messages';
export {
  RESTORE_FINISHED_SIGNAL,
  RESTORE_JOB_UPDATE,
  POLL_NOW_SIGNAL,
  RESTORE_STATUS_QUERY,
  RESTORE_WORKFLOW_TYPE,
  DEFAULT_TASK_QUEUE,
  RestoreFailureType,
  restoreWorkflowId,
  type RestoreFinishedNotification,
  type RestoreRequestInput,
  type RestoreResult,
  type RestoreStatus,
} from '../contract/restore';
export {
  formatRestoreTable,
  listRestores,
  restoreListQuery,
  type RestoreListFilter,
  type RestoreSummary,
} from './restore-list';
export { restoreJobUpdate, pollNowSignal } from '../workflows/messages';
export {
  InvalidWebhookSecretError,
  WebhookVerificationError,
  parseWebhookSecret,
  signWebhook,
  verifyWebhook,
  type VerifiedWebhook,
  type VerifyWebhookInput,
  type WebhookVerificationReason,
} from '../contract/webhook-signature';
export { SearchAttributesMissingError } from './search-attribute-errors';
