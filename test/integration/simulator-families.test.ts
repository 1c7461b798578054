import {
  SEED_CLUSTER_NAME,
  SEED_FLEX_CLUSTER_NAME,
  SEED_FLEX_SNAPSHOT_ID,
  SEED_PROJECT_ID,
  SEED_SNAPSHOT_ID,
  type SimulatorSeedInput,
} from '../../simulator/seed';
import { call, callJson, closeTestAgent, manualClock, send, withSimulator } from '../helpers/with-simulator';

afterAll(closeTestAgent);

const V2 = 'application/vnd.atlas.2023-01-01+json';
const FLEX = 'application/vnd.atlas.2024-11-13+json';
const GROUP = `/api/atlas/v1.0/groups/${SEED_PROJECT_ID}`;
const GROUP_V2 = `/api/atlas/v2/groups/${SEED_PROJECT_ID}`;
const T0 = Date.parse('2026-08-10T03:03:29Z');
const HOUR = 60 * 60 * 1000;

/** How each family puts the same operations on the wire, and what its answers look like. */
const FAMILIES = [
  {
    family: 'tenant-v1',
    base: `${GROUP}/clusters/${SEED_CLUSTER_NAME}/backup/tenant`,
    create: 'restore',
    jobs: 'restores',
    accept: 'application/json',
    contentType: 'application/json',
    clusterField: 'clusterName',
    cluster: SEED_CLUSTER_NAME,
    snapshotId: SEED_SNAPSHOT_ID,
    snapshotFinishedDate: '2019-05-28T14:44:01Z',
    expirationDate: '2026-08-10T07:03:29Z',
  },
  {
    family: 'tenant-v2',
    base: `${GROUP_V2}/clusters/${SEED_CLUSTER_NAME}/backup/tenant`,
    create: 'restore',
    jobs: 'restores',
    accept: V2,
    contentType: 'application/vnd.atlas.2023-01-01+json;charset=utf-8',
    clusterField: 'clusterName',
    cluster: SEED_CLUSTER_NAME,
    snapshotId: SEED_SNAPSHOT_ID,
    snapshotFinishedDate: '2019-05-28T14:44:01Z',
    expirationDate: '2026-08-10T07:03:29Z',
  },
  {
    family: 'flex',
    base: `${GROUP_V2}/flexClusters/${SEED_FLEX_CLUSTER_NAME}/backup`,
    create: 'restoreJobs',
    jobs: 'restoreJobs',
    accept: FLEX,
    contentType: 'application/vnd.atlas.2024-11-13+json;charset=utf-8',
    clusterField: 'instanceName',
    cluster: SEED_FLEX_CLUSTER_NAME,
    snapshotId: SEED_FLEX_SNAPSHOT_ID,
    snapshotFinishedDate: '2026-08-02T17:06:56Z',
    expirationDate: '2026-08-10T09:03:29Z',
  },
] as const;

const restoreBody = (snapshotId: string) => ({
  snapshotId,
  targetDeploymentItemName: 'M5AWS',
  targetProjectId: SEED_PROJECT_ID,
});

