import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { AtlasClient } from '../activities/atlas/atlas-client';
import { startRestore } from '../client/restore-client';
import { formatOutcomeLine, formatStatusLine, watchRestore } from '../client/watch-restore';
import { DEFAULT_TASK_QUEUE } from '../contract/restore';
import {
  DEFAULT_SIMULATOR_PRIVATE_KEY,
  DEFAULT_SIMULATOR_PUBLIC_KEY,
  SEED_CLUSTER_NAME,
  SEED_PROJECT_ID,
  SEED_SNAPSHOT_ID,
} from '../simulator/seed';
import { startAtlasSimulator } from '../simulator/server';
import { createRestoreWorker } from '../worker/create-worker';
import { startLocalTemporal } from './dev-server';
import { resolveTemporalBinary } from './temporal-binary';

/**
 * Entry point of the demo: a real Temporal dev server, the local Atlas simulator and a worker, all on this
 * machine; restores the documented example snapshot, shows progress, and prints `restore <jobId> COMPLETED`.
 * `--fail` makes the simulated Atlas job fail, and the demo exits 1 with the reason.
 */
async function main(): Promise<number> {
  const { values } = parseArgs({
    options: { fail: { type: 'boolean', default: false }, 'running-seconds': { type: 'string', default: '4' } },
  });
  const runningMs = Number(values['running-seconds']) * 1000;
  if (!Number.isFinite(runningMs) || runningMs < 0) throw new Error('--running-seconds must be a number ≥ 0');
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const say = (line: string) => console.log(line);

  const binary = resolveTemporalBinary(process.env, say);
  const server = await startLocalTemporal({ binary });
  say(`Temporal dev server ready at ${server.address}${binary ? ` (${binary})` : ''}`);
  const simulator = await startAtlasSimulator({
    timing: { pendingMs: 1000, queuedMs: 1000, runningMs },
    outcome: values.fail ? 'FAILED' : 'COMPLETED',
  });
  say(`Atlas simulator ready at ${simulator.url}${values.fail ? ' (restore jobs will FAIL)' : ''}`);
  const atlas = new AtlasClient({
    baseUrl: simulator.url,
    credentials: { publicKey: DEFAULT_SIMULATOR_PUBLIC_KEY, privateKey: DEFAULT_SIMULATOR_PRIVATE_KEY },
  });
  const workerConnection = await NativeConnection.connect({ address: server.address });
  const clientConnection = await Connection.connect({ address: server.address });
  try {
    const worker = await createRestoreWorker({
      connection: workerConnection,
      namespace: 'default',
      taskQueue: DEFAULT_TASK_QUEUE,
      atlas,
      allowSnapshotUrls: false,
    });
    say(`Worker polling task queue ${DEFAULT_TASK_QUEUE}`);
    const client = new Client({ connection: clientConnection });
    const outcome = await worker.runUntil(async () => {
      const started = await startRestore(client, {
        projectId: SEED_PROJECT_ID,
        clusterName: SEED_CLUSTER_NAME,
        snapshotId: SEED_SNAPSHOT_ID,
        targetClusterName: SEED_CLUSTER_NAME,
        polling: { initialDelaySeconds: 1, intervalSeconds: 1, backoffCoefficient: 1.2, maxIntervalSeconds: 3 },
      });
      say(
        `Restoring snapshot ${SEED_SNAPSHOT_ID} of ${SEED_PROJECT_ID}/${SEED_CLUSTER_NAME} onto ${SEED_CLUSTER_NAME} ` +
          `(workflow ${started.workflowId})`
      );
      return watchRestore(client, started.workflowId, { intervalMs: 300, onProgress: (s) => say(formatStatusLine(s)) });
    });
    say(`Atlas calls served by the simulator: ${simulator.requests.length}`);
    say(formatOutcomeLine(outcome));
    return outcome.outcome === 'COMPLETED' ? 0 : 1;
  } finally {
    await clientConnection.close();
    await workerConnection.close();
    await atlas.close();
    await simulator.close();
    await server.stop();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  }
);
