import { createHash } from 'node:crypto';

/**
 * HTTP Digest access authentication (RFC 7616), the scheme Atlas programmatic API keys use: the public key is the
 * username, the private key the password. Everything here is pure (hashing only, no I/O, no clock, no randomness:
 * the cnonce is passed in), so it is tested against the RFC's own worked example.
 *
 * RFC 7616 §3.9.1 worked example (the test vector in test/unit/digest-auth.test.ts):
 *   username "Mufasa", password "Circle of Life", realm "http-auth@example.org", GET uri "/dir/index.html",
 *   nonce "7ypf/xlj9XXwfDPEoM4URrv/xwf94BcCAzFZH4GiTo0v", cnonce "f2/wE4q74E6zIJEtWaHKaf5wv/H5QzzpXusqGemxURZJ",
 *   nc 00000001, qop auth, opaque "FQhe/qaU925kfnzjCev0ciny7QMkPqMAFRtzCUYo5tdS"
 *   → MD5 response     "8ca523f5e9506fed4657c9700eebdbec"
 *   → SHA-256 response "753927fa0e85d155564e2e272a28d1802ca10daf4496794697cf8db5856cb6c1"
 *
 * Atlas's real challenge (recorded 2026):
 *   Digest realm="MMS Public API", domain="", nonce="669gyxpgL6MGDuSZvQ80Spv3k+Jc99ed", algorithm=MD5, qop="auth", stale=false
 */

/** A parsed `WWW-Authenticate: Digest …` challenge. Parameter names are matched case-insensitively. */
export interface DigestChallenge {
  realm: string;
  nonce: string;
  /** The qop options offered (`["auth"]`, `["auth", "auth-int"]`); absent for an RFC 2069-style challenge. */
  qop?: string[];
  /** As the server spelled it; `MD5` when the challenge does not say. */
  algorithm: string;
  opaque?: string;
  /** True when the server rejected the previous request only because its nonce was stale. */
  stale: boolean;
  domain?: string;
}

/** Thrown when a `WWW-Authenticate` header is not a usable Digest challenge. Never contains credentials. */
export class DigestChallengeError extends Error {
  override readonly name = 'DigestChallengeError';
}

// ---------------------------------------------------------------------------------------------------------------
// Parsing (RFC 7235 §2.1 / §4.1 grammar, RFC 7616 §3.3 parameters)
// ---------------------------------------------------------------------------------------------------------------

