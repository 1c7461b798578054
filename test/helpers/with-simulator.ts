import { createHash, randomBytes } from 'node:crypto';
import { Agent, request } from 'undici';
import {
  DEFAULT_SIMULATOR_CLIENT_ID,
  DEFAULT_SIMULATOR_CLIENT_SECRET,
  DEFAULT_SIMULATOR_PRIVATE_KEY,
  DEFAULT_SIMULATOR_PUBLIC_KEY,
} from '../../simulator/seed';
import { startAtlasSimulator, type AtlasSimulator, type AtlasSimulatorOptions } from '../../simulator/server';

/**
 * Runs `body` against a fresh Atlas simulator on a free port and always closes it, even when `body` throws,
 * so a failing test never leaves a listening socket that keeps jest alive.
 */
export async function withSimulator<T>(
  options: AtlasSimulatorOptions,
  body: (simulator: AtlasSimulator) => Promise<T>
): Promise<T> {
  const simulator = await startAtlasSimulator(options);
  try {
    return await body(simulator);
  } finally {
    await simulator.close();
  }
}

/*
 * A tiny HTTP client for simulator tests, written here rather than borrowed from `activities/` so that the
 * simulator is checked against an independent reading of the protocols (Digest per RFC 7616, OAuth client
 * credentials per RFC 6749).
 */

let agent: Agent | undefined;

/** Closes the connection pool the helpers below share; call it in `afterAll` of every file that uses them. */
export async function closeTestAgent(): Promise<void> {
  await agent?.close();
  agent = undefined;
}

/** An answer as a test sees it. */
export interface Answer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
}

/** What to send besides method and target. `body` strings go out as they are, anything else as JSON. */
export interface SendOptions {
  body?: unknown;
  authorization?: string;
  /** Extra or replacing headers; `accept` defaults to `application/json`; an empty value leaves the header out. */
  headers?: Record<string, string>;
}

/** Sends one request and reads the whole body; short keep-alive so nothing outlives a test. */
export async function send(
  sim: AtlasSimulator,
  method: string,
  target: string,
  options: SendOptions = {}
): Promise<Answer> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (options.authorization !== undefined) headers.authorization = options.authorization;
  let body: string | undefined;
  if (options.body !== undefined) {
    headers['content-type'] = 'application/json';
    body = typeof options.body === 'string' ? options.body : JSON.stringify(options.body);
  }
  for (const [name, value] of Object.entries(options.headers ?? {})) {
    if (value === '') delete headers[name];
    else headers[name] = value;
  }
  agent ??= new Agent({ keepAliveTimeout: 10, keepAliveMaxTimeout: 10 });
  const res = await request(`${sim.url}${target}`, { method: method as 'GET', headers, body, dispatcher: agent });
  return { status: res.statusCode, headers: res.headers, text: await res.body.text() };
}

/** What a Digest response is computed from; everything but the nonce defaults to the simulator's defaults. */
export interface DigestOptions {
  nonce: string;
  nc?: number;
  username?: string;
  password?: string;
  algorithm?: 'MD5' | 'SHA-256';
  uri?: string;
}

/** The client half of RFC 7616 for `qop=auth`. */
export function digestAuthorization(method: string, target: string, options: DigestOptions): string {
  const algorithm = options.algorithm ?? 'MD5';
  const hash = (text: string): string =>
    createHash(algorithm === 'MD5' ? 'md5' : 'sha256')
      .update(text)
      .digest('hex');
  const username = options.username ?? DEFAULT_SIMULATOR_PUBLIC_KEY;
  const uri = options.uri ?? target;
  const nc = (options.nc ?? 1).toString(16).padStart(8, '0');
  const cnonce = randomBytes(8).toString('hex');
  const ha1 = hash(`${username}:MMS Public API:${options.password ?? DEFAULT_SIMULATOR_PRIVATE_KEY}`);
  const response = hash(`${ha1}:${options.nonce}:${nc}:${cnonce}:auth:${hash(`${method}:${uri}`)}`);
  return (
    `Digest username="${username}", realm="MMS Public API", nonce="${options.nonce}", uri="${uri}", ` +
    `algorithm=${algorithm}, qop=auth, nc=${nc}, cnonce="${cnonce}", response="${response}"`
  );
}

const CHALLENGE =
  /^Digest realm="MMS Public API", domain="", nonce="([A-Za-z0-9+/]{32})", algorithm=MD5, qop="auth", stale=(true|false)$/;

/** Reads the Atlas Digest challenge of a 401 answer; throws when it is not exactly Atlas's. */
export function challengeOf(answer: Answer): { nonce: string; stale: boolean } {
  const match = CHALLENGE.exec(String(answer.headers['www-authenticate']));
  if (match === null) throw new Error(`not an Atlas challenge: ${String(answer.headers['www-authenticate'])}`);
  return { nonce: match[1] as string, stale: match[2] === 'true' };
}

/** What the common Digest clients do: challenge, then resend with credentials (nc=00000001). */
export async function call(
  sim: AtlasSimulator,
  method: string,
  target: string,
  body?: unknown,
  headers?: Record<string, string>
): Promise<Answer> {
  const challenge = await send(sim, method, target, { body, headers });
  expect(challenge.status).toBe(401);
  const authorization = digestAuthorization(method, target, { nonce: challengeOf(challenge).nonce });
  return send(sim, method, target, { body, authorization, headers });
}

/** How tests read a 200 answer: a job, a snapshot or a page. Assertions check the shape, not this type. */
export interface AnswerJson {
  [field: string]: unknown;
  id: string;
  status: string;
  results: AnswerJson[];
  links: unknown[];
}

/** {@link call}, expecting a 200 with a JSON body. */
export async function callJson(
  sim: AtlasSimulator,
  method: string,
  target: string,
  body?: unknown,
  headers?: Record<string, string>
): Promise<AnswerJson> {
  const answer = await call(sim, method, target, body, headers);
  expect(answer.status).toBe(200);
  return JSON.parse(answer.text) as AnswerJson;
}

/** Asks the token endpoint for a token the way RFC 6749 §4.4 does; credentials default to the simulator's. */
export async function requestToken(
  sim: AtlasSimulator,
  options: { clientId?: string; clientSecret?: string; form?: string; contentType?: string } = {}
): Promise<Answer> {
  const basic = Buffer.from(
    `${options.clientId ?? DEFAULT_SIMULATOR_CLIENT_ID}:${options.clientSecret ?? DEFAULT_SIMULATOR_CLIENT_SECRET}`
  ).toString('base64');
  return send(sim, 'POST', '/api/oauth/token', {
    body: options.form ?? 'grant_type=client_credentials',
    authorization: `Basic ${basic}`,
    headers: { 'content-type': options.contentType ?? 'application/x-www-form-urlencoded' },
  });
}

/** A fresh access token from the simulator's default Service Account. */
export async function accessToken(sim: AtlasSimulator): Promise<string> {
  const answer = await requestToken(sim);
  expect(answer.status).toBe(200);
  return (JSON.parse(answer.text) as { access_token: string }).access_token;
}

/** A manual clock for the simulator. */
export function manualClock(start: number): {
  now: () => number;
  set: (ms: number) => void;
  advance: (ms: number) => void;
} {
  let current = start;
  return { now: () => current, set: (ms) => (current = ms), advance: (ms) => (current += ms) };
}
