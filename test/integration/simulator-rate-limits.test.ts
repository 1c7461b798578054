import { SEED_CLUSTER_NAME, SEED_FLEX_CLUSTER_NAME, SEED_PROJECT_ID, SEED_SNAPSHOT_ID } from '../../simulator/seed';
import type { AtlasSimulator, RateLimits } from '../../simulator/server';
import { call, closeTestAgent, manualClock, send, withSimulator, type Answer } from '../helpers/with-simulator';

afterAll(closeTestAgent);

const V1 = `/api/atlas/v1.0/groups/${SEED_PROJECT_ID}/clusters/${SEED_CLUSTER_NAME}/backup/tenant`;
const V2 = `/api/atlas/v2/groups/${SEED_PROJECT_ID}/clusters/${SEED_CLUSTER_NAME}/backup/tenant`;
const FLEX = `/api/atlas/v2/groups/${SEED_PROJECT_ID}/flexClusters/${SEED_FLEX_CLUSTER_NAME}/backup`;
const V2_ACCEPT = { accept: 'application/vnd.atlas.2023-01-01+json' };
const FLEX_ACCEPT = { accept: 'application/vnd.atlas.2024-11-13+json' };
const T0 = Date.parse('2026-03-01T12:00:00Z');
const SMALL = { capacity: 3, refill: 2, periodSeconds: 10 };

/** One request of each endpoint set, and the set path its 429 names. */
const SETS = [
  {
    set: 'tenantRestoreJobs',
    target: `${V1}/restores`,
    headers: {},
    path: 'api/atlas/v2/groups/{groupId}/clusters/{clusterName}/backup/tenant/restores',
  },
  {
    set: 'tenantSnapshots',
    target: `${V2}/snapshots`,
    headers: V2_ACCEPT,
    path: 'api/atlas/v2/groups/{groupId}/clusters/{clusterName}/backup/tenant/snapshots',
  },
  {
    set: 'flexRestoreJobs',
    target: `${FLEX}/restoreJobs`,
    headers: FLEX_ACCEPT,
    path: 'api/atlas/v2/groups/{groupId}/flexClusters/{name}/backup/restoreJobs',
  },
  {
    set: 'flexSnapshots',
    target: `${FLEX}/snapshots`,
    headers: FLEX_ACCEPT,
    path: 'api/atlas/v2/groups/{groupId}/flexClusters/{name}/backup/snapshots',
  },
] as const;

const limits = (answer: Answer) => [
  answer.status,
  answer.headers['ratelimit-limit'],
  answer.headers['ratelimit-remaining'],
];

async function repeat(times: number, request: () => Promise<Answer>): Promise<Answer[]> {
  const answers: Answer[] = [];
  for (let i = 0; i < times; i += 1) answers.push(await request());
  return answers;
}

