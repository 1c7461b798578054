/**
 * The Atlas error answers the simulator can give, with the exact detail wording and parameters Atlas uses where
 * public recordings show them. Codes marked "placeholder" were not found in any public source for these endpoints;
 * they keep the documented body shape so clients exercise the same parsing path, but their value is our choice.
 */

import { STATUS_CODES } from 'node:http';

/** The Atlas error body, keys in the alphabetical order Atlas serializes them in. */
export interface AtlasErrorBody {
  detail: string;
  error: number;
  errorCode: string;
  parameters: unknown[];
  reason: string;
}

/** Thrown by route handlers to answer with an Atlas error; the pipeline turns it into the body and `X-Error-Code`. */
export class SimulatedAtlasError extends Error {
  override readonly name = 'SimulatedAtlasError';
  readonly status: number;
  readonly errorCode: string;
  readonly detail: string;
  readonly parameters: unknown[];
  /** Extra response headers, such as `Allow` on a 405. */
  readonly headers: Readonly<Record<string, string>>;

  constructor(
    status: number,
    errorCode: string,
    detail: string,
    parameters: unknown[],
    headers: Record<string, string> = {}
  ) {
    super(detail);
    this.status = status;
    this.errorCode = errorCode;
    this.detail = detail;
    this.parameters = parameters;
    this.headers = headers;
  }

  /** The body Atlas sends for this error. */
  toBody(): AtlasErrorBody {
    return {
      detail: this.detail,
      error: this.status,
      errorCode: this.errorCode,
      parameters: this.parameters,
      reason: STATUS_CODES[this.status] ?? 'Unknown',
    };
  }
}

/** 500 for anything the simulator did not foresee, and for an injected fault; Atlas's generic 500 code. */
export function unexpectedError(): SimulatedAtlasError {
  return new SimulatedAtlasError(500, 'UNEXPECTED_ERROR', 'Unexpected error.', []);
}

/** 404 for a project id that is well formed but unknown; wording from Atlas CLI recordings. */
export function groupNotFound(groupId: string): SimulatedAtlasError {
  return new SimulatedAtlasError(404, 'GROUP_NOT_FOUND', `No group with ID ${groupId} exists.`, [groupId]);
}

/** 404 for a cluster missing from a project; wording from Atlas CLI recordings. */
export function clusterNotFound(clusterName: string, groupId: string): SimulatedAtlasError {
  return new SimulatedAtlasError(
    404,
    'CLUSTER_NOT_FOUND',
    `No cluster named ${clusterName} exists in group ${groupId}.`,
    [clusterName, groupId]
  );
}

/**
 * 404 for an unknown route or an unknown snapshot / restore job. The wording follows real Atlas answers
 * ("Cannot find resource /api/atlas/v1.0/…", "Cannot find resource Online archive with id …"); for snapshots and
 * restore jobs the code is a placeholder, since no public source shows what these endpoints return.
 */
export function resourceNotFound(resource: string): SimulatedAtlasError {
  return new SimulatedAtlasError(404, 'RESOURCE_NOT_FOUND', `Cannot find resource ${resource}.`, [resource]);
}

/** 400 for a required body attribute that is absent; wording from an Atlas CLI issue (PR #3620). */
export function missingAttribute(name: string): SimulatedAtlasError {
  return new SimulatedAtlasError(400, 'MISSING_ATTRIBUTE', `The required attribute ${name} was not specified.`, [name]);
}

/**
 * 400 for a malformed path id, query parameter or body attribute (wrong type, bad id pattern, unknown attribute).
 * The code is seen in Atlas sources; the detail wording is a placeholder.
 */
export function invalidAttribute(name: string): SimulatedAtlasError {
  return new SimulatedAtlasError(400, 'INVALID_ATTRIBUTE', `Invalid attribute ${name} specified.`, [name]);
}

/** 400 for a body that is not a JSON object. Placeholder code and wording: not confirmed in public sources. */
export function invalidJson(): SimulatedAtlasError {
  return new SimulatedAtlasError(400, 'INVALID_JSON', 'Received JSON is malformed.', []);
}

