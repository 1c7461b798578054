import { bundleWorkflowCode, DefaultLogger, Runtime, Worker, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Agent } from 'undici';
import { AtlasClient } from '../../activities/atlas/atlas-client';
import { createActivities } from '../../activities';
import type { SimulatorSeedInput } from '../../simulator/seed';
import { DEFAULT_SIMULATOR_PRIVATE_KEY, DEFAULT_SIMULATOR_PUBLIC_KEY, SEED_PROJECT_ID } from '../../simulator/seed';

/** Test clusters in the seed project, one per test so restores never share a target (the workflow id). */
export const TEST_CLUSTERS = Array.from({ length: 16 }, (_, i) => ({
  name: `wf-test-${i + 1}`,
  snapshotId: (0x6000000000 + i).toString(16).padStart(24, '0'),
}));

/** A seed with {@link TEST_CLUSTERS}, each with one completed snapshot. */
export const TEST_SEED: SimulatorSeedInput = {
  projects: [
    {
      id: SEED_PROJECT_ID,
      clusters: TEST_CLUSTERS.map((c) => ({ name: c.name, snapshots: [{ id: c.snapshotId }] })),
    },
  ],
};

/** Connects to the dev server the global setup started. */
export async function connectTestEnv(): Promise<TestWorkflowEnvironment> {
  const address = process.env.TEMPORAL_TEST_ADDRESS;
  if (!address) throw new Error('TEMPORAL_TEST_ADDRESS is unset: run through jest (the temporal project starts a server)');
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  return TestWorkflowEnvironment.createFromExistingServer({ address });
}

/** Bundles the production workflows plus the test caller workflow, once per test file. */
export async function bundleTestWorkflows(): Promise<WorkflowBundleWithSourceMap> {
  return bundleWorkflowCode({
    workflowsPath: require.resolve('../fixtures/test-workflows'),
    logger: new DefaultLogger('WARN'),
  });
}

/** An Atlas client for the simulator with short keep-alive, and a `close` that also closes its connection pool. */
export function simulatorAtlasClient(
  url: string,
  privateKey = DEFAULT_SIMULATOR_PRIVATE_KEY
): { atlas: AtlasClient; close: () => Promise<void> } {
  const dispatcher = new Agent({ keepAliveTimeout: 10, keepAliveMaxTimeout: 10 });
  const atlas = new AtlasClient({
    baseUrl: url,
    credentials: { publicKey: DEFAULT_SIMULATOR_PUBLIC_KEY, privateKey },
    dispatcher,
  });
  return {
    atlas,
    close: async () => {
      await atlas.close();
      await dispatcher.close();
    },
  };
}

/** A worker on its own task queue with the real activities against the given Atlas client. */
export async function createTestWorker(
  env: TestWorkflowEnvironment,
  bundle: WorkflowBundleWithSourceMap,
  taskQueue: string,
  atlas: AtlasClient
): Promise<Worker> {
  return Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: bundle,
    activities: createActivities({ atlas }),
  });
}

/** Fast polling for tests: real timers on a real server, so keep them short. */
export const FAST_POLLING = {
  initialDelaySeconds: 0.3,
  intervalSeconds: 0.3,
  backoffCoefficient: 1,
  maxIntervalSeconds: 0.5,
  jitterRatio: 0.1,
};