describe.each(FAMILIES)('$family', (f) => {
  const headers = { accept: f.accept };

  test(`create answers 200 ${f.contentType}, PENDING, with ${f.clusterField} and expiry at ${f.expirationDate}`, async () => {
    await withSimulator({ now: () => T0 }, async (sim) => {
      const answer = await call(sim, 'POST', `${f.base}/${f.create}`, restoreBody(f.snapshotId), headers);

      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toBe(f.contentType);
      const job = JSON.parse(answer.text);
      expect(Object.keys(job)).toEqual([
        ...(f.clusterField === 'clusterName' ? ['clusterName'] : []),
        'deliveryType',
        'expirationDate',
        'id',
        ...(f.clusterField === 'instanceName' ? ['instanceName'] : []),
        'projectId',
        'restoreScheduledDate',
        'snapshotFinishedDate',
        'snapshotId',
        'status',
        'targetDeploymentItemName',
        'targetProjectId',
      ]);
      expect(job).toMatchObject({
        [f.clusterField]: f.cluster,
        deliveryType: 'RESTORE',
        expirationDate: f.expirationDate,
        restoreScheduledDate: '2026-08-10T03:03:29Z',
        snapshotFinishedDate: f.snapshotFinishedDate,
        status: 'PENDING',
        targetDeploymentItemName: 'M5AWS',
      });
      expect(sim.restoreJobs()).toEqual([expect.objectContaining({ id: job.id, family: f.family })]);
    });
  });

  test('get and list show the job, newest first, with absolute links in the recorded query order', async () => {
    await withSimulator({}, async (sim) => {
      const first = await callJson(sim, 'POST', `${f.base}/${f.create}`, restoreBody(f.snapshotId), headers);
      const second = await callJson(sim, 'POST', `${f.base}/${f.create}`, restoreBody(f.snapshotId), headers);

      const one = await call(sim, 'GET', `${f.base}/${f.jobs}/${first.id}`, undefined, headers);
      const page = await call(sim, 'GET', `${f.base}/${f.jobs}?itemsPerPage=1`, undefined, headers);

      expect(one.headers['content-type']).toBe(f.contentType);
      expect(JSON.parse(one.text)).toEqual(first);
      expect(page.headers['content-type']).toBe(f.contentType);
      const list = `${sim.url}${f.base}/${f.jobs}`;
      expect(JSON.parse(page.text)).toEqual({
        links: [
          { href: `${list}?includeCount=true&pageNum=1&itemsPerPage=1`, rel: 'self' },
          { href: `${list}?includeCount=true&itemsPerPage=1&pageNum=2`, rel: 'next' },
        ],
        results: [second],
        totalCount: 2,
      });
    });
  });

  test('snapshots are listed oldest first and one can be fetched', async () => {
    await withSimulator({}, async (sim) => {
      const page = await call(sim, 'GET', `${f.base}/snapshots`, undefined, headers);
      const one = await call(sim, 'GET', `${f.base}/snapshots/${f.snapshotId}`, undefined, headers);

      expect(page.headers['content-type']).toBe(f.contentType);
      expect(one.headers['content-type']).toBe(f.contentType);
      const results = (JSON.parse(page.text) as { results: { scheduledTime: string }[] }).results;
      expect(results.map((s) => s.scheduledTime)).toEqual(results.map((s) => s.scheduledTime).sort());
      expect(results[0]).toEqual(JSON.parse(one.text));
      expect(JSON.parse(one.text)).toMatchObject({ id: f.snapshotId, finishTime: f.snapshotFinishedDate });
    });
  });

  test('a download is COMPLETED at once with a snapshotUrl', async () => {
    await withSimulator({ now: () => T0 }, async (sim) => {
      const answer = await call(sim, 'POST', `${f.base}/download`, { snapshotId: f.snapshotId }, headers);

      expect(answer.headers['content-type']).toBe(f.contentType);
      expect(JSON.parse(answer.text)).toMatchObject({
        [f.clusterField]: f.cluster,
        deliveryType: 'DOWNLOAD',
        expirationDate: f.expirationDate,
        restoreFinishedDate: '2026-08-10T03:03:29Z',
        snapshotUrl: expect.stringMatching(new RegExp(`^${sim.url}/snapshot-downloads/[0-9a-f]{32}/`)),
        status: 'COMPLETED',
      });
      expect(sim.restoreJobs()).toEqual([expect.objectContaining({ deliveryType: 'DOWNLOAD', family: f.family })]);
    });
  });

  test('an unknown restore job is a 404 with an application/json Atlas error', async () => {
    await withSimulator({}, async (sim) => {
      const answer = await call(sim, 'GET', `${f.base}/${f.jobs}/${'f'.repeat(24)}`, undefined, headers);

      expect(answer.status).toBe(404);
      expect(answer.headers['content-type']).toBe('application/json');
      expect(answer.headers['x-error-code']).toBe('RESOURCE_NOT_FOUND');
    });
  });
});

