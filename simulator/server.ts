/**
 * A local stand-in for the Atlas Admin API, faithful where clients can tell the difference: Digest challenges and
 * Service Account tokens, error bodies, versioned media types, per-project token buckets, pagination links, `pretty`
 * and `envelope`, and restore jobs that move through their statuses with the clock. Tests start it in-process on
 * port 0; `main.ts` runs it standalone for demos, chaos and benchmark runs.
 *
 * Every API request goes through one pipeline: parse → match route → authenticate → injected faults → sunset →
 * media type → rate limit → route handler → respond → record. Nothing runs per job: all state follows from the clock
 * on read.
 */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { setTimeout as delay } from 'node:timers/promises';
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { adminAnswer, ADMIN_PATH_PREFIX, isLoopback, type AdminAnswer } from './admin-api';
import { isTenantFamily, successContentType } from './api-families';
import {
  badGateway,
  invalidAccessToken,
  serviceUnavailable,
  SimulatedAtlasError,
  tokenBucketExceeded,
  unexpectedError,
  versionGone,
} from './atlas-errors';
import { backupRoutes, findProject } from './backup-routes';
import { DigestAuthenticator } from './digest-auth';
import { FaultInjector, FaultPlanSchema, type FaultPlan, type InjectedStatus } from './faults';
import { readBoolean } from './pagination';
import { DOCUMENTED_RATE_LIMITS, RateLimiter, RateLimitsSchema, type RateLimits } from './rate-limits';
import { Router, type RequestBody, type Route, type RouteMatch, type RouteRequest } from './router';
import {
  DEFAULT_SEED,
  DEFAULT_SIMULATOR_CLIENT_ID,
  DEFAULT_SIMULATOR_CLIENT_SECRET,
  DEFAULT_SIMULATOR_PRIVATE_KEY,
  DEFAULT_SIMULATOR_PUBLIC_KEY,
  SimulatorSeedSchema,
  type SimulatorSeedInput,
} from './seed';
import {
  ServiceAccountSchema,
  ServiceAccountTokens,
  tokenLimitExceeded,
  TOKEN_PATH,
  type ServiceAccount,
} from './service-accounts';
import { TrafficCounter, type SimulatorStats } from './simulator-stats';
import {
  jobStatusAt,
  publicJob,
  SimulatorState,
  type JobTiming,
  type RestoreOutcome,
  type SimulatedRestoreJob,
} from './simulator-state';
import { toPrettyJson } from './wire-format';

/** Re-exported so callers get the whole simulator API from this one module. */
export type { SimulatedRestoreJob } from './simulator-state';
/** Re-exported so callers get the whole simulator API from this one module. */
export type { SimulatorStats } from './simulator-stats';
/** Re-exported so callers get the whole simulator API from this one module. */
export { FaultPlanSchema, type FaultPlan } from './faults';
/** Re-exported so callers get the whole simulator API from this one module. */
export type { RateLimits, TokenBucketConfig } from './rate-limits';