describe('token buckets', () => {
  test.each(SETS)(
    '$set: a drained bucket answers 429 with Atlas body and headers',
    async ({ set, target, headers, path }) => {
      const rateLimits: RateLimits = { [set]: SMALL };
      await withSimulator({ rateLimits, now: () => T0 }, async (sim) => {
        const answers = await repeat(4, () => call(sim, 'GET', target, undefined, headers));

        expect(answers.map(limits)).toEqual([
          [200, '3', '2'],
          [200, '3', '1'],
          [200, '3', '0'],
          [429, '3', '0'],
        ]);
        const limited = answers[3] as Answer;
        expect(limited.headers['retry-after']).toBe('10');
        expect(limited.headers['x-error-code']).toBe('RATE_LIMITED_TOKEN_BUCKET');
        expect(limited.headers['content-type']).toBe('application/json');
        expect(limited.text).toBe(
          JSON.stringify({
            detail: `Rate limit exceeded for ${path}. Please retry after 10 seconds. Request capacity: 3. Refill rate: 2 per 10 seconds.`,
            error: 429,
            errorCode: 'RATE_LIMITED_TOKEN_BUCKET',
            parameters: [path, 10, 3, 2, 10],
            reason: 'Too Many Requests',
          })
        );
        expect(sim.stats().rateLimited429).toBe(1);
      });
    }
  );

  test('the bucket refills `refill` tokens at the end of each period, up to its capacity', async () => {
    const time = manualClock(T0);
    await withSimulator({ rateLimits: { tenantSnapshots: SMALL }, now: time.now }, async (sim) => {
      const get = () => call(sim, 'GET', `${V1}/snapshots`);
      await repeat(3, get);

      time.set(T0 + 4_000);
      const early = await get();
      time.set(T0 + 9_999);
      const justBefore = await get();
      time.set(T0 + 10_000);
      const afterOnePeriod = await repeat(3, get);
      time.set(T0 + 100_000);
      const afterManyPeriods = await repeat(4, get);

      expect([early.status, early.headers['retry-after']]).toEqual([429, '6']);
      expect([justBefore.status, justBefore.headers['retry-after']]).toEqual([429, '1']);
      expect(afterOnePeriod.map(limits)).toEqual([
        [200, '3', '1'],
        [200, '3', '0'],
        [429, '3', '0'],
      ]);
      expect(afterManyPeriods.map((answer) => answer.status)).toEqual([200, 200, 200, 429]);
      expect(sim.stats().rateLimited429).toBe(4);
    });
  });

  test.each([
    { name: 'tenant v1.0 restores', target: `${V1}/restores`, headers: {}, limit: '4000' },
    { name: 'tenant v2 snapshots', target: `${V2}/snapshots`, headers: V2_ACCEPT, limit: '4000' },
    { name: 'Flex restore jobs', target: `${FLEX}/restoreJobs`, headers: FLEX_ACCEPT, limit: '1200' },
    { name: 'Flex snapshots', target: `${FLEX}/snapshots`, headers: FLEX_ACCEPT, limit: '1200' },
  ])('$name carry the documented capacity $limit by default', async ({ target, headers, limit }) => {
    await withSimulator({}, async (sim) => {
      const answer = await call(sim, 'GET', target, undefined, headers);

      expect(limits(answer)).toEqual([200, limit, String(Number(limit) - 1)]);
    });
  });

  test.each([
    {
      name: 'a CLUSTER_NOT_FOUND 404',
      target: `/api/atlas/v1.0/groups/${SEED_PROJECT_ID}/clusters/Nope/backup/tenant/restores`,
      status: 404,
      carries: true,
    },
    {
      name: 'a wrong-family 400',
      target: `/api/atlas/v1.0/groups/${SEED_PROJECT_ID}/clusters/${SEED_FLEX_CLUSTER_NAME}/backup/tenant/restores`,
      status: 400,
      carries: true,
    },
    { name: 'an unknown snapshot 404', target: `${V1}/snapshots/${'f'.repeat(24)}`, status: 404, carries: true },
    {
      name: 'a GROUP_NOT_FOUND 404',
      target: `/api/atlas/v1.0/groups/${'1'.repeat(24)}/clusters/X/backup/tenant/restores`,
      status: 404,
      carries: false,
    },
    {
      name: 'a malformed group id 400',
      target: '/api/atlas/v1.0/groups/nope/clusters/X/backup/tenant/restores',
      status: 400,
      carries: false,
    },
    { name: 'an unknown route 404', target: `${V1}/nothing-here`, status: 404, carries: false },
  ])('$name carries RateLimit headers: $carries', async ({ target, status, carries }) => {
    await withSimulator({}, async (sim) => {
      const answer = await call(sim, 'GET', target);

      expect(answer.status).toBe(status);
      expect(answer.headers['ratelimit-limit'] !== undefined).toBe(carries);
      expect(answer.headers['ratelimit-remaining'] !== undefined).toBe(carries);
    });
  });

  test('the 401 challenge carries no RateLimit headers and takes no token', async () => {
    await withSimulator({}, async (sim) => {
      const challenge = await send(sim, 'GET', `${V1}/restores`);
      const answer = await call(sim, 'GET', `${V1}/restores`);

      expect(challenge.headers['ratelimit-limit']).toBeUndefined();
      expect(answer.headers['ratelimit-remaining']).toBe('3999');
    });
  });

  /** Remaining tokens of the tenant restore-jobs bucket after `request`. */
  const remainingAfter = async (sim: AtlasSimulator, target: string, headers = {}) =>
    (await call(sim, 'GET', target, undefined, headers)).headers['ratelimit-remaining'];

  test('v1.0 and v2 tenant paths draw from the same project bucket; sets and projects have their own', async () => {
    const seed = {
      projects: [
        { id: SEED_PROJECT_ID, clusters: [{ name: SEED_CLUSTER_NAME, snapshots: [{ id: SEED_SNAPSHOT_ID }] }] },
        { id: '2'.repeat(24), clusters: [{ name: SEED_CLUSTER_NAME }] },
      ],
    };
    await withSimulator({ seed }, async (sim) => {
      const other = `/api/atlas/v1.0/groups/${'2'.repeat(24)}/clusters/${SEED_CLUSTER_NAME}/backup/tenant/restores`;

      expect(await remainingAfter(sim, `${V1}/restores`)).toBe('3999');
      expect(await remainingAfter(sim, `${V2}/restores`, V2_ACCEPT)).toBe('3998');
      expect(await remainingAfter(sim, `${V1}/snapshots`)).toBe('3999');
      expect(await remainingAfter(sim, other)).toBe('3999');
    });
  });

  test('a create and a download draw from their own sets', async () => {
    await withSimulator({}, async (sim) => {
      const restore = await call(sim, 'POST', `${V1}/restore`, {
        snapshotId: SEED_SNAPSHOT_ID,
        targetDeploymentItemName: 'M5AWS',
        targetProjectId: SEED_PROJECT_ID,
      });
      const download = await call(sim, 'POST', `${V1}/download`, { snapshotId: SEED_SNAPSHOT_ID });

      expect(limits(restore)).toEqual([200, '4000', '3999']);
      expect(limits(download)).toEqual([200, '4000', '3999']);
    });
  });

  test('rateLimits: false turns limiting and its headers off', async () => {
    await withSimulator({ rateLimits: false }, async (sim) => {
      const answers = await repeat(5, () => call(sim, 'GET', `${V1}/restores`));

      expect(answers.map(limits)).toEqual(Array(5).fill([200, undefined, undefined]));
    });
  });

  test.each([
    { name: 'a zero capacity', rateLimits: { tenantSnapshots: { ...SMALL, capacity: 0 } } },
    { name: 'an unknown set', rateLimits: { clusters: SMALL } },
    { name: 'a missing period', rateLimits: { flexSnapshots: { capacity: 1, refill: 1 } } },
  ])('the simulator refuses $name', async ({ rateLimits }) => {
    await expect(withSimulator({ rateLimits: rateLimits as RateLimits }, async () => undefined)).rejects.toThrow(
      /^Invalid simulator option rateLimits:/
    );
  });
});
