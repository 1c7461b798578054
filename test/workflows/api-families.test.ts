import { Client } from '@temporalio/client';
import { startRestore } from '../../client/restore-client';
import { dataConverterFor } from '../../codec/payload-encryption';
import type { RestoreRequestInput, RestoreResult } from '../../contract/restore';
import { DEFAULT_SIMULATOR_CLIENT_ID, DEFAULT_SIMULATOR_CLIENT_SECRET, SEED_PROJECT_ID } from '../../simulator/seed';
import { pollNowSignal, restoreStatusQuery } from '../../workflows/messages';
import {
  FAST_POLLING,
  FLEX_TEST_CLUSTERS,
  TEST_PAYLOAD_KEYS,
  expectFailure,
  posts,
  recordHistory,
  requestFor,
  useRestoreTestSuite,
} from '../helpers/restore-test-kit';

/**
 * One workflow input for every Atlas API family: `auto` picks the family from Atlas's answers (and says why),
 * explicit families are honoured, `latest` picks the newest completed snapshot, DOWNLOAD returns a link only when
 * it can travel encrypted, and `pollNow` ends a wait at once. All on a real dev server against the simulator.
 */

const suite = useRestoreTestSuite();

const QUICK = { pendingMs: 100, queuedMs: 100, runningMs: 300 };
const QUICK_FLEX = { pendingMs: 100, queuedMs: 0, runningMs: 400 };

function flexRequest(index: number, extra: Partial<RestoreRequestInput> = {}): RestoreRequestInput {
  const cluster = FLEX_TEST_CLUSTERS[index]!;
  return {
    projectId: SEED_PROJECT_ID,
    clusterName: cluster.name,
    snapshotId: cluster.snapshotIds[0]!,
    targetClusterName: cluster.name,
    polling: FAST_POLLING,
    ...extra,
  };
}

function familiesUsed(paths: string[]): string[] {
  return [
    ...new Set(
      paths.map((p) => (p.includes('/flexClusters/') ? 'flex' : p.includes('/v1.0/') ? 'tenant-v1' : 'tenant-v2'))
    ),
  ];
}

test('one input restores a tenant cluster and a Flex cluster; auto says which family it chose and why', async () => {
  await suite.withHarness({ timing: QUICK, flexTiming: QUICK_FLEX }, async (h) => {
    const tenant = await startRestore(suite.env.client, requestFor(10), { taskQueue: h.taskQueue });
    const flex = await startRestore(suite.env.client, flexRequest(0), { taskQueue: h.taskQueue });
    const [tenantResult, flexResult] = (await Promise.all([
      tenant.handle.result(),
      flex.handle.result(),
    ])) as RestoreResult[];

    expect(tenantResult).toMatchObject({ outcome: 'COMPLETED', family: 'tenant-v1' });
    expect(flexResult).toMatchObject({ outcome: 'COMPLETED', family: 'flex' });
    const tenantStatus = await tenant.handle.query(restoreStatusQuery);
    expect(tenantStatus.familyReason).toMatch(/CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API/);
    expect((await flex.handle.query(restoreStatusQuery)).familyReason).toMatch(/Flex API serves this cluster/);

    const jobs = h.sim.restoreJobs();
    expect(jobs.map((j) => j.family).sort()).toEqual(['flex', 'tenant-v1']);
    expect(posts(h.sim)).toBe(2);
    const flexCalls = h.sim.requests.filter((r) => r.path.includes(FLEX_TEST_CLUSTERS[0]!.name) && r.authenticated);
    expect(familiesUsed(flexCalls.map((r) => r.path))).toEqual(['flex']);
    await recordHistory(suite.env, 'tenant-auto', tenant.workflowId);
    await recordHistory(suite.env, 'flex-auto', flex.workflowId);
  });
});

