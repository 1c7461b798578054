import { readFileSync } from 'node:fs';
import { NativeConnection, Runtime } from '@temporalio/worker';
import { AtlasClient, type AtlasRateLimitInfo } from '../activities/atlas/atlas-client';
import { loadTls } from '../client/temporal-settings';
import { dataConverterFor } from '../codec/payload-encryption';
import { parseWorkerConfig, WorkerConfigError } from './config';
import {
  ATLAS_REQUEST_DURATION_BUCKETS_MS,
  ATLAS_REQUEST_DURATION_METRIC,
  recordAtlasCalls,
} from './atlas-call-metrics';
import { createRestoreWorker } from './create-worker';
import { createWorkerLogger } from './json-logger';
import { ensureSearchAttributes, MissingSearchAttributesError } from './search-attribute-setup';

/** Restores take minutes to hours: duration buckets in seconds, from 5 s to 8 h. */
const RESTORE_DURATION_BUCKETS_S = [5, 10, 30, 60, 120, 300, 600, 1200, 1800, 3600, 7200, 14_400, 28_800];

/**
 * Entry point of the worker process: reads the environment, connects to Temporal and Atlas, runs until SIGINT or
 * SIGTERM, then lets running activities finish (the Temporal runtime drains the worker on those signals).
 */
async function run(): Promise<void> {
  const config = parseWorkerConfig(process.env, (path) => readFileSync(path, 'utf8'));
  Runtime.install({
    logger: createWorkerLogger(config.logLevel, config.logFormat),
    telemetryOptions: {
      // The SDK core's own log lines go through the same logger, so JSON output stays one format.
      logging: { forward: {}, filter: { core: 'WARN', other: 'ERROR' } },
      metrics: config.metricsBindAddress
        ? {
            prometheus: {
              bindAddress: config.metricsBindAddress,
              countersTotalSuffix: true,
              histogramBucketOverrides: {
                atlas_restore_restore_duration_seconds: RESTORE_DURATION_BUCKETS_S,
                [ATLAS_REQUEST_DURATION_METRIC]: ATLAS_REQUEST_DURATION_BUCKETS_MS,
              },
            },
          }
        : undefined,
    },
  });
  const logger = Runtime.instance().logger;
  const dataConverter = dataConverterFor(config.payloadEncryptionKeys);
  const atlas = new AtlasClient({
    baseUrl: config.atlas.baseUrl,
    credentials: config.atlas.credentials,
    timeouts: config.atlas.timeouts,
    onRateLimit: warnWhenBucketLow(),
    onCall: recordAtlasCalls(Runtime.instance().metricMeter),
  });
  const connection = await NativeConnection.connect({
    address: config.temporal.address,
    apiKey: config.temporal.apiKey,
    tls: loadTls(config.temporal.tls, (path) => readFileSync(path)),
  });
  try {
    await ensureSearchAttributes(
      connection.operatorService,
      config.temporal.namespace,
      config.registerSearchAttributes,
      logger
    );
    const worker = await createRestoreWorker({
      connection,
      identity: config.identity,
      webhooks: config.webhooks,
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
    logger.info(
      `atlas-restore worker polling task queue ${config.temporal.taskQueue} on ${config.temporal.address} ` +
        `(namespace ${config.temporal.namespace}), Atlas at ${config.atlas.baseUrl} with ` +
        `${'clientId' in config.atlas.credentials ? 'a Service Account' : 'an API key'}` +
        `${dataConverter ? ', payloads encrypted' : ''}` +
        `${config.atlas.maxCallsPerSecond ? `, at most ${config.atlas.maxCallsPerSecond} Atlas calls/s per task queue` : ''}` +
        `${config.metricsBindAddress ? `, metrics on http://${config.metricsBindAddress}/metrics` : ''}`,
      { taskQueue: config.temporal.taskQueue, namespace: config.temporal.namespace, identity: worker.options.identity }
    );
    await worker.run();
    logger.info('atlas-restore worker stopped');
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
  const known = err instanceof WorkerConfigError || err instanceof MissingSearchAttributesError;
  console.error(known ? err.message : err);
  process.exit(1);
});
