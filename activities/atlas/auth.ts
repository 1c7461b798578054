import type { Dispatcher } from 'undici';
import { DigestChallengeError, DigestSession } from './digest-auth';
import { header } from './http-headers';

/**
 * How `AtlasClient.request()` authenticates without knowing the scheme: a strategy gets the call and a `send`
 * function, and returns the final response. Each strategy may make at most one extra round trip (the Digest
 * challenge, or a refused cached token); that is the only loop in the client, and retrying beyond it is Temporal's job.
 */

/** The call being authenticated. */
export interface AuthCall {
  method: string;
  /** The path without query string, for errors. */
  path: string;
  /** The request-target exactly as sent (path and query string): what Digest signs. */
  target: string;
  /** The caller's cancellation, for anything the strategy waits on before sending. */
  signal?: AbortSignal;
}

/** Sends the call once with this `Authorization` value (none when `undefined`); the body comes back unread. */
export type SendAttempt = (authorization: string | undefined) => Promise<Dispatcher.ResponseData>;

/** The final answer of an authenticated exchange. */
export interface AuthExchange {
  /** Body unread (the client reads and interprets it). */
  response: Dispatcher.ResponseData;
  /** The final request carried credentials, so Atlas may have acted on it. */
  authenticated: boolean;
  /** Why a 401 could not be answered; becomes the `cause` of the resulting `AtlasApiError`. */
  cause?: Error;
}

/** An authentication scheme: Digest with an API key, or Bearer tokens of a Service Account. */
export interface AtlasAuth {
  /** Sends the call with credentials, at most twice, and returns the last response. */
  exchange(call: AuthCall, send: SendAttempt): Promise<AuthExchange>;
}

/**
 * Digest with a programmatic API key, reusing the nonce across calls: preemptive when a challenge is cached,
 * otherwise unauthenticated to obtain one; on a 401 the session decides whether one more attempt can succeed.
 */
export class DigestAuth implements AtlasAuth {
  readonly #session: DigestSession;

  constructor(options: { publicKey: string; privateKey: string; cnonce: () => string }) {
    this.#session = new DigestSession({
      username: options.publicKey,
      password: options.privateKey,
      cnonce: options.cnonce,
    });
  }

  async exchange(call: AuthCall, send: SendAttempt): Promise<AuthExchange> {
    let authorization = this.#session.authorize(call.method, call.target);
    let response = await send(authorization);
    if (response.statusCode !== 401) return { response, authenticated: authorization !== undefined };

    try {
      // The first 401 of a call never proves the key wrong: a preemptively reused nonce may be unknown to the Atlas
      // node that answered (even with stale=false). Adopt the fresh challenge and try exactly once more.
      this.#session.onUnauthorized(header(response.headers, 'www-authenticate'), false);
    } catch (err) {
      if (!(err instanceof DigestChallengeError)) throw err;
      return { response, authenticated: authorization !== undefined, cause: err };
    }

    // The challenge's body is of no use; release the connection before the (single) authenticated attempt.
    await response.body.dump().catch(() => undefined);
    authorization = this.#session.authorize(call.method, call.target);
    response = await send(authorization);
    if (response.statusCode === 401) {
      // No third attempt. A stale nonce is still remembered for the next call; a plain refusal forgets the challenge.
      try {
        this.#session.onUnauthorized(header(response.headers, 'www-authenticate'), true);
      } catch {
        // Nothing worth remembering; the 401 itself is the answer.
      }
    }
    return { response, authenticated: authorization !== undefined };
  }
}
