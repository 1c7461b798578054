import { createHash } from 'node:crypto';
import {
  buildDigestAuthorization,
  DigestChallengeError,
  DigestSession,
  parseDigestChallenge,
  type DigestChallenge,
} from '../../activities/atlas/digest-auth';

/** RFC 7616 §3.9.1: the same request answered with MD5 and with SHA-256. */
const RFC_7616 = {
  method: 'GET',
  uri: '/dir/index.html',
  username: 'Mufasa',
  password: 'Circle of Life',
  realm: 'http-auth@example.org',
  nonce: '7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v',
  cnonce: 'f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ',
  opaque: 'FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS',
};

/** Reads the parameters back out of an Authorization header we built (our values never contain `"` or `,`). */
function authParams(header: string): Record<string, string> {
  expect(header.startsWith('Digest ')).toBe(true);
  const out: Record<string, string> = {};
  for (const m of header.slice('Digest '.length).matchAll(/([a-z]+)=("([^"]*)"|[^,\s]+)/g)) {
    out[m[1] as string] = m[3] ?? (m[2] as string);
  }
  return out;
}

const ATLAS_HEADER =
  'Digest realm="MMS Public API", domain="", nonce="669gyxpgL6MGDuSZvQ80Spv3k+Jc99ed", algorithm=MD5, qop="auth", stale=false';

describe('buildDigestAuthorization', () => {
  test.each([
    { algorithm: 'MD5', response: '8ca523f5e9506fed4657c9700eebdbec' },
    { algorithm: 'SHA-256', response: '753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1' },
  ])('reproduces the RFC 7616 §3.9.1 $algorithm example', ({ algorithm, response }) => {
    const header = buildDigestAuthorization({
      method: RFC_7616.method,
      uri: RFC_7616.uri,
      username: RFC_7616.username,
      password: RFC_7616.password,
      cnonce: RFC_7616.cnonce,
      nc: 1,
      challenge: {
        realm: RFC_7616.realm,
        nonce: RFC_7616.nonce,
        qop: ['auth', 'auth-int'],
        algorithm,
        opaque: RFC_7616.opaque,
        stale: false,
      },
    });
    expect(header).toBe(
      `Digest username="Mufasa", realm="http-auth@example.org", uri="/dir/index.html", algorithm=${algorithm}, ` +
        `nonce="${RFC_7616.nonce}", nc=00000001, cnonce="${RFC_7616.cnonce}", qop=auth, ` +
        `response="${response}", opaque="${RFC_7616.opaque}"`
    );
  });

  const base: DigestChallenge = { realm: 'r', nonce: 'n', qop: ['auth'], algorithm: 'MD5', stale: false };
  const input = { method: 'POST', uri: '/a?b=c', username: 'pub', password: 'priv', cnonce: 'c', nc: 1 };

  test.each([
    { name: 'nc as 8 lowercase hex digits', nc: 255, challenge: base, expected: { nc: '000000ff' } },
    { name: 'no opaque when the challenge has none', nc: 1, challenge: base, expected: { opaque: undefined } },
    {
      name: 'no qop, nc or cnonce for an RFC 2069 challenge',
      nc: 1,
      challenge: { realm: 'r', nonce: 'n', algorithm: 'MD5', stale: false },
      expected: { qop: undefined, nc: undefined, cnonce: undefined },
    },
    {
      name: 'the algorithm echoed as the server spelled it',
      nc: 1,
      challenge: { ...base, algorithm: 'md5-sess' },
      expected: { algorithm: 'md5-sess' },
    },
  ])('writes $name', ({ nc, challenge, expected }) => {
    const params = authParams(buildDigestAuthorization({ ...input, nc, challenge }));
    for (const [key, value] of Object.entries(expected)) expect(params[key]).toBe(value);
    expect(params.username).toBe('pub');
    expect(params.uri).toBe('/a?b=c');
  });

  test('an RFC 2069 response is H(HA1:nonce:HA2)', () => {
    const md5 = (s: string): string => createHash('md5').update(s).digest('hex');
    const header = buildDigestAuthorization({
      ...input,
      challenge: { realm: 'r', nonce: 'n', algorithm: 'MD5', stale: false },
    });
    expect(authParams(header).response).toBe(`${md5(`${md5('pub:r:priv')}:n:${md5('POST:/a?b=c')}`)}`);
  });

  test('-sess hashes the nonce and cnonce into HA1', () => {
    const plain = authParams(buildDigestAuthorization({ ...input, challenge: base })).response;
    const sess = authParams(
      buildDigestAuthorization({ ...input, challenge: { ...base, algorithm: 'MD5-sess' } })
    ).response;
    expect(sess).toMatch(/^[0-9a-f]{32}$/);
    expect(sess).not.toBe(plain);
  });

  test('escapes quotes and backslashes in the username', () => {
    const header = buildDigestAuthorization({ ...input, username: 'a"b\\c', challenge: base });
    expect(header).toContain('username="a\\"b\\\\c"');
  });

  test.each([
    {
      name: 'an unknown algorithm',
      challenge: { ...base, algorithm: 'SHA-1' },
      message: /unsupported Digest algorithm/,
    },
    { name: 'only auth-int', challenge: { ...base, qop: ['auth-int'] }, message: /unsupported Digest qop/ },
  ])('refuses $name', ({ challenge, message }) => {
    expect(() => buildDigestAuthorization({ ...input, challenge })).toThrow(message);
  });

  test.each([0, -1, 1.5, 0x100000000])('refuses nc %p', (nc) => {
    expect(() => buildDigestAuthorization({ ...input, nc, challenge: base })).toThrow(RangeError);
  });
});

