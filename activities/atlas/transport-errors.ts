import { AtlasConnectionError } from './errors';

/**
 * Turning undici failures into {@link AtlasConnectionError}. Pure, so the table is unit-tested. undici documents a
 * stable `code` on every error (docs/api/Errors.md) and network errors from Node carry theirs (`ECONNREFUSED`), but
 * they may sit on a `cause` or inside an `AggregateError` (happy-eyeballs connect), so we search for the first one.
 */

/**
 * Codes that prove the request never left the client: no connection was made (DNS, refused, unreachable, connect
 * timeout, TLS handshake) or undici refused the request before writing it. Anything else, including codes we do not
 * know, counts as "may have reached Atlas": for a create, that is the safe assumption (look before re-posting).
 */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_FAIL',
  'EAI_NONAME',
  'EHOSTUNREACH',
  'EHOSTDOWN',
  'ENETUNREACH',
  'ENETDOWN',
  'EADDRNOTAVAIL',
  'EADDRINUSE',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_INVALID_ARG',
  'UND_ERR_NOT_SUPPORTED',
  'UND_ERR_DESTROYED',
  'UND_ERR_CLOSED',
  'UND_ERR_MAX_ORIGINS_REACHED',
  'UND_ERR_PRX_TLS',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
]);

/** The first string `code` on the error, its `cause` chain, or an `AggregateError`'s members. */
export function findErrorCode(err: unknown, depth = 0): string | undefined {
  if (depth > 5 || typeof err !== 'object' || err === null) return undefined;
  const code = (err as { code?: unknown }).code;
  if (typeof code === 'string' && code !== '') return code;
  const fromCause = findErrorCode((err as { cause?: unknown }).cause, depth + 1);
  if (fromCause !== undefined) return fromCause;
  if (err instanceof AggregateError) {
    for (const inner of err.errors) {
      const innerCode = findErrorCode(inner, depth + 1);
      if (innerCode !== undefined) return innerCode;
    }
  }
  return undefined;
}

/** True unless `code` proves the request was never sent. */
export function mayHaveReachedServer(code: string | undefined): boolean {
  return code === undefined || !NOT_SENT_CODES.has(code);
}

/** Where in the exchange the failure happened. */
export interface TransportFailureContext {
  method: string;
  path: string;
  /** The caller's signal: `aborted` is true when it fired. */
  signal?: AbortSignal;
  /** The signal had already fired before the request was handed to undici, so nothing was sent. */
  abortedBeforeSend: boolean;
  /** The request carried credentials. An unauthenticated request cannot have been acted on by Atlas. */
  authenticated: boolean;
  /** The response had started (status and headers received): the request certainly reached Atlas. */
  responseStarted: boolean;
}

/** Maps anything undici (or the caller's abort) threw to an {@link AtlasConnectionError}. */
export function toConnectionError(err: unknown, ctx: TransportFailureContext): AtlasConnectionError {
  const aborted = ctx.signal?.aborted === true;
  const code = findErrorCode(err) ?? (aborted ? 'ABORT_ERR' : undefined);
  let reached: boolean;
  if (ctx.responseStarted) reached = true;
  else if (aborted) reached = !ctx.abortedBeforeSend;
  else reached = mayHaveReachedServer(code);
  return new AtlasConnectionError({
    method: ctx.method,
    path: ctx.path,
    code,
    ambiguous: reached && ctx.authenticated,
    aborted,
    cause: err,
  });
}
