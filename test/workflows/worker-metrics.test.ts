import { Client, Connection } from '@temporalio/client';
import { request } from 'undici';
import { awaitRestore, RestoreFailedError, startRestore } from '../../client/restore-client';
import { DEFAULT_SIMULATOR_PRIVATE_KEY } from '../../simulator/seed';
import { freePort } from '../../scripts/dev-server';
import { startAtlasSimulator, type AtlasSimulator } from '../../simulator/server';
import { FAST_POLLING } from '../helpers/restore-test-kit';
import { temporalTestAddress, testWorkerEnv, WorkerProcess, writeWorkflowBundle } from '../helpers/worker-process';

/**
 * The real worker process with `METRICS_BIND_ADDRESS`: after four restores (two tenant and one Flex completing, one
 * tenant failing) behind a deliberately small Atlas rate limit, its Prometheus endpoint shows the restore counters,
 * the duration histogram and the Atlas call counters with exactly the values the restores and the simulator's own
 * request log imply, next to the SDK's metrics; and every line it logged is JSON carrying workflow ids, no secret.
 */

const PROJECT = '5e7a1c5000000000000000a1';
const SNAPSHOT = (i: number) => (0x5e7a000000 + i).toString(16).padStart(24, '0');
const CLUSTERS = [
  { name: 'metrics-ok-1', family: 'tenant' as const },
  { name: 'metrics-ok-2', family: 'tenant' as const },
  { name: 'metrics-fails', family: 'tenant' as const, restoreOutcome: 'FAILED' as const },
  { name: 'metrics-flex', family: 'flex' as const },
];

/** One sample of the exposition format. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus text exposition (what `/metrics` serves) into samples. */
function parsePrometheus(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)/.exec(line);
    if (!match) continue;
    const labels: Record<string, string> = {};
    for (const [, key, value] of (match[2] ?? '').matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g)) labels[key!] = value!;
    samples.push({ name: match[1]!, labels, value: Number(match[3]) });
  }
  return samples;
}

/** The sum of every sample named `name` whose labels include `labels`. */
function total(samples: Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))
    .reduce((sum, s) => sum + s.value, 0);
}

let sim: AtlasSimulator | undefined;
let connection: Connection | undefined;
let bundle: { path: string; remove: () => void } | undefined;
let worker: WorkerProcess | undefined;

beforeAll(async () => {
  sim = await startAtlasSimulator({
    seed: {
      projects: [
        {
          id: PROJECT,
          clusters: CLUSTERS.map((c, i) => ({ ...c, snapshots: [{ id: SNAPSHOT(i) }] })),
        },
      ],
    },
    timing: { pendingMs: 300, queuedMs: 300, runningMs: 1500 },
    flexTiming: { pendingMs: 300, queuedMs: 0, runningMs: 1500 },
    // Small buckets, so the fast polls below run into 429s that the counters must report.
    rateLimits: {
      tenantRestoreJobs: { capacity: 2, refill: 2, periodSeconds: 1 },
      flexRestoreJobs: { capacity: 2, refill: 2, periodSeconds: 1 },
    },
  });
  bundle = await writeWorkflowBundle();
  connection = await Connection.connect({ address: temporalTestAddress() });
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  await connection?.close();
  await sim?.close();
  bundle?.remove();
}, 60_000);