describe('Flex restore jobs', () => {
  /** The project, clusters and snapshot of the Atlas CLI's recorded Flex backup traffic. */
  const RECORDED_SEED: SimulatorSeedInput = {
    projects: [
      {
        id: 'b0123456789abcdef012345b',
        clusters: [
          {
            name: 'snapshotCluster0',
            family: 'flex',
            snapshots: [{ id: '6a6f78e0cab84da5c4476b25', finishTime: '2026-08-02T17:06:56Z' }],
          },
          { name: 'cluster-833' },
        ],
      },
    ],
  };
  const RECORDED_PATH =
    '/api/atlas/v2/groups/b0123456789abcdef012345b/flexClusters/snapshotCluster0/backup/restoreJobs';
  const RECORDED_BODY = {
    snapshotId: '6a6f78e0cab84da5c4476b25',
    targetDeploymentItemName: 'cluster-833',
    targetProjectId: 'b0123456789abcdef012345b',
  };

  test('the recorded create request gets the recorded answer, byte for byte but the id', async () => {
    await withSimulator({ now: () => T0, seed: RECORDED_SEED }, async (sim) => {
      const answer = await call(sim, 'POST', RECORDED_PATH, RECORDED_BODY, { accept: FLEX });

      expect(answer.text.replace(/"id":"[0-9a-f]{24}"/, '"id":"6a793f812c88faeba59bc399"')).toBe(
        '{"deliveryType":"RESTORE","expirationDate":"2026-08-10T09:03:29Z","id":"6a793f812c88faeba59bc399",' +
          '"instanceName":"snapshotCluster0","projectId":"b0123456789abcdef012345b",' +
          '"restoreScheduledDate":"2026-08-10T03:03:29Z","snapshotFinishedDate":"2026-08-02T17:06:56Z",' +
          '"snapshotId":"6a6f78e0cab84da5c4476b25","status":"PENDING",' +
          '"targetDeploymentItemName":"cluster-833","targetProjectId":"b0123456789abcdef012345b"}'
      );
      expect(answer.headers['ratelimit-limit']).toBe('1200');
      expect(answer.headers['ratelimit-remaining']).toBe('1199');
    });
  });

  test.each([
    { after: 0, status: 'PENDING', restoreFinishedDate: undefined },
    { after: 2999, status: 'PENDING', restoreFinishedDate: undefined },
    { after: 3000, status: 'RUNNING', restoreFinishedDate: undefined },
    { after: 62_999, status: 'RUNNING', restoreFinishedDate: undefined },
    { after: 63_000, status: 'COMPLETED', restoreFinishedDate: '2026-08-10T03:04:32Z' },
  ])(
    'by default a job is $status $after ms after creation, as recorded',
    async ({ after, status, restoreFinishedDate }) => {
      const time = manualClock(T0);
      await withSimulator({ now: time.now, seed: RECORDED_SEED }, async (sim) => {
        const { id } = await callJson(sim, 'POST', RECORDED_PATH, RECORDED_BODY, { accept: FLEX });
        time.set(T0 + after);

        const job = await callJson(sim, 'GET', `${RECORDED_PATH}/${id}`, undefined, { accept: FLEX });

        expect(job.status).toBe(status);
        expect(job.restoreFinishedDate).toBe(restoreFinishedDate);
      });
    }
  );

  test('flexTiming sets the phases of Flex jobs, timing those of tenant jobs', async () => {
    const timing = { pendingMs: 0, queuedMs: 0, runningMs: 0 };
    await withSimulator({ now: () => T0, timing, flexTiming: { runningMs: 10 } }, async (sim) => {
      const flexJobs = `${GROUP_V2}/flexClusters/${SEED_FLEX_CLUSTER_NAME}/backup/restoreJobs`;
      await callJson(sim, 'POST', flexJobs, restoreBody(SEED_FLEX_SNAPSHOT_ID), { accept: FLEX });
      await callJson(
        sim,
        'POST',
        `${GROUP}/clusters/${SEED_CLUSTER_NAME}/backup/tenant/restore`,
        restoreBody(SEED_SNAPSHOT_ID)
      );

      expect(sim.restoreJobs().map((job) => [job.family, job.finishesAt])).toEqual([
        ['flex', T0 + 3010],
        ['tenant-v1', T0],
      ]);
    });
  });

  test.each([
    {
      name: 'targetProjectId left out',
      body: { snapshotId: SEED_FLEX_SNAPSHOT_ID, targetDeploymentItemName: 'M5AWS' },
    },
    { name: 'a null targetProjectId', body: { ...restoreBody(SEED_FLEX_SNAPSHOT_ID), targetProjectId: null } },
  ])('with $name the target project is the group', async ({ body }) => {
    await withSimulator({}, async (sim) => {
      const base = `${GROUP_V2}/flexClusters/${SEED_FLEX_CLUSTER_NAME}/backup/restoreJobs`;
      const job = await callJson(sim, 'POST', base, body, { accept: FLEX });

      expect(job.targetProjectId).toBe(SEED_PROJECT_ID);
    });
  });
});

