/** The single entry the worker bundles: every workflow this worker runs. */
export { restoreSnapshotWorkflow } from './restore-snapshot';
export { deliverRestoreWebhookWorkflow } from './deliver-restore-webhook';