describe('parseDigestChallenge', () => {
  test.each<{ name: string; header: string; expected: DigestChallenge }>([
    {
      name: 'the real Atlas challenge',
      header: ATLAS_HEADER,
      expected: {
        realm: 'MMS Public API',
        domain: '',
        nonce: '669gyxpgL6MGDuSZvQ80Spv3k+Jc99ed',
        algorithm: 'MD5',
        qop: ['auth'],
        stale: false,
      },
    },
    {
      name: 'a quoted value holding commas and equals signs',
      header: 'Digest realm="a, b=c, d", nonce="n,1"',
      expected: { realm: 'a, b=c, d', nonce: 'n,1', algorithm: 'MD5', stale: false },
    },
    {
      name: 'escaped quotes and backslashes',
      header: 'Digest realm="say \\"hi\\" \\\\ bye", nonce="n"',
      expected: { realm: 'say "hi" \\ bye', nonce: 'n', algorithm: 'MD5', stale: false },
    },
    {
      name: 'a qop list',
      header: 'Digest realm="r", nonce="n", qop="auth,auth-int"',
      expected: { realm: 'r', nonce: 'n', qop: ['auth', 'auth-int'], algorithm: 'MD5', stale: false },
    },
    {
      name: 'stale=true',
      header: 'Digest realm="r", nonce="n", stale=true',
      expected: { realm: 'r', nonce: 'n', algorithm: 'MD5', stale: true },
    },
    {
      name: 'stale=TRUE, quoted',
      header: 'Digest realm="r", nonce="n", stale="TRUE"',
      expected: { realm: 'r', nonce: 'n', algorithm: 'MD5', stale: true },
    },
    {
      name: 'upper-case scheme and keys, odd spacing, opaque, SHA-256',
      header: 'DIGEST  REALM = "r" ,NONCE="n",  Algorithm=SHA-256,OPAQUE="o", Stale=FALSE',
      expected: { realm: 'r', nonce: 'n', algorithm: 'SHA-256', opaque: 'o', stale: false },
    },
    {
      name: 'a Digest challenge after a Basic one in the same header',
      header: 'Basic realm="b", Digest realm="d", nonce="n", qop="auth"',
      expected: { realm: 'd', nonce: 'n', qop: ['auth'], algorithm: 'MD5', stale: false },
    },
    {
      name: 'unknown parameters ignored',
      header: 'Digest realm="r", nonce="n", charset=UTF-8, userhash=false',
      expected: { realm: 'r', nonce: 'n', algorithm: 'MD5', stale: false },
    },
  ])('parses $name', ({ header, expected }) => {
    expect(parseDigestChallenge(header)).toEqual(expected);
  });

  test.each([
    { name: 'a missing nonce', header: 'Digest realm="r", qop="auth"', message: /no nonce/ },
    { name: 'a missing realm', header: 'Digest nonce="n"', message: /no realm/ },
    { name: 'a Basic challenge', header: 'Basic realm="MMS Public API"', message: /not a Digest challenge.*Basic/ },
    { name: 'a Bearer challenge', header: 'Bearer realm="x", error="invalid_token"', message: /not a Digest/ },
    { name: 'an empty header', header: '', message: /not a Digest challenge/ },
    { name: 'an unterminated quote', header: 'Digest nonce="n", realm="r', message: /unterminated/ },
    { name: 'a missing comma', header: 'Digest realm="r" nonce="n"', message: /malformed/ },
  ])('rejects $name', ({ header, message }) => {
    expect(() => parseDigestChallenge(header)).toThrow(DigestChallengeError);
    expect(() => parseDigestChallenge(header)).toThrow(message);
  });

  test('never loops or crashes on arbitrary input: it parses or throws DigestChallengeError', () => {
    // A small deterministic generator (LCG) over the characters that matter to the grammar.
    const alphabet = ['Digest', 'Basic', ' realm', 'nonce', 'qop', '=', '"', '\\', ',', ' ', '\t', 'a', 'MD5', 'stale'];
    let seed = 42;
    const next = (): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
    for (let run = 0; run < 3000; run++) {
      const length = next() % 20;
      const header = Array.from({ length }, () => alphabet[next() % alphabet.length]).join('');
      try {
        parseDigestChallenge(header);
      } catch (err) {
        expect(err).toBeInstanceOf(DigestChallengeError);
      }
    }
  });
});

