import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import { createActivities, type RestoreJobsApi } from '../activities';
import { createWebhookActivities, createWebhookPolicy } from '../activities/webhook-delivery';

/** What {@link createRestoreWorker} needs; the entry point, the demo and the tests each wire their own. */
export interface RestoreWorkerDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** How the worker names itself to Temporal; the SDK's `pid@hostname` when left out. */
  identity?: string;
  /** Where restore webhooks may go and how they are signed; webhooks are refused when left out. */
  webhooks?: { secret?: string; allowedOrigins: readonly string[] };
  atlas: RestoreJobsApi;
  /** Whether DOWNLOAD links may be returned (only safe with payload encryption). */
  allowSnapshotUrls: boolean;
  /** Payload encryption, when configured; clients must use the same. */
  dataConverter?: DataConverter;
  /** A prebuilt bundle (`{ code }` or `{ codePath }`); the workflows are bundled at startup when left out. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Tuning passed to the Temporal worker unchanged. */
  tuning?: Pick<
    WorkerOptions,
    | 'maxConcurrentActivityTaskExecutions'
    | 'maxConcurrentWorkflowTaskExecutions'
    | 'maxCachedWorkflows'
    | 'maxTaskQueueActivitiesPerSecond'
    | 'shutdownGraceTime'
  >;
}

/**
 * Builds the worker that runs restore workflows, their Atlas activities and webhook deliveries on one task queue.
 * A malformed webhook secret or origin throws here, at startup.
 */
export async function createRestoreWorker(deps: RestoreWorkerDeps): Promise<Worker> {
  const webhooks = deps.webhooks ?? { allowedOrigins: [] };
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    // Left out rather than undefined: the SDK only fills in its `pid@hostname` default for a missing key.
    ...(deps.identity === undefined ? {} : { identity: deps.identity }),
    ...(deps.workflowBundle
      ? { workflowBundle: deps.workflowBundle }
      : { workflowsPath: require.resolve('../workflows') }),
    activities: {
      ...createActivities({
        atlas: deps.atlas,
        allowSnapshotUrls: deps.allowSnapshotUrls,
        webhookPolicy: createWebhookPolicy(webhooks),
      }),
      ...createWebhookActivities(webhooks),
    },
    dataConverter: deps.dataConverter,
    shutdownGraceTime: '10 seconds',
    ...deps.tuning,
  });
}