/** 405 for a known path with an unsupported method. Placeholder code and wording: not confirmed in public sources. */
export function methodNotAllowed(method: string, allowed: readonly string[]): SimulatedAtlasError {
  return new SimulatedAtlasError(
    405,
    'METHOD_NOT_ALLOWED',
    `The HTTP method ${method} is not allowed here.`,
    [method],
    {
      Allow: allowed.join(', '),
    }
  );
}

/** 400 for a tenant (Cluster API) path naming a Flex cluster; wording from Atlas CLI recordings. */
export function flexClusterInClusterApi(name: string): SimulatedAtlasError {
  return new SimulatedAtlasError(
    400,
    'CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API',
    `Flex cluster ${name} cannot be used in the Cluster API.`,
    [name]
  );
}

/** 400 for a Flex API path naming a cluster that is not Flex; wording from Atlas CLI recordings. */
export function nonFlexClusterInFlexApi(name: string): SimulatedAtlasError {
  return new SimulatedAtlasError(
    400,
    'CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API',
    `Cannot use non-flex cluster ${name} in the flex API.`,
    [name]
  );
}

/** 410 for a sunset resource version; code and detail from the v2 spec's generic `gone` response. */
export function versionGone(): SimulatedAtlasError {
  return new SimulatedAtlasError(
    410,
    'VERSION_GONE',
    'This happens when a resource is marked for sunset and the sunset date is in the past.',
    []
  );
}

/**
 * 406 for a v2 request whose `Accept` names no resource version this endpoint has. Placeholder: code and detail
 * are seen only in a third-party code comment ("406 INVALID_VERSION_DATE: Invalid accept header or version date."),
 * not in MongoDB sources.
 */
export function invalidVersionDate(): SimulatedAtlasError {
  return new SimulatedAtlasError(406, 'INVALID_VERSION_DATE', 'Invalid accept header or version date.', []);
}

/**
 * 401 for a Bearer token the simulator did not issue or that has expired. Placeholder wording; the code is one the
 * Atlas CLI handles (`UNAUTHORIZED`), but no public recording shows this answer.
 */
export function invalidAccessToken(): SimulatedAtlasError {
  return new SimulatedAtlasError(401, 'UNAUTHORIZED', 'Invalid or expired access token.', []);
}

/**
 * 429 for an empty token bucket, worded like the example on Atlas's rate-limit page. `Retry-After` repeats the wait
 * the detail states, as Atlas documents the header for 429 answers; `headers` adds the `RateLimit-*` ones.
 */
export function tokenBucketExceeded(
  setPath: string,
  bucket: { capacity: number; refill: number; periodSeconds: number },
  retryAfterSeconds: number,
  headers: Record<string, string> = {}
): SimulatedAtlasError {
  const { capacity, refill, periodSeconds } = bucket;
  return new SimulatedAtlasError(
    429,
    'RATE_LIMITED_TOKEN_BUCKET',
    `Rate limit exceeded for ${setPath}. Please retry after ${retryAfterSeconds} seconds. ` +
      `Request capacity: ${capacity}. Refill rate: ${refill} per ${periodSeconds} seconds.`,
    [setPath, retryAfterSeconds, capacity, refill, periodSeconds],
    { ...headers, 'Retry-After': String(retryAfterSeconds) }
  );
}

/** 429 from the token endpoint's per-client limit; wording from the Terraform provider docs. */
export function tokenEndpointLimited(
  path: string,
  limit: number,
  windowMinutes: number,
  retryAfterSeconds: number
): SimulatedAtlasError {
  return new SimulatedAtlasError(
    429,
    'RATE_LIMITED',
    `Resource ${path} is limited to ${limit} requests every ${windowMinutes} minutes.`,
    [path, limit, windowMinutes],
    { 'Retry-After': String(retryAfterSeconds) }
  );
}

/** 502 as an injected fault. Placeholder code and wording: a real 502 comes from Atlas's edge, not its API. */
export function badGateway(): SimulatedAtlasError {
  return new SimulatedAtlasError(502, 'BAD_GATEWAY', 'Bad gateway.', []);
}

/** 503 as an injected fault; the code is the spec's generic one, the wording a placeholder. */
export function serviceUnavailable(retryAfterSeconds: number): SimulatedAtlasError {
  return new SimulatedAtlasError(
    503,
    'SERVICE_UNAVAILABLE',
    'Service temporarily unavailable. Please retry later.',
    [],
    { 'Retry-After': String(retryAfterSeconds) }
  );
}
