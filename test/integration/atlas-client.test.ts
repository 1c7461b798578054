import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { Agent } from 'undici';
import {
  AtlasClient,
  type AtlasClientOptions,
  type AtlasClusterRef,
  type AtlasCredentials,
  type AtlasRateLimitInfo,
} from '../../activities/atlas/atlas-client';
import { AtlasApiError, AtlasConnectionError, AtlasResponseValidationError } from '../../activities/atlas/errors';
import {
  startAtlasSimulator,
  type AtlasSimulator,
  type AtlasSimulatorOptions,
  type RecordedRequest,
} from '../../simulator/server';
import {
  DEFAULT_SIMULATOR_CLIENT_ID,
  DEFAULT_SIMULATOR_CLIENT_SECRET,
  DEFAULT_SIMULATOR_PRIVATE_KEY,
  DEFAULT_SIMULATOR_PUBLIC_KEY,
  SEED_CLUSTER_NAME,
  SEED_FLEX_CLUSTER_NAME,
  SEED_FLEX_SNAPSHOT_ID,
  SEED_PROJECT_ID,
  SEED_SNAPSHOT_ID,
} from '../../simulator/seed';

/**
 * The Atlas client over real sockets: against the local Atlas simulator for the API's behaviour, and against tiny
 * scripted node:http servers for what the simulator cannot do on purpose (hang, send garbage).
 */

const CREDENTIALS = { publicKey: DEFAULT_SIMULATOR_PUBLIC_KEY, privateKey: DEFAULT_SIMULATOR_PRIVATE_KEY };
const CLUSTER = { family: 'tenant-v1', groupId: SEED_PROJECT_ID, clusterName: SEED_CLUSTER_NAME } as const;
const RESTORE = {
  ...CLUSTER,
  snapshotId: SEED_SNAPSHOT_ID,
  targetDeploymentItemName: 'M5AWS',
  targetProjectId: SEED_PROJECT_ID,
};
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);
/** The Service Account token endpoint. */
const TOKEN_PATH = '/api/oauth/token';

/** Clock of the stale-nonce table: a row's `expire` needs it before the simulator exists. */
const clock = manualClock();

let agent: Agent;
beforeAll(() => {
  // undici's advice for tests: keep idle sockets for 10 ms only, so nothing outlives a test.
  agent = new Agent({ keepAliveTimeout: 10, keepAliveMaxTimeout: 10 });
});
afterAll(async () => {
  await agent.close();
});

/** A manual clock for the simulator. */
function manualClock(start = T0): { now: () => number; advance: (ms: number) => void } {
  let t = start;
  return { now: () => t, advance: (ms) => (t += ms) };
}

/** Runs `fn` with a fresh simulator and a client pointed at it; closes both whatever happens. */
async function withAtlas(
  fn: (client: AtlasClient, sim: AtlasSimulator) => Promise<void>,
  options: { sim?: AtlasSimulatorOptions; client?: Partial<AtlasClientOptions> } = {}
): Promise<void> {
  const sim = await startAtlasSimulator(options.sim);
  const client = new AtlasClient({ baseUrl: sim.url, credentials: CREDENTIALS, dispatcher: agent, ...options.client });
  try {
    await fn(client, sim);
  } finally {
    await client.close();
    await sim.close();
  }
}

/** Requests the simulator answered with a 401. */
const challenges = (sim: AtlasSimulator): number => sim.requests.filter((r) => r.status === 401).length;

/** Everything a caller or a log could see of an error, flattened to search for secrets. */
function everythingVisible(err: unknown): string {
  return [
    inspect(err, { depth: 10, showHidden: true }),
    JSON.stringify(err),
    JSON.stringify(Object.getOwnPropertyNames(err).map((k) => [k, String((err as Record<string, unknown>)[k])])),
    String(err),
  ].join('\n');
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (err) {
    return err;
  }
  throw new Error('expected the call to fail');
}

// ---------------------------------------------------------------------------------------------------------------
// Scripted servers
// ---------------------------------------------------------------------------------------------------------------

interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: string;
}

const CHALLENGE_HEADER =
  'Digest realm="MMS Public API", domain="", nonce="669gyxpgL6MGDuSZvQ80Spv3k+Jc99ed", algorithm=MD5, qop="auth", stale=false';

function sendChallenge(res: ServerResponse): void {
  res.writeHead(401, { 'Content-Type': 'application/json', 'WWW-Authenticate': CHALLENGE_HEADER });
  res.end('{\n  "error" : 401,\n  "reason" : "Unauthorized",\n  "errorCode" : "UNEXPECTED_ERROR"\n}');
}

/**
 * Runs `fn` against a node:http server on 127.0.0.1 that records every request and lets `respond` answer (or not:
 * a respond that never ends the response makes the server hang). Unauthenticated requests get the Digest challenge
 * unless `challenge` is false.
 */