describe('DigestSession', () => {
  const newSession = (): DigestSession =>
    new DigestSession({ username: 'pub', password: 'priv', cnonce: () => 'fixed-cnonce' });

  test('sends nothing until challenged, then reuses the nonce with an increasing nc', () => {
    const session = newSession();
    expect(session.authorize('GET', '/x')).toBeUndefined();
    expect(session.onUnauthorized(ATLAS_HEADER, false)).toBe('retry');
    const ncs = [1, 2, 3].map(() => authParams(session.authorize('GET', '/x') ?? '').nc);
    expect(ncs).toEqual(['00000001', '00000002', '00000003']);
    expect(authParams(session.authorize('GET', '/x') ?? '').nonce).toBe('669gyxpgL6MGDuSZvQ80Spv3k+Jc99ed');
  });

  test('adopts a stale=true challenge for an authenticated request and restarts nc', () => {
    const session = newSession();
    session.onUnauthorized(ATLAS_HEADER, false);
    session.authorize('GET', '/x');
    session.authorize('GET', '/x');
    expect(session.onUnauthorized('Digest realm="MMS Public API", nonce="fresh", qop="auth", stale=true', true)).toBe(
      'retry'
    );
    const params = authParams(session.authorize('GET', '/x') ?? '');
    expect(params).toMatchObject({ nonce: 'fresh', nc: '00000001' });
  });

  test('fails and forgets the challenge when an authenticated request is refused with stale=false', () => {
    const session = newSession();
    session.onUnauthorized(ATLAS_HEADER, false);
    session.authorize('GET', '/x');
    expect(session.onUnauthorized(ATLAS_HEADER, true)).toBe('fail');
    expect(session.hasChallenge).toBe(false);
    expect(session.authorize('GET', '/x')).toBeUndefined();
  });

  test.each([
    { name: 'no challenge header', header: undefined },
    { name: 'a Basic challenge', header: 'Basic realm="x"' },
    { name: 'an unsupported algorithm', header: 'Digest realm="r", nonce="n", algorithm=SHA-1' },
    { name: 'auth-int only', header: 'Digest realm="r", nonce="n", qop="auth-int"' },
  ])('throws DigestChallengeError for $name', ({ header }) => {
    expect(() => newSession().onUnauthorized(header, false)).toThrow(DigestChallengeError);
  });
});