test('with the tenant family sunset, auto still restores a Flex cluster and a tenant cluster fails clearly', async () => {
  await suite.withHarness({ timing: QUICK, flexTiming: QUICK_FLEX, sunsetTenant: true }, async (h) => {
    const flex = await startRestore(suite.env.client, flexRequest(1), { taskQueue: h.taskQueue });
    const result = (await flex.handle.result()) as RestoreResult;
    expect(result.family).toBe('flex');
    expect((await flex.handle.query(restoreStatusQuery)).familyReason).toMatch(/Flex/);

    const tenant = await startRestore(suite.env.client, requestFor(11), { taskQueue: h.taskQueue });
    const failure = await expectFailure(tenant.handle.result());
    expect(failure.type).toBe('AtlasEndpointGone');
    expect(failure.message).toMatch(/CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API[\s\S]*sunset/);
    expect(h.sim.restoreJobs()).toHaveLength(1);
  });
});

test.each([
  { family: 'tenant-v1' as const, path: '/api/atlas/v1.0/' },
  { family: 'tenant-v2' as const, path: '/api/atlas/v2/' },
])('an explicit $family is used without detection', async ({ family, path }) => {
  await suite.withHarness({ timing: QUICK }, async (h) => {
    const started = await startRestore(suite.env.client, requestFor(family === 'tenant-v1' ? 12 : 13, { family }), {
      taskQueue: h.taskQueue,
    });
    expect(await started.handle.result()).toMatchObject({ family });
    expect((await started.handle.query(restoreStatusQuery)).familyReason).toBe('requested');
    const apiCalls = h.sim.requests.filter((r) => r.authenticated && r.path.startsWith('/api/atlas/'));
    expect(apiCalls.every((r) => r.path.startsWith(path) && !r.path.includes('flexClusters'))).toBe(true);
  });
});

test('a Flex cluster asked for through the tenant family fails with AtlasBadRequest, no job created', async () => {
  await suite.withHarness({ flexTiming: QUICK_FLEX }, async (h) => {
    const started = await startRestore(suite.env.client, flexRequest(2, { family: 'tenant-v1' }), {
      taskQueue: h.taskQueue,
    });
    const failure = await expectFailure(started.handle.result());
    expect(failure.type).toBe('AtlasBadRequest');
    expect(failure.message).toMatch(/CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API/);
    expect(h.sim.restoreJobs()).toHaveLength(0);
  });
});

test('snapshotId "latest" restores the newest COMPLETED snapshot', async () => {
  await suite.withHarness({ flexTiming: QUICK_FLEX }, async (h) => {
    const started = await startRestore(suite.env.client, flexRequest(3, { snapshotId: 'latest' }), {
      taskQueue: h.taskQueue,
    });
    const result = (await started.handle.result()) as RestoreResult;
    expect(result.target.snapshotId).toBe(FLEX_TEST_CLUSTERS[3]!.snapshotIds[1]);
    expect(h.sim.restoreJobs()[0]!.snapshotId).toBe(FLEX_TEST_CLUSTERS[3]!.snapshotIds[1]);
  });
});

