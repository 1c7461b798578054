/**
 * `ApplicationFailure.type` values the activities raise for Atlas errors. The workflow decides what to do from
 * the type alone (it never sees the HTTP layer), and operators see the same names in the Temporal UI.
 */
export const AtlasFailureType = {
  /** 401/403: credentials refused or missing role. Not retried. */
  AUTH_FAILED: 'AtlasAuthFailed',
  /** 404: project, cluster, snapshot or job does not exist. Not retried. */
  NOT_FOUND: 'AtlasNotFound',
  /** 400 and other 4xx: Atlas rejected the request. Not retried. */
  BAD_REQUEST: 'AtlasBadRequest',
  /** 410: the endpoint is sunset. Not retried. */
  ENDPOINT_GONE: 'AtlasEndpointGone',
  /** 2xx with a body that does not match the documented shape. Not retried. */
  RESPONSE_INVALID: 'AtlasResponseInvalid',
  /** 429: rate limited; retried after `Retry-After`. */
  RATE_LIMITED: 'AtlasRateLimited',
  /** 409: conflicting operation in progress; retried. */
  CONFLICT: 'AtlasConflict',
  /** 408 and 5xx: Atlas failed; retried (503 after `Retry-After`). */
  SERVER_ERROR: 'AtlasServerError',
  /** 401 with `stale=true` even after re-challenging: the key is fine, the nonce expired again. Retried. */
  STALE_NONCE: 'AtlasStaleNonce',
  /** No usable answer: connect failure, reset, timeout. Retried. */
  UNAVAILABLE: 'AtlasUnavailable',
} as const;
/** One of the {@link AtlasFailureType} values. */
export type AtlasFailureType = (typeof AtlasFailureType)[keyof typeof AtlasFailureType];
