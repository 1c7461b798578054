import { isLoopback } from '../../simulator/admin-api';
import {
  SEED_CLUSTER_NAME,
  SEED_FLEX_CLUSTER_NAME,
  SEED_FLEX_SNAPSHOT_ID,
  SEED_PROJECT_ID,
  SEED_SNAPSHOT_ID,
} from '../../simulator/seed';
import { call, callJson, closeTestAgent, requestToken, send, withSimulator } from '../helpers/with-simulator';

afterAll(closeTestAgent);

const BASE = `/api/atlas/v1.0/groups/${SEED_PROJECT_ID}/clusters/${SEED_CLUSTER_NAME}/backup/tenant`;
const FLEX_JOBS = `/api/atlas/v2/groups/${SEED_PROJECT_ID}/flexClusters/${SEED_FLEX_CLUSTER_NAME}/backup/restoreJobs`;
const FLEX_ACCEPT = { accept: 'application/vnd.atlas.2024-11-13+json' };
const T0 = Date.parse('2026-03-01T12:00:00Z');
const NO_FAULTS = {
  '429': 0,
  '500': 0,
  '502': 0,
  '503': 0,
  latency: 0,
  resetBeforeCommit: 0,
  resetAfterCommit: 0,
  slowBody: 0,
  stuckRunning: 0,
  failJobs: 0,
  staleNonce: 0,
};

describe('stats()', () => {
  test('counts requests by status, rate limiting, tokens and jobs', async () => {
    const rateLimits = { tenantSnapshots: { capacity: 1, refill: 1, periodSeconds: 60 } };
    await withSimulator({ rateLimits, now: () => T0 }, async (sim) => {
      await callJson(sim, 'POST', `${BASE}/restore`, {
        snapshotId: SEED_SNAPSHOT_ID,
        targetDeploymentItemName: 'M5AWS',
        targetProjectId: SEED_PROJECT_ID,
      });
      await call(sim, 'GET', `${BASE}/snapshots`);
      await call(sim, 'GET', `${BASE}/snapshots`);
      await requestToken(sim);

      expect(sim.stats()).toEqual({
        requests: 7,
        byStatus: { '200': 3, '401': 3, '429': 1 },
        rateLimited429: 1,
        faultsInjected: NO_FAULTS,
        tokensIssued: 1,
        jobsCreated: 1,
      });
    });
  });
});

describe('admin API', () => {
  test('is not served without admin: true', async () => {
    await withSimulator({}, async (sim) => {
      expect((await send(sim, 'GET', '/__simulator/stats')).status).toBe(401);
      expect((await call(sim, 'GET', '/__simulator/stats')).status).toBe(404);
    });
  });

  test('GET /__simulator/stats answers stats() without authentication, and is not counted', async () => {
    await withSimulator({ admin: true }, async (sim) => {
      await call(sim, 'GET', `${BASE}/snapshots`);
      const answer = await send(sim, 'GET', '/__simulator/stats');

      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toBe('application/json');
      expect(JSON.parse(answer.text)).toEqual(sim.stats());
      expect(sim.stats().requests).toBe(2);
      expect(sim.requests).toHaveLength(2);
    });
  });

  test('GET /__simulator/jobs lists every job with its family, target, times and status', async () => {
    await withSimulator({ admin: true, now: () => T0, faults: { stuckRunning: 1 } }, async (sim) => {
      const job = await callJson(
        sim,
        'POST',
        FLEX_JOBS,
        { snapshotId: SEED_FLEX_SNAPSHOT_ID, targetDeploymentItemName: SEED_CLUSTER_NAME },
        FLEX_ACCEPT
      );
      const answer = await send(sim, 'GET', '/__simulator/jobs');

      expect(JSON.parse(answer.text)).toEqual({
        jobs: [
          {
            id: job.id,
            family: 'flex',
            projectId: SEED_PROJECT_ID,
            clusterName: SEED_FLEX_CLUSTER_NAME,
            snapshotId: SEED_FLEX_SNAPSHOT_ID,
            targetProjectId: SEED_PROJECT_ID,
            targetDeploymentItemName: SEED_CLUSTER_NAME,
            deliveryType: 'RESTORE',
            scheduledAt: T0,
            finishesAt: null,
            outcome: 'COMPLETED',
            status: 'PENDING',
          },
        ],
      });
    });
  });

  test('PUT /__simulator/faults replaces the plan and GET reads it back', async () => {
    await withSimulator({ admin: true }, async (sim) => {
      const put = await send(sim, 'PUT', '/__simulator/faults', { body: { errorRates: { '500': 1 } } });
      const read = await send(sim, 'GET', '/__simulator/faults');
      const faulty = await call(sim, 'GET', `${BASE}/snapshots`);

      expect(put.status).toBe(200);
      expect(JSON.parse(put.text)).toEqual({ errorRates: { '500': 1 } });
      expect(JSON.parse(read.text)).toEqual({ errorRates: { '500': 1 } });
      expect(faulty.status).toBe(500);
    });
  });

  test.each([
    {
      name: 'an invalid plan',
      body: { staleNonce: 'often' },
      error: /✖ Invalid input: expected number, received string\n {2}→ at staleNonce/,
    },
    { name: 'text that is not JSON', body: '{"staleNonce":', error: /^Body is not JSON/ },
  ])('PUT /__simulator/faults with $name → 400 with the reason, plan unchanged', async ({ body, error }) => {
    await withSimulator({ admin: true, faults: { failJobs: 0.5 } }, async (sim) => {
      const answer = await send(sim, 'PUT', '/__simulator/faults', { body });
      const read = await send(sim, 'GET', '/__simulator/faults');

      expect(answer.status).toBe(400);
      expect((JSON.parse(answer.text) as { error: string }).error).toMatch(error);
      expect(JSON.parse(read.text)).toEqual({ failJobs: 0.5 });
    });
  });

  test.each([
    { method: 'GET', path: '/__simulator/nothing', status: 404 },
    { method: 'POST', path: '/__simulator/stats', status: 405 },
    { method: 'DELETE', path: '/__simulator/faults', status: 405 },
  ])('$method $path → $status', async ({ method, path, status }) => {
    await withSimulator({ admin: true }, async (sim) => {
      const answer = await send(sim, method, path);

      expect(answer.status).toBe(status);
      expect(JSON.parse(answer.text)).toEqual({ error: expect.any(String) });
    });
  });
});

describe('admin API peers', () => {
  test.each([
    { address: '127.0.0.1', loopback: true },
    { address: '127.8.9.10', loopback: true },
    { address: '::1', loopback: true },
    { address: '::ffff:127.0.0.1', loopback: true },
    { address: '10.0.0.7', loopback: false },
    { address: '::ffff:10.0.0.7', loopback: false },
    { address: undefined, loopback: false },
  ])('$address is loopback: $loopback', ({ address, loopback }) => {
    expect(isLoopback(address)).toBe(loopback);
  });
});
