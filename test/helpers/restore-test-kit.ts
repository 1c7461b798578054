import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import {
  bundleWorkflowCode,
  DefaultLogger,
  Runtime,
  type Worker,
  type WorkflowBundleWithSourceMap,
} from '@temporalio/worker';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure, type DataConverter } from '@temporalio/common';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Agent } from 'undici';
import { AtlasClient, type AtlasCredentials } from '../../activities/atlas/atlas-client';
import { createRestoreWorker } from '../../worker/create-worker';
import type { RestoreRequestInput } from '../../contract/restore';
import type { SimulatorSeedInput } from '../../simulator/seed';
import { startAtlasSimulator, type AtlasSimulator, type AtlasSimulatorOptions } from '../../simulator/server';
import { DEFAULT_SIMULATOR_PRIVATE_KEY, DEFAULT_SIMULATOR_PUBLIC_KEY, SEED_PROJECT_ID } from '../../simulator/seed';

/** Tenant test clusters in the seed project, one per test so restores never share a target (the workflow id). */
export const TEST_CLUSTERS = Array.from({ length: 16 }, (_, i) => ({
  name: `wf-test-${i + 1}`,
  snapshotId: (0x6000000000 + i).toString(16).padStart(24, '0'),
}));

/** Flex test clusters, each with three snapshots: two COMPLETED (the second is newest) and a newer FAILED one. */
export const FLEX_TEST_CLUSTERS = Array.from({ length: 8 }, (_, i) => ({
  name: `flex-test-${i + 1}`,
  snapshotIds: [0, 1, 2].map((k) => (0x7000000000 + i * 16 + k).toString(16).padStart(24, '0')),
}));

/** A seed with {@link TEST_CLUSTERS} (one completed snapshot each) and {@link FLEX_TEST_CLUSTERS}. */
export const TEST_SEED: SimulatorSeedInput = {
  projects: [
    {
      id: SEED_PROJECT_ID,
      clusters: [
        ...TEST_CLUSTERS.map((c) => ({ name: c.name, snapshots: [{ id: c.snapshotId }] })),
        ...FLEX_TEST_CLUSTERS.map((c) => ({
          name: c.name,
          family: 'flex' as const,
          snapshots: [
            { id: c.snapshotIds[0]!, finishTime: '2026-08-01T17:06:56Z' },
            { id: c.snapshotIds[1]!, finishTime: '2026-08-02T17:06:56Z' },
            { id: c.snapshotIds[2]!, status: 'FAILED' as const, finishTime: '2026-08-03T17:06:56Z' },
          ],
        })),
      ],
    },
  ],
};

/** Connects to the dev server the global setup started. */
export async function connectTestEnv(): Promise<TestWorkflowEnvironment> {
  const address = process.env.TEMPORAL_TEST_ADDRESS;
  if (!address)
    throw new Error('TEMPORAL_TEST_ADDRESS is unset: run through jest (the temporal project starts a server)');
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
  credentials: AtlasCredentials = { publicKey: DEFAULT_SIMULATOR_PUBLIC_KEY, privateKey: DEFAULT_SIMULATOR_PRIVATE_KEY }
): { atlas: AtlasClient; close: () => Promise<void> } {
  const dispatcher = new Agent({ keepAliveTimeout: 10, keepAliveMaxTimeout: 10 });
  const atlas = new AtlasClient({ baseUrl: url, credentials, dispatcher });
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
  atlas: AtlasClient,
  options: { allowSnapshotUrls?: boolean; dataConverter?: DataConverter; webhooks?: TestWebhooks } = {}
): Promise<Worker> {
  return createRestoreWorker({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue,
    workflowBundle: bundle,
    atlas,
    allowSnapshotUrls: options.allowSnapshotUrls ?? true,
    dataConverter: options.dataConverter,
    webhooks: options.webhooks,
  });
}

/** Webhook settings of a test worker (the worker's WEBHOOK_SECRET and WEBHOOK_ALLOWED_ORIGINS). */
export interface TestWebhooks {
  secret?: string;
  allowedOrigins: string[];
}

/** Fast polling for tests: real timers on a real server, so keep them short. */
export const FAST_POLLING = {
  initialDelaySeconds: 0.3,
  intervalSeconds: 0.3,
  backoffCoefficient: 1,
  maxIntervalSeconds: 0.5,
  jitterRatio: 0.1,
};

