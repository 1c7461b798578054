import type { Dispatcher } from 'undici';
import type { AuthCall, SendAttempt } from '../../activities/atlas/auth';
import { AtlasApiError, AtlasConnectionError } from '../../activities/atlas/errors';
import type { OAuthToken } from '../../activities/atlas/schemas';
import {
  basicAuthorization,
  ServiceAccountAuth,
  TOKEN_REFRESH_MARGIN_MS,
  tokenRefreshAt,
} from '../../activities/atlas/service-account-auth';

/**
 * The Service Account strategy's cache, single flight, refresh and one-retry rules, with an injected token source and
 * `send` (no sockets: the wire is covered by test/integration/atlas-client.test.ts).
 */

const decodeBasic = (value: string): string => Buffer.from(value.replace(/^Basic /, ''), 'base64').toString('utf8');

describe('basicAuthorization', () => {
  test.each([
    {
      name: 'Atlas-style ids full of "_"',
      id: 'mdb_sa_id_6a1b2c3d',
      secret: 'mdb_sa_sk_Zx_9_q',
      decoded: 'mdb_sa_id_6a1b2c3d:mdb_sa_sk_Zx_9_q',
    },
    { name: 'a ":" in the secret', id: 'mdb_sa_id_1', secret: 'se:cr:et', decoded: 'mdb_sa_id_1:se:cr:et' },
    { name: 'characters a form encoder would touch', id: 'a+b c%', secret: '&=/?', decoded: 'a+b c%:&=/?' },
    { name: 'non-ASCII, as UTF-8', id: 'idé', secret: 'sécret', decoded: 'idé:sécret' },
  ])('encodes $name verbatim', ({ id, secret, decoded }) => {
    const value = basicAuthorization(id, secret);
    expect(value).toMatch(/^Basic [A-Za-z0-9+/]+=*$/);
    expect(decodeBasic(value)).toBe(decoded);
    expect(value).toBe(`Basic ${Buffer.from(decoded, 'utf8').toString('base64')}`);
  });

  test('never URL-encodes "_" (the mistake of generic OAuth clients)', () => {
    expect(decodeBasic(basicAuthorization('mdb_sa_id_x', 'mdb_sa_sk_y'))).not.toContain('%5F');
  });

  test.each([
    { name: 'a ":" in the client id', id: 'mdb:sa', secret: 'mdb_sa_sk_SECRET', message: /cannot contain ":"/ },
    { name: 'an empty client id', id: '', secret: 'mdb_sa_sk_SECRET', message: /needs a client id and a secret/ },
    { name: 'an empty secret', id: 'mdb_sa_id_1', secret: '', message: /needs a client id and a secret/ },
  ])('refuses $name without quoting the secret', ({ id, secret, message }) => {
    expect(() => basicAuthorization(id, secret)).toThrow(TypeError);
    expect(() => basicAuthorization(id, secret)).toThrow(message);
    expect(() => basicAuthorization(id, secret)).not.toThrow(/SECRET/);
  });
});

describe('tokenRefreshAt', () => {
  test.each([
    { expiresIn: 3600, refreshAfterMs: 3600_000 - TOKEN_REFRESH_MARGIN_MS },
    { expiresIn: 600, refreshAfterMs: 540_000 },
    { expiresIn: 300, refreshAfterMs: 270_000 },
    { expiresIn: 30, refreshAfterMs: 27_000 },
    { expiresIn: 1, refreshAfterMs: 900 },
  ])('a $expiresIn s token is renewed after $refreshAfterMs ms', ({ expiresIn, refreshAfterMs }) => {
    expect(tokenRefreshAt(1_000, expiresIn)).toBe(1_000 + refreshAfterMs);
  });
});

