import { readFileSync } from 'node:fs';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { AtlasClient, type AtlasRateLimitInfo } from '../activities/atlas/atlas-client';
import { loadTls } from '../client/temporal-settings';
import { dataConverterFor } from '../codec/payload-encryption';
import { parseWorkerConfig, WorkerConfigError } from './config';
import { createRestoreWorker } from './create-worker';

/**
 * Entry point of the worker process: reads the environment, connects to Temporal and Atlas, runs until SIGINT or
 * SIGTERM, then lets running activities finish (the Temporal runtime drains the worker on those signals).
 */
async function run(): Promise<void> {
  const config = parseWorkerConfig(process.env, (path) => readFileSync(path, 'utf8'));
  Runtime.install({ logger: new DefaultLogger(config.logLevel) });
  const dataConverter = dataConverterFor(config.payloadEncryptionKeys);
  const atlas = new AtlasClient({
    baseUrl: config.atlas.baseUrl,
    credentials: config.atlas.credentials,
    timeouts: config.atlas.timeouts,
    onRateLimit: warnWhenBucketLow(),
  });
  const connection = await NativeConnection.connect({
    address: config.temporal.address,
    apiKey: config.temporal.apiKey,
    tls: loadTls(config.temporal.tls, (path) => readFileSync(path)),
  });
  try {
    const worker = await createRestoreWorker({
      connection,
      namespace: config.temporal.namespace,
      taskQueue: config.temporal.taskQueue,
      atlas,
      // A download's link may only travel through Temporal encrypted, unless the operator accepted the risk.
      allowSnapshotUrls: dataConverter !== undefined || config.atlas.allowPlaintextSnapshotUrls,
      dataConverter,
      workflowBundle: config.worker.workflowBundlePath ? { codePath: config.worker.workflowBundlePath } : undefined,
      tuning: {
        maxTaskQueueActivitiesPerSecond: config.atlas.maxCallsPerSecond,
        maxConcurrentActivityTaskExecutions: config.worker.maxConcurrentActivityTaskExecutions,
        maxConcurrentWorkflowTaskExecutions: config.worker.maxConcurrentWorkflowTaskExecutions,
        maxCachedWorkflows: config.worker.maxCachedWorkflows,
      },
    });
    console.log(
      `atlas-restore worker polling task queue ${config.temporal.taskQueue} on ${config.temporal.address} ` +
        `(namespace ${config.temporal.namespace}), Atlas at ${config.atlas.baseUrl} with ` +
        `${'clientId' in config.atlas.credentials ? 'a Service Account' : 'an API key'}` +
        `${dataConverter ? ', payloads encrypted' : ''}` +
        `${config.atlas.maxCallsPerSecond ? `, at most ${config.atlas.maxCallsPerSecond} Atlas calls/s per task queue` : ''}`
    );
    await worker.run();
    console.log('atlas-restore worker stopped');
  } finally {
    await connection.close();
    await atlas.close();
  }
}

/**
 * Logs (at most every 30 s) when Atlas says less than a tenth of the project's rate-limit bucket is left, so an
 * operator sees throttling coming before 429s start (the fix: ATLAS_MAX_CALLS_PER_SECOND).
 */
function warnWhenBucketLow(): (info: AtlasRateLimitInfo) => void {
  let lastWarning = 0;
  return (info) => {
    if (info.limit === undefined || info.remaining === undefined || info.remaining >= info.limit / 10) return;
    if (Date.now() - lastWarning < 30_000) return;
    lastWarning = Date.now();
    Runtime.instance().logger.warn('Atlas rate-limit bucket nearly empty', {
      family: info.family,
      limit: info.limit,
      remaining: info.remaining,
    });
  };
}

run().catch((err) => {
  console.error(err instanceof WorkerConfigError ? err.message : err);
  process.exit(1);
});
