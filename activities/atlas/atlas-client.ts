import { randomBytes } from 'node:crypto';
import { Agent, type Dispatcher } from 'undici';
import { z } from 'zod';
import { DigestChallengeError, DigestSession } from './digest-auth';
import { AtlasApiError, AtlasResponseValidationError, type AtlasRateLimit } from './errors';
import { joinPaths, path, type AtlasPath } from './path';
import { parseRetryAfter } from './retry-after';
import {
  AtlasEnvelopeSchema,
  AtlasErrorBodySchema,
  atlasPageSchema,
  TenantRestoreJobSchema,
  TenantSnapshotSchema,
  type AtlasPage,
  type TenantRestoreJob,
  type TenantSnapshot,
} from './schemas';
import { toConnectionError } from './transport-errors';

/**
 * The Atlas Admin API client: undici underneath, Digest auth with nonce reuse, every answer validated with zod, every
 * failure one of the three errors in `./errors`. It never retries (Temporal does); the one extra round trip it may
 * make per call is answering a Digest challenge.
 */

/** `User-Agent` sent unless the options say otherwise; the version is checked against package.json by a unit test. */
export const DEFAULT_USER_AGENT = 'atlas-restore/0.1.0';

/** A programmatic API key: the public key is the Digest username, the private key the password. */
export interface AtlasCredentials {
  publicKey: string;
  privateKey: string;
}

/** How to reach Atlas. */
export interface AtlasClientOptions {
  /** Origin only, e.g. `https://cloud.mongodb.com` or `http://127.0.0.1:PORT`. */
  baseUrl: string;
  credentials: AtlasCredentials;
  /** Injected dispatcher (left open by {@link AtlasClient.close}); by default an `Agent` built from `timeouts`. */
  dispatcher?: Dispatcher;
  /**
   * Milliseconds. `headersMs` and `bodyMs` apply to every request, also through an injected dispatcher; `connectMs`
   * only shapes the default `Agent`. Defaults: 10 000 / 30 000 / 30 000.
   */
  timeouts?: { connectMs?: number; headersMs?: number; bodyMs?: number };
  /** Send `envelope=true` and unwrap `{status, content}`. */
  envelope?: boolean;
  /** Send `pretty=true`. */
  pretty?: boolean;
  /** Default {@link DEFAULT_USER_AGENT}. */
  userAgent?: string;
  /** Digest client nonce; injectable for tests. Default: 16 random bytes as hex. */
  cnonce?: () => string;
}

/** Per-call options. */
export interface AtlasRequestOptions {
  /** Cancels the call (pass the activity's `cancellationSignal()`). */
  signal?: AbortSignal;
}

/** Identifies a shared-tier cluster. */
export interface TenantClusterRef {
  /** Project (group) id. */
  groupId: string;
  clusterName: string;
}

/** Atlas list paging (`pageNum` from 1, `itemsPerPage` 1–500, `includeCount` default true on Atlas's side). */
export interface PageQuery {
  pageNum?: number;
  itemsPerPage?: number;
  includeCount?: boolean;
}

/** HTTP methods the Admin API uses. */
export type AtlasHttpMethod = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Query values; `undefined` entries are left out. */
export type AtlasQuery = Record<string, string | number | boolean | undefined>;

/** Options of {@link AtlasClient.request}. */
export interface AtlasRequestInit {
  query?: AtlasQuery;
  /** Serialised as JSON once; the same bytes are replayed after a Digest challenge. */
  body?: unknown;
  /** Media type to ask for; `application/json` for v1.0, `application/vnd.atlas.<date>+json` for v2. */
  accept?: string;
  /** Media type of `body`; default `application/json`. */
  contentType?: string;
  signal?: AbortSignal;
}

const JSON_MEDIA_TYPE = 'application/json';
const DEFAULT_TIMEOUTS = { connectMs: 10_000, headersMs: 30_000, bodyMs: 30_000 } as const;