describe('request validation on the v2 families', () => {
  const FLEX_BASE = `${GROUP_V2}/flexClusters/${SEED_FLEX_CLUSTER_NAME}/backup`;
  const V2_BASE = `${GROUP_V2}/clusters/${SEED_CLUSTER_NAME}/backup/tenant`;

  test.each([
    {
      name: 'tenant v2 restore without targetProjectId',
      target: `${V2_BASE}/restore`,
      accept: V2,
      body: { snapshotId: SEED_SNAPSHOT_ID, targetDeploymentItemName: 'M5AWS' },
      status: 200,
      errorCode: undefined,
    },
    {
      name: 'Flex restore without snapshotId',
      target: `${FLEX_BASE}/restoreJobs`,
      accept: FLEX,
      body: { targetDeploymentItemName: 'M5AWS' },
      status: 400,
      errorCode: 'MISSING_ATTRIBUTE',
    },
    {
      name: 'Flex restore naming its instance (read-only in the spec)',
      target: `${FLEX_BASE}/restoreJobs`,
      accept: FLEX,
      body: { ...restoreBody(SEED_FLEX_SNAPSHOT_ID), instanceName: SEED_FLEX_CLUSTER_NAME },
      status: 400,
      errorCode: 'INVALID_ATTRIBUTE',
    },
    {
      name: 'Flex restore of a tenant snapshot',
      target: `${FLEX_BASE}/restoreJobs`,
      accept: FLEX,
      body: restoreBody(SEED_SNAPSHOT_ID),
      status: 404,
      errorCode: 'RESOURCE_NOT_FOUND',
    },
    {
      name: 'Flex download without a body',
      target: `${FLEX_BASE}/download`,
      accept: FLEX,
      body: undefined,
      status: 400,
      errorCode: 'MISSING_ATTRIBUTE',
    },
  ])('$name → $status', async ({ target, accept, body, status, errorCode }) => {
    await withSimulator({}, async (sim) => {
      const answer = await call(sim, 'POST', target, body, { accept });

      expect(answer.status).toBe(status);
      expect(answer.headers['x-error-code']).toBe(errorCode);
    });
  });

  test.each([
    { name: 'a malformed Flex name', target: `${GROUP_V2}/flexClusters/-x/backup/snapshots`, parameter: 'name' },
    { name: 'a malformed restore job id', target: `${FLEX_BASE}/restoreJobs/XYZ`, parameter: 'restoreJobId' },
  ])('$name is a 400 INVALID_ATTRIBUTE naming $parameter', async ({ target, parameter }) => {
    await withSimulator({}, async (sim) => {
      const answer = await call(sim, 'GET', target, undefined, { accept: FLEX });

      expect(answer.status).toBe(400);
      expect(JSON.parse(answer.text)).toMatchObject({ errorCode: 'INVALID_ATTRIBUTE', parameters: [parameter] });
    });
  });
});

