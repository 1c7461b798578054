/**
 * Server side of HTTP Digest authentication (RFC 7616) as Atlas does it for API keys. Written independently of the
 * Atlas client's Digest code on purpose: if both shared one implementation, a bug in it would pass every test.
 */

import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

/** The realm Atlas announces in every challenge. */
export const DIGEST_REALM = 'MMS Public API';

/** Hash functions by the `algorithm` names RFC 7616 defines and Atlas accepts (the `-sess` variants are not needed). */
const HASH_BY_ALGORITHM: Readonly<Record<string, string>> = { MD5: 'md5', 'SHA-256': 'sha256' };

/** Inputs of the RFC 7616 §3.4.1 `response` computation for `qop=auth`. */
export interface DigestResponseInput {
  algorithm: string;
  username: string;
  realm: string;
  password: string;
  method: string;
  uri: string;
  nonce: string;
  nc: string;
  cnonce: string;
  qop: string;
}

/**
 * Computes the `response` a client must send: `H(H(user:realm:password):nonce:nc:cnonce:qop:H(method:uri))`.
 * Returns undefined for an algorithm Atlas does not offer.
 */
export function computeDigestResponse(input: DigestResponseInput): string | undefined {
  const hashName = HASH_BY_ALGORITHM[input.algorithm.toUpperCase()];
  if (hashName === undefined) return undefined;
  const hash = (text: string): string => createHash(hashName).update(text, 'utf8').digest('hex');
  const ha1 = hash(`${input.username}:${input.realm}:${input.password}`);
  const ha2 = hash(`${input.method}:${input.uri}`);
  return hash(`${ha1}:${input.nonce}:${input.nc}:${input.cnonce}:${input.qop}:${ha2}`);
}

