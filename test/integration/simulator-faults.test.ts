import { z } from 'zod';
import { FaultPlanSchema, type FaultPlan } from '../../simulator/faults';
import { SEED_CLUSTER_NAME, SEED_PROJECT_ID, SEED_SNAPSHOT_ID } from '../../simulator/seed';
import type { AtlasSimulator } from '../../simulator/server';
import {
  call,
  callJson,
  challengeOf,
  closeTestAgent,
  digestAuthorization,
  manualClock,
  requestToken,
  send,
  withSimulator,
} from '../helpers/with-simulator';

afterAll(closeTestAgent);

const BASE = `/api/atlas/v1.0/groups/${SEED_PROJECT_ID}/clusters/${SEED_CLUSTER_NAME}/backup/tenant`;
const RESTORE_BODY = {
  snapshotId: SEED_SNAPSHOT_ID,
  targetDeploymentItemName: 'M5AWS',
  targetProjectId: SEED_PROJECT_ID,
};
const T0 = Date.parse('2026-03-01T12:00:00Z');
const ZERO_TIMING = { pendingMs: 0, queuedMs: 0, runningMs: 0 };

const createRestore = (sim: AtlasSimulator) => call(sim, 'POST', `${BASE}/restore`, RESTORE_BODY);

describe('injected errors', () => {
  test.each([
    { status: '500', errorCode: 'UNEXPECTED_ERROR', retryAfter: undefined },
    { status: '502', errorCode: 'BAD_GATEWAY', retryAfter: undefined },
    { status: '503', errorCode: 'SERVICE_UNAVAILABLE', retryAfter: '1' },
    { status: '429', errorCode: 'RATE_LIMITED_TOKEN_BUCKET', retryAfter: '1' },
  ])(
    'errorRates $status: 1 answers $status $errorCode instead of handling the request',
    async ({ status, errorCode, retryAfter }) => {
      await withSimulator({ faults: { errorRates: { [status]: 1 } } }, async (sim) => {
        const answer = await createRestore(sim);

        expect(answer.status).toBe(Number(status));
        expect(answer.headers['content-type']).toBe('application/json');
        expect(answer.headers['x-error-code']).toBe(errorCode);
        expect(answer.headers['retry-after']).toBe(retryAfter);
        expect(JSON.parse(answer.text)).toMatchObject({ error: Number(status), errorCode });
        expect(sim.restoreJobs()).toEqual([]);
        expect(sim.stats().faultsInjected).toMatchObject({ [status]: 1 });
        expect(sim.stats().rateLimited429).toBe(0);
      });
    }
  );

  test.each([
    { status: '503', retryAfterSeconds: 7 },
    { status: '429', retryAfterSeconds: 0 },
  ])(
    'retryAfterSeconds $retryAfterSeconds sets Retry-After of an injected $status',
    async ({ status, retryAfterSeconds }) => {
      await withSimulator({ faults: { errorRates: { [status]: 1 }, retryAfterSeconds } }, async (sim) => {
        const answer = await call(sim, 'GET', `${BASE}/restores`);

        expect(answer.headers['retry-after']).toBe(String(retryAfterSeconds));
      });
    }
  );

  test('an injected 429 states the endpoint set and its configured bucket', async () => {
    const rateLimits = { tenantRestoreJobs: { capacity: 9, refill: 3, periodSeconds: 30 } };
    await withSimulator({ faults: { errorRates: { '429': 1 }, retryAfterSeconds: 2 }, rateLimits }, async (sim) => {
      const answer = await call(sim, 'GET', `${BASE}/restores`);

      expect(JSON.parse(answer.text)).toMatchObject({
        parameters: ['api/atlas/v2/groups/{groupId}/clusters/{clusterName}/backup/tenant/restores', 2, 9, 3, 30],
      });
    });
  });

  test('unauthenticated requests and unknown routes get no faults', async () => {
    await withSimulator({ faults: { errorRates: { '500': 1 } } }, async (sim) => {
      const challenge = await send(sim, 'GET', `${BASE}/restores`);
      const unknown = await call(sim, 'GET', `${BASE}/nothing`);

      expect([challenge.status, unknown.status]).toEqual([401, 404]);
      expect(sim.stats().faultsInjected['500']).toBe(0);
    });
  });
});

