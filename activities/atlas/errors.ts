/**
 * The one vocabulary for everything that can go wrong talking to Atlas. Every error carries enough to decide
 * what to do next (status, errorCode, Retry-After) and enough for a human to act (detail, method, path), and
 * never a credential: no header, no query string, no body we sent is ever copied into an error.
 */

/** Rate-limit headers Atlas sends with most v2 answers. */
export interface AtlasRateLimit {
  /** Bucket capacity (`RateLimit-Limit`). */
  limit?: number;
  /** Requests left in the bucket (`RateLimit-Remaining`). */
  remaining?: number;
}

/** Fields of an {@link AtlasApiError}. */
export interface AtlasApiErrorFields {
  status: number;
  method: string;
  /** Request path without query string. */
  path: string;
  errorCode?: string;
  detail?: string;
  reason?: string;
  parameters?: unknown[];
  /** Seconds from `Retry-After` (429 and 503), when Atlas sent it. */
  retryAfterSeconds?: number;
  rateLimit?: AtlasRateLimit;
  /**
   * A 401 whose Digest challenge says `stale=true`: the key is right, only the nonce expired (again) between the
   * challenge and the retry. Worth retrying, unlike a plain 401.
   */
  staleNonce?: boolean;
  /** What made a 401 unanswerable (e.g. a `DigestChallengeError` for a challenge the client cannot meet). */
  cause?: unknown;
}

/** Thrown when Atlas answered with an HTTP error status (directly, or inside an `envelope=true` answer). */
export class AtlasApiError extends Error {
  override readonly name = 'AtlasApiError';
  readonly status: number;
  readonly method: string;
  readonly path: string;
  readonly errorCode?: string;
  readonly detail?: string;
  readonly reason?: string;
  readonly parameters: unknown[];
  readonly retryAfterSeconds?: number;
  readonly rateLimit?: AtlasRateLimit;
  readonly staleNonce: boolean;

  constructor(fields: AtlasApiErrorFields) {
    super(formatApiErrorMessage(fields), fields.cause === undefined ? undefined : { cause: fields.cause });
    this.status = fields.status;
    this.method = fields.method;
    this.path = fields.path;
    this.errorCode = fields.errorCode;
    this.detail = fields.detail;
    this.reason = fields.reason;
    this.parameters = fields.parameters ?? [];
    this.retryAfterSeconds = fields.retryAfterSeconds;
    this.rateLimit = fields.rateLimit;
    this.staleNonce = fields.staleNonce ?? false;
  }
}

function formatApiErrorMessage(f: AtlasApiErrorFields): string {
  const code = f.errorCode ? ` ${f.errorCode}` : '';
  const detail = f.detail ? `: ${f.detail}` : f.reason ? `: ${f.reason}` : '';
  return `Atlas ${f.method} ${f.path} failed with ${f.status}${code}${detail}`;
}

/** Fields of an {@link AtlasConnectionError}. */
export interface AtlasConnectionErrorFields {
  method: string;
  path: string;
  /** undici's stable error code, e.g. `UND_ERR_CONNECT_TIMEOUT`, `ECONNRESET`, `ABORT_ERR`. */
  code?: string;
  /**
   * True when the request may have reached Atlas and been acted on (the connection broke or timed out after
   * the request was sent). A create that fails this way may have created a job.
   */
  ambiguous: boolean;
  /** True when the caller (the activity's cancellation) aborted the request. */
  aborted: boolean;
  cause?: unknown;
}

/** Thrown when no usable HTTP answer came back: connect failure, reset, timeout, or cancellation. */
export class AtlasConnectionError extends Error {
  override readonly name = 'AtlasConnectionError';
  readonly method: string;
  readonly path: string;
  readonly code?: string;
  readonly ambiguous: boolean;
  readonly aborted: boolean;

  constructor(fields: AtlasConnectionErrorFields) {
    const why = fields.aborted ? 'was cancelled' : `failed${fields.code ? ` (${fields.code})` : ''}`;
    super(`Atlas ${fields.method} ${fields.path} ${why}${fields.ambiguous ? ' after the request was sent' : ''}`, {
      cause: fields.cause,
    });
    this.method = fields.method;
    this.path = fields.path;
    this.code = fields.code;
    this.ambiguous = fields.ambiguous;
    this.aborted = fields.aborted;
  }
}

/** Thrown when Atlas answered 2xx but the body is not what the API documents (bad JSON or wrong shape). */
export class AtlasResponseValidationError extends Error {
  override readonly name = 'AtlasResponseValidationError';
  readonly method: string;
  readonly path: string;
  readonly status: number;

  constructor(fields: { method: string; path: string; status: number; problem: string }) {
    super(`Atlas ${fields.method} ${fields.path} answered ${fields.status} with an unexpected body: ${fields.problem}`);
    this.method = fields.method;
    this.path = fields.path;
    this.status = fields.status;
  }
}

/** Any error the Atlas client throws. */
export type AtlasError = AtlasApiError | AtlasConnectionError | AtlasResponseValidationError;