const TOKEN = /[!#$%&'*+.^_`|~0-9A-Za-z-]+/y;
const WHITESPACE = /[ \t]*/y;

/**
 * Parses `Authorization: Digest k=v, k="quoted, \"escaped\""` into lower-cased keys and unquoted values.
 * A real tokenizer rather than `split(',')`, because quoted values (the uri, usernames) may contain commas.
 * Returns undefined when the header is not a well-formed Digest credential or repeats a parameter.
 */
export function parseDigestAuthorization(header: string): Map<string, string> | undefined {
  const scheme = /^Digest[ \t]+/i.exec(header);
  if (scheme === null) return undefined;
  const params = new Map<string, string>();
  let at = scheme[0].length;
  const skipWhitespace = (): void => {
    WHITESPACE.lastIndex = at;
    WHITESPACE.exec(header);
    at = WHITESPACE.lastIndex;
  };
  const readToken = (): string | undefined => {
    TOKEN.lastIndex = at;
    const match = TOKEN.exec(header);
    if (match === null) return undefined;
    at = TOKEN.lastIndex;
    return match[0];
  };
  const readQuoted = (): string | undefined => {
    let value = '';
    for (at += 1; at < header.length; at += 1) {
      const char = header[at];
      if (char === '"') {
        at += 1;
        return value;
      }
      if (char === '\\') at += 1;
      if (at >= header.length) return undefined;
      value += header[at];
    }
    return undefined;
  };

  for (;;) {
    // RFC 7230 §7 list syntax: empty elements (", ,") and a trailing comma are allowed.
    while (header[at] === ',' || header[at] === ' ' || header[at] === '\t') at += 1;
    if (at >= header.length) return params.size > 0 ? params : undefined;
    const name = readToken();
    if (name === undefined) return undefined;
    skipWhitespace();
    if (header[at] !== '=') return undefined;
    at += 1;
    skipWhitespace();
    const value = header[at] === '"' ? readQuoted() : readToken();
    const key = name.toLowerCase();
    if (value === undefined || params.has(key)) return undefined;
    params.set(key, value);
    skipWhitespace();
    if (at >= header.length) return params;
    if (header[at] !== ',') return undefined;
    at += 1;
  }
}

/** What {@link DigestAuthenticator.verify} decided; `stale` tells the client whether a retry with a new nonce suffices. */
export type DigestVerdict = { authenticated: true } | { authenticated: false; stale: boolean };

/** Configuration of a {@link DigestAuthenticator}. */
export interface DigestAuthenticatorOptions {
  username: string;
  password: string;
  /** A nonce issued longer ago than this is stale. */
  nonceMaxAgeMs: number;
  now: () => number;
}

interface IssuedNonce {
  issuedAt: number;
  /** Nonce counts already used with this nonce, to refuse replays. */
  usedCounts: Set<number>;
}

const REJECTED: DigestVerdict = { authenticated: false, stale: false };
const STALE: DigestVerdict = { authenticated: false, stale: true };

/**
 * Issues challenges and verifies credentials, remembering each nonce with its issue time so that a client may reuse
 * a nonce (nc = 2, 3, … in any order) until it ages out. Memory stays bounded: nonces are kept in issue order and
 * forgotten once older than the max age, so a long run with one challenge per request does not grow without end.
 */
export class DigestAuthenticator {
  private readonly options: DigestAuthenticatorOptions;
  private readonly nonces = new Map<string, IssuedNonce>();

  constructor(options: DigestAuthenticatorOptions) {
    this.options = options;
  }

  /** Issues a fresh nonce and returns the `WWW-Authenticate` value, exactly as Atlas words it. */
  challenge(stale: boolean): string {
    const now = this.options.now();
    this.forgetOldNonces(now);
    const nonce = randomBytes(24).toString('base64');
    this.nonces.set(nonce, { issuedAt: now, usedCounts: new Set() });
    return `Digest realm="${DIGEST_REALM}", domain="", nonce="${nonce}", algorithm=MD5, qop="auth", stale=${stale}`;
  }

  /**
   * Checks an `Authorization` header for a request. Per RFC 7616 §3.3, `stale=true` is reserved for a correct
   * digest whose nonce is no longer acceptable (too old, unknown, expired, or its nc already used), so that
   * a client with the right key retries silently while a wrong key is reported as such.
   */
  verify(method: string, requestTarget: string, authorization: string | undefined): DigestVerdict {
    const params = authorization === undefined ? undefined : parseDigestAuthorization(authorization);
    if (params === undefined) return REJECTED;
    const username = params.get('username');
    const realm = params.get('realm');
    const nonce = params.get('nonce');
    const uri = params.get('uri');
    const response = params.get('response');
    const qop = params.get('qop');
    const nc = params.get('nc');
    const cnonce = params.get('cnonce');
    const algorithm = params.get('algorithm') ?? 'MD5';
    if (
      username !== this.options.username ||
      realm !== DIGEST_REALM ||
      nonce === undefined ||
      uri === undefined ||
      !uriMatchesTarget(uri, requestTarget) ||
      response === undefined ||
      qop !== 'auth' ||
      nc === undefined ||
      !/^[0-9a-fA-F]{8}$/.test(nc) ||
      cnonce === undefined
    ) {
      return REJECTED;
    }
    const expected = computeDigestResponse({
      algorithm,
      username,
      realm,
      password: this.options.password,
      method,
      uri,
      nonce,
      nc,
      cnonce,
      qop,
    });
    if (expected === undefined || !sameHex(expected, response)) return REJECTED;

    const now = this.options.now();
    this.forgetOldNonces(now);
    const issued = this.nonces.get(nonce);
    if (issued === undefined || now - issued.issuedAt > this.options.nonceMaxAgeMs) return STALE;
    const count = Number.parseInt(nc, 16);
    if (issued.usedCounts.has(count)) return STALE;
    issued.usedCounts.add(count);
    return { authenticated: true };
  }

  /** Forgets every nonce issued so far, so their next use gets `stale=true`. */
  expireAll(): void {
    this.nonces.clear();
  }

  private forgetOldNonces(now: number): void {
    for (const [nonce, issued] of this.nonces) {
      if (now - issued.issuedAt <= this.options.nonceMaxAgeMs) return;
      this.nonces.delete(nonce);
    }
  }
}

/** RFC 7616 §3.4.6: the `uri` must name the request target; clients may send it in absolute form. */
function uriMatchesTarget(uri: string, requestTarget: string): boolean {
  if (uri === requestTarget) return true;
  try {
    const absolute = new URL(uri);
    return `${absolute.pathname}${absolute.search}` === requestTarget;
  } catch {
    return false;
  }
}

function sameHex(expected: string, received: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(received.toLowerCase(), 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
