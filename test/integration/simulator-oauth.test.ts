import {
  DEFAULT_SIMULATOR_CLIENT_ID,
  DEFAULT_SIMULATOR_CLIENT_SECRET,
  SEED_CLUSTER_NAME,
  SEED_FLEX_CLUSTER_NAME,
  SEED_PROJECT_ID,
} from '../../simulator/seed';
import {
  accessToken,
  challengeOf,
  closeTestAgent,
  manualClock,
  requestToken,
  send,
  withSimulator,
  type Answer,
} from '../helpers/with-simulator';

afterAll(closeTestAgent);

const V1_RESTORES = `/api/atlas/v1.0/groups/${SEED_PROJECT_ID}/clusters/${SEED_CLUSTER_NAME}/backup/tenant/restores`;
const T0 = Date.parse('2026-03-01T12:00:00Z');

const bearer = (token: string) => `Bearer ${token}`;

describe('token endpoint', () => {
  test('client credentials get a Bearer token valid for an hour', async () => {
    await withSimulator({}, async (sim) => {
      const answer = await requestToken(sim);

      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toBe('application/json');
      expect(answer.headers['cache-control']).toBe('no-store');
      expect(JSON.parse(answer.text)).toEqual({
        access_token: expect.stringMatching(/^[A-Za-z0-9_-]{32}$/),
        expires_in: 3600,
        token_type: 'Bearer',
      });
      expect(sim.stats().tokensIssued).toBe(1);
      expect(sim.requests).toEqual([
        {
          method: 'POST',
          path: '/api/oauth/token',
          query: {},
          status: 200,
          at: expect.any(Number),
          authenticated: true,
        },
      ]);
    });
  });

  test('DEFAULT_SIMULATOR_CLIENT_ID and _SECRET are shaped like Atlas Service Account credentials', () => {
    expect(DEFAULT_SIMULATOR_CLIENT_ID).toMatch(/^mdb_sa_id_[0-9a-f]{24}$/);
    expect(DEFAULT_SIMULATOR_CLIENT_SECRET).toMatch(/^mdb_sa_sk_\w+$/);
  });

  test.each([
    { name: 'a wrong secret', clientSecret: 'mdb_sa_sk_wrong' },
    { name: 'an unknown client id', clientId: 'mdb_sa_id_000000000000000000000000' },
    {
      name: 'a form-encoded client id (Atlas compares as sent)',
      clientId: DEFAULT_SIMULATOR_CLIENT_ID.replaceAll('_', '%5F'),
    },
  ])('$name → 401 invalid_client', async (credentials) => {
    await withSimulator({}, async (sim) => {
      const answer = await requestToken(sim, credentials);

      expect(answer.status).toBe(401);
      expect(answer.headers['content-type']).toBe('application/json');
      expect(JSON.parse(answer.text)).toEqual({ error: 'invalid_client', error_description: expect.any(String) });
      expect(sim.stats().tokensIssued).toBe(0);
    });
  });

  test('no Authorization header → 401 invalid_client', async () => {
    await withSimulator({}, async (sim) => {
      const answer = await send(sim, 'POST', '/api/oauth/token', {
        body: 'grant_type=client_credentials',
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
      });

      expect(answer.status).toBe(401);
      expect(JSON.parse(answer.text)).toMatchObject({ error: 'invalid_client' });
    });
  });

  test.each([
    { name: 'no grant_type', form: 'scope=openid' },
    { name: 'the password grant', form: 'grant_type=password' },
    { name: 'a JSON body', form: '{"grant_type":"client_credentials"}', contentType: 'application/json' },
  ])('$name → 400 unsupported_grant_type', async ({ form, contentType }) => {
    await withSimulator({}, async (sim) => {
      const answer = await requestToken(sim, { form, contentType });

      expect(answer.status).toBe(400);
      expect(answer.text).toBe('{"error":"unsupported_grant_type"}');
    });
  });

  test('the token endpoint only takes POST', async () => {
    await withSimulator({}, async (sim) => {
      const answer = await send(sim, 'GET', '/api/oauth/token');

      expect(answer.status).toBe(405);
      expect(answer.headers.allow).toBe('POST');
    });
  });

  test('serviceAccounts and tokenTtlSeconds replace the defaults', async () => {
    const account = { clientId: 'mdb_sa_id_111111111111111111111111', clientSecret: 'mdb_sa_sk_custom' };
    await withSimulator({ serviceAccounts: [account], tokenTtlSeconds: 120 }, async (sim) => {
      const custom = await requestToken(sim, account);
      const defaults = await requestToken(sim);

      expect(custom.status).toBe(200);
      expect(JSON.parse(custom.text)).toMatchObject({ expires_in: 120 });
      expect(defaults.status).toBe(401);
    });
  });
});

