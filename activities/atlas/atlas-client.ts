import { randomBytes } from 'node:crypto';
import { Agent, type Dispatcher } from 'undici';
import { z } from 'zod';
import { backupPaths, familyWire, type AtlasApiFamily, type AtlasClusterRef } from './api-families';
import { DigestAuth, type AtlasAuth } from './auth';
import { AtlasApiError, AtlasResponseValidationError } from './errors';
import { header, isJsonMediaType, parseRateLimit, type ResponseHeaders } from './http-headers';
import { path, type AtlasPath } from './path';
import { parseRetryAfter } from './retry-after';
import {
  AtlasEnvelopeSchema,
  AtlasErrorBodySchema,
  atlasPageSchema,
  AtlasRestoreJobSchema,
  AtlasSnapshotSchema,
  OAuthErrorBodySchema,
  OAuthTokenSchema,
  type AtlasPage,
  type AtlasRestoreJob,
  type AtlasSnapshot,
  type OAuthToken,
} from './schemas';
import { basicAuthorization, ServiceAccountAuth } from './service-account-auth';
import { toConnectionError } from './transport-errors';

/**
 * The Atlas Admin API client: undici underneath, Digest (API key) or Bearer (Service Account) auth, the three API
 * families that back up small clusters behind one set of methods, every answer validated with zod, every failure one
 * of the three errors in `./errors`. It never retries (Temporal does); the one extra round trip it may make per call
 * is answering a Digest challenge or replacing a refused cached token.
 */

export type { AtlasApiFamily, AtlasClusterRef } from './api-families';

/** `User-Agent` sent unless the options say otherwise; the version is checked against package.json by a unit test. */
export const DEFAULT_USER_AGENT = 'atlas-restore/0.1.0';

/** A programmatic API key (Atlas calls it legacy): the public key is the Digest username, the private key the password. */
export interface AtlasApiKeyCredentials {
  publicKey: string;
  privateKey: string;
}

/** A Service Account (what Atlas recommends): its client id and secret are exchanged for short-lived Bearer tokens. */
export interface AtlasServiceAccountCredentials {
  clientId: string;
  clientSecret: string;
}

/** Either kind of Atlas credentials; the shape decides the scheme. */
export type AtlasCredentials = AtlasApiKeyCredentials | AtlasServiceAccountCredentials;

/** Rate-limit headers of a successful answer, so the worker can log or meter how close it runs to a 429. */
export interface AtlasRateLimitInfo {
  family: AtlasApiFamily;
  method: string;
  /** Request path without query string: Atlas keeps one bucket per endpoint set (restore jobs, snapshots…). */
  path: string;
  /** Bucket capacity (`RateLimit-Limit`), when sent. */
  limit?: number;
  /** Requests left in the bucket (`RateLimit-Remaining`), when sent. */
  remaining?: number;
}

/** One HTTP exchange with Atlas, reported to {@link AtlasClientOptions.onCall} for metrics. */
export interface AtlasCallEvent {
  /** Low-cardinality name of the call: `createRestoreJob`, `getRestoreJob`, …, `oauthToken`. */
  operation: string;
  /** Null for the Service Account token endpoint, which belongs to no family. */
  family: AtlasApiFamily | null;
  method: string;
  /** HTTP status, or `error` when no answer came (connection refused, reset, timeout, abort). */
  status: number | 'error';
  /** Until the answer's headers arrived (or the failure). */
  durationMs: number;
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
  /** Epoch-milliseconds clock for token expiry and HTTP-date `Retry-After`; injectable for tests. Default `Date.now`. */
  now?: () => number;
  /**
   * Called with the `RateLimit-*` headers of every successful (2xx) answer that carries them; error answers carry
   * them in `AtlasApiError.rateLimit` instead. Meant for logging and metrics: an exception it throws is ignored.
   */
  onRateLimit?: (info: AtlasRateLimitInfo) => void;
  /**
   * Called once per HTTP exchange, including Digest challenges and token requests, so metrics count what Atlas
   * actually saw. An exception it throws is ignored.
   */
  onCall?: (event: AtlasCallEvent) => void;
}

