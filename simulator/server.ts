/**
 * A local stand-in for the Atlas Admin API, faithful where clients can tell the difference: Digest challenges,
 * error bodies, pagination links, `pretty` and `envelope`, and restore jobs that move through their statuses
 * with the clock. Tests start it in-process on port 0; `main.ts` runs it standalone for demos.
 *
 * Every request goes through one pipeline: parse → authenticate → route and handle → respond → record.
 * Later stages (rate limiting, fault injection) are meant to slot in between these steps.
 */

import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { z } from 'zod';
import { SimulatedAtlasError } from './atlas-errors';
import { DigestAuthenticator } from './digest-auth';
import { readBoolean } from './pagination';
import { Router, type RequestBody, type RouteRequest } from './router';
import {
  DEFAULT_SEED,
  DEFAULT_SIMULATOR_PRIVATE_KEY,
  DEFAULT_SIMULATOR_PUBLIC_KEY,
  SimulatorSeedSchema,
  type SimulatorSeedInput,
} from './seed';
import { publicJob, SimulatorState, type RestoreOutcome, type SimulatedRestoreJob } from './simulator-state';
import { tenantV1Routes } from './tenant-v1-routes';
import { toPrettyJson } from './wire-format';

/** Re-exported so callers get the whole simulator API from this one module. */
export type { SimulatedRestoreJob } from './simulator-state';

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
  /** Milliseconds a new restore job spends PENDING, QUEUED and RUNNING; default 2000 / 2000 / 6000. */
  timing?: { pendingMs?: number; queuedMs?: number; runningMs?: number };
  /** How new restore jobs end (default COMPLETED); a seed cluster's `restoreOutcome` overrides it for its jobs. */
  outcome?: RestoreOutcome;
  /** A nonce older than this gets `401 stale=true` even with a correct digest; default 60 s (Ops Manager's value). */
  nonceMaxAgeMs?: number;
  /** The clock (epoch ms) for job lifecycles, dates and nonce ages; default `Date.now`. */
  now?: () => number;
  /** Keep every request in `requests` (default true); turn off for long benchmark runs. */
  recordRequests?: boolean;
  /** Called once per served request, whether or not it is recorded; lets an entry point log traffic. */
  onRequest?: (request: RecordedRequest) => void;
}

/** One request the simulator answered, for tests to assert on what a client actually sent. Never holds credentials. */
export interface RecordedRequest {
  method: string;
  /** Path without query string, as sent (not decoded). */
  path: string;
  query: Record<string, string>;
  /** HTTP status on the wire (200 for any `envelope=true` answer except the 401 challenge). */
  status: number;
  /** Simulator clock when the request arrived. */
  at: number;
  /** False for requests answered with the Digest challenge. */
  authenticated: boolean;
  /** Parsed JSON body, or the raw text when it was not valid JSON; absent when empty. */
  body?: unknown;
}

/** A running simulator. */
export interface AtlasSimulator {
  /** Base URL without trailing slash, e.g. `http://127.0.0.1:41234`. */
  readonly url: string;
  readonly port: number;
  /** Every request served so far, oldest first (empty when `recordRequests` is false). */
  readonly requests: readonly RecordedRequest[];
  /** Every job created so far (restores and downloads), oldest first. */
  restoreJobs(): SimulatedRestoreJob[];
  /** Makes every nonce issued so far stale, to exercise a client's `stale=true` retry. */
  expireNonces(): void;
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

/** An answer ready to write. */
interface Reply {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Starts a simulator and resolves once it is listening. */
export async function startAtlasSimulator(options: AtlasSimulatorOptions = {}): Promise<AtlasSimulator> {
  const now = options.now ?? Date.now;
  const seed = SimulatorSeedSchema.safeParse(options.seed ?? DEFAULT_SEED);
  if (!seed.success) throw new Error(`Invalid simulator seed:\n${z.prettifyError(seed.error)}`);
  const state = new SimulatorState(
    seed.data,
    {
      pendingMs: nonNegative('timing.pendingMs', options.timing?.pendingMs ?? 2000),
      queuedMs: nonNegative('timing.queuedMs', options.timing?.queuedMs ?? 2000),
      runningMs: nonNegative('timing.runningMs', options.timing?.runningMs ?? 6000),
    },
    options.outcome ?? 'COMPLETED'
  );
  const authenticator = new DigestAuthenticator({
    username: options.publicKey ?? DEFAULT_SIMULATOR_PUBLIC_KEY,
    password: options.privateKey ?? DEFAULT_SIMULATOR_PRIVATE_KEY,
    nonceMaxAgeMs: nonNegative('nonceMaxAgeMs', options.nonceMaxAgeMs ?? 60_000),
    now,
  });
  const router = new Router(tenantV1Routes(state));
  const recordRequests = options.recordRequests ?? true;
  const requests: RecordedRequest[] = [];
  let baseUrl = '';

  const serve = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const at = now();
    const method = req.method ?? 'GET';
    const target = req.url ?? '/';
    const queryStart = target.indexOf('?');
    const path = queryStart === -1 ? target : target.slice(0, queryStart);
    const query = new URLSearchParams(queryStart === -1 ? '' : target.slice(queryStart + 1));
    const body = parseBody(await readText(req));

    const verdict = authenticator.verify(method, target, req.headers.authorization);
    let reply: Reply;
    if (verdict.authenticated) {
      const origin = req.headers.host === undefined ? baseUrl : `http://${req.headers.host}`;
      reply = present(dispatch(router, { method, path, params: {}, query, body, now: at, origin }), {
        pretty: readBoolean(query, 'pretty', false),
        envelope: readBoolean(query, 'envelope', false),
      });
    } else {
      reply = challenge(authenticator.challenge(verdict.stale));
    }
    res.writeHead(reply.status, { ...reply.headers, 'Content-Length': Buffer.byteLength(reply.body) });
    res.end(reply.body);

    const recorded: RecordedRequest = {
      method,
      path,
      query: Object.fromEntries(query),
      status: reply.status,
      at,
      authenticated: verdict.authenticated,
    };
    if (body.kind !== 'empty') recorded.body = body.kind === 'json' ? body.value : body.text;
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
    requests,
    restoreJobs: () => state.allJobs().map(publicJob),
    expireNonces: () => authenticator.expireAll(),
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

/** Routes and runs the handler; Atlas errors become their status and body, anything else a 500 as Atlas would. */
function dispatch(router: Router, request: RouteRequest): Outcome {
  try {
    const { route, params } = router.match(request.method, request.path);
    const { status, body } = route.handle({ ...request, params });
    return { status, body, headers: {} };
  } catch (error) {
    const atlasError =
      error instanceof SimulatedAtlasError
        ? error
        : new SimulatedAtlasError(500, 'UNEXPECTED_ERROR', 'Unexpected error.', []);
    return {
      status: atlasError.status,
      body: atlasError.toBody(),
      headers: { ...atlasError.headers, 'X-Error-Code': atlasError.errorCode },
    };
  }
}

/** Applies `envelope` (HTTP 200 around `{status, content}`) and `pretty`, as Atlas does for every answer but the 401 challenge. */
function present(outcome: Outcome, format: { pretty: boolean; envelope: boolean }): Reply {
  const body = format.envelope ? { status: outcome.status, content: outcome.body } : outcome.body;
  return {
    status: format.envelope ? 200 : outcome.status,
    headers: { ...outcome.headers, 'Content-Type': 'application/json' },
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

function nonNegative(name: string, value: number): number {
  if (!Number.isFinite(value) || value < 0) throw new RangeError(`${name} must be a finite number >= 0, got ${value}`);
  return value;
}
