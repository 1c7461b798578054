import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { errors } from 'undici';
import { DEFAULT_USER_AGENT } from '../../activities/atlas/atlas-client';
import { AtlasConnectionError } from '../../activities/atlas/errors';
import { findErrorCode, toConnectionError } from '../../activities/atlas/transport-errors';

function netError(code: string): Error {
  return Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code });
}

const sent = { method: 'POST', path: '/p', abortedBeforeSend: false, authenticated: true, responseStarted: false };

describe('toConnectionError', () => {
  test.each<{ name: string; err: unknown; code: string | undefined; ambiguous: boolean }>([
    { name: 'connection refused', err: netError('ECONNREFUSED'), code: 'ECONNREFUSED', ambiguous: false },
    { name: 'DNS failure', err: netError('ENOTFOUND'), code: 'ENOTFOUND', ambiguous: false },
    {
      name: 'connect timeout',
      err: new errors.ConnectTimeoutError(),
      code: 'UND_ERR_CONNECT_TIMEOUT',
      ambiguous: false,
    },
    {
      name: 'headers timeout',
      err: new errors.HeadersTimeoutError(),
      code: 'UND_ERR_HEADERS_TIMEOUT',
      ambiguous: true,
    },
    { name: 'body timeout', err: new errors.BodyTimeoutError(), code: 'UND_ERR_BODY_TIMEOUT', ambiguous: true },
    {
      name: 'socket closed',
      err: new errors.SocketError('other side closed'),
      code: 'UND_ERR_SOCKET',
      ambiguous: true,
    },
    { name: 'reset', err: netError('ECONNRESET'), code: 'ECONNRESET', ambiguous: true },
    { name: 'closed client', err: new errors.ClientClosedError(), code: 'UND_ERR_CLOSED', ambiguous: false },
    {
      name: 'a code only on the cause (fetch-style TypeError)',
      err: new TypeError('fetch failed', { cause: netError('ECONNREFUSED') }),
      code: 'ECONNREFUSED',
      ambiguous: false,
    },
    {
      name: 'happy-eyeballs AggregateError',
      err: new AggregateError([netError('ECONNREFUSED'), netError('ECONNREFUSED')], 'connect failed'),
      code: 'ECONNREFUSED',
      ambiguous: false,
    },
    {
      name: 'an unknown error without code (assume it was sent)',
      err: new Error('boom'),
      code: undefined,
      ambiguous: true,
    },
  ])('$name → code $code, ambiguous $ambiguous', ({ err, code, ambiguous }) => {
    const mapped = toConnectionError(err, sent);
    expect(mapped).toBeInstanceOf(AtlasConnectionError);
    expect(mapped).toMatchObject({ code, ambiguous, aborted: false, method: 'POST', path: '/p' });
    expect(mapped.cause).toBe(err);
  });

  test('an unauthenticated request is never ambiguous: Atlas cannot have acted on it', () => {
    const mapped = toConnectionError(new errors.HeadersTimeoutError(), { ...sent, authenticated: false });
    expect(mapped.ambiguous).toBe(false);
  });

  test('a failure while reading the body is ambiguous whatever the code', () => {
    const mapped = toConnectionError(netError('ECONNREFUSED'), { ...sent, responseStarted: true });
    expect(mapped.ambiguous).toBe(true);
  });

  test.each([
    { name: 'before sending', abortedBeforeSend: true, ambiguous: false },
    { name: 'in flight', abortedBeforeSend: false, ambiguous: true },
  ])('a caller abort $name is aborted, ambiguous=$ambiguous', ({ abortedBeforeSend, ambiguous }) => {
    const controller = new AbortController();
    controller.abort();
    const mapped = toConnectionError(controller.signal.reason, {
      ...sent,
      signal: controller.signal,
      abortedBeforeSend,
    });
    expect(mapped).toMatchObject({ aborted: true, ambiguous, code: 'ABORT_ERR' });
    expect(mapped.message).toBe('Atlas POST /p was cancelled' + (ambiguous ? ' after the request was sent' : ''));
  });

  test('findErrorCode gives up on deep or odd values', () => {
    expect(findErrorCode(undefined)).toBeUndefined();
    expect(findErrorCode('ECONNRESET')).toBeUndefined();
    expect(findErrorCode({ code: 20 })).toBeUndefined();
  });
});

test('the default User-Agent carries the package version', () => {
  const pkg = JSON.parse(readFileSync(join(__dirname, '../../package.json'), 'utf8')) as { version: string };
  expect(DEFAULT_USER_AGENT).toBe(`atlas-restore/${pkg.version}`);
});
