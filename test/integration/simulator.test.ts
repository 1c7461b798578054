import { SEED_CLUSTER_NAME, SEED_PROJECT_ID, SEED_SNAPSHOT_ID, type SimulatorSeedInput } from '../../simulator/seed';
import type { AtlasSimulator } from '../../simulator/server';
import {
  call,
  callJson,
  challengeOf,
  closeTestAgent,
  digestAuthorization,
  manualClock,
  send,
  withSimulator,
} from '../helpers/with-simulator';

afterAll(closeTestAgent);

const CLUSTER_PATH = `/api/atlas/v1.0/groups/${SEED_PROJECT_ID}/clusters/${SEED_CLUSTER_NAME}/backup/tenant`;
const DOCS_RESTORE_BODY = {
  snapshotId: SEED_SNAPSHOT_ID,
  targetDeploymentItemName: 'M2AWS',
  targetProjectId: SEED_PROJECT_ID,
};
const UNAUTHORIZED_BODY = `{
  "error" : 401,
  "reason" : "Unauthorized",
  "detail" : "You are not authorized for this resource.",
  "errorCode" : "UNEXPECTED_ERROR"
}`;
/** 2019-05-29T09:10:27Z, the `restoreScheduledDate` of the docs' example. */
const DOCS_SCHEDULED_AT = Date.parse('2019-05-29T09:10:27Z');

/** Gets a fresh nonce the way a client does: an unauthenticated request answered with 401. */
async function freshNonce(sim: AtlasSimulator): Promise<string> {
  return challengeOf(await send(sim, 'GET', `${CLUSTER_PATH}/snapshots`)).nonce;
}

describe('Digest challenge', () => {
  test('an unauthenticated request gets the exact Atlas 401 with a fresh nonce each time', async () => {
    await withSimulator({}, async (sim) => {
      const first = await send(sim, 'GET', `${CLUSTER_PATH}/restores`);
      const second = await send(sim, 'GET', `${CLUSTER_PATH}/restores`);

      expect(first.status).toBe(401);
      expect(first.headers['content-type']).toBe('application/json');
      expect(first.headers['content-length']).toBe('142');
      expect(first.text).toBe(UNAUTHORIZED_BODY);
      expect(challengeOf(first).stale).toBe(false);
      expect(challengeOf(first).nonce).not.toBe(challengeOf(second).nonce);
      expect(sim.requests.map((r) => [r.status, r.authenticated])).toEqual([
        [401, false],
        [401, false],
      ]);
    });
  });

  test('the challenge stays a real 401 when envelope=true, so clients can still authenticate', async () => {
    await withSimulator({}, async (sim) => {
      const answer = await send(sim, 'GET', `${CLUSTER_PATH}/restores?envelope=true&pretty=true`);

      expect(answer.status).toBe(401);
      expect(answer.text).toBe(UNAUTHORIZED_BODY);
    });
  });

  test('unknown routes are challenged before they are looked up', async () => {
    await withSimulator({}, async (sim) => {
      expect((await send(sim, 'GET', '/api/atlas/v1.0/nope')).status).toBe(401);
    });
  });
});

describe('create restore job', () => {
  test("the docs' example request gets 200 with exactly the documented fields, PENDING", async () => {
    const time = manualClock(DOCS_SCHEDULED_AT);
    await withSimulator({ now: time.now }, async (sim) => {
      const answer = await call(sim, 'POST', `${CLUSTER_PATH}/restore?pretty=true`, DOCS_RESTORE_BODY);

      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toBe('application/json');
      expect(answer.text).toContain('\n  "clusterName" : "M2AWS",\n');
      const job = JSON.parse(answer.text);
      expect(Object.keys(job)).toEqual([
        'clusterName',
        'deliveryType',
        'expirationDate',
        'id',
        'projectId',
        'restoreScheduledDate',
        'snapshotFinishedDate',
        'snapshotId',
        'status',
        'targetDeploymentItemName',
        'targetProjectId',
      ]);
      expect(job).toEqual({
        clusterName: 'M2AWS',
        deliveryType: 'RESTORE',
        expirationDate: '2019-05-29T13:10:27Z',
        id: expect.stringMatching(/^[a-f0-9]{24}$/),
        projectId: SEED_PROJECT_ID,
        restoreScheduledDate: '2019-05-29T09:10:27Z',
        snapshotFinishedDate: '2019-05-28T14:44:01Z',
        snapshotId: SEED_SNAPSHOT_ID,
        status: 'PENDING',
        targetDeploymentItemName: 'M2AWS',
        targetProjectId: SEED_PROJECT_ID,
      });
      expect(sim.restoreJobs()).toEqual([
        expect.objectContaining({ id: job.id, deliveryType: 'RESTORE', scheduledAt: DOCS_SCHEDULED_AT }),
      ]);
      expect(sim.requests.at(-1)).toEqual({
        method: 'POST',
        path: `${CLUSTER_PATH}/restore`,
        query: { pretty: 'true' },
        status: 200,
        at: DOCS_SCHEDULED_AT,
        authenticated: true,
        body: DOCS_RESTORE_BODY,
      });
    });
  });

  test('the create answer says PENDING even when every phase lasts 0 ms', async () => {
    await withSimulator({ timing: { pendingMs: 0, queuedMs: 0, runningMs: 0 } }, async (sim) => {
      const created = await callJson(sim, 'POST', `${CLUSTER_PATH}/restore`, DOCS_RESTORE_BODY);
      const fetched = await callJson(sim, 'GET', `${CLUSTER_PATH}/restores/${created.id}`);

      expect(created.status).toBe('PENDING');
      expect(created.restoreFinishedDate).toBeUndefined();
      expect(fetched.status).toBe('COMPLETED');
    });
  });

  test('ids are unique ObjectIds carrying the creation second', async () => {
    await withSimulator({ now: () => DOCS_SCHEDULED_AT }, async (sim) => {
      const a = await callJson(sim, 'POST', `${CLUSTER_PATH}/restore`, DOCS_RESTORE_BODY);
      const b = await callJson(sim, 'POST', `${CLUSTER_PATH}/restore`, DOCS_RESTORE_BODY);

      expect(a.id).not.toBe(b.id);
      expect(Number.parseInt(a.id.slice(0, 8), 16) * 1000).toBe(DOCS_SCHEDULED_AT);
    });
  });
});

