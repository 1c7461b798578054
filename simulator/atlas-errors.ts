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