async function withScriptedServer(
  respond: (req: SeenRequest, res: ServerResponse) => void,
  fn: (url: string, seen: SeenRequest[]) => Promise<void>,
  { challenge = true } = {}
): Promise<void> {
  const seen: SeenRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const request = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      seen.push(request);
      if (challenge && req.headers.authorization === undefined) sendChallenge(res);
      else respond(request, res);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  try {
    await fn(`http://127.0.0.1:${port}`, seen);
  } finally {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  }
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void => {
  res.writeHead(status, { 'Content-Type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

// ---------------------------------------------------------------------------------------------------------------
// Against the simulator
// ---------------------------------------------------------------------------------------------------------------

describe('AtlasClient against the simulator', () => {
  test('create → get: the job moves PENDING → QUEUED → RUNNING → COMPLETED with the clock', async () => {
    const clock = manualClock();
    const timing = { pendingMs: 1000, queuedMs: 1000, runningMs: 3000 };
    await withAtlas(
      async (client) => {
        const created = await client.createRestoreJob(RESTORE);
        expect(created).toMatchObject({
          status: 'PENDING',
          clusterName: SEED_CLUSTER_NAME,
          deliveryType: 'RESTORE',
          snapshotId: SEED_SNAPSHOT_ID,
          targetDeploymentItemName: 'M5AWS',
          targetProjectId: SEED_PROJECT_ID,
        });
        expect(created.id).toMatch(/^[a-f0-9]{24}$/);
        expect(created.restoreFinishedDate ?? undefined).toBeUndefined();

        const statuses: string[] = [];
        for (const step of [0, 1000, 1000, 3000]) {
          clock.advance(step);
          const job = await client.getRestoreJob({ ...CLUSTER, restoreId: created.id });
          expect(job.id).toBe(created.id);
          statuses.push(job.status);
          if (job.status === 'COMPLETED') expect(job.restoreFinishedDate).toEqual(expect.any(String));
        }
        expect(statuses).toEqual(['PENDING', 'QUEUED', 'RUNNING', 'COMPLETED']);
      },
      { sim: { now: clock.now, timing } }
    );
  });

  test('a FAILED outcome is reported as such', async () => {
    const clock = manualClock();
    await withAtlas(
      async (client) => {
        const created = await client.createRestoreJob(RESTORE);
        clock.advance(10);
        await expect(client.getRestoreJob({ ...CLUSTER, restoreId: created.id })).resolves.toMatchObject({
          status: 'FAILED',
        });
      },
      { sim: { now: clock.now, timing: { pendingMs: 1, queuedMs: 1, runningMs: 1 }, outcome: 'FAILED' } }
    );
  });

  test('the POST body is replayed byte for byte after the Digest challenge', async () => {
    await withAtlas(async (client, sim) => {
      await client.createRestoreJob(RESTORE);
      const [challenged, authenticated] = sim.requests;
      const expectedBody = {
        snapshotId: SEED_SNAPSHOT_ID,
        targetDeploymentItemName: 'M5AWS',
        targetProjectId: SEED_PROJECT_ID,
      };
      expect(sim.requests).toHaveLength(2);
      expect(challenged).toMatchObject({ method: 'POST', status: 401, authenticated: false, body: expectedBody });
      expect(authenticated).toMatchObject({ method: 'POST', status: 200, authenticated: true, body: expectedBody });
      expect(sim.restoreJobs()).toHaveLength(1);
    });
  });

  test('pages through restore jobs with pageNum/itemsPerPage, newest first, without a count', async () => {
    const clock = manualClock();
    await withAtlas(
      async (client, sim) => {
        const createdIds: string[] = [];
        for (let i = 0; i < 5; i++) {
          clock.advance(1000);
          createdIds.push((await client.createRestoreJob(RESTORE)).id);
        }

        const pages = [];
        for (const pageNum of [1, 2, 3]) {
          pages.push(await client.listRestoreJobs({ ...CLUSTER, pageNum, itemsPerPage: 2, includeCount: false }));
        }
        expect(pages.map((p) => p.results.length)).toEqual([2, 2, 1]);
        expect(pages.flatMap((p) => p.results.map((j) => j.id))).toEqual([...createdIds].reverse());
        for (const page of pages) expect(page.totalCount ?? undefined).toBeUndefined();
        expect(pages.map((p) => p.links?.some((l) => l.rel === 'next'))).toEqual([true, true, false]);

        const listQueries = sim.requests.filter((r) => r.method === 'GET').map((r) => r.query);
        expect(listQueries).toEqual(
          [1, 2, 3].map((pageNum) => ({ pageNum: String(pageNum), itemsPerPage: '2', includeCount: 'false' }))
        );

        const counted = await client.listRestoreJobs(CLUSTER);
        expect(counted.totalCount).toBe(5);
        expect(sim.requests.at(-1)?.query).toEqual({});
      },
      { sim: { now: clock.now } }
    );
  });

  test('lists and reads snapshots, oldest first', async () => {
    await withAtlas(async (client) => {
      const page = await client.listSnapshots({ ...CLUSTER, itemsPerPage: 2 });
      expect(page.totalCount).toBe(3);
      expect(page.results.map((s) => s.id)[0]).toBe(SEED_SNAPSHOT_ID);
      const second = await client.listSnapshots({ ...CLUSTER, itemsPerPage: 2, pageNum: 2 });
      expect(second.results).toHaveLength(1);
      await expect(client.getSnapshot({ ...CLUSTER, snapshotId: SEED_SNAPSHOT_ID })).resolves.toMatchObject({
        id: SEED_SNAPSHOT_ID,
        status: 'COMPLETED',
        finishTime: '2019-05-28T14:44:01Z',
      });
    });
  });

  test('a download answers with a DOWNLOAD job carrying a snapshot URL', async () => {
    await withAtlas(async (client) => {
      const job = await client.requestDownload({ ...CLUSTER, snapshotId: SEED_SNAPSHOT_ID });
      expect(job).toMatchObject({ deliveryType: 'DOWNLOAD', snapshotId: SEED_SNAPSHOT_ID });
      expect(job.snapshotUrl).toEqual(expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\//));
    });
  });

  describe('envelope mode', () => {
    test('sends envelope=true (and pretty=true) and unwraps {status, content}', async () => {
      await withAtlas(
        async (client, sim) => {
          const snapshot = await client.getSnapshot({ ...CLUSTER, snapshotId: SEED_SNAPSHOT_ID });
          expect(snapshot).toMatchObject({ id: SEED_SNAPSHOT_ID, status: 'COMPLETED' });
          expect(snapshot).not.toHaveProperty('content');
          const page = await client.listSnapshots({ ...CLUSTER, pageNum: 1 });
          expect(page.results).toHaveLength(3);
          expect(sim.requests.at(-1)?.query).toEqual({ pageNum: '1', envelope: 'true', pretty: 'true' });
        },
        { client: { envelope: true, pretty: true } }
      );
    });

    test('a 404 inside a 200 envelope is an AtlasApiError with the inner status and body', async () => {
      await withAtlas(
        async (client, sim) => {
          const err = await rejection(client.getRestoreJob({ ...CLUSTER, restoreId: 'ffffffffffffffffffffffff' }));
          expect(err).toBeInstanceOf(AtlasApiError);
          expect(err).toMatchObject({ status: 404, errorCode: 'RESOURCE_NOT_FOUND', method: 'GET' });
          expect(sim.requests.at(-1)?.status).toBe(200);
        },
        { client: { envelope: true } }
      );
    });

    test('CLUSTER_NOT_FOUND inside an envelope keeps its parameters', async () => {
      await withAtlas(
        async (client) => {
          await expect(client.listRestoreJobs({ ...CLUSTER, clusterName: 'Nope' })).rejects.toMatchObject({
            name: 'AtlasApiError',
            status: 404,
            errorCode: 'CLUSTER_NOT_FOUND',
            parameters: ['Nope', SEED_PROJECT_ID],
          });
        },
        { client: { envelope: true } }
      );
    });
  });

  test.each([
    {
      name: 'an unknown project → GROUP_NOT_FOUND',
      ref: { family: 'tenant-v1', groupId: '111111111111111111111111', clusterName: SEED_CLUSTER_NAME } as const,
      expected: {
        status: 404,
        errorCode: 'GROUP_NOT_FOUND',
        detail: 'No group with ID 111111111111111111111111 exists.',
        reason: 'Not Found',
        parameters: ['111111111111111111111111'],
      },
    },
    {
      name: 'an unknown cluster → CLUSTER_NOT_FOUND',
      ref: { family: 'tenant-v1', groupId: SEED_PROJECT_ID, clusterName: 'Nope' } as const,
      expected: {
        status: 404,
        errorCode: 'CLUSTER_NOT_FOUND',
        detail: `No cluster named Nope exists in group ${SEED_PROJECT_ID}.`,
        reason: 'Not Found',
        parameters: ['Nope', SEED_PROJECT_ID],
      },
    },
  ])('$name', async ({ ref, expected }) => {
    await withAtlas(async (client) => {
      const err = await rejection(client.getRestoreJob({ ...ref, restoreId: 'ffffffffffffffffffffffff' }));
      expect(err).toBeInstanceOf(AtlasApiError);
      expect(err).toMatchObject({ ...expected, method: 'GET', retryAfterSeconds: undefined });
      const apiError = err as AtlasApiError;
      expect(apiError.path).toBe(
        `/api/atlas/v1.0/groups/${ref.groupId}/clusters/${ref.clusterName}/backup/tenant/restores/ffffffffffffffffffffffff`
      );
      expect(apiError.message).toBe(
        `Atlas GET ${apiError.path} failed with 404 ${expected.errorCode}: ${expected.detail}`
      );
    });
  });

  test('a value that looks like a path is encoded into one segment', async () => {
    await withAtlas(async (client, sim) => {
      const err = await rejection(client.getRestoreJob({ ...CLUSTER, restoreId: '../../snapshots' }));
      expect(err).toBeInstanceOf(AtlasApiError);
      expect((err as AtlasApiError).status).toBeGreaterThanOrEqual(400);
      expect(sim.requests.at(-1)?.path).toBe(
        `/api/atlas/v1.0/groups/${SEED_PROJECT_ID}/clusters/${SEED_CLUSTER_NAME}/backup/tenant/restores/..%2F..%2Fsnapshots`
      );
    });
  });

  describe('Digest', () => {
    test('a wrong private key is an AtlasApiError 401 that reveals no secret, after exactly two requests', async () => {
      const wrongKey = 'c0ffee00-dead-beef-0000-123456789abc';
      await withAtlas(
        async (client, sim) => {
          const err = await rejection(client.getSnapshot({ ...CLUSTER, snapshotId: SEED_SNAPSHOT_ID }));
          expect(err).toBeInstanceOf(AtlasApiError);
          expect(err).toMatchObject({ status: 401, errorCode: 'UNEXPECTED_ERROR', reason: 'Unauthorized' });
          expect(sim.requests.map((r) => r.status)).toEqual([401, 401]);

          const visible = everythingVisible(err) + inspect(client, { depth: 10, showHidden: true });
          expect(visible).not.toContain(wrongKey);
          expect(visible).not.toContain(DEFAULT_SIMULATOR_PRIVATE_KEY);
          expect(visible).not.toContain('response=');
          expect(visible).not.toMatch(/Digest username/i);

          // The refused challenge is forgotten: the next call starts over instead of failing preemptively forever.
          await expect(client.getSnapshot({ ...CLUSTER, snapshotId: SEED_SNAPSHOT_ID })).rejects.toMatchObject({
            status: 401,
          });
          expect(sim.requests.map((r) => r.authenticated)).toEqual([false, false, false, false]);
          expect(sim.requests).toHaveLength(4);
        },
        { client: { credentials: { publicKey: DEFAULT_SIMULATOR_PUBLIC_KEY, privateKey: wrongKey } } }
      );
    });

    test('a wrong public key is refused the same way', async () => {
      await withAtlas(
        async (client) => {
          await expect(client.listSnapshots(CLUSTER)).rejects.toMatchObject({
            name: 'AtlasApiError',
            status: 401,
          });
        },
        { client: { credentials: { publicKey: 'nobodyxx', privateKey: DEFAULT_SIMULATOR_PRIVATE_KEY } } }
      );
    });

    test('N sequential calls cost N+1 requests: the nonce is reused with an increasing nc', async () => {
      await withAtlas(async (client, sim) => {
        const n = 6;
        for (let i = 0; i < n; i++) await client.getSnapshot({ ...CLUSTER, snapshotId: SEED_SNAPSHOT_ID });
        expect(sim.requests).toHaveLength(n + 1);
        expect(challenges(sim)).toBe(1);
        expect(sim.requests.slice(1).every((r) => r.authenticated && r.status === 200)).toBe(true);
      });
    });

    test('concurrent calls share the nonce and all succeed', async () => {
      await withAtlas(async (client, sim) => {
        await client.listSnapshots(CLUSTER);
        const results = await Promise.all(
          Array.from({ length: 8 }, () => client.getSnapshot({ ...CLUSTER, snapshotId: SEED_SNAPSHOT_ID }))
        );
        expect(results.every((s) => s.id === SEED_SNAPSHOT_ID)).toBe(true);
        expect(challenges(sim)).toBe(1);
      });
    });

    test.each([
      { name: 'the simulator forgets every nonce', expire: (sim: AtlasSimulator) => sim.expireNonces() },
      { name: 'the nonce outlives nonceMaxAgeMs', expire: () => clock.advance(61_000) },
    ])('a stale nonce ($name) costs exactly one extra 401, then the call succeeds', async ({ expire }) => {
      await withAtlas(
        async (client, sim) => {
          await client.getSnapshot({ ...CLUSTER, snapshotId: SEED_SNAPSHOT_ID });
          await client.getSnapshot({ ...CLUSTER, snapshotId: SEED_SNAPSHOT_ID });
          expect(sim.requests.map((r) => r.status)).toEqual([401, 200, 200]);

          expire(sim);
          await expect(client.createRestoreJob(RESTORE)).resolves.toMatchObject({ status: 'PENDING' });
          const staleCall = sim.requests.slice(3);
          expect(staleCall.map((r) => [r.method, r.status, r.authenticated])).toEqual([
            ['POST', 401, false],
            ['POST', 200, true],
          ]);
          expect(sim.restoreJobs()).toHaveLength(1);

          // The fresh nonce is reused from then on.
          await client.getSnapshot({ ...CLUSTER, snapshotId: SEED_SNAPSHOT_ID });
          expect(sim.requests).toHaveLength(6);
        },
        { sim: { now: clock.now, nonceMaxAgeMs: 60_000 } }
      );
    });
  });

  test('an already-aborted signal sends nothing and is aborted, not ambiguous', async () => {
    await withAtlas(async (client, sim) => {
      const controller = new AbortController();
      controller.abort();
      const err = await rejection(client.createRestoreJob(RESTORE, { signal: controller.signal }));
      expect(err).toBeInstanceOf(AtlasConnectionError);
      expect(err).toMatchObject({ aborted: true, ambiguous: false });
      expect(sim.requests).toHaveLength(0);
    });
  });
});

describe('AtlasClient against the simulator: API families, Service Accounts, rate limits', () => {
  const SIM_SERVICE_ACCOUNT = { clientId: DEFAULT_SIMULATOR_CLIENT_ID, clientSecret: DEFAULT_SIMULATOR_CLIENT_SECRET };
  const FAST = { pendingMs: 1000, queuedMs: 1000, runningMs: 1000 };
  const tokenRequests = (sim: AtlasSimulator): RecordedRequest[] => sim.requests.filter((r) => r.path === TOKEN_PATH);
  const apiRequests = (sim: AtlasSimulator): RecordedRequest[] => sim.requests.filter((r) => r.path !== TOKEN_PATH);
  const FLEX_REF = { family: 'flex', groupId: SEED_PROJECT_ID, clusterName: SEED_FLEX_CLUSTER_NAME } as const;

  describe.each([
    { family: 'tenant-v1', clusterName: SEED_CLUSTER_NAME, target: 'M5AWS', prefix: '/api/atlas/v1.0/', limit: 4000 },
    { family: 'tenant-v2', clusterName: SEED_CLUSTER_NAME, target: 'M5AWS', prefix: '/api/atlas/v2/', limit: 4000 },
    {
      family: 'flex',
      clusterName: SEED_FLEX_CLUSTER_NAME,
      target: SEED_FLEX_CLUSTER_NAME,
      prefix: '/api/atlas/v2/',
      limit: 1200,
    },
  ] as const)('$family', ({ family, clusterName, target, prefix, limit }) => {
    test.each([
      { auth: 'an API key (Digest)', credentials: CREDENTIALS },
      { auth: 'a Service Account (Bearer)', credentials: SIM_SERVICE_ACCOUNT },
    ])('all six operations with $auth, rate limits reported', async ({ credentials }) => {
      const clock = manualClock();
      const reported: AtlasRateLimitInfo[] = [];
      const ref = { family, groupId: SEED_PROJECT_ID, clusterName };
      await withAtlas(
        async (client, sim) => {
          const snapshots = await client.listSnapshots({ ...ref, itemsPerPage: 1 });
          const first = snapshots.results[0];
          expect(first).toMatchObject({ status: 'COMPLETED', id: expect.stringMatching(/^[a-f0-9]{24}$/) });
          const snapshotId = first?.id ?? '';
          await expect(client.getSnapshot({ ...ref, snapshotId })).resolves.toMatchObject({ id: snapshotId });

          const created = await client.createRestoreJob({
            ...ref,
            snapshotId,
            targetDeploymentItemName: target,
            targetProjectId: SEED_PROJECT_ID,
          });
          expect(created).toMatchObject({ status: 'PENDING', clusterName, snapshotId, deliveryType: 'RESTORE' });
          if (family === 'flex') expect(created).toMatchObject({ instanceName: clusterName });
          else expect(created).not.toHaveProperty('instanceName');

          clock.advance(3000);
          await expect(client.getRestoreJob({ ...ref, restoreId: created.id })).resolves.toMatchObject({
            status: 'COMPLETED',
            clusterName,
            restoreFinishedDate: expect.any(String),
          });
          const listed = await client.listRestoreJobs(ref);
          expect(listed.results.map((j) => [j.id, j.clusterName])).toEqual([[created.id, clusterName]]);

          const download = await client.requestDownload({ ...ref, snapshotId });
          expect(download).toMatchObject({ deliveryType: 'DOWNLOAD', clusterName });
          expect(download.snapshotUrl).toEqual(expect.stringContaining('/snapshot-downloads/'));

          const api = apiRequests(sim);
          const bearer = 'clientId' in credentials;
          expect(api.every((r) => r.path.startsWith(prefix))).toBe(true);
          // Digest pays one challenge for the whole session; a Service Account one token request.
          expect(api.map((r) => r.status)).toEqual([...(bearer ? [] : [401]), ...Array(6).fill(200)]);
          expect(tokenRequests(sim)).toHaveLength(bearer ? 1 : 0);

          expect(reported).toHaveLength(6);
          expect(reported.every((r) => r.family === family && r.limit === limit)).toBe(true);
          const restoreBucket = reported.filter((r) => /restores?Jobs?|\/restore(s|$)/.test(r.path));
          expect(restoreBucket.map((r) => r.remaining)).toEqual([limit - 1, limit - 2, limit - 3]);
        },
        {
          sim: { now: clock.now, timing: FAST, flexTiming: FAST },
          client: { credentials, onRateLimit: (info) => reported.push(info) },
        }
      );
    });
  });

  describe('Service Accounts', () => {
    test('one token serves N calls of every family, also when the first calls run concurrently', async () => {
      await withAtlas(
        async (client, sim) => {
          await Promise.all(
            Array.from({ length: 5 }, () => client.getSnapshot({ ...FLEX_REF, snapshotId: SEED_FLEX_SNAPSHOT_ID }))
          );
          for (const family of ['tenant-v1', 'tenant-v2'] as const) {
            for (let i = 0; i < 3; i++) await client.getSnapshot({ ...CLUSTER, family, snapshotId: SEED_SNAPSHOT_ID });
          }
          expect(tokenRequests(sim)).toHaveLength(1);
          expect(sim.stats().tokensIssued).toBe(1);
          expect(apiRequests(sim).map((r) => r.status)).toEqual(Array(11).fill(200));
        },
        { client: { credentials: SIM_SERVICE_ACCOUNT } }
      );
    });

    test('a token near its expiry is renewed before use: one more token request, no 401', async () => {
      const clock = manualClock();
      await withAtlas(
        async (client, sim) => {
          const get = () => client.getSnapshot({ ...FLEX_REF, snapshotId: SEED_FLEX_SNAPSHOT_ID });
          await get();
          clock.advance(107_000); // a 120 s token is renewed once less than 12 s (10%) remain
          await get();
          expect(tokenRequests(sim)).toHaveLength(1);
          clock.advance(2_000);
          await get();
          await get();
          expect(tokenRequests(sim)).toHaveLength(2);
          expect(apiRequests(sim).map((r) => r.status)).toEqual([200, 200, 200, 200]);
        },
        { sim: { now: clock.now, tokenTtlSeconds: 120 }, client: { credentials: SIM_SERVICE_ACCOUNT, now: clock.now } }
      );
    });

    test('a token that expired sooner than the client thought costs one 401 and one new token, once', async () => {
      const simClock = manualClock();
      await withAtlas(
        async (client, sim) => {
          const restore = {
            ...FLEX_REF,
            snapshotId: SEED_FLEX_SNAPSHOT_ID,
            targetDeploymentItemName: SEED_FLEX_CLUSTER_NAME,
            targetProjectId: SEED_PROJECT_ID,
          };
          await client.getSnapshot({ ...FLEX_REF, snapshotId: SEED_FLEX_SNAPSHOT_ID });
          simClock.advance(3_601_000); // the simulator's clock runs ahead; the client's own clock stands still
          await expect(client.createRestoreJob(restore)).resolves.toMatchObject({ status: 'PENDING' });
          expect(sim.requests.map((r) => [r.path === TOKEN_PATH ? 'token' : r.method, r.status])).toEqual([
            ['token', 200],
            ['GET', 200],
            ['POST', 401],
            ['token', 200],
            ['POST', 200],
          ]);
          const posts = sim.requests.filter((r) => r.method === 'POST' && r.path !== TOKEN_PATH);
          expect(posts[1]?.body).toEqual(posts[0]?.body);
          expect(sim.restoreJobs()).toHaveLength(1);
        },
        { sim: { now: simClock.now }, client: { credentials: SIM_SERVICE_ACCOUNT, now: () => T0 } }
      );
    });

    test('a wrong secret is a 401 of the token request that reveals no secret, and calls no API', async () => {
      const wrongSecret = 'mdb_sa_sk_WRONG_c0ffee:beef';
      await withAtlas(
        async (client, sim) => {
          const err = await rejection(client.listRestoreJobs(FLEX_REF));
          expect(err).toBeInstanceOf(AtlasApiError);
          expect(err).toMatchObject({ status: 401, method: 'POST', path: TOKEN_PATH, errorCode: 'invalid_client' });
          expect(sim.requests.map((r) => [r.path, r.status, r.authenticated])).toEqual([[TOKEN_PATH, 401, false]]);
          const visible = everythingVisible(err) + inspect(client, { depth: 10, showHidden: true });
          expect(visible).not.toContain(wrongSecret);
          expect(visible).not.toContain('WRONG_c0ffee');
          expect(visible).not.toContain(
            Buffer.from(`${DEFAULT_SIMULATOR_CLIENT_ID}:${wrongSecret}`).toString('base64')
          );
          expect(visible).not.toContain(DEFAULT_SIMULATOR_CLIENT_SECRET);
        },
        { client: { credentials: { clientId: DEFAULT_SIMULATOR_CLIENT_ID, clientSecret: wrongSecret } } }
      );
    });

    test('the token endpoint limit (50 a minute per client) is a 429 RATE_LIMITED with Retry-After', async () => {
      const clock = manualClock();
      await withAtlas(
        async (_client, sim) => {
          // Each client (a worker process) caches its own token: 51 of them mint 51 tokens.
          const outcomes: unknown[] = [];
          for (let i = 0; i < 51; i++) {
            const client = new AtlasClient({ baseUrl: sim.url, credentials: SIM_SERVICE_ACCOUNT, dispatcher: agent });
            outcomes.push(
              await client.listSnapshots(FLEX_REF).then(
                () => 'ok',
                (err: unknown) => err
              )
            );
            await client.close();
            clock.advance(100);
          }
          expect(outcomes.slice(0, 50)).toEqual(Array(50).fill('ok'));
          const err = outcomes[50];
          expect(err).toBeInstanceOf(AtlasApiError);
          expect(err).toMatchObject({
            status: 429,
            path: TOKEN_PATH,
            errorCode: 'RATE_LIMITED',
            parameters: [TOKEN_PATH, 50, 1],
            retryAfterSeconds: 55,
          });
        },
        { sim: { now: clock.now } }
      );
    });
  });

  describe('rate limits', () => {
    test('an empty project bucket is a 429 RATE_LIMITED_TOKEN_BUCKET with Retry-After, not retried', async () => {
      const clock = manualClock();
      const reported: (number | undefined)[] = [];
      await withAtlas(
        async (client, sim) => {
          await client.listSnapshots(FLEX_REF);
          clock.advance(5_000);
          await client.getSnapshot({ ...FLEX_REF, snapshotId: SEED_FLEX_SNAPSHOT_ID });
          const err = await rejection(client.getSnapshot({ ...FLEX_REF, snapshotId: SEED_FLEX_SNAPSHOT_ID }));
          expect(err).toBeInstanceOf(AtlasApiError);
          expect(err).toMatchObject({
            status: 429,
            errorCode: 'RATE_LIMITED_TOKEN_BUCKET',
            retryAfterSeconds: 55,
            rateLimit: { limit: 2, remaining: 0 },
          });
          expect((err as AtlasApiError).parameters.slice(1)).toEqual([55, 2, 1, 60]);
          expect(reported).toEqual([1, 0]);
          expect(apiRequests(sim).map((r) => r.status)).toEqual([200, 200, 429]);

          // Other buckets are not affected; once the period is over the call goes through.
          await client.listRestoreJobs(FLEX_REF);
          clock.advance(55_000);
          await expect(client.getSnapshot({ ...FLEX_REF, snapshotId: SEED_FLEX_SNAPSHOT_ID })).resolves.toMatchObject({
            id: SEED_FLEX_SNAPSHOT_ID,
          });
        },
        {
          sim: { now: clock.now, rateLimits: { flexSnapshots: { capacity: 2, refill: 1, periodSeconds: 60 } } },
          client: {
            credentials: SIM_SERVICE_ACCOUNT,
            onRateLimit: (info) => info.path.includes('/snapshots') && reported.push(info.remaining),
          },
        }
      );
    });

    test('a 503 with Retry-After is an AtlasApiError with retryAfterSeconds, after one authenticated attempt', async () => {
      await withAtlas(
        async (client, sim) => {
          const err = await rejection(client.listRestoreJobs({ ...CLUSTER, family: 'tenant-v2' }));
          expect(err).toBeInstanceOf(AtlasApiError);
          expect(err).toMatchObject({ status: 503, errorCode: 'SERVICE_UNAVAILABLE', retryAfterSeconds: 7 });
          expect(sim.requests.map((r) => r.status)).toEqual([401, 503]);
        },
        { sim: { faults: { errorRates: { '503': 1 }, retryAfterSeconds: 7 } } }
      );
    });
  });

  describe('sunset and wrong family', () => {
    test.each([
      { family: 'tenant-v1', credentials: CREDENTIALS },
      { family: 'tenant-v2', credentials: SIM_SERVICE_ACCOUNT },
    ] as const)(
      'after the sunset, $family answers 410 VERSION_GONE while Flex still works',
      async ({ family, credentials }) => {
        await withAtlas(
          async (client) => {
            for (const call of [
              client.listRestoreJobs({ ...CLUSTER, family }),
              client.createRestoreJob({ ...RESTORE, family }),
              client.getSnapshot({ ...CLUSTER, family, snapshotId: SEED_SNAPSHOT_ID }),
            ]) {
              const err = await rejection(call);
              expect(err).toBeInstanceOf(AtlasApiError);
              expect(err).toMatchObject({
                status: 410,
                errorCode: 'VERSION_GONE',
                detail: 'This happens when a resource is marked for sunset and the sunset date is in the past.',
              });
            }
            await expect(client.listSnapshots(FLEX_REF)).resolves.toMatchObject({ totalCount: 2 });
          },
          { sim: { sunsetTenant: true }, client: { credentials } }
        );
      }
    );

    test.each([
      {
        name: 'a tenant cluster through the Flex API',
        ref: { family: 'flex', groupId: SEED_PROJECT_ID, clusterName: SEED_CLUSTER_NAME },
        errorCode: 'CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API',
        detail: `Cannot use non-flex cluster ${SEED_CLUSTER_NAME} in the flex API.`,
        parameters: [SEED_CLUSTER_NAME],
      },
      {
        name: 'a Flex cluster through the tenant v2 API',
        ref: { family: 'tenant-v2', groupId: SEED_PROJECT_ID, clusterName: SEED_FLEX_CLUSTER_NAME },
        errorCode: 'CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API',
        detail: `Flex cluster ${SEED_FLEX_CLUSTER_NAME} cannot be used in the Cluster API.`,
        parameters: [SEED_FLEX_CLUSTER_NAME],
      },
      {
        name: 'a Flex cluster through the tenant v1.0 API',
        ref: { family: 'tenant-v1', groupId: SEED_PROJECT_ID, clusterName: SEED_FLEX_CLUSTER_NAME },
        errorCode: 'CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API',
        detail: `Flex cluster ${SEED_FLEX_CLUSTER_NAME} cannot be used in the Cluster API.`,
        parameters: [SEED_FLEX_CLUSTER_NAME],
      },
    ] as const)('$name is a 400 $errorCode', async ({ ref, errorCode, detail, parameters }) => {
      await withAtlas(
        async (client) => {
          for (const call of [
            client.listSnapshots(ref),
            client.getRestoreJob({ ...ref, restoreId: 'ffffffffffffffffffffffff' }),
          ]) {
            const err = await rejection(call);
            expect(err).toBeInstanceOf(AtlasApiError);
            expect(err).toMatchObject({ status: 400, errorCode, detail, parameters, reason: 'Bad Request' });
          }
        },
        { client: { credentials: SIM_SERVICE_ACCOUNT } }
      );
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// Against scripted servers
// ---------------------------------------------------------------------------------------------------------------

describe('AtlasClient on the wire', () => {
  const client = (url: string, options: Partial<AtlasClientOptions> = {}): AtlasClient =>
    new AtlasClient({
      baseUrl: url,
      credentials: CREDENTIALS,
      dispatcher: agent,
      cnonce: () => 'test-cnonce',
      ...options,
    });

  test('sends Accept, Content-Type, User-Agent and a Digest Authorization for the exact request target', async () => {
    await withScriptedServer(
      (req, res) => json(res, 200, req.method === 'POST' ? { id: 'a', status: 'PENDING' } : { results: [] }),
      async (url, seen) => {
        const atlas = client(url);
        await atlas.createRestoreJob(RESTORE);
        await atlas.listRestoreJobs({ ...CLUSTER, pageNum: 2, itemsPerPage: 10 });
        await atlas.close();

        expect(seen.map((r) => r.method)).toEqual(['POST', 'POST', 'GET']);
        const [challenged, post, list] = seen as [SeenRequest, SeenRequest, SeenRequest];
        expect(challenged.headers.authorization).toBeUndefined();
        for (const r of [challenged, post]) {
          expect(r.headers).toMatchObject({
            accept: 'application/json',
            'content-type': 'application/json',
            'user-agent': 'atlas-restore/0.1.0',
          });
          expect(r.url).toBe(
            `/api/atlas/v1.0/groups/${SEED_PROJECT_ID}/clusters/${SEED_CLUSTER_NAME}/backup/tenant/restore`
          );
        }
        expect(post.body).toBe(challenged.body);
        expect(JSON.parse(post.body)).toEqual({
          snapshotId: SEED_SNAPSHOT_ID,
          targetDeploymentItemName: 'M5AWS',
          targetProjectId: SEED_PROJECT_ID,
        });
        expect(post.headers.authorization).toMatch(
          new RegExp(
            `^Digest username="${DEFAULT_SIMULATOR_PUBLIC_KEY}", realm="MMS Public API", uri="${post.url}", ` +
              'algorithm=MD5, nonce="669gyxpgL6MGDuSZvQ80Spv3k\\+Jc99ed", nc=00000001, cnonce="test-cnonce", ' +
              'qop=auth, response="[0-9a-f]{32}"$'
          )
        );

        expect(list.url).toBe(
          `/api/atlas/v1.0/groups/${SEED_PROJECT_ID}/clusters/${SEED_CLUSTER_NAME}/backup/tenant/restores?pageNum=2&itemsPerPage=10`
        );
        expect(list.headers['content-type']).toBeUndefined();
        expect(list.headers.authorization).toContain(`uri="${list.url}"`);
        expect(list.headers.authorization).toContain('nc=00000002');
      }
    );
  });

  test('an error status with a non-JSON body still yields AtlasApiError, with Retry-After and RateLimit headers', async () => {
    await withScriptedServer(
      (_req, res) => {
        res.writeHead(503, {
          'Content-Type': 'text/html',
          'Retry-After': '42',
          'Ratelimit-Limit': '4000',
          'RATELIMIT-REMAINING': '0',
          'X-Error-Code': 'SERVICE_UNAVAILABLE',
        });
        res.end('<html>Service Unavailable</html>');
      },
      async (url) => {
        const atlas = client(url);
        const err = await rejection(atlas.listSnapshots(CLUSTER));
        expect(err).toBeInstanceOf(AtlasApiError);
        expect(err).toMatchObject({
          status: 503,
          errorCode: 'SERVICE_UNAVAILABLE',
          detail: undefined,
          parameters: [],
          retryAfterSeconds: 42,
          rateLimit: { limit: 4000, remaining: 0 },
        });
        await atlas.close();
      }
    );
  });

  test('a 429 with an empty body and an HTTP-date Retry-After', async () => {
    const at = new Date(Date.now() + 30_000).toUTCString();
    await withScriptedServer(
      (_req, res) => {
        res.writeHead(429, { 'Retry-After': at });
        res.end();
      },
      async (url) => {
        const atlas = client(url);
        const err = (await rejection(atlas.listSnapshots(CLUSTER))) as AtlasApiError;
        expect(err).toBeInstanceOf(AtlasApiError);
        expect(err.status).toBe(429);
        expect(err.errorCode).toBeUndefined();
        expect(err.rateLimit).toBeUndefined();
        expect(err.retryAfterSeconds).toBeGreaterThanOrEqual(28);
        expect(err.retryAfterSeconds).toBeLessThanOrEqual(31);
        await atlas.close();
      }
    );
  });

  test.each([
    { name: 'a body of the wrong shape', body: '{"id":5,"status":"PENDING","secretish":"hunter2"}', problem: /id/ },
    {
      name: 'a body that is not JSON',
      body: '<html>hunter2</html>',
      problem: /body is not JSON \(text\/html, 20 bytes\)/,
    },
    { name: 'an empty body', body: '', problem: /empty body/ },
  ])('a 2xx with $name is an AtlasResponseValidationError without the body', async ({ body, problem }) => {
    await withScriptedServer(
      (_req, res) => {
        res.writeHead(200, { 'Content-Type': body.startsWith('{') ? 'application/json' : 'text/html' });
        res.end(body);
      },
      async (url) => {
        const atlas = client(url);
        const err = await rejection(atlas.getRestoreJob({ ...CLUSTER, restoreId: 'ffffffffffffffffffffffff' }));
        expect(err).toBeInstanceOf(AtlasResponseValidationError);
        expect(err).toMatchObject({ status: 200, method: 'GET' });
        expect((err as Error).message).toMatch(problem);
        expect(everythingVisible(err)).not.toContain('hunter2');
        await atlas.close();
      }
    );
  });

  test('a 401 whose challenge the client cannot answer is an AtlasApiError with the reason as cause', async () => {
    await withScriptedServer(
      (_req, res) =>
        json(res, 401, { error: 401, errorCode: 'UNEXPECTED_ERROR' }, { 'WWW-Authenticate': 'Basic realm="x"' }),
      async (url, seen) => {
        const atlas = client(url);
        const err = (await rejection(atlas.listSnapshots(CLUSTER))) as AtlasApiError;
        expect(err).toBeInstanceOf(AtlasApiError);
        expect(err.status).toBe(401);
        expect(err.errorCode).toBe('UNEXPECTED_ERROR');
        expect(String((err.cause as Error).message)).toMatch(/not a Digest challenge \(auth scheme: Basic\)/);
        expect(seen).toHaveLength(1);
        await atlas.close();
      },
      { challenge: false }
    );
  });

  describe('transport failures', () => {
    test('a headers timeout after the request was authenticated is ambiguous', async () => {
      await withScriptedServer(
        () => undefined, // never answers
        async (url, seen) => {
          const atlas = client(url, { timeouts: { headersMs: 200 } });
          const err = await rejection(atlas.createRestoreJob(RESTORE));
          expect(err).toBeInstanceOf(AtlasConnectionError);
          expect(err).toMatchObject({ code: 'UND_ERR_HEADERS_TIMEOUT', ambiguous: true, aborted: false });
          expect((err as Error).message).toBe(
            `Atlas POST /api/atlas/v1.0/groups/${SEED_PROJECT_ID}/clusters/${SEED_CLUSTER_NAME}/backup/tenant/restore ` +
              'failed (UND_ERR_HEADERS_TIMEOUT) after the request was sent'
          );
          expect(seen).toHaveLength(2);
          const visible = everythingVisible(err);
          expect(visible).not.toContain(DEFAULT_SIMULATOR_PRIVATE_KEY);
          expect(visible).not.toContain('response=');
          await atlas.close();
        }
      );
    });

    test('a headers timeout on the unauthenticated first request is not ambiguous: Atlas cannot have acted', async () => {
      await withScriptedServer(
        () => undefined,
        async (url) => {
          const atlas = client(url, { timeouts: { headersMs: 200 } });
          await expect(atlas.createRestoreJob(RESTORE)).rejects.toMatchObject({
            name: 'AtlasConnectionError',
            code: 'UND_ERR_HEADERS_TIMEOUT',
            ambiguous: false,
          });
          await atlas.close();
        },
        { challenge: false }
      );
    });

    test('a body timeout is ambiguous', async () => {
      await withScriptedServer(
        (_req, res) => {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.write('{"id":'); // and nothing more
        },
        async (url) => {
          const atlas = client(url, { timeouts: { bodyMs: 200 } });
          await expect(atlas.createRestoreJob(RESTORE)).rejects.toMatchObject({
            name: 'AtlasConnectionError',
            code: 'UND_ERR_BODY_TIMEOUT',
            ambiguous: true,
          });
          await atlas.close();
        }
      );
    });

    test('a connection reset after the request was sent is ambiguous', async () => {
      await withScriptedServer(
        (_req, res) => res.socket?.destroy(),
        async (url) => {
          const atlas = client(url);
          const err = await rejection(atlas.createRestoreJob(RESTORE));
          expect(err).toBeInstanceOf(AtlasConnectionError);
          expect(err).toMatchObject({ ambiguous: true, aborted: false });
          expect((err as AtlasConnectionError).code).toMatch(/^(UND_ERR_SOCKET|ECONNRESET)$/);
          await atlas.close();
        }
      );
    });

    test('cancelling through the AbortSignal mid-request is an aborted AtlasConnectionError', async () => {
      await withScriptedServer(
        () => undefined,
        async (url, seen) => {
          const atlas = client(url);
          const controller = new AbortController();
          const call = atlas.createRestoreJob(RESTORE, { signal: controller.signal });
          while (seen.length < 2) await new Promise((resolve) => setTimeout(resolve, 5));
          controller.abort();
          const err = await rejection(call);
          expect(err).toBeInstanceOf(AtlasConnectionError);
          expect(err).toMatchObject({ aborted: true, ambiguous: true, code: 'ABORT_ERR' });
          expect((err as Error).message).toMatch(/was cancelled after the request was sent$/);
          await atlas.close();
        }
      );
    });

    test('connection refused is not ambiguous', async () => {
      const server = createServer();
      server.listen(0, '127.0.0.1');
      await once(server, 'listening');
      const { port } = server.address() as AddressInfo;
      server.close();
      await once(server, 'close');

      const atlas = client(`http://127.0.0.1:${port}`);
      const err = await rejection(atlas.listSnapshots(CLUSTER));
      expect(err).toBeInstanceOf(AtlasConnectionError);
      expect(err).toMatchObject({ code: 'ECONNREFUSED', ambiguous: false, aborted: false });
      await atlas.close();
    });

    test('the default Agent is built from the timeouts and closed by close()', async () => {
      await withScriptedServer(
        () => undefined,
        async (url) => {
          const atlas = new AtlasClient({ baseUrl: url, credentials: CREDENTIALS, timeouts: { headersMs: 150 } });
          await expect(atlas.listSnapshots(CLUSTER)).rejects.toMatchObject({ code: 'UND_ERR_HEADERS_TIMEOUT' });
          await atlas.close();
          await atlas.close();
          await expect(atlas.listSnapshots(CLUSTER)).rejects.toMatchObject({
            name: 'AtlasConnectionError',
            ambiguous: false,
          });
        },
        { challenge: false }
      );
    });
  });
});

// ---------------------------------------------------------------------------------------------------------------
// API families, Service Accounts, rate limits and download links, against scripted servers
// ---------------------------------------------------------------------------------------------------------------

/** A Service Account with the characters that trip generic OAuth clients: `_` in both, `:` in the secret. */
const SERVICE_ACCOUNT = {
  clientId: 'mdb_sa_id_0123456789abcdef01234567',
  clientSecret: 'mdb_sa_sk_Zq_9:x-SECRET-4f2c',
};
const EXPECTED_BASIC = `Basic ${Buffer.from(`${SERVICE_ACCOUNT.clientId}:${SERVICE_ACCOUNT.clientSecret}`).toString('base64')}`;
const ACCESS_TOKEN = 'eyJ0eXAiOiJKV1QifQ.TOKEN-7b1e.sig';
const FLEX = { family: 'flex', groupId: SEED_PROJECT_ID, clusterName: 'snapshotCluster0' } as const;
const SECRET_URL = 'https://restore-bucket.example/snap.tar.gz?X-Amz-Signature=SECRETSIG123';

/** Everything of a Service Account exchange that must never show up in an error. */
function expectNoServiceAccountSecret(visible: string, tokens: string[] = [ACCESS_TOKEN]): void {
  expect(visible).not.toContain(SERVICE_ACCOUNT.clientSecret);
  expect(visible).not.toContain('SECRET-4f2c');
  expect(visible).not.toContain(EXPECTED_BASIC.slice('Basic '.length));
  expect(visible).not.toMatch(/Basic |Bearer /);
  for (const token of tokens) expect(visible).not.toContain(token);
}

/**
 * A scripted token endpoint in front of `respond`: answers `POST /api/oauth/token` with `token` (default: a 3600 s
 * Bearer token numbered per request, `${ACCESS_TOKEN}-1`, `-2`, …) and passes everything else on.
 */
function withTokenEndpoint(
  respond: (req: SeenRequest, res: ServerResponse) => void,
  token: (req: SeenRequest, res: ServerResponse, n: number) => void = (_req, res, n) =>
    json(res, 200, { access_token: `${ACCESS_TOKEN}-${n}`, expires_in: 3600, token_type: 'Bearer' })
): (req: SeenRequest, res: ServerResponse) => void {
  let n = 0;
  return (req, res) => (req.url === TOKEN_PATH ? token(req, res, ++n) : respond(req, res));
}

const apiCalls = (seen: SeenRequest[]): SeenRequest[] => seen.filter((r) => r.url !== TOKEN_PATH);
const tokenCalls = (seen: SeenRequest[]): SeenRequest[] => seen.filter((r) => r.url === TOKEN_PATH);

describe('API families on the wire', () => {
  const MEDIA = {
    'tenant-v1': 'application/json',
    'tenant-v2': 'application/vnd.atlas.2023-01-01+json',
    flex: 'application/vnd.atlas.2024-11-13+json',
  } as const;
  const BASE = {
    'tenant-v1': `/api/atlas/v1.0/groups/${SEED_PROJECT_ID}/clusters/${SEED_CLUSTER_NAME}/backup/tenant`,
    'tenant-v2': `/api/atlas/v2/groups/${SEED_PROJECT_ID}/clusters/${SEED_CLUSTER_NAME}/backup/tenant`,
    flex: `/api/atlas/v2/groups/${SEED_PROJECT_ID}/flexClusters/${SEED_CLUSTER_NAME}/backup`,
  } as const;

  test.each([
    { family: 'tenant-v1', create: 'restore', jobs: 'restores', nameField: 'clusterName' },
    { family: 'tenant-v2', create: 'restore', jobs: 'restores', nameField: 'clusterName' },
    { family: 'flex', create: 'restoreJobs', jobs: 'restoreJobs', nameField: 'instanceName' },
  ] as const)(
    '$family: paths, Accept, Content-Type and bodies of all six operations; $nameField read as clusterName',
    async ({ family, create, jobs, nameField }) => {
      const job = { id: 'j1', status: 'PENDING', [nameField]: SEED_CLUSTER_NAME, snapshotId: SEED_SNAPSHOT_ID };
      const snapshot = { id: SEED_SNAPSHOT_ID, status: 'COMPLETED' };
      await withScriptedServer(
        withTokenEndpoint((req, res) => {
          // What Atlas sends for a versioned resource: its media type with a charset.
          const contentType = `${MEDIA[family]}${family === 'tenant-v1' ? '' : ';charset=utf-8'}`;
          res.writeHead(200, { 'Content-Type': contentType });
          const isList = req.url.includes('?') || req.url.endsWith('/snapshots') || req.url.endsWith(`/${jobs}`);
          const item = req.url.includes('/snapshots') ? snapshot : job;
          res.end(JSON.stringify(req.method === 'GET' && isList ? { results: [item], totalCount: 1 } : item));
        }),
        async (url, seen) => {
          const atlas = new AtlasClient({ baseUrl: url, credentials: SERVICE_ACCOUNT, dispatcher: agent });
          const ref = { family, groupId: SEED_PROJECT_ID, clusterName: SEED_CLUSTER_NAME };
          const created = await atlas.createRestoreJob({ ...ref, ...RESTORE, family });
          const read = await atlas.getRestoreJob({ ...ref, restoreId: 'j1' });
          const listed = await atlas.listRestoreJobs({ ...ref, pageNum: 1, itemsPerPage: 5 });
          const snapshots = await atlas.listSnapshots({ ...ref, includeCount: false });
          const one = await atlas.getSnapshot({ ...ref, snapshotId: SEED_SNAPSHOT_ID });
          const download = await atlas.requestDownload({ ...ref, snapshotId: SEED_SNAPSHOT_ID });
          await atlas.close();

          for (const j of [created, read, listed.results[0], download]) {
            expect(j).toMatchObject({ id: 'j1', clusterName: SEED_CLUSTER_NAME });
          }
          expect(snapshots.results[0]).toMatchObject(snapshot);
          expect(one).toMatchObject(snapshot);

          const base = BASE[family];
          expect(apiCalls(seen).map((r) => [r.method, r.url])).toEqual([
            ['POST', `${base}/${create}`],
            ['GET', `${base}/${jobs}/j1`],
            ['GET', `${base}/${jobs}?pageNum=1&itemsPerPage=5`],
            ['GET', `${base}/snapshots?includeCount=false`],
            ['GET', `${base}/snapshots/${SEED_SNAPSHOT_ID}`],
            ['POST', `${base}/download`],
          ]);
          for (const r of apiCalls(seen)) {
            expect(r.headers.accept).toBe(MEDIA[family]);
            expect(r.headers['content-type']).toBe(r.method === 'POST' ? MEDIA[family] : undefined);
            expect(r.headers.authorization).toBe(`Bearer ${ACCESS_TOKEN}-1`);
          }
          const [createCall, , , , , downloadCall] = apiCalls(seen) as SeenRequest[];
          expect(JSON.parse(createCall?.body ?? '')).toEqual({
            snapshotId: SEED_SNAPSHOT_ID,
            targetDeploymentItemName: 'M5AWS',
            targetProjectId: SEED_PROJECT_ID,
          });
          expect(JSON.parse(downloadCall?.body ?? '')).toEqual({ snapshotId: SEED_SNAPSHOT_ID });
          expect(tokenCalls(seen)).toHaveLength(1);
        },
        { challenge: false }
      );
    }
  );

  test.each([
    { name: 'text/plain', contentType: 'text/plain' },
    { name: 'another vendor type', contentType: 'application/vnd.other+json' },
    { name: 'no Content-Type', contentType: undefined },
  ])('a 2xx JSON body labelled $name is not taken as JSON', async ({ contentType }) => {
    await withScriptedServer(
      (_req, res) => {
        res.writeHead(200, contentType === undefined ? {} : { 'Content-Type': contentType });
        res.end('{"id":"a","status":"PENDING"}');
      },
      async (url) => {
        const atlas = new AtlasClient({ baseUrl: url, credentials: CREDENTIALS, dispatcher: agent });
        const err = await rejection(atlas.getRestoreJob({ ...FLEX, restoreId: 'a' }));
        expect(err).toBeInstanceOf(AtlasResponseValidationError);
        expect((err as Error).message).toMatch(/body is not JSON/);
        await atlas.close();
      },
      { challenge: false }
    );
  });

  test('an unknown family is refused before anything is sent', async () => {
    await withScriptedServer(
      () => undefined,
      async (url, seen) => {
        const atlas = new AtlasClient({ baseUrl: url, credentials: CREDENTIALS, dispatcher: agent });
        const ref = { ...CLUSTER, family: 'serverless' as unknown as 'flex' };
        await expect(atlas.listSnapshots(ref)).rejects.toThrow(/unknown Atlas API family "serverless"/);
        expect(seen).toHaveLength(0);
        await atlas.close();
      }
    );
  });
});

describe('rate limits on the wire', () => {
  test('onRateLimit gets the RateLimit headers of each successful answer, with family, method and path', async () => {
    let remaining = 1200;
    await withScriptedServer(
      (req, res) => {
        const headers: Record<string, string> = {
          'Content-Type': 'application/vnd.atlas.2024-11-13+json;charset=utf-8',
        };
        if (!req.url.includes('/snapshots/')) {
          headers['Ratelimit-Limit'] = '1200';
          headers['Ratelimit-Remaining'] = String(--remaining);
        }
        res.writeHead(200, headers);
        res.end(JSON.stringify(req.url.endsWith('/snapshots') ? { results: [] } : { id: 's', status: 'COMPLETED' }));
      },
      async (url) => {
        const seenInfo: unknown[] = [];
        const atlas = new AtlasClient({
          baseUrl: url,
          credentials: CREDENTIALS,
          dispatcher: agent,
          onRateLimit: (info) => seenInfo.push(info),
        });
        await atlas.listSnapshots(FLEX);
        await atlas.getSnapshot({ ...FLEX, snapshotId: 's' }); // no headers: not reported
        await atlas.getRestoreJob({ ...FLEX, restoreId: 'r' });
        const base = `/api/atlas/v2/groups/${SEED_PROJECT_ID}/flexClusters/snapshotCluster0/backup`;
        expect(seenInfo).toEqual([
          { family: 'flex', method: 'GET', path: `${base}/snapshots`, limit: 1200, remaining: 1199 },
          { family: 'flex', method: 'GET', path: `${base}/restoreJobs/r`, limit: 1200, remaining: 1198 },
        ]);
        await atlas.close();
      }
    );
  });

  test('a throwing onRateLimit does not fail the call, and error answers report through the error instead', async () => {
    await withScriptedServer(
      (req, res) =>
        req.method === 'POST'
          ? json(res, 200, { id: 'j', status: 'PENDING' }, { 'RateLimit-Limit': '4000', 'RateLimit-Remaining': '3' })
          : json(
              res,
              404,
              { error: 404, errorCode: 'RESOURCE_NOT_FOUND' },
              { 'RateLimit-Limit': '4000', 'RateLimit-Remaining': '2' }
            ),
      async (url) => {
        const calls: unknown[] = [];
        const atlas = new AtlasClient({
          baseUrl: url,
          credentials: CREDENTIALS,
          dispatcher: agent,
          onRateLimit: (info) => {
            calls.push(info);
            throw new Error('metrics backend down');
          },
        });
        await expect(atlas.createRestoreJob(RESTORE)).resolves.toMatchObject({ id: 'j' });
        await expect(atlas.getRestoreJob({ ...CLUSTER, restoreId: 'x' })).rejects.toMatchObject({
          status: 404,
          rateLimit: { limit: 4000, remaining: 2 },
        });
        expect(calls).toEqual([expect.objectContaining({ family: 'tenant-v1', method: 'POST', remaining: 3 })]);
        await atlas.close();
      }
    );
  });

  test.each<{
    name: string;
    ref: AtlasClusterRef;
    status: number;
    body: { errorCode: string } & Record<string, unknown>;
    headers: Record<string, string>;
    expected: Record<string, unknown>;
  }>([
    {
      name: 'a 429 RATE_LIMITED_TOKEN_BUCKET (Flex)',
      ref: FLEX,
      status: 429,
      body: {
        detail:
          'Rate limit exceeded for api/atlas/v2/groups/{groupId}/flexClusters. Please retry after 55 seconds. Request capacity: 1200. Refill rate: 500 per 60 seconds.',
        error: 429,
        errorCode: 'RATE_LIMITED_TOKEN_BUCKET',
        parameters: ['api/atlas/v2/groups/{groupId}/flexClusters', 55, 1200, 500, 60],
        reason: 'Too Many Requests',
      },
      headers: { 'Retry-After': '55', 'Ratelimit-Limit': '1200', 'Ratelimit-Remaining': '0' },
      expected: {
        errorCode: 'RATE_LIMITED_TOKEN_BUCKET',
        retryAfterSeconds: 55,
        rateLimit: { limit: 1200, remaining: 0 },
      },
    },
    {
      name: 'a 503 SERVICE_UNAVAILABLE (tenant v2)',
      ref: { ...CLUSTER, family: 'tenant-v2' },
      status: 503,
      body: { error: 503, errorCode: 'SERVICE_UNAVAILABLE', reason: 'Service Unavailable' },
      headers: { 'Retry-After': '120' },
      expected: { errorCode: 'SERVICE_UNAVAILABLE', retryAfterSeconds: 120, rateLimit: undefined },
    },
  ])('$name is parsed into AtlasApiError with retryAfterSeconds, and not retried', async (row) => {
    await withScriptedServer(
      (_req, res) => json(res, row.status, row.body, { ...row.headers, 'X-Error-Code': row.body.errorCode }),
      async (url, seen) => {
        const atlas = new AtlasClient({ baseUrl: url, credentials: CREDENTIALS, dispatcher: agent });
        const err = await rejection(atlas.listRestoreJobs(row.ref));
        expect(err).toBeInstanceOf(AtlasApiError);
        expect(err).toMatchObject({ status: row.status, ...row.expected });
        expect(seen).toHaveLength(1);
        await atlas.close();
      },
      { challenge: false }
    );
  });
});

describe('Service Accounts on the wire', () => {
  const saClient = (url: string, options: Partial<AtlasClientOptions> = {}): AtlasClient =>
    new AtlasClient({ baseUrl: url, credentials: SERVICE_ACCOUNT, dispatcher: agent, ...options });
  const snapshot = (res: ServerResponse): void =>
    json(
      res,
      200,
      { id: SEED_SNAPSHOT_ID, status: 'COMPLETED' },
      { 'Content-Type': 'application/vnd.atlas.2024-11-13+json' }
    );

  test('mints a token with a hand-built Basic header and a form body, then sends it as Bearer', async () => {
    await withScriptedServer(
      withTokenEndpoint((_req, res) => snapshot(res)),
      async (url, seen) => {
        const atlas = saClient(url);
        await atlas.getSnapshot({ ...FLEX, snapshotId: SEED_SNAPSHOT_ID });
        await atlas.close();
        const [token, call] = seen as [SeenRequest, SeenRequest];
        expect(seen).toHaveLength(2);
        expect(token.method).toBe('POST');
        expect(token.url).toBe(TOKEN_PATH);
        expect(token.headers).toMatchObject({
          authorization: EXPECTED_BASIC,
          'content-type': 'application/x-www-form-urlencoded',
          accept: 'application/json',
          'user-agent': 'atlas-restore/0.1.0',
        });
        expect(token.body).toBe('grant_type=client_credentials');
        expect(Buffer.from(EXPECTED_BASIC.slice(6), 'base64').toString()).toBe(
          'mdb_sa_id_0123456789abcdef01234567:mdb_sa_sk_Zq_9:x-SECRET-4f2c'
        );
        expect(call.headers.authorization).toBe(`Bearer ${ACCESS_TOKEN}-1`);
      },
      { challenge: false }
    );
  });

  test('one token for N calls, also when the first calls run concurrently', async () => {
    await withScriptedServer(
      withTokenEndpoint((_req, res) => snapshot(res)),
      async (url, seen) => {
        const atlas = saClient(url);
        await Promise.all(
          Array.from({ length: 6 }, () => atlas.getSnapshot({ ...FLEX, snapshotId: SEED_SNAPSHOT_ID }))
        );
        for (let i = 0; i < 4; i++)
          await atlas.getSnapshot({ ...CLUSTER, family: 'tenant-v2', snapshotId: SEED_SNAPSHOT_ID });
        await atlas.close();
        expect(tokenCalls(seen)).toHaveLength(1);
        expect(apiCalls(seen)).toHaveLength(10);
        expect(new Set(apiCalls(seen).map((r) => r.headers.authorization))).toEqual(
          new Set([`Bearer ${ACCESS_TOKEN}-1`])
        );
      },
      { challenge: false }
    );
  });

  test('a token is renewed once less than 60 s of it remains', async () => {
    let now = T0;
    await withScriptedServer(
      withTokenEndpoint((_req, res) => snapshot(res)),
      async (url, seen) => {
        const atlas = saClient(url, { now: () => now });
        await atlas.getSnapshot({ ...FLEX, snapshotId: SEED_SNAPSHOT_ID });
        now += 3539_000;
        await atlas.getSnapshot({ ...FLEX, snapshotId: SEED_SNAPSHOT_ID });
        now += 2_000;
        await atlas.getSnapshot({ ...FLEX, snapshotId: SEED_SNAPSHOT_ID });
        await atlas.close();
        expect(apiCalls(seen).map((r) => r.headers.authorization)).toEqual([
          `Bearer ${ACCESS_TOKEN}-1`,
          `Bearer ${ACCESS_TOKEN}-1`,
          `Bearer ${ACCESS_TOKEN}-2`,
        ]);
      },
      { challenge: false }
    );
  });

  test('a 401 to a cached token costs one new token and one resend of the same body; a second 401 is final', async () => {
    let refuse = 0;
    await withScriptedServer(
      withTokenEndpoint((req, res) => {
        if (refuse > 0) {
          refuse -= 1;
          json(res, 401, { error: 401, errorCode: 'UNAUTHORIZED', reason: 'Unauthorized' });
        } else json(res, 200, { id: 'j', status: 'PENDING', instanceName: 'snapshotCluster0' });
      }),
      async (url, seen) => {
        const atlas = saClient(url);
        const restore = { ...RESTORE, ...FLEX };
        await atlas.createRestoreJob(restore);
        refuse = 1;
        await expect(atlas.createRestoreJob(restore)).resolves.toMatchObject({ clusterName: 'snapshotCluster0' });
        const [, refused, resent] = apiCalls(seen) as SeenRequest[];
        expect(refused?.headers.authorization).toBe(`Bearer ${ACCESS_TOKEN}-1`);
        expect(resent?.headers.authorization).toBe(`Bearer ${ACCESS_TOKEN}-2`);
        expect(resent?.body).toBe(refused?.body);
        expect(tokenCalls(seen)).toHaveLength(2);

        refuse = 2;
        const err = await rejection(atlas.createRestoreJob(restore));
        expect(err).toMatchObject({ name: 'AtlasApiError', status: 401, errorCode: 'UNAUTHORIZED' });
        expect(apiCalls(seen)).toHaveLength(5);
        expect(tokenCalls(seen)).toHaveLength(3);
        expectNoServiceAccountSecret(
          everythingVisible(err),
          [1, 2, 3].map((n) => `${ACCESS_TOKEN}-${n}`)
        );
        await atlas.close();
      },
      { challenge: false }
    );
  });

  test('a 401 to a token minted for the call is final', async () => {
    await withScriptedServer(
      withTokenEndpoint((_req, res) => json(res, 401, { error: 401, errorCode: 'UNAUTHORIZED' })),
      async (url, seen) => {
        const atlas = saClient(url);
        await expect(atlas.listSnapshots(FLEX)).rejects.toMatchObject({ status: 401 });
        expect(seen.map((r) => r.url === TOKEN_PATH)).toEqual([true, false]);
        await atlas.close();
      },
      { challenge: false }
    );
  });

  test.each<{
    name: string;
    status: number;
    body: unknown;
    headers: Record<string, string>;
    expected: Record<string, unknown>;
  }>([
    {
      name: 'an OAuth error body (401 invalid_client)',
      status: 401,
      body: { error: 'invalid_client', error_description: 'Invalid client credentials' },
      headers: {},
      expected: { errorCode: 'invalid_client', detail: 'Invalid client credentials', retryAfterSeconds: undefined },
    },
    {
      name: 'an Atlas error body (401 with X-Error-Code)',
      status: 401,
      body: { error: 401, errorCode: 'INVALID_SERVICE_ACCOUNT_CREDENTIALS', reason: 'Unauthorized' },
      headers: { 'X-Error-Code': 'INVALID_SERVICE_ACCOUNT_CREDENTIALS' },
      expected: { errorCode: 'INVALID_SERVICE_ACCOUNT_CREDENTIALS', reason: 'Unauthorized' },
    },
    {
      name: 'its own rate limit (429 RATE_LIMITED)',
      status: 429,
      body: {
        detail: 'Resource /api/oauth/token is limited to 50 requests every 1 minutes.',
        error: 429,
        errorCode: 'RATE_LIMITED',
        parameters: ['/api/oauth/token', 50, 1],
        reason: 'Too Many Requests',
      },
      headers: { 'Retry-After': '37' },
      expected: { errorCode: 'RATE_LIMITED', retryAfterSeconds: 37, parameters: ['/api/oauth/token', 50, 1] },
    },
  ])('a token endpoint failure with $name is an AtlasApiError of the token request', async (row) => {
    await withScriptedServer(
      withTokenEndpoint(
        (_req, res) => snapshot(res),
        (_req, res) => json(res, row.status, row.body, row.headers)
      ),
      async (url, seen) => {
        const atlas = saClient(url);
        const err = await rejection(atlas.getSnapshot({ ...FLEX, snapshotId: SEED_SNAPSHOT_ID }));
        expect(err).toBeInstanceOf(AtlasApiError);
        expect(err).toMatchObject({ status: row.status, method: 'POST', path: TOKEN_PATH, ...row.expected });
        expect(apiCalls(seen)).toHaveLength(0);
        expectNoServiceAccountSecret(everythingVisible(err) + inspect(atlas, { depth: 10, showHidden: true }));
        await atlas.close();
      },
      { challenge: false }
    );
  });

  test.each([
    { name: 'no expires_in', body: { access_token: ACCESS_TOKEN, token_type: 'Bearer' }, problem: /expires_in/ },
    {
      name: 'a MAC token',
      body: { access_token: ACCESS_TOKEN, expires_in: 3600, token_type: 'mac' },
      problem: /Bearer/,
    },
    {
      name: 'an empty token',
      body: { access_token: '', expires_in: 3600, token_type: 'Bearer' },
      problem: /access_token/,
    },
  ])(
    'a token reply with $name is an AtlasResponseValidationError that does not quote it',
    async ({ body, problem }) => {
      await withScriptedServer(
        withTokenEndpoint(
          (_req, res) => snapshot(res),
          (_req, res) => json(res, 200, body)
        ),
        async (url, seen) => {
          const atlas = saClient(url);
          const err = await rejection(atlas.listSnapshots(FLEX));
          expect(err).toBeInstanceOf(AtlasResponseValidationError);
          expect(err).toMatchObject({ method: 'POST', path: TOKEN_PATH, status: 200 });
          expect((err as Error).message).toMatch(problem);
          expect(apiCalls(seen)).toHaveLength(0);
          expectNoServiceAccountSecret(everythingVisible(err));
          await atlas.close();
        },
        { challenge: false }
      );
    }
  );

  test('a token request that times out is a not-ambiguous AtlasConnectionError of the token request', async () => {
    await withScriptedServer(
      withTokenEndpoint(
        () => undefined,
        () => undefined
      ),
      async (url) => {
        const atlas = saClient(url, { timeouts: { headersMs: 200 } });
        const err = await rejection(atlas.createRestoreJob({ ...RESTORE, ...FLEX }));
        expect(err).toBeInstanceOf(AtlasConnectionError);
        expect(err).toMatchObject({ path: TOKEN_PATH, code: 'UND_ERR_HEADERS_TIMEOUT', ambiguous: false });
        expectNoServiceAccountSecret(everythingVisible(err));
        await atlas.close();
      },
      { challenge: false }
    );
  });

  test('an API call that times out with a Bearer token is ambiguous and does not reveal the token', async () => {
    await withScriptedServer(
      withTokenEndpoint(() => undefined),
      async (url) => {
        const atlas = saClient(url, { timeouts: { headersMs: 200 } });
        const err = await rejection(atlas.createRestoreJob({ ...RESTORE, ...FLEX }));
        expect(err).toBeInstanceOf(AtlasConnectionError);
        expect(err).toMatchObject({ method: 'POST', code: 'UND_ERR_HEADERS_TIMEOUT', ambiguous: true });
        expectNoServiceAccountSecret(everythingVisible(err), [`${ACCESS_TOKEN}-1`]);
        await atlas.close();
      },
      { challenge: false }
    );
  });

  test('cancelling while the token is being minted sends no API call and is not ambiguous', async () => {
    await withScriptedServer(
      withTokenEndpoint(
        (_req, res) => snapshot(res),
        () => undefined
      ),
      async (url, seen) => {
        const atlas = saClient(url, { timeouts: { headersMs: 2_000 } });
        const controller = new AbortController();
        const call = atlas.createRestoreJob({ ...RESTORE, ...FLEX }, { signal: controller.signal });
        while (seen.length < 1) await new Promise((resolve) => setTimeout(resolve, 5));
        controller.abort();
        await expect(call).rejects.toMatchObject({ name: 'AtlasConnectionError', aborted: true, ambiguous: false });
        expect(apiCalls(seen)).toHaveLength(0);
        await atlas.close();
      },
      { challenge: false }
    );
  });
});

describe('download links stay secret', () => {
  test('a successful download hands the link to the caller', async () => {
    await withScriptedServer(
      (_req, res) =>
        json(res, 200, { id: 'd', status: 'COMPLETED', deliveryType: 'DOWNLOAD', snapshotUrl: SECRET_URL }),
      async (url) => {
        const atlas = new AtlasClient({ baseUrl: url, credentials: CREDENTIALS, dispatcher: agent });
        await expect(atlas.requestDownload({ ...FLEX, snapshotId: SEED_SNAPSHOT_ID })).resolves.toMatchObject({
          snapshotUrl: SECRET_URL,
        });
        await atlas.close();
      },
      { challenge: false }
    );
  });

  test.each([
    { name: 'without an id', contentType: 'application/json', body: { status: 'COMPLETED', snapshotUrl: SECRET_URL } },
    {
      name: 'with a link of the wrong type',
      contentType: 'application/json',
      body: { id: 'd', status: 'COMPLETED', snapshotUrl: [SECRET_URL] },
    },
    {
      name: 'that is not labelled JSON',
      contentType: 'text/plain',
      body: { id: 'd', status: 'COMPLETED', snapshotUrl: SECRET_URL },
    },
    { name: 'not in an envelope', contentType: 'application/json', body: { snapshotUrl: SECRET_URL }, envelope: true },
    {
      name: 'an envelope whose content is bad',
      contentType: 'application/json',
      body: { status: 200, content: { status: 'COMPLETED', snapshotUrl: SECRET_URL } },
      envelope: true,
    },
  ])('a bad download answer $name is refused without quoting the link', async ({ contentType, body, envelope }) => {
    await withScriptedServer(
      (_req, res) => {
        res.writeHead(200, { 'Content-Type': contentType });
        res.end(JSON.stringify(body));
      },
      async (url) => {
        const atlas = new AtlasClient({ baseUrl: url, credentials: CREDENTIALS, dispatcher: agent, envelope });
        const err = await rejection(atlas.requestDownload({ ...FLEX, snapshotId: SEED_SNAPSHOT_ID }));
        expect(err).toBeInstanceOf(AtlasResponseValidationError);
        const visible = everythingVisible(err);
        expect(visible).not.toContain('SECRETSIG123');
        expect(visible).not.toContain('restore-bucket.example');
        await atlas.close();
      },
      { challenge: false }
    );
  });
});

describe('AtlasClient options', () => {
  test.each([
    'cloud.mongodb.com',
    'https://cloud.mongodb.com/api/atlas/v1.0',
    'https://cloud.mongodb.com/?x=1',
    'ftp://cloud.mongodb.com',
    'https://user:pass@cloud.mongodb.com',
  ])('refuses baseUrl %p', (baseUrl) => {
    expect(() => new AtlasClient({ baseUrl, credentials: CREDENTIALS, dispatcher: agent })).toThrow(TypeError);
  });

  test.each([
    { name: 'no credentials', credentials: {}, message: /either an API key .* or a Service Account/ },
    {
      name: 'both kinds at once',
      credentials: { ...CREDENTIALS, ...SERVICE_ACCOUNT },
      message: /either an API key .* or a Service Account/,
    },
    {
      name: 'an empty private key',
      credentials: { publicKey: 'p', privateKey: '' },
      message: /public and a private key/,
    },
    {
      name: 'a client id with ":"',
      credentials: { clientId: 'mdb:sa', clientSecret: SERVICE_ACCOUNT.clientSecret },
      message: /cannot contain ":"/,
    },
    {
      name: 'an empty client secret',
      credentials: { clientId: SERVICE_ACCOUNT.clientId, clientSecret: '' },
      message: /client id and a secret/,
    },
  ])('refuses $name, without quoting a secret', ({ credentials, message }) => {
    const build = () =>
      new AtlasClient({
        baseUrl: 'http://127.0.0.1:1',
        credentials: credentials as AtlasCredentials,
        dispatcher: agent,
      });
    expect(build).toThrow(TypeError);
    expect(build).toThrow(message);
    expect(build).not.toThrow(/SECRET|6f1d3c2a/);
  });

  test('rejects bad page parameters and path values before sending anything', async () => {
    const atlas = new AtlasClient({ baseUrl: 'http://127.0.0.1:1', credentials: CREDENTIALS, dispatcher: agent });
    await expect(atlas.listRestoreJobs({ ...CLUSTER, pageNum: 0 })).rejects.toThrow(RangeError);
    await expect(atlas.listSnapshots({ ...CLUSTER, itemsPerPage: 1.5 })).rejects.toThrow(RangeError);
    await expect(atlas.getRestoreJob({ ...CLUSTER, restoreId: '' })).rejects.toThrow(TypeError);
  });
});