describe('job lifecycle', () => {
  const timing = { pendingMs: 1000, queuedMs: 2000, runningMs: 3000 };

  test.each([
    { after: 0, status: 'PENDING' },
    { after: 999, status: 'PENDING' },
    { after: 1000, status: 'QUEUED' },
    { after: 2999, status: 'QUEUED' },
    { after: 3000, status: 'RUNNING' },
    { after: 5999, status: 'RUNNING' },
    { after: 6000, status: 'COMPLETED', restoreFinishedDate: '2019-05-29T09:10:33Z' },
    { after: 3_600_000, status: 'COMPLETED', restoreFinishedDate: '2019-05-29T09:10:33Z' },
  ])('$after ms after creation the job is $status', async ({ after, status, restoreFinishedDate }) => {
    const time = manualClock(DOCS_SCHEDULED_AT);
    await withSimulator({ now: time.now, timing }, async (sim) => {
      const { id } = await callJson(sim, 'POST', `${CLUSTER_PATH}/restore`, DOCS_RESTORE_BODY);
      time.set(DOCS_SCHEDULED_AT + after);

      const one = await callJson(sim, 'GET', `${CLUSTER_PATH}/restores/${id}`);
      const listed = (await callJson(sim, 'GET', `${CLUSTER_PATH}/restores`)).results[0];

      expect(one.status).toBe(status);
      expect(one.restoreFinishedDate).toBe(restoreFinishedDate);
      expect(listed).toEqual(one);
    });
  });

  test('restoreJobs() reports when each job finishes and how', async () => {
    await withSimulator({ now: () => DOCS_SCHEDULED_AT, timing, outcome: 'FAILED' }, async (sim) => {
      await callJson(sim, 'POST', `${CLUSTER_PATH}/restore`, DOCS_RESTORE_BODY);

      expect(sim.restoreJobs()).toEqual([
        {
          id: expect.any(String),
          family: 'tenant-v1',
          projectId: SEED_PROJECT_ID,
          clusterName: SEED_CLUSTER_NAME,
          snapshotId: SEED_SNAPSHOT_ID,
          targetProjectId: SEED_PROJECT_ID,
          targetDeploymentItemName: 'M2AWS',
          deliveryType: 'RESTORE',
          scheduledAt: DOCS_SCHEDULED_AT,
          finishesAt: DOCS_SCHEDULED_AT + 6000,
          outcome: 'FAILED',
        },
      ]);
    });
  });

  const seedWithOutcome = (restoreOutcome?: 'COMPLETED' | 'FAILED'): SimulatorSeedInput => ({
    projects: [
      {
        id: SEED_PROJECT_ID,
        clusters: [{ name: SEED_CLUSTER_NAME, restoreOutcome, snapshots: [{ id: SEED_SNAPSHOT_ID }] }],
      },
    ],
  });

  test.each([
    { outcome: undefined, restoreOutcome: undefined, final: 'COMPLETED' },
    { outcome: 'FAILED' as const, restoreOutcome: undefined, final: 'FAILED' },
    { outcome: undefined, restoreOutcome: 'FAILED' as const, final: 'FAILED' },
    { outcome: 'FAILED' as const, restoreOutcome: 'COMPLETED' as const, final: 'COMPLETED' },
  ])(
    'with outcome $outcome and cluster restoreOutcome $restoreOutcome the job ends $final',
    async ({ outcome, restoreOutcome, final }) => {
      const time = manualClock(DOCS_SCHEDULED_AT);
      await withSimulator({ now: time.now, timing, outcome, seed: seedWithOutcome(restoreOutcome) }, async (sim) => {
        const { id } = await callJson(sim, 'POST', `${CLUSTER_PATH}/restore`, DOCS_RESTORE_BODY);
        time.set(DOCS_SCHEDULED_AT + 6000);

        const job = await callJson(sim, 'GET', `${CLUSTER_PATH}/restores/${id}`);

        expect(job.status).toBe(final);
        expect(job.restoreFinishedDate).toBe('2019-05-29T09:10:33Z');
      });
    }
  );

  test("a cluster's restoreTiming sets its jobs' phases; phases it leaves out keep the family's", async () => {
    const seed: SimulatorSeedInput = {
      projects: [
        {
          id: SEED_PROJECT_ID,
          clusters: [
            {
              name: SEED_CLUSTER_NAME,
              restoreTiming: { pendingMs: 500, runningMs: 90_000 },
              snapshots: [{ id: SEED_SNAPSHOT_ID }],
            },
            { name: 'Other', snapshots: [{ id: '5cee9a9ce7a2e10517c81fb2' }] },
          ],
        },
      ],
    };
    const time = manualClock(DOCS_SCHEDULED_AT);
    await withSimulator({ now: time.now, timing, seed }, async (sim) => {
      const { id } = await callJson(sim, 'POST', `${CLUSTER_PATH}/restore`, DOCS_RESTORE_BODY);
      const otherPath = `/api/atlas/v1.0/groups/${SEED_PROJECT_ID}/clusters/Other/backup/tenant`;
      await callJson(sim, 'POST', `${otherPath}/restore`, {
        snapshotId: '5cee9a9ce7a2e10517c81fb2',
        targetDeploymentItemName: 'Other',
        targetProjectId: SEED_PROJECT_ID,
      });
      const statusAfter = async (ms: number): Promise<string> => {
        time.set(DOCS_SCHEDULED_AT + ms);
        return (await callJson(sim, 'GET', `${CLUSTER_PATH}/restores/${id}`)).status;
      };

      expect(await statusAfter(499)).toBe('PENDING');
      expect(await statusAfter(500)).toBe('QUEUED');
      expect(await statusAfter(2500)).toBe('RUNNING');
      expect(await statusAfter(92_499)).toBe('RUNNING');
      expect(await statusAfter(92_500)).toBe('COMPLETED');
      expect(sim.restoreJobs().map((job) => (job.finishesAt ?? 0) - job.scheduledAt)).toEqual([92_500, 6000]);
    });
  });

  test('a restore job is listed under its source cluster only', async () => {
    const seed: SimulatorSeedInput = {
      projects: [
        {
          id: SEED_PROJECT_ID,
          clusters: [
            { name: SEED_CLUSTER_NAME, snapshots: [{ id: SEED_SNAPSHOT_ID }] },
            { name: 'Target', snapshots: [] },
          ],
        },
      ],
    };
    await withSimulator({ seed }, async (sim) => {
      const job = await callJson(sim, 'POST', `${CLUSTER_PATH}/restore`, {
        ...DOCS_RESTORE_BODY,
        targetDeploymentItemName: 'Target',
      });
      const targetPath = `/api/atlas/v1.0/groups/${SEED_PROJECT_ID}/clusters/Target/backup/tenant`;

      expect((await callJson(sim, 'GET', `${CLUSTER_PATH}/restores`)).results).toEqual([job]);
      expect((await callJson(sim, 'GET', `${targetPath}/restores`)).totalCount).toBe(0);
      expect((await call(sim, 'GET', `${targetPath}/restores/${job.id}`)).status).toBe(404);
    });
  });
});

