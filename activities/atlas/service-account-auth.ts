import type { AtlasAuth, AuthCall, AuthExchange, SendAttempt } from './auth';
import type { OAuthToken } from './schemas';
import { toConnectionError } from './transport-errors';

/**
 * Service Account authentication (OAuth 2.0 client credentials, atlas-api.md §3.3): Bearer tokens from
 * `POST /api/oauth/token`, cached per client. One client lives as long as the worker process, and the token endpoint
 * allows only 50 requests a minute per client and IP, so minting a token per call or per activity would soon be
 * refused: the token is shared, minted by one request however many calls need it at once, and renewed shortly
 * before it expires.
 */

/** Longest safety margin before expiry at which a cached token is renewed. */
export const TOKEN_REFRESH_MARGIN_MS = 60_000;

/**
 * `Basic base64(clientId:clientSecret)`, built by hand: RFC 6749 §2.3.1 would form-encode both first, but Atlas
 * does not decode them, and ids are full of `_` that encoders turn into `%5F` (mongodb-mcp-server hit this).
 * A `:` is fine in the secret (the server splits at the first one) but cannot be represented in the id.
 */
export function basicAuthorization(clientId: string, clientSecret: string): string {
  if (clientId === '' || clientSecret === '') throw new TypeError('a Service Account needs a client id and a secret');
  if (clientId.includes(':')) throw new TypeError('a Service Account client id cannot contain ":"');
  return `Basic ${Buffer.from(`${clientId}:${clientSecret}`, 'utf8').toString('base64')}`;
}

/**
 * When a token answered at `requestedAt` should be renewed: {@link TOKEN_REFRESH_MARGIN_MS} before it expires, or
 * at 90% of its lifetime when that comes first, so short-lived tokens are still used rather than renewed every call.
 */
export function tokenRefreshAt(requestedAt: number, expiresInSeconds: number): number {
  const lifetimeMs = expiresInSeconds * 1000;
  return requestedAt + lifetimeMs - Math.min(TOKEN_REFRESH_MARGIN_MS, lifetimeMs / 10);
}

/** What {@link ServiceAccountAuth} is built from. */
export interface ServiceAccountAuthOptions {
  /**
   * Makes one token request and returns the validated answer; failures are already `AtlasError`s. It gets no
   * signal: the request is shared, so one caller's cancellation must not fail the others (timeouts still bound it).
   */
  requestToken: () => Promise<OAuthToken>;
  /** Epoch milliseconds. */
  now: () => number;
}

/** A token in the cache. Compared by identity, so a refused token is only forgotten if it is still the current one. */
interface CachedToken {
  readonly header: string;
  readonly refreshAt: number;
}

/** Bearer authentication with a cached, single-flight Service Account token. */
export class ServiceAccountAuth implements AtlasAuth {
  readonly #requestToken: () => Promise<OAuthToken>;
  readonly #now: () => number;
  #current: CachedToken | undefined;
  #minting: Promise<CachedToken> | undefined;

  constructor(options: ServiceAccountAuthOptions) {
    this.#requestToken = options.requestToken;
    this.#now = options.now;
  }

  /**
   * Sends the call with the cached token (minting one first if there is none or it is due for renewal). A 401 to a
   * token that came from the cache may just mean Atlas revoked or expired it early: forget it and send once more with
   * a new one. A 401 to a token minted for this very call is the answer.
   */
  async exchange(call: AuthCall, send: SendAttempt): Promise<AuthExchange> {
    const first = await this.#token(call);
    let response = await send(first.token.header);
    if (response.statusCode !== 401) return { response, authenticated: true };
    this.#forget(first.token);
    if (!first.cached) return { response, authenticated: true };

    await response.body.dump().catch(() => undefined);
    const second = await this.#token(call);
    response = await send(second.token.header);
    if (response.statusCode === 401) this.#forget(second.token);
    return { response, authenticated: true };
  }

  async #token(call: AuthCall): Promise<{ token: CachedToken; cached: boolean }> {
    const current = this.#current;
    if (current !== undefined && this.#now() < current.refreshAt) return { token: current, cached: true };
    if (call.signal?.aborted) throw aborted(call);
    this.#minting ??= this.#mint();
    return { token: await untilAborted(this.#minting, call), cached: false };
  }

  #mint(): Promise<CachedToken> {
    const requestedAt = this.#now();
    const minting = this.#requestToken()
      .then((reply) => {
        const token = {
          header: `Bearer ${reply.access_token}`,
          refreshAt: tokenRefreshAt(requestedAt, reply.expires_in),
        };
        this.#current = token;
        return token;
      })
      .finally(() => {
        this.#minting = undefined;
      });
    // Every waiter may have been cancelled; a failed mint must not become an unhandled rejection then.
    minting.catch(() => undefined);
    return minting;
  }

  #forget(token: CachedToken): void {
    if (this.#current === token) this.#current = undefined;
  }
}

/** The error of a call cancelled before it was sent (while waiting for a token): not ambiguous, nothing left us. */
function aborted(call: AuthCall): Error {
  return toConnectionError(call.signal?.reason, {
    method: call.method,
    path: call.path,
    signal: call.signal,
    abortedBeforeSend: true,
    authenticated: false,
    responseStarted: false,
  });
}

/** Waits for the shared token, giving up (alone) when this caller's signal fires. */
function untilAborted<T>(shared: Promise<T>, call: AuthCall): Promise<T> {
  const signal = call.signal;
  if (signal === undefined) return shared;
  return new Promise<T>((resolve, reject) => {
    const onAbort = (): void => reject(aborted(call));
    signal.addEventListener('abort', onAbort, { once: true });
    void shared.then(resolve, reject).finally(() => signal.removeEventListener('abort', onAbort));
  });
}