/** How to run a simulator; every field has a default suited to tests. */
export interface AtlasSimulatorOptions {
  /** Interface to bind; default `127.0.0.1` so the simulator is never reachable from outside the machine. */
  host?: string;
  /** Default 0: the OS picks a free port, read it back from `url` / `port`. */
  port?: number;
  /** Digest username the simulator accepts; default {@link DEFAULT_SIMULATOR_PUBLIC_KEY}. */
  publicKey?: string;
  /** Digest password the simulator accepts; default {@link DEFAULT_SIMULATOR_PRIVATE_KEY}. */
  privateKey?: string;
  /** Projects, clusters and snapshots to start with; default {@link DEFAULT_SEED}. */
  seed?: SimulatorSeedInput;
  /** Milliseconds a new tenant restore job spends PENDING, QUEUED and RUNNING; default 2000 / 2000 / 6000. */
  timing?: Partial<JobTiming>;
  /**
   * Milliseconds a new Flex restore job spends PENDING, QUEUED and RUNNING; default 3000 / 0 / 60000, so that it is
   * RUNNING 3 s and COMPLETED 63 s after it was scheduled, as in the recorded Atlas traffic.
   */
  flexTiming?: Partial<JobTiming>;
  /** How new restore jobs end (default COMPLETED); a seed cluster's `restoreOutcome` overrides it for its jobs. */
  outcome?: RestoreOutcome;
  /** A nonce older than this gets `401 stale=true` even with a correct digest; default 60 s (Ops Manager's value). */
  nonceMaxAgeMs?: number;
  /** The clock (epoch ms) for job lifecycles, dates, nonce and token ages, and rate limits; default `Date.now`. */
  now?: () => number;
  /** Keep every request in `requests` (default true); turn off for long benchmark runs. */
  recordRequests?: boolean;
  /** Called once per served request, whether or not it is recorded; lets an entry point log traffic. */
  onRequest?: (request: RecordedRequest) => void;
  /** Answer every tenant path (v1.0 and v2) with 410 `VERSION_GONE`, as after the 2026-01-22 sunset; Flex stays. */
  sunsetTenant?: boolean;
  /** Token-bucket limits per endpoint set; default the documented ones; `false` turns rate limiting off. */
  rateLimits?: RateLimits;
  /** Service Accounts whose client credentials mint Bearer tokens; default one with the `DEFAULT_SIMULATOR_CLIENT_*`. */
  serviceAccounts?: ServiceAccount[];
  /** Lifetime of issued access tokens; default 3600 s, as Atlas documents. */
  tokenTtlSeconds?: number;
  /** Faults to inject from the start; change them later with `setFaults`. Default: none. */
  faults?: FaultPlan;
  /** Seed of the fault generator, for reproducible chaos runs; default random (read it back from `randomSeed`). */
  randomSeed?: number;
  /** Serve the unauthenticated admin API under `/__simulator/` to loopback clients (a test hook). Default false. */
  admin?: boolean;
}

/** One request the simulator answered, for tests to assert on what a client actually sent. Never holds credentials. */
export interface RecordedRequest {
  method: string;
  /** Path without query string, as sent (not decoded). */
  path: string;
  query: Record<string, string>;
  /**
   * HTTP status on the wire (200 for any `envelope=true` answer except 401s), or 0 when an injected fault reset the
   * connection without an answer.
   */
  status: number;
  /** Simulator clock when the request arrived. */
  at: number;
  /** False for requests answered with a challenge (or, on the token endpoint, with bad client credentials). */
  authenticated: boolean;
  /** Parsed JSON body, or the raw text when it was not valid JSON; absent when empty, and for token requests. */
  body?: unknown;
}

/** A running simulator. */
export interface AtlasSimulator {
  /** Base URL without trailing slash, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly port: number;
  /** Seed of the fault generator in use. */
  readonly randomSeed: number;
  /** Every request served so far, oldest first (empty when `recordRequests` is false). */
  readonly requests: readonly RecordedRequest[];
  /** Every job created so far (restores and downloads), oldest first. */
  restoreJobs(): SimulatedRestoreJob[];
  /** Makes every nonce issued so far stale, to exercise a client's `stale=true` retry. */
  expireNonces(): void;
  /** Totals of requests, statuses, rate limiting, faults, tokens and jobs. */
  stats(): SimulatorStats;
  /** Replaces the fault plan; throws on an invalid plan, keeping the old one. */
  setFaults(plan: FaultPlan): void;
  /** Stops listening and closes open sockets, keep-alive ones included. Safe to call twice. */
  close(): Promise<void>;
}

/** The 401 body Atlas sends with every Digest challenge, key order and pretty printing included. */
const UNAUTHORIZED_BODY = toPrettyJson({
  error: 401,
  reason: 'Unauthorized',
  detail: 'You are not authorized for this resource.',
  errorCode: 'UNEXPECTED_ERROR',
});

/** Plain JSON, for answers that ignore `pretty` and `envelope` (401s, the token endpoint). */
const NO_FORMAT = { pretty: false, envelope: false };

/** A slow body is sent in this many chunks (fewer when it is shorter), evenly spread over the fault's duration. */
const SLOW_BODY_CHUNKS = 10;