describe('token endpoint limit', () => {
  test('the 51st request of a client within a minute gets 429 RATE_LIMITED with Retry-After', async () => {
    const time = manualClock(T0);
    await withSimulator({ now: time.now }, async (sim) => {
      for (let i = 0; i < 50; i += 1) {
        time.set(T0 + i * 100);
        expect((await requestToken(sim)).status).toBe(200);
      }
      time.set(T0 + 30_000);
      const limited = await requestToken(sim);
      const otherClient = await requestToken(sim, { clientId: 'mdb_sa_id_222222222222222222222222' });
      time.set(T0 + 60_000);
      const afterAMinute = await requestToken(sim);

      expect(limited.status).toBe(429);
      expect(limited.headers['retry-after']).toBe('30');
      expect(limited.headers['x-error-code']).toBe('RATE_LIMITED');
      expect(limited.text).toBe(
        JSON.stringify({
          detail: 'Resource /api/oauth/token is limited to 50 requests every 1 minutes.',
          error: 429,
          errorCode: 'RATE_LIMITED',
          parameters: ['/api/oauth/token', 50, 1],
          reason: 'Too Many Requests',
        })
      );
      expect(otherClient.status).toBe(401);
      expect(afterAMinute.status).toBe(200);
      expect(sim.stats()).toMatchObject({ rateLimited429: 1, tokensIssued: 51 });
    });
  });
});

describe('Bearer authentication', () => {
  const FLEX = `/api/atlas/v2/groups/${SEED_PROJECT_ID}/flexClusters/${SEED_FLEX_CLUSTER_NAME}/backup/restoreJobs`;
  const V2 = `/api/atlas/v2/groups/${SEED_PROJECT_ID}/clusters/${SEED_CLUSTER_NAME}/backup/tenant/snapshots`;

  test.each([
    { name: 'tenant v1.0', target: V1_RESTORES, accept: 'application/json' },
    { name: 'tenant v2', target: V2, accept: 'application/vnd.atlas.2023-01-01+json' },
    { name: 'Flex', target: FLEX, accept: 'application/vnd.atlas.2024-11-13+json' },
  ])('a valid token authenticates $name requests in one round trip', async ({ target, accept }) => {
    await withSimulator({}, async (sim) => {
      const token = await accessToken(sim);
      const answer = await send(sim, 'GET', target, { authorization: bearer(token), headers: { accept } });

      expect(answer.status).toBe(200);
      expect(sim.requests.at(-1)).toMatchObject({ status: 200, authenticated: true });
    });
  });

  /** Asserts Atlas's 401 for a bad token: the placeholder body plus the usual Digest challenge. */
  const expectInvalidToken = (answer: Answer): void => {
    expect(answer.status).toBe(401);
    expect(answer.headers['content-type']).toBe('application/json');
    expect(answer.headers['x-error-code']).toBe('UNAUTHORIZED');
    expect(challengeOf(answer).stale).toBe(false);
    expect(JSON.parse(answer.text)).toEqual({
      detail: 'Invalid or expired access token.',
      error: 401,
      errorCode: 'UNAUTHORIZED',
      parameters: [],
      reason: 'Unauthorized',
    });
  };

  test.each([
    { ttlSeconds: 60, after: 59_999, status: 200 },
    { ttlSeconds: 60, after: 60_000, status: 401 },
    { ttlSeconds: 3600, after: 3_599_999, status: 200 },
    { ttlSeconds: 3600, after: 3_600_000, status: 401 },
  ])('with tokenTtlSeconds $ttlSeconds a token $after ms old gets $status', async ({ ttlSeconds, after, status }) => {
    const time = manualClock(T0);
    await withSimulator({ now: time.now, tokenTtlSeconds: ttlSeconds }, async (sim) => {
      const token = await accessToken(sim);
      time.set(T0 + after);
      const answer = await send(sim, 'GET', V1_RESTORES, { authorization: bearer(token) });

      if (status === 401) expectInvalidToken(answer);
      else expect(answer.status).toBe(200);
    });
  });

  test.each([
    { name: 'a token the simulator never issued', authorization: bearer('not-a-token') },
    { name: 'a Bearer header without a token', authorization: 'Bearer' },
  ])('$name → 401 UNAUTHORIZED with a Digest challenge', async ({ authorization }) => {
    await withSimulator({}, async (sim) => {
      const answer = await send(sim, 'GET', V1_RESTORES, { authorization });

      expectInvalidToken(answer);
      expect(sim.requests.at(-1)).toMatchObject({ status: 401, authenticated: false });
    });
  });

  test("a token from another simulator is not this one's", async () => {
    await withSimulator({}, async (other) => {
      const token = await accessToken(other);
      await withSimulator({}, async (sim) => {
        expectInvalidToken(await send(sim, 'GET', V1_RESTORES, { authorization: bearer(token) }));
      });
    });
  });
});