test('a DOWNLOAD returns the link encrypted end to end: history never holds it in clear', async () => {
  const dataConverter = dataConverterFor(TEST_PAYLOAD_KEYS);
  await suite.withHarness(
    { flexTiming: QUICK_FLEX },
    async (h) => {
      const client = new Client({ connection: suite.env.connection, dataConverter });
      const request = { ...flexRequest(4), delivery: 'DOWNLOAD' as const, targetClusterName: undefined };
      const started = await startRestore(client, request, { taskQueue: h.taskQueue });
      const result = (await started.handle.result()) as RestoreResult;
      expect(result.snapshotUrl).toMatch(/^http/);
      expect(result.target).toMatchObject({ delivery: 'DOWNLOAD', targetClusterName: null });
      expect(started.workflowId).toMatch(/^atlas-download\//);
      const token = new URL(result.snapshotUrl!).pathname
        .split('/')
        .filter(Boolean)
        .sort((a, b) => b.length - a.length)[0]!;
      const history = JSON.stringify(await suite.env.client.workflow.getHandle(started.workflowId).fetchHistory());
      expect(history).not.toContain(token);
      expect(history).not.toContain(result.snapshotUrl!);
      await recordHistory(suite.env, 'download-encrypted', started.workflowId);
    },
    { dataConverter }
  );
});

test('a DOWNLOAD on a worker without encryption is refused before any Atlas call', async () => {
  await suite.withHarness(
    { flexTiming: QUICK_FLEX },
    async (h) => {
      const request = {
        ...flexRequest(5),
        delivery: 'DOWNLOAD' as const,
        targetClusterName: undefined,
        family: 'flex' as const,
      };
      const started = await startRestore(suite.env.client, request, { taskQueue: h.taskQueue });
      const failure = await expectFailure(started.handle.result());
      expect(failure.type).toBe('DownloadLinksDisabled');
      expect(failure.message).toMatch(/PAYLOAD_ENCRYPTION_KEYS/);
      expect(h.sim.requests.filter((r) => r.path.startsWith('/api/atlas/'))).toHaveLength(0);
    },
    { allowSnapshotUrls: false }
  );
});

test('pollNow ends a long wait at once', async () => {
  await suite.withHarness({ flexTiming: QUICK_FLEX }, async (h) => {
    const slowPolling = {
      initialDelaySeconds: 600,
      intervalSeconds: 600,
      backoffCoefficient: 1,
      maxIntervalSeconds: 600,
      jitterRatio: 0,
    };
    const started = await startRestore(suite.env.client, flexRequest(6, { polling: slowPolling, family: 'flex' }), {
      taskQueue: h.taskQueue,
    });
    const t0 = Date.now();
    // Wait until the job exists and Atlas has finished it, then nudge.
    for (;;) {
      const status = await started.handle.query(restoreStatusQuery);
      if (status.jobId !== null && status.nextPollAt !== null) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await new Promise((r) => setTimeout(r, 800));
    await started.handle.signal(pollNowSignal);
    expect(await started.handle.result()).toMatchObject({ outcome: 'COMPLETED', pollCount: 1 });
    await recordHistory(suite.env, 'poll-now', started.workflowId);
    expect(Date.now() - t0).toBeLessThan(20_000);
  });
});

test('rate limited by Atlas (429 + Retry-After), restores still complete and wait as told', async () => {
  const smallBucket = { capacity: 3, refill: 3, periodSeconds: 2 };
  await suite.withHarness(
    { flexTiming: QUICK_FLEX, rateLimits: { flexRestoreJobs: smallBucket, flexSnapshots: smallBucket } },
    async (h) => {
      const starts = await Promise.all(
        [0, 1, 2, 3].map((i) =>
          startRestore(suite.env.client, flexRequest(i, { family: 'flex' }), { taskQueue: h.taskQueue })
        )
      );
      const results = (await Promise.all(starts.map((s) => s.handle.result()))) as RestoreResult[];
      expect(results.every((r) => r.outcome === 'COMPLETED')).toBe(true);
      expect(h.sim.requests.filter((r) => r.status === 429).length).toBeGreaterThan(0);
      expect(h.sim.restoreJobs()).toHaveLength(4);
    }
  );
});

test('a worker with a Service Account restores using one token for every call', async () => {
  await suite.withHarness(
    { flexTiming: QUICK_FLEX },
    async (h) => {
      const starts = await Promise.all(
        [0, 1, 2].map((i) => startRestore(suite.env.client, flexRequest(i), { taskQueue: h.taskQueue }))
      );
      const results = (await Promise.all(starts.map((s) => s.handle.result()))) as RestoreResult[];
      expect(results.map((r) => r.outcome)).toEqual(['COMPLETED', 'COMPLETED', 'COMPLETED']);
      expect(h.sim.stats().tokensIssued).toBe(1);
      const history = JSON.stringify(await suite.env.client.workflow.getHandle(starts[0]!.workflowId).fetchHistory());
      expect(history).not.toContain(DEFAULT_SIMULATOR_CLIENT_SECRET);
    },
    { credentials: { clientId: DEFAULT_SIMULATOR_CLIENT_ID, clientSecret: DEFAULT_SIMULATOR_CLIENT_SECRET } }
  );
});