describe('connection faults', () => {
  test('resetBeforeCommit: 1 closes the connection before anything happens', async () => {
    await withSimulator({ faults: { resetBeforeCommit: 1 } }, async (sim) => {
      await expect(createRestore(sim)).rejects.toThrow();

      expect(sim.restoreJobs()).toEqual([]);
      expect(sim.requests.at(-1)).toMatchObject({ method: 'POST', status: 0, authenticated: true });
      expect(sim.stats()).toMatchObject({ byStatus: { '0': 1, '401': 1 }, faultsInjected: { resetBeforeCommit: 1 } });
    });
  });

  test.each([
    { name: 'restore', target: `${BASE}/restore`, body: RESTORE_BODY, deliveryType: 'RESTORE' },
    { name: 'download', target: `${BASE}/download`, body: { snapshotId: SEED_SNAPSHOT_ID }, deliveryType: 'DOWNLOAD' },
  ])(
    'resetAfterCommit: 1 creates exactly one $name job while the client sees a socket error',
    async ({ target, body, deliveryType }) => {
      await withSimulator({ faults: { resetAfterCommit: 1 } }, async (sim) => {
        await expect(call(sim, 'POST', target, body)).rejects.toThrow();
        const listed = await callJson(sim, 'GET', `${BASE}/restores`);

        expect(sim.restoreJobs()).toEqual([expect.objectContaining({ deliveryType })]);
        expect(listed.results.map((job) => job.id)).toEqual([sim.restoreJobs()[0]?.id]);
        expect(sim.stats().faultsInjected.resetAfterCommit).toBe(1);
      });
    }
  );

  test('resetAfterCommit spares failed creates and reads', async () => {
    await withSimulator({ faults: { resetAfterCommit: 1 } }, async (sim) => {
      const invalid = await call(sim, 'POST', `${BASE}/restore`, {});
      const read = await call(sim, 'GET', `${BASE}/snapshots`);

      expect([invalid.status, read.status]).toEqual([400, 200]);
      expect(sim.stats().faultsInjected.resetAfterCommit).toBe(0);
    });
  });

  test('latencyMs delays every authenticated request', async () => {
    await withSimulator({ faults: { latencyMs: { min: 150, max: 150 } } }, async (sim) => {
      const started = Date.now();
      const answer = await call(sim, 'GET', `${BASE}/snapshots`);

      expect(answer.status).toBe(200);
      expect(Date.now() - started).toBeGreaterThanOrEqual(145);
      expect(sim.stats().faultsInjected.latency).toBe(1);
    });
  });

  test('slowBody sends the whole body, spread over durationMs', async () => {
    await withSimulator({ faults: { slowBody: { probability: 1, durationMs: 300 } } }, async (sim) => {
      const target = `${BASE}/snapshots/${SEED_SNAPSHOT_ID}`;
      const quick = await withSimulator({}, async (plain) => (await call(plain, 'GET', target)).text);
      const started = Date.now();
      const answer = await call(sim, 'GET', target);

      expect(Date.now() - started).toBeGreaterThanOrEqual(290);
      expect(answer.text).toBe(quick);
      expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(quick));
      expect(sim.stats().faultsInjected.slowBody).toBe(1);
    });
  });
});

