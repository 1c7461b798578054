import { ApplicationFailure, proxyActivities } from '@temporalio/workflow';
import type { WebhookActivities, WebhookDeliveryInput, WebhookDeliveryOutcome } from '../activities/webhook-delivery';

/** Workflow type name, for starting a delivery by name (the restore workflow starts it as an abandoned child). */
export const DELIVER_RESTORE_WEBHOOK_WORKFLOW_TYPE = 'deliverRestoreWebhookWorkflow';
/** How long a delivery keeps retrying unless told otherwise: a receiver down for most of a day still hears. */
export const DEFAULT_WEBHOOK_DEADLINE_SECONDS = 24 * 3600;

/** Input of {@link deliverRestoreWebhookWorkflow}. */
export interface DeliverRestoreWebhookInput extends WebhookDeliveryInput {
  /** Give up after this many seconds of attempts; default {@link DEFAULT_WEBHOOK_DEADLINE_SECONDS}. */
  deadlineSeconds?: number;
}

/**
 * Delivers one restore outcome to a webhook, retrying with backoff (1 s doubling to 5 min, sooner or later when the
 * receiver sends `Retry-After`) until a 2xx, a final refusal, or the deadline. Its own workflow, so a slow or absent
 * receiver never keeps the restore, and its target cluster, busy. Fails with the last attempt's failure.
 */
export async function deliverRestoreWebhookWorkflow(
  input: DeliverRestoreWebhookInput
): Promise<WebhookDeliveryOutcome> {
  const { deadlineSeconds = DEFAULT_WEBHOOK_DEADLINE_SECONDS, ...delivery } = input;
  if (!Number.isFinite(deadlineSeconds) || deadlineSeconds <= 0) {
    throw ApplicationFailure.create({
      message: `deadlineSeconds must be a positive number of seconds, not ${deadlineSeconds}`,
      type: 'InvalidWebhookDelivery', // the activity's WebhookFailureType.INVALID_DELIVERY (not importable here)
      nonRetryable: true,
    });
  }
  const { deliverRestoreWebhook } = proxyActivities<WebhookActivities>({
    // Above the activity's own 10 s request timeout, so a hung receiver is reported as such, not as a lost worker.
    startToCloseTimeout: '30 seconds',
    scheduleToCloseTimeout: deadlineSeconds * 1000,
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '5 minutes' },
  });
  return deliverRestoreWebhook(delivery);
}