describe('download', () => {
  test('a download job is COMPLETED at once with a link valid for 4 hours', async () => {
    await withSimulator({ now: () => DOCS_SCHEDULED_AT }, async (sim) => {
      const job = await callJson(sim, 'POST', `${CLUSTER_PATH}/download`, { snapshotId: SEED_SNAPSHOT_ID });

      expect(job).toEqual({
        clusterName: 'M2AWS',
        deliveryType: 'DOWNLOAD',
        expirationDate: '2019-05-29T13:10:27Z',
        id: expect.stringMatching(/^[a-f0-9]{24}$/),
        projectId: SEED_PROJECT_ID,
        restoreFinishedDate: '2019-05-29T09:10:27Z',
        restoreScheduledDate: '2019-05-29T09:10:27Z',
        snapshotFinishedDate: '2019-05-28T14:44:01Z',
        snapshotId: SEED_SNAPSHOT_ID,
        snapshotUrl: expect.stringMatching(new RegExp(`^${sim.url}/snapshot-downloads/[0-9a-f]{32}/`)),
        status: 'COMPLETED',
        targetDeploymentItemName: 'M2AWS',
        targetProjectId: SEED_PROJECT_ID,
      });
      expect((await callJson(sim, 'GET', `${CLUSTER_PATH}/restores`)).results).toEqual([job]);
    });
  });
});