describe('job faults', () => {
  test('stuckRunning: 1 leaves a new job RUNNING forever', async () => {
    const time = manualClock(T0);
    await withSimulator({ now: time.now, timing: ZERO_TIMING, faults: { stuckRunning: 1 } }, async (sim) => {
      const { id } = await callJson(sim, 'POST', `${BASE}/restore`, RESTORE_BODY);
      time.advance(365 * 24 * 60 * 60 * 1000);
      const job = await callJson(sim, 'GET', `${BASE}/restores/${id}`);

      expect(job.status).toBe('RUNNING');
      expect(job.restoreFinishedDate).toBeUndefined();
      expect(sim.restoreJobs()).toEqual([expect.objectContaining({ finishesAt: null })]);
      expect(sim.stats().faultsInjected).toMatchObject({ stuckRunning: 1, failJobs: 0 });
    });
  });

  test('failJobs: 1 makes a new job end FAILED', async () => {
    await withSimulator({ timing: ZERO_TIMING, faults: { failJobs: 1 } }, async (sim) => {
      const { id } = await callJson(sim, 'POST', `${BASE}/restore`, RESTORE_BODY);
      const job = await callJson(sim, 'GET', `${BASE}/restores/${id}`);

      expect(job.status).toBe('FAILED');
      expect(sim.restoreJobs()).toEqual([expect.objectContaining({ outcome: 'FAILED' })]);
      expect(sim.stats().faultsInjected.failJobs).toBe(1);
    });
  });

  test('job faults leave downloads alone', async () => {
    await withSimulator({ faults: { stuckRunning: 1, failJobs: 1 } }, async (sim) => {
      const job = await callJson(sim, 'POST', `${BASE}/download`, { snapshotId: SEED_SNAPSHOT_ID });

      expect(job.status).toBe('COMPLETED');
    });
  });
});

describe('stale nonces', () => {
  test.each([
    { staleNonce: 1, status: 401 },
    { staleNonce: 0, status: 200 },
  ])('staleNonce: $staleNonce → a correct digest gets $status', async ({ staleNonce, status }) => {
    await withSimulator({ faults: { staleNonce } }, async (sim) => {
      const target = `${BASE}/snapshots`;
      const nonce = challengeOf(await send(sim, 'GET', target)).nonce;
      const answer = await send(sim, 'GET', target, { authorization: digestAuthorization('GET', target, { nonce }) });

      expect(answer.status).toBe(status);
      if (status === 401) expect(challengeOf(answer).stale).toBe(true);
      expect(sim.stats().faultsInjected.staleNonce).toBe(staleNonce);
    });
  });
});