/** Per-call options. */
export interface AtlasRequestOptions {
  /** Cancels the call (pass the activity's `cancellationSignal()`). */
  signal?: AbortSignal;
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
  /** The API family the path belongs to: decides `Accept` and `Content-Type`, and labels rate-limit reports. */
  family: AtlasApiFamily;
  /** Names the call in {@link AtlasCallEvent}s; `request` when left out. */
  operation?: string;
  query?: AtlasQuery;
  /** Serialised as JSON once; the same bytes are replayed if the auth scheme needs a second attempt. */
  body?: unknown;
  signal?: AbortSignal;
}

const JSON_MEDIA_TYPE = 'application/json';
const DEFAULT_TIMEOUTS = { connectMs: 10_000, headersMs: 30_000, bodyMs: 30_000 } as const;
/** The Service Account token endpoint (atlas-api.md §3.3). */
const TOKEN_PATH = path`/api/oauth/token`;
const TOKEN_REQUEST_BODY = Buffer.from('grant_type=client_credentials', 'utf8');

const AtlasRestoreJobPageSchema = atlasPageSchema(AtlasRestoreJobSchema);
const AtlasSnapshotPageSchema = atlasPageSchema(AtlasSnapshotSchema);

/** What came back, fully read. */
interface ReadResponse {
  status: number;
  headers: ResponseHeaders;
  text: string;
}

/** Identifies the call in errors: method and path, never the query string or headers. */
interface CallContext {
  method: AtlasHttpMethod;
  path: AtlasPath;
  operation: string;
  family: AtlasApiFamily | null;
}

/** One HTTP request as {@link AtlasClient} sends it. */
interface Outgoing {
  /** Path plus query string. */
  target: string;
  accept: string;
  contentType: string;
  body: Buffer | undefined;
  authorization: string | undefined;
  /** True when Atlas could act on the request, so a lost answer is ambiguous (false for token requests). */
  consequential: boolean;
  signal: AbortSignal | undefined;
}

/** Client for the Atlas Admin API backup endpoints of shared-tier (tenant v1.0 and v2) and Flex clusters. */
export class AtlasClient {
  readonly #origin: string;
  readonly #dispatcher: Dispatcher;
  readonly #ownsDispatcher: boolean;
  readonly #headersTimeout: number;
  readonly #bodyTimeout: number;
  readonly #envelope: boolean;
  readonly #pretty: boolean;
  readonly #userAgent: string;
  readonly #now: () => number;
  readonly #onRateLimit: ((info: AtlasRateLimitInfo) => void) | undefined;
  readonly #onCall: ((event: AtlasCallEvent) => void) | undefined;
  readonly #auth: AtlasAuth;
  #closing: Promise<void> | undefined;

  constructor(options: AtlasClientOptions) {
    this.#origin = parseOrigin(options.baseUrl);
    const timeouts = {
      connectMs: positive('timeouts.connectMs', options.timeouts?.connectMs ?? DEFAULT_TIMEOUTS.connectMs),
      headersMs: positive('timeouts.headersMs', options.timeouts?.headersMs ?? DEFAULT_TIMEOUTS.headersMs),
      bodyMs: positive('timeouts.bodyMs', options.timeouts?.bodyMs ?? DEFAULT_TIMEOUTS.bodyMs),
    };
    this.#headersTimeout = timeouts.headersMs;
    this.#bodyTimeout = timeouts.bodyMs;
    this.#envelope = options.envelope ?? false;
    this.#pretty = options.pretty ?? false;
    this.#userAgent = options.userAgent ?? DEFAULT_USER_AGENT;
    this.#now = options.now ?? Date.now;
    this.#onRateLimit = options.onRateLimit;
    this.#onCall = options.onCall;
    this.#auth = this.#createAuth(options);
    // Built last, so a constructor that throws leaves no Agent behind.
    this.#ownsDispatcher = options.dispatcher === undefined;
    this.#dispatcher =
      options.dispatcher ??
      new Agent({
        connect: { timeout: timeouts.connectMs },
        headersTimeout: timeouts.headersMs,
        bodyTimeout: timeouts.bodyMs,
      });
  }

