/**
 * Service Accounts, Atlas's recommended credentials: the OAuth 2.0 client-credentials endpoint that mints Bearer
 * tokens, its per-client limit, and the check of a Bearer token on an API request. Tokens are opaque random strings
 * (Atlas issues JWTs, but a client must not look inside), kept in issue order so expired ones are forgotten cheaply.
 */

import { randomBytes, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { methodNotAllowed, tokenEndpointLimited, type SimulatedAtlasError } from './atlas-errors';

/** Where clients ask for tokens (Atlas spec `info.description`). */
export const TOKEN_PATH = '/api/oauth/token';

/** One Service Account the simulator accepts. */
export const ServiceAccountSchema = z.strictObject({ clientId: z.string().min(1), clientSecret: z.string().min(1) });
/** One Service Account the simulator accepts. */
export type ServiceAccount = z.infer<typeof ServiceAccountSchema>;

/** The token endpoint's limit per client: "50 requests every 1 minutes" (Terraform provider docs). */
const TOKEN_REQUESTS_PER_WINDOW = 50;
const TOKEN_WINDOW_MINUTES = 1;
const TOKEN_WINDOW_MS = TOKEN_WINDOW_MINUTES * 60_000;

/** An answer of the token endpoint in OAuth's own format (RFC 6749 §5), not an Atlas error body. */
export interface TokenEndpointAnswer {
  status: number;
  headers: Record<string, string>;
  body: unknown;
  /** True when the client credentials were valid. */
  authenticated: boolean;
}

/** What the pipeline read of a token request. */
export interface TokenRequest {
  method: string;
  authorization: string | undefined;
  contentType: string | undefined;
  body: string;
}

/** Issues and checks Bearer tokens for a fixed set of Service Accounts. */
export class ServiceAccountTokens {
  private readonly secrets: Map<string, string>;
  private readonly ttlMs: number;
  /** Token → expiry (epoch ms), in issue order, which is expiry order as every token lives as long. */
  private readonly tokens = new Map<string, number>();
  /** Per client id, the times of its last requests (a ring of at most {@link TOKEN_REQUESTS_PER_WINDOW}). */
  private readonly recentRequests = new Map<string, { times: number[]; next: number }>();
  private issued = 0;

  constructor(accounts: readonly ServiceAccount[], tokenTtlSeconds: number) {
    this.secrets = new Map(accounts.map((account) => [account.clientId, account.clientSecret]));
    this.ttlMs = tokenTtlSeconds * 1000;
  }

  /** How many tokens were issued since start. */
  get tokensIssued(): number {
    return this.issued;
  }

  /**
   * Answers `POST /api/oauth/token`. Order of checks: method (405), the per-client limit (429, counted for every
   * request so wrong secrets cannot be tried faster), client authentication (401 `invalid_client`, RFC 6749 style,
   * placeholder wording), then `grant_type=client_credentials` (400 `unsupported_grant_type`). Atlas errors (405, 429)
   * are thrown as `SimulatedAtlasError`.
   */
  handle(request: TokenRequest, now: number): TokenEndpointAnswer {
    if (request.method !== 'POST') throw methodNotAllowed(request.method, ['POST']);
    const client = parseBasic(request.authorization);
    this.admit(client?.clientId ?? '', now);
    if (client === undefined || !this.clientIsValid(client.clientId, client.clientSecret)) {
      return {
        status: 401,
        headers: { 'WWW-Authenticate': 'Basic realm="MongoDB Atlas"' },
        body: { error: 'invalid_client', error_description: 'Client authentication failed.' },
        authenticated: false,
      };
    }
    const form = /^application\/x-www-form-urlencoded\s*(;|$)/i.test(request.contentType ?? '');
    if (!form || new URLSearchParams(request.body).get('grant_type') !== 'client_credentials') {
      return { status: 400, headers: {}, body: { error: 'unsupported_grant_type' }, authenticated: true };
    }
    return {
      status: 200,
      headers: { 'Cache-Control': 'no-store' },
      body: { access_token: this.issue(now), expires_in: this.ttlMs / 1000, token_type: 'Bearer' },
      authenticated: true,
    };
  }

  /** True when `token` was issued here and has not expired at `now`. */
  tokenIsValid(token: string, now: number): boolean {
    const expiresAt = this.tokens.get(token);
    return expiresAt !== undefined && now < expiresAt;
  }

  private clientIsValid(clientId: string, clientSecret: string): boolean {
    const secret = this.secrets.get(clientId);
    return secret !== undefined && sameText(secret, clientSecret);
  }

  private issue(now: number): string {
    for (const [token, expiresAt] of this.tokens) {
      if (expiresAt > now) break;
      this.tokens.delete(token);
    }
    const token = randomBytes(24).toString('base64url');
    this.tokens.set(token, now + this.ttlMs);
    this.issued += 1;
    return token;
  }

  /** Counts a request against the client's window, or throws the 429 when the window is full. */
  private admit(clientId: string, now: number): void {
    let recent = this.recentRequests.get(clientId);
    if (recent === undefined) {
      recent = { times: [], next: 0 };
      this.recentRequests.set(clientId, recent);
    }
    if (recent.times.length < TOKEN_REQUESTS_PER_WINDOW) {
      recent.times.push(now);
      return;
    }
    const oldest = recent.times[recent.next] as number;
    if (now - oldest < TOKEN_WINDOW_MS) {
      throw tokenLimitExceeded(Math.max(1, Math.ceil((oldest + TOKEN_WINDOW_MS - now) / 1000)));
    }
    recent.times[recent.next] = now;
    recent.next = (recent.next + 1) % TOKEN_REQUESTS_PER_WINDOW;
  }
}

/** The token endpoint's 429, also used when a fault plan injects a 429 there. */
export function tokenLimitExceeded(retryAfterSeconds: number): SimulatedAtlasError {
  return tokenEndpointLimited(TOKEN_PATH, TOKEN_REQUESTS_PER_WINDOW, TOKEN_WINDOW_MINUTES, retryAfterSeconds);
}

/**
 * Reads `Authorization: Basic base64(clientId:clientSecret)`. The two parts are compared as sent, without the form
 * decoding RFC 6749 §2.3.1 asks for: Atlas refuses `_` encoded as `%5F` (mongodb-mcp-server builds its own header
 * for that reason), so a client that encodes must fail here too.
 */
function parseBasic(header: string | undefined): { clientId: string; clientSecret: string } | undefined {
  const match = /^Basic[ \t]+([A-Za-z0-9+/]+=*)[ \t]*$/i.exec(header ?? '');
  if (match === null) return undefined;
  const decoded = Buffer.from(match[1] as string, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon === -1) return undefined;
  return { clientId: decoded.slice(0, colon), clientSecret: decoded.slice(colon + 1) };
}

function sameText(expected: string, received: string): boolean {
  const a = Buffer.from(expected, 'utf8');
  const b = Buffer.from(received, 'utf8');
  return a.length === b.length && timingSafeEqual(a, b);
}