/** RFC 7230 tchar. */
const TOKEN_CHAR = /[!#$%&'*+\-.^_`|~0-9A-Za-z]/;

interface ParsedChallenge {
  scheme: string;
  params: Map<string, string>;
}

/**
 * Splits a `WWW-Authenticate` value into its challenges (`Basic realm="x", Digest realm="y", nonce="z"` holds two).
 * Values are either tokens or quoted strings (which may contain commas and `\"`). A token68 credential (rare in
 * challenges) is skipped.
 */
function parseChallenges(header: string): ParsedChallenge[] {
  const challenges: ParsedChallenge[] = [];
  let i = 0;
  const n = header.length;

  const skipSpace = (): void => {
    while (i < n && (header[i] === ' ' || header[i] === '\t')) i++;
  };
  const readToken = (): string => {
    const start = i;
    while (i < n && TOKEN_CHAR.test(header[i] as string)) i++;
    return header.slice(start, i);
  };
  const readQuoted = (): string => {
    // header[i] === '"'
    i++;
    let out = '';
    while (i < n) {
      const ch = header[i] as string;
      if (ch === '\\' && i + 1 < n) {
        out += header[i + 1];
        i += 2;
      } else if (ch === '"') {
        i++;
        return out;
      } else {
        out += ch;
        i++;
      }
    }
    throw new DigestChallengeError('malformed WWW-Authenticate header: unterminated quoted string');
  };
  const skipToComma = (): void => {
    while (i < n && header[i] !== ',') {
      if (header[i] === '"') readQuoted();
      else i++;
    }
  };

  while (i < n) {
    // Leading commas and whitespace between challenges are allowed (#rule).
    while (i < n && (header[i] === ',' || header[i] === ' ' || header[i] === '\t')) i++;
    if (i >= n) break;
    const scheme = readToken();
    if (!scheme) throw new DigestChallengeError('malformed WWW-Authenticate header: expected an auth scheme');
    const challenge: ParsedChallenge = { scheme, params: new Map() };
    challenges.push(challenge);

    for (;;) {
      skipSpace();
      while (i < n && header[i] === ',') {
        i++;
        skipSpace();
      }
      if (i >= n) break;
      const mark = i;
      const name = readToken();
      skipSpace();
      if (name && header[i] !== '=') {
        // A token not followed by `=` starts the next challenge (its auth scheme).
        i = mark;
        break;
      }
      if (!name) {
        // Junk where a parameter name should be: skip to the next comma.
        skipToComma();
        continue;
      }
      i++; // '='
      skipSpace();
      let value: string;
      if (header[i] === '"') {
        value = readQuoted();
      } else {
        value = readToken();
        if (!value) {
          // `name=` followed by nothing usable (e.g. a token68 such as `abc==`): skip it.
          skipToComma();
          continue;
        }
      }
      const key = name.toLowerCase();
      if (!challenge.params.has(key)) challenge.params.set(key, value);
      skipSpace();
      if (i < n && header[i] !== ',') {
        throw new DigestChallengeError(`malformed WWW-Authenticate header: unexpected character after "${name}"`);
      }
    }
  }
  return challenges;
}

/**
 * Parses a `WWW-Authenticate` header and returns its Digest challenge. Handles quoted strings with commas and
 * escaped quotes, unquoted tokens (`algorithm=MD5`, `stale=false`), case-insensitive parameter names and headers
 * holding several challenges. Throws {@link DigestChallengeError} when there is no Digest challenge or it lacks
 * `realm` or `nonce`.
 */
export function parseDigestChallenge(header: string): DigestChallenge {
  if (typeof header !== 'string' || header.trim() === '') {
    throw new DigestChallengeError('not a Digest challenge: the WWW-Authenticate header is empty');
  }
  const challenges = parseChallenges(header);
  const digest = challenges.find((c) => c.scheme.toLowerCase() === 'digest');
  if (!digest) {
    const schemes = challenges.map((c) => c.scheme).join(', ') || 'none';
    throw new DigestChallengeError(`not a Digest challenge (auth scheme: ${schemes})`);
  }
  const p = digest.params;
  const realm = p.get('realm');
  const nonce = p.get('nonce');
  if (realm === undefined) throw new DigestChallengeError('Digest challenge has no realm');
  if (nonce === undefined || nonce === '') throw new DigestChallengeError('Digest challenge has no nonce');

  const challenge: DigestChallenge = {
    realm,
    nonce,
    algorithm: p.get('algorithm') ?? 'MD5',
    stale: (p.get('stale') ?? '').toLowerCase() === 'true',
  };
  const qop = p.get('qop');
  if (qop !== undefined) {
    challenge.qop = qop
      .split(',')
      .map((q) => q.trim().toLowerCase())
      .filter((q) => q !== '');
  }
  const opaque = p.get('opaque');
  if (opaque !== undefined) challenge.opaque = opaque;
  const domain = p.get('domain');
  if (domain !== undefined) challenge.domain = domain;
  return challenge;
}

// ---------------------------------------------------------------------------------------------------------------
// Computing the Authorization header (RFC 7616 §3.4)
// ---------------------------------------------------------------------------------------------------------------

/** The Node hash for each RFC 7616 algorithm name (case-insensitive); `-sess` variants share the hash. */
const HASHES: Record<string, string> = {
  MD5: 'md5',
  'SHA-256': 'sha256',
  'SHA-512-256': 'sha512-256',
};

/** True when {@link buildDigestAuthorization} can answer a challenge with this algorithm. */
export function isSupportedDigestAlgorithm(algorithm: string): boolean {
  return HASHES[algorithm.toUpperCase().replace(/-SESS$/, '')] !== undefined;
}

/** Inputs of {@link buildDigestAuthorization}. */
export interface DigestAuthorizationInput {
  method: string;
  /** The request-target exactly as sent: path plus query string. */
  uri: string;
  challenge: DigestChallenge;
  username: string;
  password: string;
  /** Client nonce; ignored when the challenge offers no qop. */
  cnonce: string;
  /** Nonce count: how many requests (this one included) have used this nonce. 1 … 0xffffffff. */
  nc: number;
}

/** Quotes a value as an RFC 7230 quoted-string. */
function quote(value: string): string {
  return `"${value.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

/**
 * Computes the value of an `Authorization: Digest …` header for one request. Supports MD5, SHA-256 and SHA-512-256
 * with their `-sess` variants, `qop=auth`, and challenges without qop (RFC 2069 compatibility). Throws
 * {@link DigestChallengeError} for an unsupported algorithm or when only `auth-int` is offered.
 */
export function buildDigestAuthorization(input: DigestAuthorizationInput): string {
  const { method, uri, challenge, username, password, cnonce, nc } = input;
  const algorithmName = challenge.algorithm.toUpperCase();
  const session = algorithmName.endsWith('-SESS');
  const hashName = HASHES[session ? algorithmName.slice(0, -'-SESS'.length) : algorithmName];
  if (hashName === undefined) {
    throw new DigestChallengeError(`unsupported Digest algorithm "${challenge.algorithm}"`);
  }
  if (!Number.isInteger(nc) || nc < 1 || nc > 0xffffffff) {
    throw new RangeError('nc must be an integer between 1 and 0xffffffff');
  }
  const qop = challenge.qop === undefined || challenge.qop.length === 0 ? undefined : 'auth';
  if (qop !== undefined && !challenge.qop?.includes('auth')) {
    throw new DigestChallengeError(`unsupported Digest qop "${challenge.qop?.join(',')}" (only "auth" is supported)`);
  }
  if (qop !== undefined && cnonce === '') throw new RangeError('cnonce must not be empty');

  const H = (data: string): string => createHash(hashName).update(data, 'utf8').digest('hex');
  const ncHex = nc.toString(16).padStart(8, '0');

  let ha1 = H(`${username}:${challenge.realm}:${password}`);
  if (session) ha1 = H(`${ha1}:${challenge.nonce}:${cnonce}`);
  const ha2 = H(`${method}:${uri}`);
  const response =
    qop === undefined
      ? H(`${ha1}:${challenge.nonce}:${ha2}`)
      : H(`${ha1}:${challenge.nonce}:${ncHex}:${cnonce}:${qop}:${ha2}`);

  const parts = [
    `username=${quote(username)}`,
    `realm=${quote(challenge.realm)}`,
    `uri=${quote(uri)}`,
    `algorithm=${challenge.algorithm}`,
    `nonce=${quote(challenge.nonce)}`,
  ];
  if (qop !== undefined) parts.push(`nc=${ncHex}`, `cnonce=${quote(cnonce)}`, `qop=${qop}`);
  parts.push(`response=${quote(response)}`);
  if (challenge.opaque !== undefined) parts.push(`opaque=${quote(challenge.opaque)}`);
  return `Digest ${parts.join(', ')}`;
}

// ---------------------------------------------------------------------------------------------------------------
// Per-client session: nonce reuse (preemptive authentication)
// ---------------------------------------------------------------------------------------------------------------

/** What the HTTP layer should do with a 401: resend once with a fresh `Authorization`, or give up. */
export type DigestDecision = 'retry' | 'fail';

/** Options of {@link DigestSession}. */
export interface DigestSessionOptions {
  username: string;
  password: string;
  cnonce: () => string;
}

/**
 * Remembers the last Digest challenge so that, after the first 401, every request is authenticated preemptively
 * with the same nonce and an increasing nonce count: N calls cost N+1 HTTP requests instead of 2N (which is what the
 * Go Digest transport used by the Atlas SDK, CLI and Terraform pays).
 *
 * The HTTP layer uses it as: `authorize()` → send → on 401 `onUnauthorized()` → on `'retry'`, `authorize()` and
 * send once more. That is the only loop in the client: at most one extra round trip per call.
 */
export class DigestSession {
  readonly #username: string;
  readonly #password: string;
  readonly #cnonce: () => string;
  #challenge: DigestChallenge | undefined;
  #nc = 0;

  constructor(options: DigestSessionOptions) {
    this.#username = options.username;
    this.#password = options.password;
    this.#cnonce = options.cnonce;
  }

  /** True once a challenge is cached, i.e. the next request will carry credentials preemptively. */
  get hasChallenge(): boolean {
    return this.#challenge !== undefined;
  }

  /**
   * The `Authorization` value for a request, or `undefined` when no challenge is cached yet (send it
   * unauthenticated to obtain one). Each call consumes one nonce count.
   */
  authorize(method: string, uri: string): string | undefined {
    const challenge = this.#challenge;
    if (challenge === undefined) return undefined;
    if (this.#nc >= 0xffffffff) {
      // Nonce count exhausted: forget the nonce and let the server issue a new one.
      this.reset();
      return undefined;
    }
    this.#nc += 1;
    return buildDigestAuthorization({
      method,
      uri,
      challenge,
      username: this.#username,
      password: this.#password,
      cnonce: this.#cnonce(),
      nc: this.#nc,
    });
  }

  /**
   * Decides what to do with a 401. `authorized` says whether the rejected request carried an `Authorization` header.
   * - Unauthenticated request + Digest challenge → adopt it, `'retry'`.
   * - Authenticated request + `stale=true` → adopt the fresh nonce, `'retry'` (the credentials were fine).
   * - Authenticated request + `stale=false` → the credentials are wrong: forget the challenge, `'fail'`.
   * Throws {@link DigestChallengeError} when the header is missing, not Digest, or not answerable.
   */
  onUnauthorized(wwwAuthenticate: string | undefined, authorized: boolean): DigestDecision {
    if (wwwAuthenticate === undefined) {
      this.reset();
      throw new DigestChallengeError('401 without a WWW-Authenticate challenge');
    }
    const challenge = parseDigestChallenge(wwwAuthenticate);
    if (authorized && !challenge.stale) {
      this.reset();
      return 'fail';
    }
    if (!isSupportedDigestAlgorithm(challenge.algorithm)) {
      this.reset();
      throw new DigestChallengeError(`unsupported Digest algorithm "${challenge.algorithm}"`);
    }
    if (challenge.qop !== undefined && challenge.qop.length > 0 && !challenge.qop.includes('auth')) {
      this.reset();
      throw new DigestChallengeError(`unsupported Digest qop "${challenge.qop.join(',')}" (only "auth" is supported)`);
    }
    this.#challenge = challenge;
    this.#nc = 0;
    return 'retry';
  }

  /** Forgets the cached challenge; the next request is sent unauthenticated. */
  reset(): void {
    this.#challenge = undefined;
    this.#nc = 0;
  }
}