  /**
   * Starts restoring a snapshot onto a target cluster (which Atlas wipes first). Atlas answers 200 with the new job
   * in `PENDING`. Not idempotent: after an ambiguous failure, list the jobs before posting again.
   */
  async createRestoreJob(
    p: AtlasClusterRef & { snapshotId: string; targetDeploymentItemName: string; targetProjectId: string },
    o?: AtlasRequestOptions
  ): Promise<AtlasRestoreJob> {
    return this.request('POST', backupPaths.createRestoreJob(p), AtlasRestoreJobSchema, {
      operation: 'createRestoreJob',
      family: p.family,
      body: {
        snapshotId: p.snapshotId,
        targetDeploymentItemName: p.targetDeploymentItemName,
        targetProjectId: p.targetProjectId,
      },
      signal: o?.signal,
    });
  }

  /** Reads one restore (or download) job. */
  async getRestoreJob(p: AtlasClusterRef & { restoreId: string }, o?: AtlasRequestOptions): Promise<AtlasRestoreJob> {
    return this.request('GET', backupPaths.restoreJob(p, p.restoreId), AtlasRestoreJobSchema, {
      operation: 'getRestoreJob',
      family: p.family,
      signal: o?.signal,
    });
  }

  /** Lists one page of the cluster's restore jobs, newest first. */
  async listRestoreJobs(p: AtlasClusterRef & PageQuery, o?: AtlasRequestOptions): Promise<AtlasPage<AtlasRestoreJob>> {
    return this.request('GET', backupPaths.restoreJobs(p), AtlasRestoreJobPageSchema, {
      operation: 'listRestoreJobs',
      family: p.family,
      query: pageQuery(p),
      signal: o?.signal,
    });
  }

  /** Lists one page of the cluster's snapshots (Atlas returns them oldest first). */
  async listSnapshots(p: AtlasClusterRef & PageQuery, o?: AtlasRequestOptions): Promise<AtlasPage<AtlasSnapshot>> {
    return this.request('GET', backupPaths.snapshots(p), AtlasSnapshotPageSchema, {
      operation: 'listSnapshots',
      family: p.family,
      query: pageQuery(p),
      signal: o?.signal,
    });
  }

  /** Reads one snapshot. */
  async getSnapshot(p: AtlasClusterRef & { snapshotId: string }, o?: AtlasRequestOptions): Promise<AtlasSnapshot> {
    return this.request('GET', backupPaths.snapshot(p, p.snapshotId), AtlasSnapshotSchema, {
      operation: 'getSnapshot',
      family: p.family,
      signal: o?.signal,
    });
  }