describe('versioned media types', () => {
  const V2_SNAPSHOTS = `${GROUP_V2}/clusters/${SEED_CLUSTER_NAME}/backup/tenant/snapshots`;
  const FLEX_SNAPSHOTS = `${GROUP_V2}/flexClusters/${SEED_FLEX_CLUSTER_NAME}/backup/snapshots`;

  test.each([
    { family: 'tenant-v2', target: V2_SNAPSHOTS, accept: '' },
    { family: 'tenant-v2', target: V2_SNAPSHOTS, accept: 'application/json' },
    { family: 'tenant-v2', target: V2_SNAPSHOTS, accept: '*/*' },
    { family: 'tenant-v2', target: V2_SNAPSHOTS, accept: 'application/vnd.atlas.2022-12-31+json' },
    { family: 'tenant-v2', target: V2_SNAPSHOTS, accept: 'application/vnd.atlas.2023-02-30+json' },
    { family: 'flex', target: FLEX_SNAPSHOTS, accept: 'application/json' },
    { family: 'flex', target: FLEX_SNAPSHOTS, accept: 'application/vnd.atlas.2023-01-01+json' },
    { family: 'flex', target: FLEX_SNAPSHOTS, accept: 'application/vnd.atlas.2024-11-12+json' },
  ])('$family with Accept "$accept" → 406 INVALID_VERSION_DATE', async ({ target, accept }) => {
    await withSimulator({}, async (sim) => {
      const answer = await call(sim, 'GET', target, undefined, { accept });

      expect(answer.status).toBe(406);
      expect(answer.headers['content-type']).toBe('application/json');
      expect(answer.headers['x-error-code']).toBe('INVALID_VERSION_DATE');
      expect(JSON.parse(answer.text)).toEqual({
        detail: 'Invalid accept header or version date.',
        error: 406,
        errorCode: 'INVALID_VERSION_DATE',
        parameters: [],
        reason: 'Not Acceptable',
      });
    });
  });

  test.each([
    { target: V2_SNAPSHOTS, accept: V2, contentType: 'application/vnd.atlas.2023-01-01+json;charset=utf-8' },
    {
      target: V2_SNAPSHOTS,
      accept: 'application/vnd.atlas.2025-03-12+json',
      contentType: 'application/vnd.atlas.2023-01-01+json;charset=utf-8',
    },
    {
      target: FLEX_SNAPSHOTS,
      accept: 'application/json, application/vnd.atlas.2026-01-01+json;q=0.9',
      contentType: 'application/vnd.atlas.2024-11-13+json;charset=utf-8',
    },
    {
      target: `${GROUP}/clusters/${SEED_CLUSTER_NAME}/backup/tenant/snapshots`,
      accept: 'application/vnd.atlas.2025-03-12+json',
      contentType: 'application/json',
    },
  ])('Accept "$accept" resolves to $contentType', async ({ target, accept, contentType }) => {
    await withSimulator({}, async (sim) => {
      const answer = await call(sim, 'GET', target, undefined, { accept });

      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toBe(contentType);
    });
  });
});

describe('cluster families', () => {
  test.each([
    {
      name: 'a v1.0 tenant path on a Flex cluster',
      target: `${GROUP}/clusters/${SEED_FLEX_CLUSTER_NAME}/backup/tenant/restores`,
      accept: 'application/json',
      errorCode: 'CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API',
      detail: `Flex cluster ${SEED_FLEX_CLUSTER_NAME} cannot be used in the Cluster API.`,
      parameters: [SEED_FLEX_CLUSTER_NAME],
    },
    {
      name: 'a v2 tenant path on a Flex cluster',
      target: `${GROUP_V2}/clusters/${SEED_FLEX_CLUSTER_NAME}/backup/tenant/snapshots`,
      accept: V2,
      errorCode: 'CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API',
      detail: `Flex cluster ${SEED_FLEX_CLUSTER_NAME} cannot be used in the Cluster API.`,
      parameters: [SEED_FLEX_CLUSTER_NAME],
    },
    {
      name: 'a Flex path on a tenant cluster',
      target: `${GROUP_V2}/flexClusters/${SEED_CLUSTER_NAME}/backup/restoreJobs`,
      accept: FLEX,
      errorCode: 'CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API',
      detail: `Cannot use non-flex cluster ${SEED_CLUSTER_NAME} in the flex API.`,
      parameters: [SEED_CLUSTER_NAME],
    },
  ])('$name → 400 $errorCode', async ({ target, accept, errorCode, detail, parameters }) => {
    await withSimulator({}, async (sim) => {
      const answer = await call(sim, 'GET', target, undefined, { accept });

      expect(answer.status).toBe(400);
      expect(answer.headers['x-error-code']).toBe(errorCode);
      expect(answer.text).toBe(JSON.stringify({ detail, error: 400, errorCode, parameters, reason: 'Bad Request' }));
    });
  });

  test.each([
    {
      name: 'a tenant restore onto a Flex cluster',
      target: `${GROUP}/clusters/${SEED_CLUSTER_NAME}/backup/tenant/restore`,
      accept: 'application/json',
      snapshotId: SEED_SNAPSHOT_ID,
      targetDeploymentItemName: SEED_FLEX_CLUSTER_NAME,
    },
    {
      name: 'a Flex restore onto a tenant cluster',
      target: `${GROUP_V2}/flexClusters/${SEED_FLEX_CLUSTER_NAME}/backup/restoreJobs`,
      accept: FLEX,
      snapshotId: SEED_FLEX_SNAPSHOT_ID,
      targetDeploymentItemName: SEED_CLUSTER_NAME,
    },
  ])(
    '$name is accepted: targets may be of either family',
    async ({ target, accept, snapshotId, targetDeploymentItemName }) => {
      await withSimulator({}, async (sim) => {
        const body = { snapshotId, targetDeploymentItemName, targetProjectId: SEED_PROJECT_ID };
        const job = await callJson(sim, 'POST', target, body, { accept });

        expect(job.targetDeploymentItemName).toBe(targetDeploymentItemName);
      });
    }
  );
});