describe('ServiceAccountAuth', () => {
  /** A response as `send` returns it; only the status and `body.dump` are looked at. */
  const response = (statusCode: number): Dispatcher.ResponseData =>
    ({ statusCode, headers: {}, body: { dump: async () => undefined } }) as unknown as Dispatcher.ResponseData;

  const CALL: AuthCall = { method: 'GET', path: '/p', target: '/p?x=1' };

  /** A token source that hands out t1, t2, … and a clock; `gate` holds the next mint until released. */
  function setup(options: { expiresIn?: number; fail?: () => Error | undefined } = {}) {
    let t = 1_000_000;
    let minted = 0;
    let gate: Promise<void> = Promise.resolve();
    const clock = { now: () => t, advance: (ms: number) => (t += ms) };
    const auth = new ServiceAccountAuth({
      now: clock.now,
      requestToken: async (): Promise<OAuthToken> => {
        minted += 1;
        const n = minted;
        await gate;
        const failure = options.fail?.();
        if (failure) throw failure;
        return { access_token: `t${n}`, expires_in: options.expiresIn ?? 3600, token_type: 'Bearer' };
      },
    });
    const seen: (string | undefined)[] = [];
    /** A `send` that records the Authorization and answers with the statuses given, then 200. */
    const sender = (...statuses: number[]): SendAttempt => {
      return async (authorization) => {
        seen.push(authorization);
        return response(statuses.shift() ?? 200);
      };
    };
    const hold = (): (() => void) => {
      let release!: () => void;
      gate = new Promise((resolve) => (release = resolve));
      return release;
    };
    return { auth, clock, seen, sender, hold, minted: () => minted };
  }

  test('one token serves many calls', async () => {
    const { auth, seen, sender, minted } = setup();
    for (let i = 0; i < 5; i++) {
      const { response: res, authenticated } = await auth.exchange(CALL, sender());
      expect(res.statusCode).toBe(200);
      expect(authenticated).toBe(true);
    }
    expect(minted()).toBe(1);
    expect(seen).toEqual(Array(5).fill('Bearer t1'));
  });

  test('concurrent calls share one token request', async () => {
    const { auth, seen, sender, hold, minted } = setup();
    const release = hold();
    const calls = Array.from({ length: 10 }, () => auth.exchange(CALL, sender()));
    await new Promise((resolve) => setImmediate(resolve));
    expect(minted()).toBe(1);
    release();
    await Promise.all(calls);
    expect(minted()).toBe(1);
    expect(new Set(seen)).toEqual(new Set(['Bearer t1']));
  });

  test.each([
    { expiresIn: 3600, before: 3539_000, after: 3541_000 },
    { expiresIn: 20, before: 17_900, after: 18_100 },
  ])('a $expiresIn s token is renewed once less than min(60 s, 10%) remains', async ({ expiresIn, before, after }) => {
    const { auth, clock, seen, sender, minted } = setup({ expiresIn });
    await auth.exchange(CALL, sender());
    clock.advance(before);
    await auth.exchange(CALL, sender());
    expect(minted()).toBe(1);
    clock.advance(after - before);
    await auth.exchange(CALL, sender());
    await auth.exchange(CALL, sender());
    expect(minted()).toBe(2);
    expect(seen).toEqual(['Bearer t1', 'Bearer t1', 'Bearer t2', 'Bearer t2']);
  });

  test('a 401 to a cached token: forget it, mint one, send once more', async () => {
    const { auth, seen, sender, minted } = setup();
    await auth.exchange(CALL, sender());
    const { response: res } = await auth.exchange(CALL, sender(401));
    expect(res.statusCode).toBe(200);
    expect(minted()).toBe(2);
    expect(seen).toEqual(['Bearer t1', 'Bearer t1', 'Bearer t2']);
    await auth.exchange(CALL, sender());
    expect(seen.at(-1)).toBe('Bearer t2');
  });

  test('a second 401 is the answer: no third attempt, and the refused token is forgotten', async () => {
    const { auth, seen, sender, minted } = setup();
    await auth.exchange(CALL, sender());
    const { response: res } = await auth.exchange(CALL, sender(401, 401));
    expect(res.statusCode).toBe(401);
    expect(seen).toEqual(['Bearer t1', 'Bearer t1', 'Bearer t2']);
    await auth.exchange(CALL, sender());
    expect(minted()).toBe(3);
  });

  test('a 401 to a token minted for this call is not retried', async () => {
    const { auth, seen, sender, minted } = setup();
    const { response: res, authenticated } = await auth.exchange(CALL, sender(401));
    expect(res.statusCode).toBe(401);
    expect(authenticated).toBe(true);
    expect(seen).toEqual(['Bearer t1']);
    expect(minted()).toBe(1);
  });

  test('concurrent 401s after a revocation cost one new token', async () => {
    const { auth, sender, hold, minted } = setup();
    await auth.exchange(CALL, sender());
    const release = hold();
    const calls = Array.from({ length: 4 }, () => auth.exchange(CALL, sender(401)));
    await new Promise((resolve) => setImmediate(resolve));
    release();
    const results = await Promise.all(calls);
    expect(results.map((r) => r.response.statusCode)).toEqual([200, 200, 200, 200]);
    expect(minted()).toBe(2);
  });

  test('a failed token request fails every waiting call, and the next call asks again', async () => {
    let failing = true;
    const refused = new AtlasApiError({ status: 401, method: 'POST', path: '/api/oauth/token' });
    const { auth, sender, hold, minted } = setup({ fail: () => (failing ? refused : undefined) });
    const release = hold();
    const calls = [auth.exchange(CALL, sender()), auth.exchange(CALL, sender())];
    release();
    await expect(calls[0]).rejects.toBe(refused);
    await expect(calls[1]).rejects.toBe(refused);
    expect(minted()).toBe(1);
    failing = false;
    await expect(auth.exchange(CALL, sender())).resolves.toMatchObject({ authenticated: true });
    expect(minted()).toBe(2);
  });

  test('cancelling one waiter leaves the shared token request to the others', async () => {
    const { auth, seen, sender, hold, minted } = setup();
    const release = hold();
    const controller = new AbortController();
    const cancelled = auth.exchange({ ...CALL, signal: controller.signal }, sender());
    const other = auth.exchange(CALL, sender());
    controller.abort();
    const err = await cancelled.catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AtlasConnectionError);
    expect(err).toMatchObject({ aborted: true, ambiguous: false, method: 'GET', path: '/p' });
    release();
    await expect(other).resolves.toMatchObject({ authenticated: true });
    expect(minted()).toBe(1);
    expect(seen).toEqual(['Bearer t1']);
  });

  test('a call already cancelled asks for no token', async () => {
    const { auth, seen, sender, minted } = setup();
    const controller = new AbortController();
    controller.abort();
    await expect(auth.exchange({ ...CALL, signal: controller.signal }, sender())).rejects.toMatchObject({
      name: 'AtlasConnectionError',
      aborted: true,
      ambiguous: false,
    });
    expect(minted()).toBe(0);
    expect(seen).toEqual([]);
  });
});