/** Everything one workflow test runs against. */
export interface Harness {
  sim: AtlasSimulator;
  atlas: AtlasClient;
  worker: Worker;
  taskQueue: string;
}

/** Options of {@link withHarness}. */
export interface HarnessOptions {
  /** Atlas credentials of the worker; the simulator's default API key when left out. */
  credentials?: AtlasCredentials;
  allowSnapshotUrls?: boolean;
  dataConverter?: DataConverter;
  webhooks?: TestWebhooks;
}

let queueCounter = 0;

/** Runs `body` with a fresh simulator, Atlas client and worker on a task queue of its own; always cleans up. */
export async function withHarness<T>(
  env: TestWorkflowEnvironment,
  bundle: WorkflowBundleWithSourceMap,
  simOptions: AtlasSimulatorOptions,
  body: (h: Harness) => Promise<T>,
  options: HarnessOptions = {}
): Promise<T> {
  const sim = await startAtlasSimulator({ seed: TEST_SEED, ...simOptions });
  const { atlas, close } = simulatorAtlasClient(sim.url, options.credentials);
  const taskQueue = `restore-test-${process.pid}-${++queueCounter}`;
  try {
    const worker = await createTestWorker(env, bundle, taskQueue, atlas, options);
    return await worker.runUntil(body({ sim, atlas, worker, taskQueue }));
  } finally {
    await close();
    await sim.close();
  }
}

/** A restore request for tenant test cluster `index`, restoring onto itself, with fast polling. */
export function requestFor(index: number, extra: Partial<RestoreRequestInput> = {}): RestoreRequestInput {
  const cluster = TEST_CLUSTERS[index]!;
  return {
    projectId: SEED_PROJECT_ID,
    clusterName: cluster.name,
    snapshotId: cluster.snapshotId,
    targetClusterName: cluster.name,
    polling: FAST_POLLING,
    ...extra,
  };
}

/** Authenticated POSTs the simulator served: the number of jobs a client tried to create. */
export function posts(sim: AtlasSimulator): number {
  return sim.requests.filter((r) => r.method === 'POST' && r.authenticated && r.path.startsWith('/api/atlas/')).length;
}

/** Awaits a workflow result that must fail, and returns its ApplicationFailure. */
export async function expectFailure(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e
  );
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause;
  expect(cause).toBeInstanceOf(ApplicationFailure);
  return cause as ApplicationFailure;
}

/** With RECORD_HISTORIES=1, saves a finished workflow's id and history as a replay fixture (test/fixtures/histories). */
export async function recordHistory(env: TestWorkflowEnvironment, name: string, workflowId: string): Promise<void> {
  if (process.env.RECORD_HISTORIES !== '1') return;
  const history = JSON.parse(historyToJSON(await env.client.workflow.getHandle(workflowId).fetchHistory()));
  writeFileSync(
    join(__dirname, '..', 'fixtures', 'histories', `${name}.json`),
    JSON.stringify({ workflowId, history }, null, 1)
  );
}

/**
 * The payload key of tests that record encrypted histories: fixed, so the replay test can read them. A test key
 * only, never used outside tests.
 */
export const TEST_PAYLOAD_KEYS = 'test-key-1:MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=';

/** One workflow test file's shared server connection and workflow bundle, set up once and torn down after. */
export interface RestoreTestSuite {
  readonly env: TestWorkflowEnvironment;
  /** {@link withHarness} with this suite's connection and bundle. */
  withHarness<T>(
    simOptions: AtlasSimulatorOptions,
    body: (h: Harness) => Promise<T>,
    options?: HarnessOptions
  ): Promise<T>;
}

/** Registers the suite's `beforeAll`/`afterAll` (connect to the global dev server, bundle once). */
export function useRestoreTestSuite(): RestoreTestSuite {
  let env: TestWorkflowEnvironment | undefined;
  let bundle: WorkflowBundleWithSourceMap | undefined;
  beforeAll(async () => {
    env = await connectTestEnv();
    bundle = await bundleTestWorkflows();
  });
  afterAll(async () => {
    await env?.teardown();
  });
  const ready = () => {
    if (!env || !bundle) throw new Error('the test suite is not set up yet');
    return { env, bundle };
  };
  return {
    get env() {
      return ready().env;
    },
    withHarness: (simOptions, body, options) => withHarness(ready().env, ready().bundle, simOptions, body, options),
  };
}