const TenantRestoreJobPageSchema = atlasPageSchema(TenantRestoreJobSchema);
const TenantSnapshotPageSchema = atlasPageSchema(TenantSnapshotSchema);

/** What came back, fully read. */
interface ReadResponse {
  status: number;
  headers: Dispatcher.ResponseData['headers'];
  text: string;
}

/** Identifies the call in errors: method and path, never the query string or headers. */
interface CallContext {
  method: AtlasHttpMethod;
  path: AtlasPath;
}

/** Client for the Atlas Admin API shared-tier (M2/M5) backup endpoints, v1.0. */
export class AtlasClient {
  readonly #origin: string;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #headersTimeout: number;
  readonly #bodyTimeout: number;
  readonly #envelope: boolean;
  readonly #pretty: boolean;
  readonly #userAgent: string;
  readonly #digest: DigestSession;
  #closing: Promise<void> | undefined;

  constructor(options: AtlasClientOptions) {
    this.#origin = parseOrigin(options.baseUrl);
    const { publicKey, privateKey } = options.credentials;
    if (!publicKey || !privateKey) throw new TypeError('AtlasClient needs a public and a private key');
    const timeouts = {
      connectMs: positive('timeouts.connectMs', options.timeouts?.connectMs ?? DEFAULT_TIMEOUTS.connectMs),
      headersMs: positive('timeouts.headersMs', options.timeouts?.headersMs ?? DEFAULT_TIMEOUTS.headersMs),
      bodyMs: positive('timeouts.bodyMs', options.timeouts?.bodyMs ?? DEFAULT_TIMEOUTS.bodyMs),
    };
    this.#headersTimeout = timeouts.headersMs;
    this.#bodyTimeout = timeouts.bodyMs;
    this.#ownsDispatcher = options.dispatcher === undefined;
    this.#dispatcher =
      options.dispatcher ??
      new Agent({
        connect: { timeout: timeouts.connectMs },
        headersTimeout: timeouts.headersMs,
        bodyTimeout: timeouts.bodyMs,
      });
    this.#envelope = options.envelope ?? false;
    this.#pretty = options.pretty ?? false;
    this.#userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
    this.#digest = new DigestSession({
      username: publicKey,
      password: privateKey,
      cnonce: options.cnonce ?? (() => randomBytes(16).toString('hex')),
    });
  }

  /**
   * Starts restoring a snapshot onto a target cluster (which Atlas wipes first). Atlas answers 200 with the new job
   * in `PENDING`. Not idempotent: after an ambiguous failure, list the jobs before posting again.
   */
  async createTenantRestoreJob(
    p: TenantClusterRef & { snapshotId: string; targetDeploymentItemName: string; targetProjectId: string },
    o?: AtlasRequestOptions
  ): Promise<TenantRestoreJob> {
    return this.request('POST', joinPaths(tenantPath(p), path`/restore`), TenantRestoreJobSchema, {
      body: {
        snapshotId: p.snapshotId,
        targetDeploymentItemName: p.targetDeploymentItemName,
        targetProjectId: p.targetProjectId,
      },
      signal: o?.signal,
    });
  }

  /** Reads one restore (or download) job. */
  async getTenantRestoreJob(
    p: TenantClusterRef & { restoreId: string },
    o?: AtlasRequestOptions
  ): Promise<TenantRestoreJob> {
    return this.request('GET', joinPaths(tenantPath(p), path`/restores/${p.restoreId}`), TenantRestoreJobSchema, {
      signal: o?.signal,
    });
  }

  /** Lists one page of the cluster's restore jobs, newest first. */
  async listTenantRestoreJobs(
    p: TenantClusterRef & PageQuery,
    o?: AtlasRequestOptions
  ): Promise<AtlasPage<TenantRestoreJob>> {
    return this.request('GET', joinPaths(tenantPath(p), path`/restores`), TenantRestoreJobPageSchema, {
      query: pageQuery(p),
      signal: o?.signal,
    });
  }

  /** Lists one page of the cluster's snapshots (Atlas returns them oldest first). */
  async listTenantSnapshots(
    p: TenantClusterRef & PageQuery,
    o?: AtlasRequestOptions
  ): Promise<AtlasPage<TenantSnapshot>> {
    return this.request('GET', joinPaths(tenantPath(p), path`/snapshots`), TenantSnapshotPageSchema, {
      query: pageQuery(p),
      signal: o?.signal,
    });
  }

  /** Reads one snapshot. */
  async getTenantSnapshot(
    p: TenantClusterRef & { snapshotId: string },
    o?: AtlasRequestOptions
  ): Promise<TenantSnapshot> {
    return this.request('GET', joinPaths(tenantPath(p), path`/snapshots/${p.snapshotId}`), TenantSnapshotSchema, {
      signal: o?.signal,
    });
  }

  /** Asks for a download link to a snapshot; the answer is a `DOWNLOAD` job whose `snapshotUrl` is a secret. */
  async downloadTenantSnapshot(
    p: TenantClusterRef & { snapshotId: string },
    o?: AtlasRequestOptions
  ): Promise<TenantRestoreJob> {
    return this.request('POST', joinPaths(tenantPath(p), path`/download`), TenantRestoreJobSchema, {
      body: { snapshotId: p.snapshotId },
      signal: o?.signal,
    });
  }

  /** Closes the dispatcher the client built (an injected one is left to its owner). Idempotent. */
  close(): Promise<void> {
    this.#closing ??= this.#ownsDispatcher ? this.#dispatcher.close() : Promise.resolve();
    return this.#closing;
  }

  /**
   * The one way to call Atlas: sends the request (answering a Digest challenge at most once), reads the whole
   * answer, unwraps the envelope when enabled, and validates a 2xx body with `schema`. Throws `AtlasApiError` for an
   * error status, `AtlasConnectionError` when no answer came, `AtlasResponseValidationError` for a bad 2xx body.
   */
  protected async request<S extends z.ZodType>(
    method: AtlasHttpMethod,
    apiPath: AtlasPath,
    schema: S,
    init: AtlasRequestInit = {}
  ): Promise<z.output<S>> {
    const call: CallContext = { method, path: apiPath };
    const target = apiPath + queryString(init.query, this.#envelope, this.#pretty);
    const body = init.body === undefined ? undefined : Buffer.from(JSON.stringify(init.body), 'utf8');
    const exchange = await this.#exchangeWithDigest(call, target, body, init);
    const read = await this.#read(call, exchange.response, exchange.authenticated, init.signal);
    return this.#interpret(call, read, schema, exchange.challengeProblem);
  }

  /**
   * Sends the request with Digest authentication: preemptively when a challenge is cached, otherwise unauthenticated
   * to obtain one; on a 401 the session decides whether one more attempt can succeed. Returns the final response
   * with its body still unread. (An OAuth bearer mode would replace this method, not `request`.)
   */
  async #exchangeWithDigest(
    call: CallContext,
    target: string,
    body: Buffer | undefined,
    init: AtlasRequestInit
  ): Promise<{ response: Dispatcher.ResponseData; authenticated: boolean; challengeProblem?: DigestChallengeError }> {
    let authorization = this.#digest.authorize(call.method, target);
    let response = await this.#send(call, target, body, authorization, init);
    if (response.statusCode !== 401) return { response, authenticated: authorization !== undefined };

    try {
      // The first 401 of a call never proves the key wrong: a preemptively reused nonce may be unknown to the Atlas
      // node that answered (even with stale=false). Adopt the fresh challenge and try exactly once more.
      this.#digest.onUnauthorized(header(response.headers, 'www-authenticate'), false);
    } catch (err) {
      if (!(err instanceof DigestChallengeError)) throw err;
      return { response, authenticated: authorization !== undefined, challengeProblem: err };
    }

    // The challenge's body is of no use; release the connection before the (single) authenticated attempt.
    await response.body.dump().catch(() => undefined);
    authorization = this.#digest.authorize(call.method, target);
    response = await this.#send(call, target, body, authorization, init);
    if (response.statusCode === 401) {
      // No third attempt. A stale nonce is still remembered for the next call; a plain refusal forgets the challenge.
      try {
        this.#digest.onUnauthorized(header(response.headers, 'www-authenticate'), true);
      } catch {
        // Nothing worth remembering; the 401 itself is the answer.
      }
    }
    return { response, authenticated: authorization !== undefined };
  }

  async #send(
    call: CallContext,
    target: string,
    body: Buffer | undefined,
    authorization: string | undefined,
    init: AtlasRequestInit
  ): Promise<Dispatcher.ResponseData> {
    const headers: Record<string, string> = {
      accept: init.accept ?? JSON_MEDIA_TYPE,
      'user-agent': this.#userAgent,
    };
    if (body !== undefined) headers['content-type'] = init.contentType ?? JSON_MEDIA_TYPE;
    if (authorization !== undefined) headers.authorization = authorization;
    const abortedBeforeSend = init.signal?.aborted === true;
    try {
      return await this.#dispatcher.request({
        origin: this.#origin,
        path: target,
        method: call.method,
        headers,
        body,
        signal: init.signal,
        headersTimeout: this.#headersTimeout,
        bodyTimeout: this.#bodyTimeout,
      });
    } catch (err) {
      throw toConnectionError(err, {
        method: call.method,
        path: call.path,
        signal: init.signal,
        abortedBeforeSend,
        authenticated: authorization !== undefined,
        responseStarted: false,
      });
    }
  }

  async #read(
    call: CallContext,
    response: Dispatcher.ResponseData,
    authenticated: boolean,
    signal: AbortSignal | undefined
  ): Promise<ReadResponse> {
    try {
      const text = await response.body.text();
      return { status: response.statusCode, headers: response.headers, text };
    } catch (err) {
      throw toConnectionError(err, {
        method: call.method,
        path: call.path,
        signal,
        abortedBeforeSend: false,
        authenticated,
        responseStarted: true,
      });
    }
  }

  #interpret<S extends z.ZodType>(
    call: CallContext,
    res: ReadResponse,
    schema: S,
    challengeProblem: DigestChallengeError | undefined
  ): z.output<S> {
    if (res.status < 200 || res.status >= 300) {
      throw apiError(call, res, parseJson(res.text), challengeProblem);
    }
    // 204/205 carry no body by definition: the schema decides whether "nothing" is an acceptable answer.
    const noContent = (res.status === 204 || res.status === 205) && res.text === '';
    let payload = noContent ? undefined : parseJson(res.text);
    if (payload === undefined && !noContent) {
      throw invalid(call, res.status, describeNonJson(res));
    }
    if (this.#envelope) {
      const envelope = AtlasEnvelopeSchema.safeParse(payload);
      if (!envelope.success) throw invalid(call, res.status, `not an envelope: ${z.prettifyError(envelope.error)}`);
      if (envelope.data.status >= 400) {
        throw apiError(call, { ...res, status: envelope.data.status }, envelope.data.content, undefined);
      }
      payload = envelope.data.content;
    }
    const parsed = schema.safeParse(payload);
    if (!parsed.success) throw invalid(call, res.status, z.prettifyError(parsed.error));
    return parsed.data;
  }
}