describe('tenant sunset', () => {
  const V1 = `${GROUP}/clusters/${SEED_CLUSTER_NAME}/backup/tenant`;
  const V2_BASE = `${GROUP_V2}/clusters/${SEED_CLUSTER_NAME}/backup/tenant`;

  test.each([
    { name: 'v1.0 restore', method: 'POST', target: `${V1}/restore`, accept: 'application/json' },
    { name: 'v1.0 restores', method: 'GET', target: `${V1}/restores`, accept: 'application/json' },
    { name: 'v1.0 snapshot', method: 'GET', target: `${V1}/snapshots/${SEED_SNAPSHOT_ID}`, accept: 'application/json' },
    { name: 'v2 download', method: 'POST', target: `${V2_BASE}/download`, accept: V2 },
    { name: 'v2 restores', method: 'GET', target: `${V2_BASE}/restores`, accept: V2 },
    { name: 'v2 snapshots without a versioned Accept', method: 'GET', target: `${V2_BASE}/snapshots`, accept: '' },
  ])('$method $name → 410 VERSION_GONE after authentication', async ({ method, target, accept }) => {
    await withSimulator({ sunsetTenant: true }, async (sim) => {
      const unauthenticated = await send(sim, method, target, { headers: { accept } });
      const body = method === 'POST' ? { snapshotId: SEED_SNAPSHOT_ID } : undefined;
      const answer = await call(sim, method, target, body, { accept });

      expect(unauthenticated.status).toBe(401);
      expect(answer.status).toBe(410);
      expect(answer.headers['x-error-code']).toBe('VERSION_GONE');
      expect(answer.headers['ratelimit-limit']).toBeUndefined();
      expect(JSON.parse(answer.text)).toEqual({
        detail: 'This happens when a resource is marked for sunset and the sunset date is in the past.',
        error: 410,
        errorCode: 'VERSION_GONE',
        parameters: [],
        reason: 'Gone',
      });
      expect(sim.restoreJobs()).toEqual([]);
    });
  });

  test('Flex keeps working after the sunset', async () => {
    await withSimulator({ sunsetTenant: true }, async (sim) => {
      const base = `${GROUP_V2}/flexClusters/${SEED_FLEX_CLUSTER_NAME}/backup`;
      const job = await callJson(sim, 'POST', `${base}/restoreJobs`, restoreBody(SEED_FLEX_SNAPSHOT_ID), {
        accept: FLEX,
      });

      expect(job.status).toBe('PENDING');
      expect(
        new Date(job.expirationDate as string).getTime() - new Date(job.restoreScheduledDate as string).getTime()
      ).toBe(6 * HOUR);
    });
  });
});