test('the metrics endpoint counts restores by family and outcome and Atlas calls by endpoint and status', async () => {
  const atlas = sim as AtlasSimulator;
  const taskQueue = `metrics-${process.pid}-${Date.now()}`;
  const metricsAddress = `127.0.0.1:${await freePort()}`;
  worker = WorkerProcess.start({
    name: 'metrics',
    env: testWorkerEnv(atlas.url, taskQueue, (bundle as { path: string }).path, {
      METRICS_BIND_ADDRESS: metricsAddress,
      LOG_FORMAT: 'json',
    }),
  });
  await worker.waitUntilReady(60_000);
  const client = new Client({ connection: connection as Connection });

  const outcomes = await Promise.all(
    CLUSTERS.map(async (c, i) => {
      const started = await startRestore(
        client,
        {
          projectId: PROJECT,
          clusterName: c.name,
          snapshotId: SNAPSHOT(i),
          targetClusterName: c.name,
          polling: FAST_POLLING,
        },
        { taskQueue }
      );
      return awaitRestore(client, started.workflowId).then(
        () => 'COMPLETED',
        (err: unknown) => (err instanceof RestoreFailedError ? err.type : String(err))
      );
    })
  );
  expect(outcomes).toEqual(['COMPLETED', 'COMPLETED', 'RestoreFailed', 'COMPLETED']);

  const served = atlas.requests.filter((r) => r.path.startsWith('/api/'));
  const rateLimited = served.filter((r) => r.status === 429).length;
  const scrape = async () => {
    const response = await request(`http://${metricsAddress}/metrics`);
    expect(response.statusCode).toBe(200);
    return parsePrometheus(await response.body.text());
  };
  // Workflow metrics reach the exporter from the workflow thread: give the last completion a moment.
  let samples = await scrape();
  for (let i = 0; i < 50 && total(samples, 'atlas_restore_restore_duration_seconds_count') < 4; i++) {
    await new Promise((resolve) => setTimeout(resolve, 200));
    samples = await scrape();
  }

  expect(total(samples, 'atlas_restore_restores_started_total', { delivery: 'RESTORE' })).toBe(4);
  expect(total(samples, 'atlas_restore_restores_completed_total', { family: 'tenant-v1' })).toBe(2);
  expect(total(samples, 'atlas_restore_restores_completed_total', { family: 'flex' })).toBe(1);
  expect(total(samples, 'atlas_restore_restores_completed_total')).toBe(3);
  expect(
    total(samples, 'atlas_restore_restores_failed_total', { family: 'tenant-v1', failure_type: 'RestoreFailed' })
  ).toBe(1);
  expect(total(samples, 'atlas_restore_restores_failed_total')).toBe(1);
  expect(total(samples, 'atlas_restore_restore_duration_seconds_count', { outcome: 'COMPLETED' })).toBe(3);
  expect(total(samples, 'atlas_restore_restore_duration_seconds_count', { outcome: 'FAILED' })).toBe(1);
  const durationSum = total(samples, 'atlas_restore_restore_duration_seconds_sum');
  expect(durationSum).toBeGreaterThan(4 * 2);
  expect(durationSum).toBeLessThan(4 * 60);

  // Every HTTP exchange the simulator served is counted once, by endpoint and status.
  expect(total(samples, 'atlas_restore_atlas_requests_total')).toBe(served.length);
  expect(total(samples, 'atlas_restore_atlas_requests_total', { endpoint: 'createRestoreJob', status: '200' })).toBe(4);
  expect(total(samples, 'atlas_restore_atlas_requests_total', { status: '429' })).toBe(rateLimited);
  expect(rateLimited).toBeGreaterThan(0);
  expect(total(samples, 'atlas_restore_atlas_rate_limited_total')).toBe(rateLimited);
  expect(total(samples, 'atlas_restore_atlas_request_duration_ms_count')).toBe(served.length);
  // The SDK's own metrics share the endpoint.
  expect(total(samples, 'temporal_workflow_completed_total', { workflow_type: 'restoreSnapshotWorkflow' })).toBe(3);
  expect(total(samples, 'temporal_workflow_failed_total', { workflow_type: 'restoreSnapshotWorkflow' })).toBe(1);
  expect(samples.some((s) => s.name.startsWith('temporal_activity_execution_latency'))).toBe(true);

  // Structured logs: one JSON object per line, restores' workflow ids in them, and no credential anywhere.
  const lines = worker.output.split('\n').filter((line) => line.trim() !== '');
  const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(
    records.every((r) => typeof r.time === 'string' && typeof r.level === 'string' && typeof r.msg === 'string')
  ).toBe(true);
  expect(records.some((r) => r.msg === 'Created Atlas job' && String(r.workflowId).includes(PROJECT))).toBe(true);
  expect(worker.output).not.toContain(DEFAULT_SIMULATOR_PRIVATE_KEY);
}, 180_000);