  /**
   * Asks for a download link to a snapshot; the answer is a `DOWNLOAD` job whose `snapshotUrl` is a secret (valid
   * for hours, no credentials needed): hand it on, never log it.
   */
  async requestDownload(
    p: AtlasClusterRef & { snapshotId: string },
    o?: AtlasRequestOptions
  ): Promise<AtlasRestoreJob> {
    return this.request('POST', backupPaths.download(p), AtlasRestoreJobSchema, {
      operation: 'requestDownload',
      family: p.family,
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
   * The one way to call Atlas: sends the request through the auth scheme (at most one extra round trip), reads the
   * whole answer, reports its rate-limit headers, unwraps the envelope when enabled, and validates a 2xx body with
   * `schema`. Throws `AtlasApiError` for an error status, `AtlasConnectionError` when no answer came,
   * `AtlasResponseValidationError` for a bad 2xx body.
   */
  protected async request<S extends z.ZodType>(
    method: AtlasHttpMethod,
    apiPath: AtlasPath,
    schema: S,
    init: AtlasRequestInit
  ): Promise<z.output<S>> {
    const call: CallContext = { method, path: apiPath, operation: init.operation ?? 'request', family: init.family };
    const { mediaType } = familyWire(init.family);
    const target = apiPath + queryString(init.query, this.#envelope, this.#pretty);
    const body = init.body === undefined ? undefined : Buffer.from(JSON.stringify(init.body), 'utf8');
    const exchange = await this.#auth.exchange(
      { method, path: apiPath, target, signal: init.signal },
      (authorization) =>
        this.#send(call, {
          target,
          accept: mediaType,
          contentType: mediaType,
          body,
          authorization,
          consequential: authorization !== undefined,
          signal: init.signal,
        })
    );
    const read = await this.#read(call, exchange.response, exchange.authenticated, init.signal);
    if (read.status >= 200 && read.status < 300) this.#reportRateLimit(init.family, call, read.headers);
    return this.#interpret(call, read, schema, { envelope: this.#envelope, cause: exchange.cause });
  }

  #createAuth(options: AtlasClientOptions): AtlasAuth {
    const credentials: Partial<AtlasApiKeyCredentials & AtlasServiceAccountCredentials> = options.credentials;
    const isApiKey = credentials.publicKey !== undefined || credentials.privateKey !== undefined;
    const isServiceAccount = credentials.clientId !== undefined || credentials.clientSecret !== undefined;
    if (isApiKey === isServiceAccount) {
      throw new TypeError(
        'AtlasClient needs either an API key (publicKey, privateKey) or a Service Account (clientId, clientSecret)'
      );
    }
    if (isServiceAccount) {
      const basic = basicAuthorization(credentials.clientId ?? '', credentials.clientSecret ?? '');
      return new ServiceAccountAuth({ requestToken: () => this.#requestToken(basic), now: this.#now });
    }
    const { publicKey, privateKey } = credentials;
    if (!publicKey || !privateKey) throw new TypeError('AtlasClient needs a public and a private key');
    return new DigestAuth({
      publicKey,
      privateKey,
      cnonce: options.cnonce ?? (() => randomBytes(16).toString('hex')),
    });
  }

  /** One token request. Minting has no effect in Atlas, so a lost answer is never ambiguous. */
  async #requestToken(basicAuthorizationValue: string): Promise<OAuthToken> {
    const call: CallContext = { method: 'POST', path: TOKEN_PATH, operation: 'oauthToken', family: null };
    const response = await this.#send(call, {
      target: TOKEN_PATH,
      accept: JSON_MEDIA_TYPE,
      contentType: 'application/x-www-form-urlencoded',
      body: TOKEN_REQUEST_BODY,
      authorization: basicAuthorizationValue,
      consequential: false,
      signal: undefined,
    });
    const read = await this.#read(call, response, false, undefined);
    return this.#interpret(call, read, OAuthTokenSchema, { envelope: false, cause: undefined });
  }

  async #send(call: CallContext, out: Outgoing): Promise<Dispatcher.ResponseData> {
    const headers: Record<string, string> = { accept: out.accept, 'user-agent': this.#userAgent };
    if (out.body !== undefined) headers['content-type'] = out.contentType;
    if (out.authorization !== undefined) headers.authorization = out.authorization;
    const abortedBeforeSend = out.signal?.aborted === true;
    const startedAt = performance.now();
    try {
      const response = await this.#dispatcher.request({
        origin: this.#origin,
        path: out.target,
        method: call.method,
        headers,
        body: out.body,
        signal: out.signal,
        headersTimeout: this.#headersTimeout,
        bodyTimeout: this.#bodyTimeout,
      });
      this.#reportCall(call, response.statusCode, startedAt);
      return response;
    } catch (err) {
      this.#reportCall(call, 'error', startedAt);
      throw toConnectionError(err, {
        method: call.method,
        path: call.path,
        signal: out.signal,
        abortedBeforeSend,
        authenticated: out.consequential,
        responseStarted: false,
      });
    }
  }

  async #read(
    call: CallContext,
    response: Dispatcher.ResponseData,
    consequential: boolean,
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
        authenticated: consequential,
        responseStarted: true,
      });
    }
  }

  #reportCall(call: CallContext, status: number | 'error', startedAt: number): void {
    try {
      this.#onCall?.({
        operation: call.operation,
        family: call.family,
        method: call.method,
        status,
        durationMs: performance.now() - startedAt,
      });
    } catch {
      // Metering must never turn an answered call (maybe a non-idempotent create) into a failure.
    }
  }

  #reportRateLimit(family: AtlasApiFamily, call: CallContext, headers: ResponseHeaders): void {
    const rateLimit = this.#onRateLimit === undefined ? undefined : parseRateLimit(headers);
    if (rateLimit === undefined) return;
    try {
      this.#onRateLimit?.({ family, method: call.method, path: call.path, ...rateLimit });
    } catch {
      // A metering hook must never turn an answered call (maybe a non-idempotent create) into a failure.
    }
  }

  #interpret<S extends z.ZodType>(
    call: CallContext,
    res: ReadResponse,
    schema: S,
    { envelope, cause }: { envelope: boolean; cause: Error | undefined }
  ): z.output<S> {
    if (res.status < 200 || res.status >= 300) {
      throw this.#apiError(call, res, parseJson(res.text), cause);
    }
    // 204/205 carry no body by definition: the schema decides whether "nothing" is an acceptable answer.
    const noContent = (res.status === 204 || res.status === 205) && res.text === '';
    let payload = noContent || !isJsonMediaType(header(res.headers, 'content-type')) ? undefined : parseJson(res.text);
    if (payload === undefined && !noContent) {
      throw invalid(call, res.status, describeNonJson(res));
    }
    if (envelope) {
      const parsedEnvelope = AtlasEnvelopeSchema.safeParse(payload);
      if (!parsedEnvelope.success) {
        throw invalid(call, res.status, `not an envelope: ${z.prettifyError(parsedEnvelope.error)}`);
      }
      if (parsedEnvelope.data.status >= 400) {
        throw this.#apiError(
          call,
          { ...res, status: parsedEnvelope.data.status },
          parsedEnvelope.data.content,
          undefined
        );
      }
      payload = parsedEnvelope.data.content;
    }
    // zod keeps input values out of its messages, so a bad answer's secrets (snapshotUrl, access_token) stay out too.
    const parsed = schema.safeParse(payload);
    if (!parsed.success) throw invalid(call, res.status, z.prettifyError(parsed.error));
    return parsed.data;
  }

  /**
   * Builds the error from whatever came back: an Atlas error body, an OAuth one (the token endpoint), a partial one,
   * or none at all.
   */
  #apiError(call: CallContext, res: ReadResponse, body: unknown, cause: Error | undefined): AtlasApiError {
    const atlas = AtlasErrorBodySchema.partial().safeParse(body);
    const oauth = OAuthErrorBodySchema.safeParse(body);
    const fields = atlas.success ? atlas.data : {};
    return new AtlasApiError({
      status: res.status,
      method: call.method,
      path: call.path,
      errorCode:
        optionalString(fields.errorCode) ??
        optionalString(header(res.headers, 'x-error-code')) ??
        (oauth.success ? optionalString(oauth.data.error) : undefined),
      detail:
        optionalString(fields.detail) ?? (oauth.success ? optionalString(oauth.data.error_description) : undefined),
      reason: optionalString(fields.reason),
      parameters: fields.parameters ?? undefined,
      retryAfterSeconds: parseRetryAfter(header(res.headers, 'retry-after'), this.#now()),
      rateLimit: parseRateLimit(res.headers),
      staleNonce: res.status === 401 && /\bstale\s*=\s*"?true/i.test(header(res.headers, 'www-authenticate') ?? ''),
      cause,
    });
  }
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
