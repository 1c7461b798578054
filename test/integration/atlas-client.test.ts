import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { inspect } from 'node:util';
import { Agent } from 'undici';
import { AtlasClient, type AtlasClientOptions } from '../../activities/atlas/atlas-client';
import { AtlasApiError, AtlasConnectionError, AtlasResponseValidationError } from '../../activities/atlas/errors';
import { startAtlasSimulator, type AtlasSimulator, type AtlasSimulatorOptions } from '../../simulator/server';
import {
  DEFAULT_SIMULATOR_PRIVATE_KEY,
  DEFAULT_SIMULATOR_PUBLIC_KEY,
  SEED_CLUSTER_NAME,
  SEED_PROJECT_ID,
  SEED_SNAPSHOT_ID,
} from '../../simulator/seed';

/**
 * The Atlas client over real sockets: against the local Atlas simulator for the API's behaviour, and against tiny
 * scripted node:http servers for what the simulator cannot do on purpose (hang, send garbage).
 */

const CREDENTIALS = { publicKey: DEFAULT_SIMULATOR_PUBLIC_KEY, privateKey: DEFAULT_SIMULATOR_PRIVATE_KEY };
const CLUSTER = { groupId: SEED_PROJECT_ID, clusterName: SEED_CLUSTER_NAME };
const RESTORE = {
  ...CLUSTER,
  snapshotId: SEED_SNAPSHOT_ID,
  targetDeploymentItemName: 'M5AWS',
  targetProjectId: SEED_PROJECT_ID,
};
const T0 = Date.UTC(2026, 0, 5, 9, 0, 0);

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
        const created = await client.createTenantRestoreJob(RESTORE);
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
          const job = await client.getTenantRestoreJob({ ...CLUSTER, restoreId: created.id });
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
        const created = await client.createTenantRestoreJob(RESTORE);
        clock.advance(10);
        await expect(client.getTenantRestoreJob({ ...CLUSTER, restoreId: created.id })).resolves.toMatchObject({
          status: 'FAILED',
        });
      },
      { sim: { now: clock.now, timing: { pendingMs: 1, queuedMs: 1, runningMs: 1 }, outcome: 'FAILED' } }
    );
  });

  test('the POST body is replayed byte for byte after the Digest challenge', async () => {
    await withAtlas(async (client, sim) => {
      await client.createTenantRestoreJob(RESTORE);
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
          createdIds.push((await client.createTenantRestoreJob(RESTORE)).id);
        }

        const pages = [];
        for (const pageNum of [1, 2, 3]) {
          pages.push(await client.listTenantRestoreJobs({ ...CLUSTER, pageNum, itemsPerPage: 2, includeCount: false }));
        }
        expect(pages.map((p) => p.results.length)).toEqual([2, 2, 1]);
        expect(pages.flatMap((p) => p.results.map((j) => j.id))).toEqual([...createdIds].reverse());
        for (const page of pages) expect(page.totalCount ?? undefined).toBeUndefined();
        expect(pages.map((p) => p.links?.some((l) => l.rel === 'next'))).toEqual([true, true, false]);

        const listQueries = sim.requests.filter((r) => r.method === 'GET').map((r) => r.query);
        expect(listQueries).toEqual(
          [1, 2, 3].map((pageNum) => ({ pageNum: String(pageNum), itemsPerPage: '2', includeCount: 'false' }))
        );

        const counted = await client.listTenantRestoreJobs(CLUSTER);
        expect(counted.totalCount).toBe(5);
        expect(sim.requests.at(-1)?.query).toEqual({});
      },
      { sim: { now: clock.now } }
    );
  });

  test('lists and reads snapshots, oldest first', async () => {
    await withAtlas(async (client) => {
      const page = await client.listTenantSnapshots({ ...CLUSTER, itemsPerPage: 2 });
      expect(page.totalCount).toBe(3);
      expect(page.results.map((s) => s.id)[0]).toBe(SEED_SNAPSHOT_ID);
      const second = await client.listTenantSnapshots({ ...CLUSTER, itemsPerPage: 2, pageNum: 2 });
      expect(second.results).toHaveLength(1);
      await expect(client.getTenantSnapshot({ ...CLUSTER, snapshotId: SEED_SNAPSHOT_ID })).resolves.toMatchObject({
        id: SEED_SNAPSHOT_ID,
        status: 'COMPLETED',
        finishTime: '2019-05-28T14:44:01Z',
      });
    });
  });

  test('a download answers with a DOWNLOAD job carrying a snapshot URL', async () => {
    await withAtlas(async (client) => {
      const job = await client.downloadTenantSnapshot({ ...CLUSTER, snapshotId: SEED_SNAPSHOT_ID });
      expect(job).toMatchObject({ deliveryType: 'DOWNLOAD', snapshotId: SEED_SNAPSHOT_ID });
      expect(job.snapshotUrl).toEqual(expect.stringMatching(/^http:\/\/127\.0\.0\.1:\d+\//));
    });
  });

  describe('envelope mode', () => {
    test('sends envelope=true (and pretty=true) and unwraps {status, content}', async () => {
      await withAtlas(
        async (client, sim) => {
          const snapshot = await client.getTenantSnapshot({ ...CLUSTER, snapshotId: SEED_SNAPSHOT_ID });
          expect(snapshot).toMatchObject({ id: SEED_SNAPSHOT_ID, status: 'COMPLETED' });
          expect(snapshot).not.toHaveProperty('content');
          const page = await client.listTenantSnapshots({ ...CLUSTER, pageNum: 1 });
          expect(page.results).toHaveLength(3);
          expect(sim.requests.at(-1)?.query).toEqual({ pageNum: '1', envelope: 'true', pretty: 'true' });
        },
        { client: { envelope: true, pretty: true } }
      );
    });

    test('a 404 inside a 200 envelope is an AtlasApiError with the inner status and body', async () => {
      await withAtlas(
        async (client, sim) => {
          const err = await rejection(
            client.getTenantRestoreJob({ ...CLUSTER, restoreId: 'ffffffffffffffffffffffff' })
          );
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
          await expect(client.listTenantRestoreJobs({ ...CLUSTER, clusterName: 'Nope' })).rejects.toMatchObject({
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
      ref: { groupId: '111111111111111111111111', clusterName: SEED_CLUSTER_NAME },
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
      ref: { groupId: SEED_PROJECT_ID, clusterName: 'Nope' },
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
      const err = await rejection(client.getTenantRestoreJob({ ...ref, restoreId: 'ffffffffffffffffffffffff' }));
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
      const err = await rejection(client.getTenantRestoreJob({ ...CLUSTER, restoreId: '../../snapshots' }));
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
          const err = await rejection(client.getTenantSnapshot({ ...CLUSTER, snapshotId: SEED_SNAPSHOT_ID }));
          expect(err).toBeInstanceOf(AtlasApiError);
          expect(err).toMatchObject({ status: 401, errorCode: 'UNEXPECTED_ERROR', reason: 'Unauthorized' });
          expect(sim.requests.map((r) => r.status)).toEqual([401, 401]);

          const visible = everythingVisible(err) + inspect(client, { depth: 10, showHidden: true });
          expect(visible).not.toContain(wrongKey);
          expect(visible).not.toContain(DEFAULT_SIMULATOR_PRIVATE_KEY);
          expect(visible).not.toContain('response=');
          expect(visible).not.toMatch(/Digest username/i);

          // The refused challenge is forgotten: the next call starts over instead of failing preemptively forever.
          await expect(client.getTenantSnapshot({ ...CLUSTER, snapshotId: SEED_SNAPSHOT_ID })).rejects.toMatchObject({
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
          await expect(client.listTenantSnapshots(CLUSTER)).rejects.toMatchObject({
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
        for (let i = 0; i < n; i++) await client.getTenantSnapshot({ ...CLUSTER, snapshotId: SEED_SNAPSHOT_ID });
        expect(sim.requests).toHaveLength(n + 1);
        expect(challenges(sim)).toBe(1);
        expect(sim.requests.slice(1).every((r) => r.authenticated && r.status === 200)).toBe(true);
      });
    });

    test('concurrent calls share the nonce and all succeed', async () => {
      await withAtlas(async (client, sim) => {
        await client.listTenantSnapshots(CLUSTER);
        const results = await Promise.all(
          Array.from({ length: 8 }, () => client.getTenantSnapshot({ ...CLUSTER, snapshotId: SEED_SNAPSHOT_ID }))
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
          await client.getTenantSnapshot({ ...CLUSTER, snapshotId: SEED_SNAPSHOT_ID });
          await client.getTenantSnapshot({ ...CLUSTER, snapshotId: SEED_SNAPSHOT_ID });
          expect(sim.requests.map((r) => r.status)).toEqual([401, 200, 200]);

          expire(sim);
          await expect(client.createTenantRestoreJob(RESTORE)).resolves.toMatchObject({ status: 'PENDING' });
          const staleCall = sim.requests.slice(3);
          expect(staleCall.map((r) => [r.method, r.status, r.authenticated])).toEqual([
            ['POST', 401, false],
            ['POST', 200, true],
          ]);
          expect(sim.restoreJobs()).toHaveLength(1);

          // The fresh nonce is reused from then on.
          await client.getTenantSnapshot({ ...CLUSTER, snapshotId: SEED_SNAPSHOT_ID });
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
      const err = await rejection(client.createTenantRestoreJob(RESTORE, { signal: controller.signal }));
      expect(err).toBeInstanceOf(AtlasConnectionError);
      expect(err).toMatchObject({ aborted: true, ambiguous: false });
      expect(sim.requests).toHaveLength(0);
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
        await atlas.createTenantRestoreJob(RESTORE);
        await atlas.listTenantRestoreJobs({ ...CLUSTER, pageNum: 2, itemsPerPage: 10 });
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
        const err = await rejection(atlas.listTenantSnapshots(CLUSTER));
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
        const err = (await rejection(atlas.listTenantSnapshots(CLUSTER))) as AtlasApiError;
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
        const err = await rejection(atlas.getTenantRestoreJob({ ...CLUSTER, restoreId: 'ffffffffffffffffffffffff' }));
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
        const err = (await rejection(atlas.listTenantSnapshots(CLUSTER))) as AtlasApiError;
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
          const err = await rejection(atlas.createTenantRestoreJob(RESTORE));
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
          await expect(atlas.createTenantRestoreJob(RESTORE)).rejects.toMatchObject({
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
          await expect(atlas.createTenantRestoreJob(RESTORE)).rejects.toMatchObject({
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
          const err = await rejection(atlas.createTenantRestoreJob(RESTORE));
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
          const call = atlas.createTenantRestoreJob(RESTORE, { signal: controller.signal });
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
      const err = await rejection(atlas.listTenantSnapshots(CLUSTER));
      expect(err).toBeInstanceOf(AtlasConnectionError);
      expect(err).toMatchObject({ code: 'ECONNREFUSED', ambiguous: false, aborted: false });
      await atlas.close();
    });

    test('the default Agent is built from the timeouts and closed by close()', async () => {
      await withScriptedServer(
        () => undefined,
        async (url) => {
          const atlas = new AtlasClient({ baseUrl: url, credentials: CREDENTIALS, timeouts: { headersMs: 150 } });
          await expect(atlas.listTenantSnapshots(CLUSTER)).rejects.toMatchObject({ code: 'UND_ERR_HEADERS_TIMEOUT' });
          await atlas.close();
          await atlas.close();
          await expect(atlas.listTenantSnapshots(CLUSTER)).rejects.toMatchObject({
            name: 'AtlasConnectionError',
            ambiguous: false,
          });
        },
        { challenge: false }
      );
    });
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

  test('rejects bad page parameters and path values before sending anything', async () => {
    const atlas = new AtlasClient({ baseUrl: 'http://127.0.0.1:1', credentials: CREDENTIALS, dispatcher: agent });
    await expect(atlas.listTenantRestoreJobs({ ...CLUSTER, pageNum: 0 })).rejects.toThrow(RangeError);
    await expect(atlas.listTenantSnapshots({ ...CLUSTER, itemsPerPage: 1.5 })).rejects.toThrow(RangeError);
    await expect(atlas.getTenantRestoreJob({ ...CLUSTER, restoreId: '' })).rejects.toThrow(TypeError);
  });
});
