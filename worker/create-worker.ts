import { Worker, type NativeConnection, type WorkerOptions } from '@temporalio/worker';
import type { DataConverter } from '@temporalio/common';
import { createActivities, type RestoreJobsApi } from '../activities';

/** What {@link createRestoreWorker} needs; the entry point, the demo and the tests each wire their own. */
export interface RestoreWorkerDeps {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
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

/** Builds the worker that runs restore workflows and their Atlas activities on one task queue. */
export async function createRestoreWorker(deps: RestoreWorkerDeps): Promise<Worker> {
  return Worker.create({
    connection: deps.connection,
    namespace: deps.namespace,
    taskQueue: deps.taskQueue,
    ...(deps.workflowBundle
      ? { workflowBundle: deps.workflowBundle }
      : { workflowsPath: require.resolve('../workflows') }),
    activities: createActivities({ atlas: deps.atlas, allowSnapshotUrls: deps.allowSnapshotUrls }),
    dataConverter: deps.dataConverter,
    shutdownGraceTime: '10 seconds',
    ...deps.tuning,
  });
}