/** An answer ready to write. */
interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** What the pipeline decided for one request: an answer (maybe sent slowly), or a reset without one. */
type Verdict = { reply: Reply; slowBodyMs: number; authenticated: boolean } | { reset: true; authenticated: boolean };

/** Who the API request authenticated as, or the 401 to send. */
type Authentication = { scheme: 'digest' | 'bearer' } | { reply: Reply };

const RandomSeedSchema = z.int().min(0).max(0xffffffff);

/** Starts a simulator and resolves once it is listening. */
export async function startAtlasSimulator(options: AtlasSimulatorOptions = {}): Promise<AtlasSimulator> {
  const now = options.now ?? Date.now;
  const seed = parseOption('seed', SimulatorSeedSchema, options.seed ?? DEFAULT_SEED);
  const randomSeed = parseOption('randomSeed', RandomSeedSchema, options.randomSeed ?? randomBytes(4).readUInt32BE());
  const faults = new FaultInjector(parseOption('faults', FaultPlanSchema, options.faults ?? {}), randomSeed);
  const state = new SimulatorState(
    seed,
    {
      tenant: jobTiming('timing', options.timing, { pendingMs: 2000, queuedMs: 2000, runningMs: 6000 }),
      flex: jobTiming('flexTiming', options.flexTiming, { pendingMs: 3000, queuedMs: 0, runningMs: 60_000 }),
    },
    options.outcome ?? 'COMPLETED',
    () => faults.jobFault()
  );
  const authenticator = new DigestAuthenticator({
    username: options.publicKey ?? DEFAULT_SIMULATOR_PUBLIC_KEY,
    password: options.privateKey ?? DEFAULT_SIMULATOR_PRIVATE_KEY,
    nonceMaxAgeMs: nonNegative('nonceMaxAgeMs', options.nonceMaxAgeMs ?? 60_000),
    now,
  });
  const tokens = new ServiceAccountTokens(
    parseOption(
      'serviceAccounts',
      z.array(ServiceAccountSchema),
      options.serviceAccounts ?? [
        { clientId: DEFAULT_SIMULATOR_CLIENT_ID, clientSecret: DEFAULT_SIMULATOR_CLIENT_SECRET },
      ]
    ),
    parseOption('tokenTtlSeconds', z.number().positive(), options.tokenTtlSeconds ?? 3600)
  );
  const limiter = new RateLimiter(parseOption('rateLimits', RateLimitsSchema, options.rateLimits ?? {}));
  const router = new Router(backupRoutes(state));
  const traffic = new TrafficCounter();
  const sunsetTenant = options.sunsetTenant ?? false;
  const recordRequests = options.recordRequests ?? true;
  const requests: RecordedRequest[] = [];
  let baseUrl = '';

  const stats = (): SimulatorStats => ({
    ...traffic.snapshot(),
    faultsInjected: faults.injected(),
    tokensIssued: tokens.tokensIssued,
    jobsCreated: state.allJobs().length,
  });
  const setFaults = (plan: FaultPlan): void => {
    faults.plan = parseOption('faults', FaultPlanSchema, plan);
  };

  /** Digest or Bearer; a bad Bearer token gets Atlas's 401 with a Digest challenge, so the client can fall back. */
  const authenticate = (
    method: string,
    target: string,
    authorization: string | undefined,
    at: number
  ): Authentication => {
    if (authorization !== undefined && /^Bearer(?:[ \t]|$)/i.test(authorization)) {
      if (tokens.tokenIsValid(authorization.slice(7).trim(), at)) return { scheme: 'bearer' };
      const reply = present(atlasErrorOutcome(invalidAccessToken()), NO_FORMAT);
      reply.headers['WWW-Authenticate'] = authenticator.challenge(false);
      return { reply };
    }
    const verdict = authenticator.verify(method, target, authorization);
    return verdict.authenticated ? { scheme: 'digest' } : { reply: challenge(authenticator.challenge(verdict.stale)) };
  };

  /** The route's own answer, after the sunset switch, media-type negotiation and the project's token bucket. */
  const handleRoute = (route: Route, request: RouteRequest, accept: string | undefined): Outcome => {
    const headers: Record<string, string> = {};
    try {
      if (sunsetTenant && isTenantFamily(route.family)) throw versionGone();
      const contentType = successContentType(route.family, accept);
      // A GROUP_NOT_FOUND is answered before the bucket is touched, so it carries no RateLimit headers (as recorded).
      Object.assign(headers, limiter.take(route.rateLimitSet, findProject(state, request).id, request.now));
      const { status, body } = route.handle(request);
      return { status, body, headers: { ...headers, 'Content-Type': contentType } };
    } catch (error) {
      const outcome = atlasErrorOutcome(error, headers);
      if (outcome.status === 429) traffic.countRateLimited();
      return outcome;
    }
  };

  const serveApi = async (
    req: IncomingMessage,
    target: RequestTarget,
    body: RequestBody,
    at: number
  ): Promise<Verdict> => {
    const method = req.method ?? 'GET';
    let match: RouteMatch | SimulatedAtlasError;
    try {
      match = router.match(method, target.path);
    } catch (error) {
      match = asAtlasError(error);
    }
    const auth = authenticate(method, req.url ?? '/', req.headers.authorization, at);
    if ('reply' in auth) return { reply: auth.reply, slowBodyMs: 0, authenticated: false };
    const format = {
      pretty: readBoolean(target.query, 'pretty', false),
      envelope: readBoolean(target.query, 'envelope', false),
    };
    if (match instanceof SimulatedAtlasError) {
      return { reply: present(atlasErrorOutcome(match), format), slowBodyMs: 0, authenticated: true };
    }

    if (auth.scheme === 'digest' && faults.staleNonce()) {
      return { reply: challenge(authenticator.challenge(true)), slowBodyMs: 0, authenticated: false };
    }
    if (faults.resetBeforeCommit()) return { reset: true, authenticated: true };
    await injectedLatency(faults.latencyMs());
    const injected = faults.injectedStatus();
    if (injected !== undefined) {
      const set = match.route.rateLimitSet;
      const error = injectedError(injected, faults.retryAfterSeconds, (retryAfter) =>
        tokenBucketExceeded(DOCUMENTED_RATE_LIMITS[set].path, limiter.config(set), retryAfter)
      );
      return { reply: present(atlasErrorOutcome(error), format), slowBodyMs: faults.slowBodyMs(), authenticated: true };
    }

    const origin = req.headers.host === undefined ? baseUrl : `http://${req.headers.host}`;
    const request: RouteRequest = {
      method,
      path: target.path,
      params: match.params,
      query: target.query,
      body,
      now: at,
      origin,
    };
    const outcome = handleRoute(match.route, request, req.headers.accept);
    if (match.route.createsJob && outcome.status === 200 && faults.resetAfterCommit()) {
      return { reset: true, authenticated: true };
    }
    return { reply: present(outcome, format), slowBodyMs: faults.slowBodyMs(), authenticated: true };
  };

  const serveToken = async (req: IncomingMessage, text: string, at: number): Promise<Verdict> => {
    const faulty = faults.coversTokenEndpoint;
    if (faulty && faults.resetBeforeCommit()) return { reset: true, authenticated: false };
    if (faulty) await injectedLatency(faults.latencyMs());
    const injected = faulty ? faults.injectedStatus() : undefined;
    if (injected !== undefined) {
      const error = injectedError(injected, faults.retryAfterSeconds, tokenLimitExceeded);
      return {
        reply: present(atlasErrorOutcome(error), NO_FORMAT),
        slowBodyMs: faults.slowBodyMs(),
        authenticated: false,
      };
    }
    let reply: Reply;
    let authenticated = false;
    try {
      const answer = tokens.handle(
        {
          method: req.method ?? 'GET',
          authorization: req.headers.authorization,
          contentType: req.headers['content-type'],
          body: text,
        },
        at
      );
      authenticated = answer.authenticated;
      reply = {
        status: answer.status,
        headers: { ...answer.headers, 'Content-Type': 'application/json' },
        body: JSON.stringify(answer.body),
      };
    } catch (error) {
      const outcome = atlasErrorOutcome(error);
      if (outcome.status === 429) traffic.countRateLimited();
      reply = present(outcome, NO_FORMAT);
    }
    if (faulty && reply.status === 200 && faults.resetAfterCommit()) return { reset: true, authenticated };
    return { reply, slowBodyMs: faulty ? faults.slowBodyMs() : 0, authenticated };
  };

  const serveAdmin = (req: IncomingMessage, path: string, text: string): AdminAnswer => {
    if (!isLoopback(req.socket.remoteAddress)) {
      return { status: 403, body: { error: 'The admin API is for loopback clients only' } };
    }
    return adminAnswer(req.method ?? 'GET', path, text, {
      stats,
      jobs: () => {
        const at = now();
        return state.allJobs().map((job) => ({ ...publicJob(job), status: jobStatusAt(job, at) }));
      },
      faults: () => faults.plan,
      setFaults,
    });
  };

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const at = now();
    const method = req.method ?? 'GET';
    const target = splitTarget(req.url ?? '/');
    const text = await readText(req);
    if (options.admin === true && target.path.startsWith(ADMIN_PATH_PREFIX)) {
      const answer = serveAdmin(req, target.path, text);
      const headers = { 'Content-Type': 'application/json' };
      await writeReply(req, res, { status: answer.status, headers, body: JSON.stringify(answer.body) }, 0);
      return;
    }
    const isToken = target.path === TOKEN_PATH;
    const body = parseBody(text);
    const verdict = isToken ? await serveToken(req, text, at) : await serveApi(req, target, body, at);
    let status = 0;
    if ('reset' in verdict) {
      req.socket.destroy();
    } else {
      status = verdict.reply.status;
      await writeReply(req, res, verdict.reply, verdict.slowBodyMs);
    }

    traffic.countAnswer(status);
    const recorded: RecordedRequest = {
      method,
      path: target.path,
      query: Object.fromEntries(target.query),
      status,
      at,
      authenticated: verdict.authenticated,
    };
    // A token request's body may carry client credentials (client_secret_post), so it is never recorded.
    if (!isToken && body.kind !== 'empty') recorded.body = body.kind === 'json' ? body.value : body.text;
    if (recordRequests) requests.push(recorded);
    options.onRequest?.(recorded);
  };

  const server = createServer((req, res) => {
    serve(req, res).catch((error: unknown) => res.destroy(error instanceof Error ? error : undefined));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  baseUrl = `http://${host}:${address.port}`;

  let closing: Promise<void> | undefined;
  return {
    url: baseUrl,
    port: address.port,
    randomSeed,
    requests,
    restoreJobs: () => state.allJobs().map(publicJob),
    expireNonces: () => authenticator.expireAll(),
    stats,
    setFaults,
    close() {
      closing ??= new Promise<void>((resolve, reject) => {
        server.close((error) => (error ? reject(error) : resolve()));
        server.closeAllConnections();
      });
      return closing;
    },
  };
}

/** What the handler decided, before `pretty` and `envelope` shape it. */
interface Outcome {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

/** An Atlas error as an outcome with `X-Error-Code`; anything else is a 500 as Atlas would answer. */
function atlasErrorOutcome(error: unknown, headers: Record<string, string> = {}): Outcome {
  const atlasError = asAtlasError(error);
  return {
    status: atlasError.status,
    body: atlasError.toBody(),
    headers: { ...headers, ...atlasError.headers, 'X-Error-Code': atlasError.errorCode },
  };
}

function asAtlasError(error: unknown): SimulatedAtlasError {
  return error instanceof SimulatedAtlasError ? error : unexpectedError();
}

/** The Atlas error an injected status stands for; `rateLimited` words the 429 as the endpoint's own limit would. */
function injectedError(
  status: InjectedStatus,
  retryAfterSeconds: number,
  rateLimited: (retryAfterSeconds: number) => SimulatedAtlasError
): SimulatedAtlasError {
  switch (status) {
    case '500':
      return unexpectedError();
    case '502':
      return badGateway();
    case '503':
      return serviceUnavailable(retryAfterSeconds);
    case '429':
      return rateLimited(retryAfterSeconds);
  }
}

/**
 * Applies `envelope` (HTTP 200 around `{status, content}`) and `pretty`, as Atlas does for every answer but a 401
 * (callers pass no envelope for those).
 * Errors are `application/json`; a success keeps the content type its family negotiated.
 */
function present(outcome: Outcome, format: { pretty: boolean; envelope: boolean }): Reply {
  const body = format.envelope ? { status: outcome.status, content: outcome.body } : outcome.body;
  return {
    status: format.envelope ? 200 : outcome.status,
    headers: { 'Content-Type': 'application/json', ...outcome.headers },
    body: format.pretty ? toPrettyJson(body) : JSON.stringify(body),
  };
}

/** The Digest challenge; never enveloped, since a client must see a real 401 to authenticate. */
function challenge(wwwAuthenticate: string): Reply {
  return {
    status: 401,
    headers: { 'Content-Type': 'application/json', 'WWW-Authenticate': wwwAuthenticate },
    body: UNAUTHORIZED_BODY,
  };
}

/** Writes a reply, at once or in chunks over `slowBodyMs`; stops quietly if the client (or `close()`) hung up. */
async function writeReply(req: IncomingMessage, res: ServerResponse, reply: Reply, slowBodyMs: number): Promise<void> {
  if (req.socket.destroyed) return;
  const bytes = Buffer.from(reply.body, 'utf8');
  res.writeHead(reply.status, { ...reply.headers, 'Content-Length': bytes.length });
  if (slowBodyMs <= 0 || bytes.length === 0) {
    res.end(bytes);
    return;
  }
  const chunks = Math.min(SLOW_BODY_CHUNKS, bytes.length);
  const chunkSize = Math.ceil(bytes.length / chunks);
  for (let start = 0; start < bytes.length; start += chunkSize) {
    await delay(slowBodyMs / chunks, undefined, { ref: false });
    if (req.socket.destroyed) return;
    res.write(bytes.subarray(start, start + chunkSize));
  }
  res.end();
}

/** Waits out injected latency; the timer does not keep a closing process alive. */
async function injectedLatency(ms: number): Promise<void> {
  if (ms > 0) await delay(ms, undefined, { ref: false });
}

/** The request target split as sent: the path is not decoded (the router decodes segments), the query is parsed. */
interface RequestTarget {
  path: string;
  query: URLSearchParams;
}

function splitTarget(target: string): RequestTarget {
  const queryStart = target.indexOf('?');
  return {
    path: queryStart === -1 ? target : target.slice(0, queryStart),
    query: new URLSearchParams(queryStart === -1 ? '' : target.slice(queryStart + 1)),
  };
}

function parseBody(text: string): RequestBody {
  if (text.trim() === '') return { kind: 'empty' };
  try {
    return { kind: 'json', value: JSON.parse(text) as unknown };
  } catch {
    return { kind: 'invalid', text };
  }
}

async function readText(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}

/** Validates one option with its schema, failing with the option's name and zod's message. */
function parseOption<T extends z.ZodType>(name: string, schema: T, value: unknown): z.output<T> {
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const label = name === 'seed' ? 'simulator seed' : `simulator option ${name}`;
    throw new Error(`Invalid ${label}:\n${z.prettifyError(parsed.error)}`);
  }
  return parsed.data;
}

function jobTiming(name: string, given: Partial<JobTiming> | undefined, defaults: JobTiming): JobTiming {
  return {
    pendingMs: nonNegative(`${name}.pendingMs`, given?.pendingMs ?? defaults.pendingMs),
    queuedMs: nonNegative(`${name}.queuedMs`, given?.queuedMs ?? defaults.queuedMs),
    runningMs: nonNegative(`${name}.runningMs`, given?.runningMs ?? defaults.runningMs),
  };
}

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a finite number >= 0, got ${value}`);
  return value;
}