describe('lists and pagination', () => {
  test('restore jobs are listed newest first with self and next links as Atlas records them', async () => {
    await withSimulator({}, async (sim) => {
      const ids: string[] = [];
      for (let i = 0; i < 3; i += 1) {
        ids.push((await callJson(sim, 'POST', `${CLUSTER_PATH}/restore`, DOCS_RESTORE_BODY)).id);
      }
      const base = `${sim.url}${CLUSTER_PATH}/restores`;

      const page1 = await callJson(sim, 'GET', `${CLUSTER_PATH}/restores?itemsPerPage=2`);
      const page2 = await callJson(sim, 'GET', `${CLUSTER_PATH}/restores?itemsPerPage=2&pageNum=2`);
      const page3 = await callJson(sim, 'GET', `${CLUSTER_PATH}/restores?itemsPerPage=2&pageNum=3`);

      expect(Object.keys(page1)).toEqual(['links', 'results', 'totalCount']);
      expect(page1.results.map((job) => job.id)).toEqual([ids[2], ids[1]]);
      expect(page1.totalCount).toBe(3);
      expect(page1.links).toEqual([
        { href: `${base}?includeCount=true&pageNum=1&itemsPerPage=2`, rel: 'self' },
        { href: `${base}?includeCount=true&itemsPerPage=2&pageNum=2`, rel: 'next' },
      ]);
      expect(page2.results.map((job) => job.id)).toEqual([ids[0]]);
      expect(page2.links).toEqual([{ href: `${base}?includeCount=true&pageNum=2&itemsPerPage=2`, rel: 'self' }]);
      expect(page3).toEqual({ links: [expect.objectContaining({ rel: 'self' })], results: [], totalCount: 3 });
    });
  });

  test('defaults are pageNum=1, itemsPerPage=100, includeCount=true', async () => {
    await withSimulator({}, async (sim) => {
      const page = await callJson(sim, 'GET', `${CLUSTER_PATH}/snapshots`);

      expect(page.links).toEqual([
        { href: `${sim.url}${CLUSTER_PATH}/snapshots?includeCount=true&pageNum=1&itemsPerPage=100`, rel: 'self' },
      ]);
      expect(page.totalCount).toBe(3);
    });
  });

  test('includeCount=false leaves totalCount out', async () => {
    await withSimulator({}, async (sim) => {
      const page = await callJson(sim, 'GET', `${CLUSTER_PATH}/snapshots?includeCount=false&itemsPerPage=1`);

      expect(Object.keys(page)).toEqual(['links', 'results']);
      expect(page.links[1]).toEqual({
        href: `${sim.url}${CLUSTER_PATH}/snapshots?includeCount=false&itemsPerPage=1&pageNum=2`,
        rel: 'next',
      });
    });
  });

  test('snapshots are listed oldest first, and one can be fetched by id', async () => {
    await withSimulator({}, async (sim) => {
      const page = await callJson(sim, 'GET', `${CLUSTER_PATH}/snapshots`);
      const one = await callJson(sim, 'GET', `${CLUSTER_PATH}/snapshots/${SEED_SNAPSHOT_ID}`);

      const finishTimes = page.results.map((snapshot) => snapshot.finishTime);
      expect(finishTimes).toEqual([...finishTimes].sort());
      expect(page.results[0]).toEqual(one);
      expect(one).toEqual({
        expiration: '2019-06-05T14:43:40Z',
        finishTime: '2019-05-28T14:44:01Z',
        id: SEED_SNAPSHOT_ID,
        mongoDBVersion: '4.0.9',
        scheduledTime: '2019-05-28T14:43:40Z',
        startTime: '2019-05-28T14:43:50Z',
        status: 'COMPLETED',
      });
    });
  });
});