/** `/api/atlas/v1.0/groups/{groupId}/clusters/{clusterName}/backup/tenant`. */
function tenantPath(p: TenantClusterRef): AtlasPath {
  return path`/api/atlas/v1.0/groups/${p.groupId}/clusters/${p.clusterName}/backup/tenant`;
}

function pageQuery(p: PageQuery): AtlasQuery {
  if (p.pageNum !== undefined && !(Number.isSafeInteger(p.pageNum) && p.pageNum >= 1)) {
    throw new RangeError('pageNum must be an integer of at least 1');
  }
  if (p.itemsPerPage !== undefined && !(Number.isSafeInteger(p.itemsPerPage) && p.itemsPerPage >= 1)) {
    throw new RangeError('itemsPerPage must be a positive integer');
  }
  return { pageNum: p.pageNum, itemsPerPage: p.itemsPerPage, includeCount: p.includeCount };
}

function queryString(query: AtlasQuery | undefined, envelope: boolean, pretty: boolean): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined) params.append(key, String(value));
  }
  if (envelope) params.append('envelope', 'true');
  if (pretty) params.append('pretty', 'true');
  const s = params.toString();
  return s === '' ? '' : `?${s}`;
}

function parseOrigin(baseUrl: string): string {
  let url: URL;
  try {
    url = new URL(baseUrl);
  } catch {
    throw new TypeError('baseUrl must be an absolute http(s) URL such as https://cloud.mongodb.com');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new TypeError('baseUrl must use http or https');
  if (url.username || url.password) throw new TypeError('baseUrl must not carry credentials');
  if ((url.pathname !== '/' && url.pathname !== '') || url.search || url.hash) {
    throw new TypeError('baseUrl must be an origin without path, query or fragment');
  }
  return url.origin;
}

function positive(name: string, value: number): number {
  if (!(Number.isFinite(value) && value > 0)) throw new RangeError(`${name} must be a positive number of milliseconds`);
  return value;
}

/** One header as a string; repeated headers are joined as the RFC allows (`a, b`). */
function header(headers: Dispatcher.ResponseData['headers'], name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

function parseJson(text: string): unknown {
  if (text.trim() === '') return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

function describeNonJson(res: ReadResponse): string {
  // Never quote the body: it could be anything, including a proxy page echoing our request.
  const type = header(res.headers, 'content-type') ?? 'no content-type';
  return res.text.trim() === ''
    ? `empty body (${type})`
    : `body is not JSON (${type}, ${Buffer.byteLength(res.text)} bytes)`;
}

function invalid(call: CallContext, status: number, problem: string): AtlasResponseValidationError {
  return new AtlasResponseValidationError({ method: call.method, path: call.path, status, problem });
}

function optionalString(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** Builds the error from whatever Atlas sent: a proper error body, a partial one, or none at all. */
function apiError(
  call: CallContext,
  res: ReadResponse,
  body: unknown,
  cause: DigestChallengeError | undefined
): AtlasApiError {
  const parsed = AtlasErrorBodySchema.partial().safeParse(body);
  const fields = parsed.success ? parsed.data : {};
  return new AtlasApiError({
    status: res.status,
    method: call.method,
    path: call.path,
    errorCode: optionalString(fields.errorCode) ?? optionalString(header(res.headers, 'x-error-code')),
    detail: optionalString(fields.detail),
    reason: optionalString(fields.reason),
    parameters: fields.parameters ?? undefined,
    retryAfterSeconds: parseRetryAfter(header(res.headers, 'retry-after'), Date.now()),
    rateLimit: rateLimit(res.headers),
    cause,
  });
}

function rateLimit(headers: Dispatcher.ResponseData['headers']): AtlasRateLimit | undefined {
  const limit = nonNegativeInt(header(headers, 'ratelimit-limit'));
  const remaining = nonNegativeInt(header(headers, 'ratelimit-remaining'));
  if (limit === undefined && remaining === undefined) return undefined;
  const out: AtlasRateLimit = {};
  if (limit !== undefined) out.limit = limit;
  if (remaining !== undefined) out.remaining = remaining;
  return out;
}

function nonNegativeInt(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*\d+\s*$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}