describe('fault plans', () => {
  test.each<{ kind: string; plan: FaultPlan }>([
    { kind: 'errorRates', plan: { errorRates: { '500': 0, '502': 0, '503': 0, '429': 0 } } },
    { kind: 'latencyMs', plan: { latencyMs: { min: 0, max: 0 } } },
    { kind: 'resetBeforeCommit', plan: { resetBeforeCommit: 0 } },
    { kind: 'resetAfterCommit', plan: { resetAfterCommit: 0 } },
    { kind: 'slowBody', plan: { slowBody: { probability: 0, durationMs: 1000 } } },
    { kind: 'stuckRunning', plan: { stuckRunning: 0 } },
    { kind: 'failJobs', plan: { failJobs: 0 } },
    { kind: 'staleNonce', plan: { staleNonce: 0 } },
  ])('$kind at probability 0 never fires', async ({ plan }) => {
    await withSimulator({ timing: ZERO_TIMING, faults: plan }, async (sim) => {
      for (let i = 0; i < 10; i += 1) {
        const { id } = await callJson(sim, 'POST', `${BASE}/restore`, RESTORE_BODY);
        expect((await callJson(sim, 'GET', `${BASE}/restores/${id}`)).status).toBe('COMPLETED');
      }

      expect(Object.values(sim.stats().faultsInjected)).toEqual(Array(11).fill(0));
    });
  });

  test('the same randomSeed injects the same faults in the same order', async () => {
    const run = (randomSeed: number) =>
      withSimulator({ randomSeed, faults: { errorRates: { '500': 0.3, '503': 0.3 } } }, async (sim) => {
        const statuses: number[] = [];
        for (let i = 0; i < 20; i += 1) statuses.push((await call(sim, 'GET', `${BASE}/snapshots`)).status);
        return statuses;
      });

    const first = await run(42);
    const second = await run(42);

    expect(second).toEqual(first);
    expect(new Set(first)).toEqual(new Set([200, 500, 503]));
  });

  test('randomSeed is read back from the simulator', async () => {
    await withSimulator({ randomSeed: 7 }, async (sim) => {
      expect(sim.randomSeed).toBe(7);
    });
  });

  test('setFaults changes the plan at runtime, and an invalid plan leaves it as it was', async () => {
    await withSimulator({}, async (sim) => {
      const before = await call(sim, 'GET', `${BASE}/snapshots`);
      sim.setFaults({ errorRates: { '503': 1 } });
      const during = await call(sim, 'GET', `${BASE}/snapshots`);

      expect(() => sim.setFaults({ failJobs: 2 })).toThrow(/^Invalid simulator option faults:/);
      const stillDuring = await call(sim, 'GET', `${BASE}/snapshots`);
      sim.setFaults({});
      const after = await call(sim, 'GET', `${BASE}/snapshots`);

      expect([before.status, during.status, stillDuring.status, after.status]).toEqual([200, 503, 503, 200]);
    });
  });

  test.each([
    { name: 'a probability above 1', plan: { failJobs: 1.5 }, message: /Too big/ },
    { name: 'an unknown fault', plan: { explode: 1 }, message: /Unrecognized key: "explode"/ },
    { name: 'an unknown status', plan: { errorRates: { '504': 1 } }, message: /Unrecognized key: "504"/ },
    {
      name: 'error rates above 1 in total',
      plan: { errorRates: { '500': 0.6, '503': 0.6 } },
      message: /add up to at most 1/,
    },
    { name: 'min latency above max', plan: { latencyMs: { min: 2, max: 1 } }, message: /min must not exceed max/ },
    { name: 'a slow body without duration', plan: { slowBody: { probability: 1 } }, message: /durationMs/ },
  ])('FaultPlanSchema refuses $name', ({ plan, message }) => {
    const parsed = FaultPlanSchema.safeParse(plan);

    expect(parsed.success).toBe(false);
    expect(z.prettifyError(parsed.error as z.ZodError)).toMatch(message);
  });
});

describe('token endpoint faults', () => {
  test.each([
    { tokenEndpoint: undefined, status: 200 },
    { tokenEndpoint: false, status: 200 },
    { tokenEndpoint: true, status: 502 },
  ])('with tokenEndpoint $tokenEndpoint a token request gets $status', async ({ tokenEndpoint, status }) => {
    await withSimulator({ faults: { errorRates: { '502': 1 }, tokenEndpoint } }, async (sim) => {
      expect((await requestToken(sim)).status).toBe(status);
    });
  });

  test('an injected 429 on the token endpoint reads like its own limit', async () => {
    await withSimulator({ faults: { errorRates: { '429': 1 }, tokenEndpoint: true } }, async (sim) => {
      const answer = await requestToken(sim);

      expect(answer.headers['retry-after']).toBe('1');
      expect(JSON.parse(answer.text)).toMatchObject({
        errorCode: 'RATE_LIMITED',
        parameters: ['/api/oauth/token', 50, 1],
      });
    });
  });

  test('resetAfterCommit on the token endpoint issues the token the client never sees', async () => {
    await withSimulator({ faults: { resetAfterCommit: 1, tokenEndpoint: true } }, async (sim) => {
      await expect(requestToken(sim)).rejects.toThrow();

      expect(sim.stats()).toMatchObject({ tokensIssued: 1, faultsInjected: { resetAfterCommit: 1 } });
    });
  });
});