describe('envelope and pretty', () => {
  test('envelope=true wraps a success in HTTP 200 {status, content}', async () => {
    await withSimulator({}, async (sim) => {
      const answer = await call(sim, 'GET', `${CLUSTER_PATH}/snapshots/${SEED_SNAPSHOT_ID}?envelope=true`);

      expect(answer.status).toBe(200);
      expect(JSON.parse(answer.text)).toEqual({
        status: 200,
        content: expect.objectContaining({ id: SEED_SNAPSHOT_ID }),
      });
    });
  });

  test('envelope=true wraps an error in HTTP 200 with the real status inside', async () => {
    await withSimulator({}, async (sim) => {
      const answer = await call(
        sim,
        'GET',
        `/api/atlas/v1.0/groups/${'1'.repeat(24)}/clusters/X/backup/tenant/restores?envelope=true`
      );

      expect(answer.status).toBe(200);
      expect(answer.text).toBe(
        `{"status":404,"content":{"detail":"No group with ID ${'1'.repeat(24)} exists.","error":404,` +
          `"errorCode":"GROUP_NOT_FOUND","parameters":["${'1'.repeat(24)}"],"reason":"Not Found"}}`
      );
    });
  });

  test('pretty=true prints errors like Atlas (Jackson style, arrays inline)', async () => {
    await withSimulator({}, async (sim) => {
      const answer = await call(sim, 'GET', '/api/atlas/v1.0/softwareComponents/version?pretty=true');

      expect(answer.text).toBe(`{
  "detail" : "Cannot find resource /api/atlas/v1.0/softwareComponents/version.",
  "error" : 404,
  "errorCode" : "RESOURCE_NOT_FOUND",
  "parameters" : [ "/api/atlas/v1.0/softwareComponents/version" ],
  "reason" : "Not Found"
}`);
    });
  });

  test('without pretty the answer is compact JSON', async () => {
    await withSimulator({}, async (sim) => {
      const answer = await call(sim, 'GET', `${CLUSTER_PATH}/snapshots/${SEED_SNAPSHOT_ID}`);

      expect(answer.text).toMatch(/^\{"expiration":"[^"]+","finishTime"/);
    });
  });
});

describe('errors', () => {
  const UNKNOWN_ID = 'ffffffffffffffffffffffff';
  const OTHER_CLUSTER = `/api/atlas/v1.0/groups/${SEED_PROJECT_ID}/clusters/Nope/backup/tenant`;

  test.each([
    {
      name: 'unknown group',
      method: 'GET',
      target: `/api/atlas/v1.0/groups/${UNKNOWN_ID}/clusters/M2AWS/backup/tenant/restores`,
      status: 404,
      errorCode: 'GROUP_NOT_FOUND',
      detail: `No group with ID ${UNKNOWN_ID} exists.`,
      parameters: [UNKNOWN_ID],
    },
    {
      name: 'unknown cluster',
      method: 'GET',
      target: `${OTHER_CLUSTER}/snapshots`,
      status: 404,
      errorCode: 'CLUSTER_NOT_FOUND',
      detail: `No cluster named Nope exists in group ${SEED_PROJECT_ID}.`,
      parameters: ['Nope', SEED_PROJECT_ID],
    },
    {
      name: 'malformed group id',
      method: 'GET',
      target: '/api/atlas/v1.0/groups/not-an-id/clusters/M2AWS/backup/tenant/restores',
      status: 400,
      errorCode: 'INVALID_ATTRIBUTE',
      detail: 'Invalid attribute groupId specified.',
      parameters: ['groupId'],
    },
    {
      name: 'malformed cluster name',
      method: 'GET',
      target: `/api/atlas/v1.0/groups/${SEED_PROJECT_ID}/clusters/-bad/backup/tenant/restores`,
      status: 400,
      errorCode: 'INVALID_ATTRIBUTE',
      detail: 'Invalid attribute clusterName specified.',
      parameters: ['clusterName'],
    },
    {
      name: 'malformed restore id',
      method: 'GET',
      target: `${CLUSTER_PATH}/restores/ABC`,
      status: 400,
      errorCode: 'INVALID_ATTRIBUTE',
      detail: 'Invalid attribute restoreId specified.',
      parameters: ['restoreId'],
    },
    {
      name: 'malformed snapshot id',
      method: 'GET',
      target: `${CLUSTER_PATH}/snapshots/5CED491CE7A2E10517C81FA7`,
      status: 400,
      errorCode: 'INVALID_ATTRIBUTE',
      detail: 'Invalid attribute snapshotId specified.',
      parameters: ['snapshotId'],
    },
    {
      name: 'unknown restore id',
      method: 'GET',
      target: `${CLUSTER_PATH}/restores/${UNKNOWN_ID}`,
      status: 404,
      errorCode: 'RESOURCE_NOT_FOUND',
      detail: `Cannot find resource Restore job with id ${UNKNOWN_ID}.`,
      parameters: [`Restore job with id ${UNKNOWN_ID}`],
    },
    {
      name: 'unknown snapshot id',
      method: 'GET',
      target: `${CLUSTER_PATH}/snapshots/${UNKNOWN_ID}`,
      status: 404,
      errorCode: 'RESOURCE_NOT_FOUND',
      detail: `Cannot find resource Snapshot with id ${UNKNOWN_ID}.`,
      parameters: [`Snapshot with id ${UNKNOWN_ID}`],
    },
    {
      name: 'unknown route',
      method: 'GET',
      target: `${CLUSTER_PATH}/restores/${UNKNOWN_ID}/cancel`,
      status: 404,
      errorCode: 'RESOURCE_NOT_FOUND',
      detail: `Cannot find resource ${CLUSTER_PATH}/restores/${UNKNOWN_ID}/cancel.`,
      parameters: [`${CLUSTER_PATH}/restores/${UNKNOWN_ID}/cancel`],
    },
    {
      name: 'wrong method',
      method: 'DELETE',
      target: `${CLUSTER_PATH}/restores`,
      status: 405,
      errorCode: 'METHOD_NOT_ALLOWED',
      detail: 'The HTTP method DELETE is not allowed here.',
      parameters: ['DELETE'],
    },
    {
      name: 'itemsPerPage above 500',
      method: 'GET',
      target: `${CLUSTER_PATH}/restores?itemsPerPage=501`,
      status: 400,
      errorCode: 'INVALID_ATTRIBUTE',
      detail: 'Invalid attribute itemsPerPage specified.',
      parameters: ['itemsPerPage'],
    },
    {
      name: 'pageNum 0',
      method: 'GET',
      target: `${CLUSTER_PATH}/snapshots?pageNum=0`,
      status: 400,
      errorCode: 'INVALID_ATTRIBUTE',
      detail: 'Invalid attribute pageNum specified.',
      parameters: ['pageNum'],
    },
  ])('$name → $status $errorCode', async ({ method, target, status, errorCode, detail, parameters }) => {
    await withSimulator({}, async (sim) => {
      const answer = await call(sim, method, target);

      expect(answer.status).toBe(status);
      expect(answer.headers['content-type']).toBe('application/json');
      expect(answer.headers['x-error-code']).toBe(errorCode);
      expect(Object.keys(JSON.parse(answer.text))).toEqual(['detail', 'error', 'errorCode', 'parameters', 'reason']);
      expect(JSON.parse(answer.text)).toEqual({
        detail,
        error: status,
        errorCode,
        parameters,
        reason: status === 404 ? 'Not Found' : status === 405 ? 'Method Not Allowed' : 'Bad Request',
      });
    });
  });

  test('a 405 says which method is allowed', async () => {
    await withSimulator({}, async (sim) => {
      expect((await call(sim, 'GET', `${CLUSTER_PATH}/restore`)).headers.allow).toBe('POST');
    });
  });

  const { snapshotId, targetDeploymentItemName, targetProjectId } = DOCS_RESTORE_BODY;
  test.each([
    {
      name: 'no snapshotId',
      body: { targetDeploymentItemName, targetProjectId },
      status: 400,
      errorCode: 'MISSING_ATTRIBUTE',
      parameters: ['snapshotId'],
    },
    {
      name: 'no targetDeploymentItemName',
      body: { snapshotId, targetProjectId },
      status: 400,
      errorCode: 'MISSING_ATTRIBUTE',
      parameters: ['targetDeploymentItemName'],
    },
    {
      name: 'no targetProjectId',
      body: { snapshotId, targetDeploymentItemName },
      status: 400,
      errorCode: 'MISSING_ATTRIBUTE',
      parameters: ['targetProjectId'],
    },
    {
      name: 'null snapshotId',
      body: { ...DOCS_RESTORE_BODY, snapshotId: null },
      status: 400,
      errorCode: 'MISSING_ATTRIBUTE',
      parameters: ['snapshotId'],
    },
    { name: 'empty body', body: '', status: 400, errorCode: 'MISSING_ATTRIBUTE', parameters: ['snapshotId'] },
    {
      name: 'numeric snapshotId',
      body: { ...DOCS_RESTORE_BODY, snapshotId: 42 },
      status: 400,
      errorCode: 'INVALID_ATTRIBUTE',
      parameters: ['snapshotId'],
    },
    {
      name: 'malformed targetProjectId',
      body: { ...DOCS_RESTORE_BODY, targetProjectId: 'xyz' },
      status: 400,
      errorCode: 'INVALID_ATTRIBUTE',
      parameters: ['targetProjectId'],
    },
    {
      name: 'malformed target name',
      body: { ...DOCS_RESTORE_BODY, targetDeploymentItemName: 'a b' },
      status: 400,
      errorCode: 'INVALID_ATTRIBUTE',
      parameters: ['targetDeploymentItemName'],
    },
    {
      name: 'unknown attribute',
      body: { ...DOCS_RESTORE_BODY, deliveryType: 'RESTORE' },
      status: 400,
      errorCode: 'INVALID_ATTRIBUTE',
      parameters: ['deliveryType'],
    },
    { name: 'invalid JSON', body: '{"snapshotId":', status: 400, errorCode: 'INVALID_JSON', parameters: [] },
    { name: 'a JSON array', body: [DOCS_RESTORE_BODY], status: 400, errorCode: 'INVALID_JSON', parameters: [] },
    {
      name: 'unknown snapshot',
      body: { ...DOCS_RESTORE_BODY, snapshotId: UNKNOWN_ID },
      status: 404,
      errorCode: 'RESOURCE_NOT_FOUND',
      parameters: [`Snapshot with id ${UNKNOWN_ID}`],
    },
    {
      name: 'a snapshot of another cluster',
      body: { ...DOCS_RESTORE_BODY, snapshotId: '5ceffc20e7a2e10517c81fc9' },
      status: 404,
      errorCode: 'RESOURCE_NOT_FOUND',
      parameters: ['Snapshot with id 5ceffc20e7a2e10517c81fc9'],
    },
    {
      name: 'unknown target project',
      body: { ...DOCS_RESTORE_BODY, targetProjectId: UNKNOWN_ID },
      status: 404,
      errorCode: 'GROUP_NOT_FOUND',
      parameters: [UNKNOWN_ID],
    },
    {
      name: 'unknown target cluster',
      body: { ...DOCS_RESTORE_BODY, targetDeploymentItemName: 'M10AWS' },
      status: 404,
      errorCode: 'CLUSTER_NOT_FOUND',
      parameters: ['M10AWS', SEED_PROJECT_ID],
    },
  ])('POST restore with $name → $status $errorCode', async ({ body, status, errorCode, parameters }) => {
    await withSimulator({}, async (sim) => {
      const answer = await call(sim, 'POST', `${CLUSTER_PATH}/restore`, body);

      expect(answer.status).toBe(status);
      expect(answer.headers['x-error-code']).toBe(errorCode);
      expect(JSON.parse(answer.text)).toMatchObject({ error: status, errorCode, parameters });
      expect(sim.restoreJobs()).toEqual([]);
    });
  });

  test('a missing attribute is worded as Atlas words it', async () => {
    await withSimulator({}, async (sim) => {
      const answer = await call(sim, 'POST', `${CLUSTER_PATH}/download`, {});

      expect(answer.text).toBe(
        '{"detail":"The required attribute snapshotId was not specified.","error":400,' +
          '"errorCode":"MISSING_ATTRIBUTE","parameters":["snapshotId"],"reason":"Bad Request"}'
      );
    });
  });
});

describe('Digest verification', () => {
  const target = `${CLUSTER_PATH}/snapshots`;

  test('a client may reuse a nonce with new nc values, in any order and concurrently', async () => {
    await withSimulator({}, async (sim) => {
      const nonce = await freshNonce(sim);
      const answers = await Promise.all(
        [3, 1, 2, 5].map((nc) =>
          send(sim, 'GET', target, { authorization: digestAuthorization('GET', target, { nonce, nc }) })
        )
      );

      expect(answers.map((answer) => answer.status)).toEqual([200, 200, 200, 200]);
    });
  });

  test('a repeated (nonce, nc) pair gets 401 stale=true', async () => {
    await withSimulator({}, async (sim) => {
      const nonce = await freshNonce(sim);
      const first = await send(sim, 'GET', target, {
        authorization: digestAuthorization('GET', target, { nonce, nc: 1 }),
      });
      const replay = await send(sim, 'GET', target, {
        authorization: digestAuthorization('GET', target, { nonce, nc: 1 }),
      });

      expect(first.status).toBe(200);
      expect(replay.status).toBe(401);
      expect(challengeOf(replay).stale).toBe(true);
      expect(challengeOf(replay).nonce).not.toBe(nonce);
    });
  });

  test('after expireNonces() a correct digest gets stale=true, and the new nonce works', async () => {
    await withSimulator({}, async (sim) => {
      const nonce = await freshNonce(sim);
      sim.expireNonces();
      const stale = await send(sim, 'GET', target, { authorization: digestAuthorization('GET', target, { nonce }) });
      const retry = await send(sim, 'GET', target, {
        authorization: digestAuthorization('GET', target, { nonce: challengeOf(stale).nonce }),
      });

      expect(stale.status).toBe(401);
      expect(challengeOf(stale).stale).toBe(true);
      expect(stale.text).toBe(UNAUTHORIZED_BODY);
      expect(retry.status).toBe(200);
    });
  });

  test.each([
    { age: 60_000, status: 200 },
    { age: 60_001, status: 401 },
  ])('a nonce $age ms old gets $status', async ({ age, status }) => {
    const time = manualClock(DOCS_SCHEDULED_AT);
    await withSimulator({ now: time.now }, async (sim) => {
      const nonce = await freshNonce(sim);
      time.set(DOCS_SCHEDULED_AT + age);
      const answer = await send(sim, 'GET', target, { authorization: digestAuthorization('GET', target, { nonce }) });

      expect(answer.status).toBe(status);
      if (status === 401) expect(challengeOf(answer).stale).toBe(true);
    });
  });

  test('nonceMaxAgeMs sets how long a nonce lives', async () => {
    const time = manualClock(DOCS_SCHEDULED_AT);
    await withSimulator({ now: time.now, nonceMaxAgeMs: 1000 }, async (sim) => {
      const nonce = await freshNonce(sim);
      time.set(DOCS_SCHEDULED_AT + 1001);
      const answer = await send(sim, 'GET', target, { authorization: digestAuthorization('GET', target, { nonce }) });

      expect(challengeOf(answer).stale).toBe(true);
    });
  });

  test('SHA-256 digests are accepted', async () => {
    await withSimulator({}, async (sim) => {
      const nonce = await freshNonce(sim);
      const answer = await send(sim, 'GET', target, {
        authorization: digestAuthorization('GET', target, { nonce, algorithm: 'SHA-256' }),
      });

      expect(answer.status).toBe(200);
    });
  });

  test('an absolute-form uri naming the same target is accepted', async () => {
    await withSimulator({}, async (sim) => {
      const nonce = await freshNonce(sim);
      const authorization = digestAuthorization('GET', target, { nonce, uri: `${sim.url}${target}` });

      expect((await send(sim, 'GET', target, { authorization })).status).toBe(200);
    });
  });

  test.each([
    { name: 'a wrong private key', digest: { password: '00000000-0000-0000-0000-000000000000' }, stale: false },
    { name: 'an unknown public key', digest: { username: 'abcdefgh' }, stale: false },
    { name: 'a uri for another path', digest: { uri: `${CLUSTER_PATH}/restores` }, stale: false },
    { name: 'a nonce the simulator never issued', digest: { nonce: 'A'.repeat(32) }, stale: true },
  ])('$name gets 401 stale=$stale', async ({ digest, stale }) => {
    await withSimulator({}, async (sim) => {
      const nonce = await freshNonce(sim);
      const answer = await send(sim, 'GET', target, {
        authorization: digestAuthorization('GET', target, { nonce, ...digest }),
      });

      expect(answer.status).toBe(401);
      expect(answer.text).toBe(UNAUTHORIZED_BODY);
      expect(challengeOf(answer).stale).toBe(stale);
    });
  });

  test.each([
    { name: 'Basic credentials', authorization: `Basic ${Buffer.from('a:b').toString('base64')}` },
    {
      name: 'a Digest header without qop',
      authorization: 'Digest username="simatlas", realm="MMS Public API", nonce="x", uri="/", response="0"',
    },
    { name: 'an unterminated quoted string', authorization: 'Digest username="simatlas' },
  ])('$name get 401 stale=false', async ({ authorization }) => {
    await withSimulator({}, async (sim) => {
      const answer = await send(sim, 'GET', target, { authorization });

      expect(answer.status).toBe(401);
      expect(challengeOf(answer).stale).toBe(false);
    });
  });

  test('custom keys replace the defaults', async () => {
    await withSimulator({ publicKey: 'qwertyui', privateKey: 'c0ffee00-0000-4000-8000-000000000000' }, async (sim) => {
      const nonce = await freshNonce(sim);
      const withDefaults = await send(sim, 'GET', target, {
        authorization: digestAuthorization('GET', target, { nonce, nc: 1 }),
      });
      const withCustom = await send(sim, 'GET', target, {
        authorization: digestAuthorization('GET', target, {
          nonce,
          nc: 2,
          username: 'qwertyui',
          password: 'c0ffee00-0000-4000-8000-000000000000',
        }),
      });

      expect(withDefaults.status).toBe(401);
      expect(withCustom.status).toBe(200);
    });
  });
});

describe('simulator handle', () => {
  test('recordRequests=false records nothing but still reports to onRequest', async () => {
    const seen: string[] = [];
    await withSimulator(
      { recordRequests: false, onRequest: (r) => seen.push(`${r.method} ${r.status}`) },
      async (sim) => {
        await call(sim, 'GET', `${CLUSTER_PATH}/snapshots`);

        expect(sim.requests).toEqual([]);
        expect(seen).toEqual(['GET 401', 'GET 200']);
      }
    );
  });

  test('recorded requests keep the query but never the Authorization header', async () => {
    await withSimulator({}, async (sim) => {
      await call(sim, 'GET', `${CLUSTER_PATH}/restores?pageNum=1&itemsPerPage=5`);

      expect(sim.requests.map((r) => r.query)).toEqual([
        { pageNum: '1', itemsPerPage: '5' },
        { pageNum: '1', itemsPerPage: '5' },
      ]);
      expect(JSON.stringify(sim.requests)).not.toMatch(/Digest|response=/);
    });
  });

  test('close() ends keep-alive connections and may be called twice', async () => {
    const sim = await withSimulator({}, async (started) => {
      await call(started, 'GET', `${CLUSTER_PATH}/snapshots`);
      return started;
    });

    await expect(sim.close()).resolves.toBeUndefined();
    await expect(send(sim, 'GET', `${CLUSTER_PATH}/snapshots`)).rejects.toThrow();
  });
});
