import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import { Agent, MockAgent } from 'undici';
import {
  createWebhookActivities,
  type WebhookActivityDeps,
  type WebhookDeliveryInput,
  type WebhookDeliveryOutcome,
} from '../../activities/webhook-delivery';
import { InvalidWebhookSecretError, verifyWebhook } from '../../contract/webhook-signature';

/**
 * The webhook activity over real sockets: a node:http receiver on 127.0.0.1 records what arrives and answers as each
 * test scripts it; the activity runs in a MockActivityEnvironment (real activity context, no Temporal server).
 */

/** A test key only. */
const SECRET = `whsec_${Buffer.alloc(32, 9).toString('base64')}`;
const SECRET_KEY_TEXT = SECRET.slice('whsec_'.length);
/** Marks the payload, so tests can prove no message or log line carries the body. */
const PAYLOAD_MARKER = 'payload-marker-5f1c';
const PAYLOAD = {
  workflowId: 'atlas-restore/571c390a7cea7e4dbf32b625/M2AWS',
  outcome: 'COMPLETED',
  jobId: '5cee4c83e7a2e10d2ad35971',
  note: PAYLOAD_MARKER,
};
const SCHEDULED_AT = Date.parse('2026-09-01T12:00:00.000Z');

/** What the receiver saw. */
interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

/** How the receiver answers request `n` (from 0); `hang` never answers. */
type Answer = { status: number; headers?: Record<string, string> } | 'hang';

interface Receiver {
  origin: string;
  received: Received[];
}

let agent: Agent;
beforeAll(() => {
  agent = new Agent({ keepAliveTimeout: 10, keepAliveMaxTimeout: 10 });
});
afterAll(async () => {
  await agent.close();
});

/** Runs `fn` with a receiver on 127.0.0.1:0 that answers with `answer(n)`; always closes it. */
async function withReceiver(answer: (n: number) => Answer, fn: (receiver: Receiver) => Promise<void>): Promise<void> {
  const received: Received[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const n = received.length;
      received.push({
        method: req.method ?? '',
        path: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      });
      const a = answer(n);
      if (a === 'hang') return;
      res.writeHead(a.status, a.headers).end('answer body');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  try {
    await fn({ origin: `http://127.0.0.1:${port}`, received });
  } finally {
    server.closeAllConnections();
    server.close();
    await once(server, 'close');
  }
}

/** Records the activity's log lines. */
function logRecorder(): { logger: DefaultLogger; entries: LogEntry[] } {
  const entries: LogEntry[] = [];
  return { logger: new DefaultLogger('INFO', (entry) => entries.push(entry)), entries };
}

/** Runs one delivery attempt the way a worker would, as attempt `attempt`. */
async function deliver(
  deps: Partial<WebhookActivityDeps> & { allowedOrigins: readonly string[] },
  input: Partial<WebhookDeliveryInput> & { url: string },
  options: { attempt?: number; logger?: DefaultLogger } = {}
): Promise<WebhookDeliveryOutcome> {
  const { deliverRestoreWebhook } = createWebhookActivities({ secret: SECRET, dispatcher: agent, ...deps });
  const env = new MockActivityEnvironment(
    { attempt: options.attempt ?? 1, scheduledTimestampMs: SCHEDULED_AT },
    { logger: options.logger ?? new DefaultLogger('ERROR') }
  );
  return env.run(deliverRestoreWebhook, { deliveryId: 'restore-finished_run-1', payload: PAYLOAD, ...input });
}

/** Awaits a delivery that must fail and returns its ApplicationFailure. */
async function failure(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

test('a 2xx delivers a signed restore.finished event that verifyWebhook accepts', async () => {
  await withReceiver(
    () => ({ status: 204 }),
    async ({ origin, received }) => {
      const { logger, entries } = logRecorder();
      const outcome = await deliver(
        { allowedOrigins: [`${origin}/`] },
        { url: `${origin}/hooks/restore?team=data` },
        { attempt: 3, logger }
      );

      expect(outcome).toEqual({ status: 204, attempt: 3 });
      expect(received).toHaveLength(1);
      const [request] = received as [Received];
      expect(request).toMatchObject({ method: 'POST', path: '/hooks/restore?team=data' });
      expect(request.headers).toMatchObject({
        'content-type': 'application/json',
        'user-agent': 'atlas-restore-webhook/1',
        'webhook-id': 'restore-finished_run-1',
      });
      expect(verifyWebhook({ secret: SECRET, headers: request.headers, body: request.body })).toEqual({
        id: 'restore-finished_run-1',
        timestamp: new Date(Number(request.headers['webhook-timestamp']) * 1000),
      });
      expect(Math.abs(Number(request.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(5);
      expect(JSON.parse(request.body)).toEqual({
        type: 'restore.finished',
        timestamp: '2026-09-01T12:00:00.000Z',
        data: PAYLOAD,
      });
      expect(entries).toContainEqual(
        expect.objectContaining({
          level: 'INFO',
          message: 'Webhook delivered',
          meta: expect.objectContaining({ deliveryId: 'restore-finished_run-1', origin, status: 204, attempt: 3 }),
        })
      );
    }
  );
});

test('every configured secret signs, so receivers can rotate keys', async () => {
  const next = `whsec_${Buffer.alloc(32, 10).toString('base64')}`;
  await withReceiver(
    () => ({ status: 200 }),
    async ({ origin, received }) => {
      await deliver({ allowedOrigins: [origin], secret: `${next} ${SECRET}` }, { url: `${origin}/hook` });
      const [request] = received as [Received];
      expect(String(request.headers['webhook-signature']).split(' ')).toHaveLength(2);
      for (const secret of [SECRET, next]) {
        expect(() => verifyWebhook({ secret, headers: request.headers, body: request.body })).not.toThrow();
      }
    }
  );
});

test('a DOWNLOAD link that reached the payload is never sent', async () => {
  await withReceiver(
    () => ({ status: 200 }),
    async ({ origin, received }) => {
      const link = 'https://restore.example/backup.tgz?X-Amz-Signature=secret';
      await deliver(
        { allowedOrigins: [origin] },
        { url: `${origin}/hook`, payload: { ...PAYLOAD, result: { jobId: 'j', snapshotUrl: link } } }
      );
      const [request] = received as [Received];
      expect(request.body).not.toContain('X-Amz-Signature');
      expect(JSON.parse(request.body).data.result).toEqual({ jobId: 'j', snapshotUrl: null });
    }
  );
});

test.each([
  { status: 408, retryAfter: undefined, delayMs: undefined },
  { status: 429, retryAfter: undefined, delayMs: undefined },
  { status: 429, retryAfter: '7', delayMs: 7_000 },
  { status: 503, retryAfter: '7', delayMs: 7_000 },
  { status: 429, retryAfter: '86400', delayMs: 15 * 60_000 },
  { status: 429, retryAfter: 'soon', delayMs: undefined },
  { status: 500, retryAfter: '7', delayMs: undefined },
  { status: 500, retryAfter: undefined, delayMs: undefined },
  { status: 502, retryAfter: undefined, delayMs: undefined },
])('HTTP $status (Retry-After $retryAfter) is retryable, next retry after $delayMs ms', async (row) => {
  await withReceiver(
    () => ({
      status: row.status,
      headers: row.retryAfter === undefined ? undefined : { 'retry-after': row.retryAfter },
    }),
    async ({ origin, received }) => {
      const { logger, entries } = logRecorder();
      const err = await failure(deliver({ allowedOrigins: [origin] }, { url: `${origin}/hook` }, { logger }));
      expect(err).toMatchObject({ type: 'WebhookReceiverUnavailable', nonRetryable: false });
      expect(err.nextRetryDelay).toBe(row.delayMs);
      expect(err.message).toBe(`Webhook receiver ${origin} answered HTTP ${row.status}; will retry`);
      expect(received).toHaveLength(1);
      expect(entries).toContainEqual(
        expect.objectContaining({
          level: 'WARN',
          meta: expect.objectContaining({ deliveryId: 'restore-finished_run-1', origin, status: row.status }),
        })
      );
    }
  );
});

test.each([400, 401, 403, 404, 410, 422])('HTTP %i is a final WebhookRejected', async (status) => {
  await withReceiver(
    () => ({ status }),
    async ({ origin }) => {
      const err = await failure(deliver({ allowedOrigins: [origin] }, { url: `${origin}/hook` }));
      expect(err).toMatchObject({
        type: 'WebhookRejected',
        nonRetryable: true,
        message: `Webhook receiver ${origin} rejected the delivery with HTTP ${status}`,
      });
    }
  );
});

test.each([301, 302, 307, 308])('a %i redirect is not followed and is a final WebhookRejected', async (status) => {
  await withReceiver(
    (n) => (n === 0 ? { status, headers: { location: '/moved' } } : { status: 200 }),
    async ({ origin, received }) => {
      const err = await failure(deliver({ allowedOrigins: [origin] }, { url: `${origin}/hook` }));
      expect(err).toMatchObject({ type: 'WebhookRejected', nonRetryable: true });
      expect(err.message).toContain('redirects are not followed');
      expect(received.map((r) => r.path)).toEqual(['/hook']);
    }
  );
});

test('a receiver that does not answer in time is a retryable WebhookUnreachable', async () => {
  await withReceiver(
    () => 'hang',
    async ({ origin, received }) => {
      const err = await failure(deliver({ allowedOrigins: [origin], timeoutMs: 300 }, { url: `${origin}/hook` }));
      expect(err).toMatchObject({
        type: 'WebhookUnreachable',
        nonRetryable: false,
        message: `Webhook delivery to ${origin} failed: no answer within 300 ms`,
      });
      expect(received).toHaveLength(1);
    }
  );
});

test('a cancelled activity stops waiting for the receiver and reports the cancellation, not a failure', async () => {
  await withReceiver(
    () => 'hang',
    async ({ origin, received }) => {
      const { deliverRestoreWebhook } = createWebhookActivities({
        secret: SECRET,
        allowedOrigins: [origin],
        dispatcher: agent,
      });
      const env = new MockActivityEnvironment({}, { logger: new DefaultLogger('ERROR') });
      const delivery = env.run(deliverRestoreWebhook, { url: `${origin}/hook`, deliveryId: 'd-1', payload: PAYLOAD });
      while (received.length === 0) await new Promise((resolve) => setTimeout(resolve, 10));
      env.cancel();
      await expect(delivery).rejects.toBeInstanceOf(CancelledFailure);
    }
  );
});

test('a refused connection is a retryable WebhookUnreachable', async () => {
  let closedOrigin = '';
  await withReceiver(
    () => ({ status: 200 }),
    async ({ origin }) => {
      closedOrigin = origin;
    }
  );
  const err = await failure(deliver({ allowedOrigins: [closedOrigin] }, { url: `${closedOrigin}/hook` }));
  expect(err).toMatchObject({
    type: 'WebhookUnreachable',
    nonRetryable: false,
    message: `Webhook delivery to ${closedOrigin} failed: ECONNREFUSED`,
  });
});

test('an https origin on the allow-list is delivered to (undici MockAgent: no traffic leaves the machine)', async () => {
  const mock = new MockAgent();
  mock.disableNetConnect();
  mock.get('https://hooks.example.com').intercept({ path: '/restore', method: 'POST' }).reply(202, '');
  try {
    const outcome = await deliver(
      { allowedOrigins: ['https://hooks.example.com'], dispatcher: mock },
      { url: 'https://hooks.example.com/restore' }
    );
    expect(outcome).toEqual({ status: 202, attempt: 1 });
    mock.assertNoPendingInterceptors();
  } finally {
    await mock.close();
  }
});

describe('deliveries the worker is not configured for fail with WebhookNotAllowed and send nothing', () => {
  test.each([
    {
      name: 'no secret',
      deps: (origin: string) => ({ secret: undefined, allowedOrigins: [origin] }),
      url: (origin: string) => `${origin}/hook`,
      message: 'Webhooks are disabled: set WEBHOOK_SECRET (or WEBHOOK_SECRET_FILE) on the worker',
    },
    {
      name: 'an origin not on the list',
      deps: (origin: string) => ({ allowedOrigins: [origin.replace(/:\d+$/, ':1')] }),
      url: (origin: string) => `${origin}/hook`,
      message: "Webhook origin {origin} is not listed in the worker's WEBHOOK_ALLOWED_ORIGINS",
    },
    {
      name: 'an empty list',
      deps: () => ({ allowedOrigins: [] }),
      url: (origin: string) => `${origin}/hook`,
      message: "Webhook origin {origin} is not listed in the worker's WEBHOOK_ALLOWED_ORIGINS",
    },
    {
      name: 'plain http off loopback, even when listed',
      deps: () => ({ allowedOrigins: ['http://hooks.example.com'] }),
      url: () => 'http://hooks.example.com/hook',
      message: 'The webhook URL must use https (plain http only to a loopback host), not http://hooks.example.com',
    },
    {
      name: 'credentials in the URL',
      deps: (origin: string) => ({ allowedOrigins: [origin] }),
      url: (origin: string) => origin.replace('//', '//user:pass@') + '/hook',
      message: 'The webhook URL for {origin} carries credentials; put them nowhere in the URL',
    },
    {
      name: 'a relative URL',
      deps: (origin: string) => ({ allowedOrigins: [origin] }),
      url: () => '/hook',
      message: 'The webhook URL is not a valid absolute URL',
    },
  ])('$name', async (row) => {
    await withReceiver(
      () => ({ status: 200 }),
      async ({ origin, received }) => {
        // No network at all for this dispatcher: a request that got this far would fail differently.
        const offline = new MockAgent();
        offline.disableNetConnect();
        try {
          const err = await failure(deliver({ ...row.deps(origin), dispatcher: offline }, { url: row.url(origin) }));
          expect(err).toMatchObject({
            type: 'WebhookNotAllowed',
            nonRetryable: true,
            message: row.message.replace('{origin}', origin),
          });
          expect(received).toHaveLength(0);
        } finally {
          await offline.close();
        }
      }
    );
  });
});

test('a delivery id that cannot be a webhook-id is a final InvalidWebhookDelivery', async () => {
  await withReceiver(
    () => ({ status: 200 }),
    async ({ origin, received }) => {
      const err = await failure(deliver({ allowedOrigins: [origin] }, { url: `${origin}/hook`, deliveryId: 'a.b' }));
      expect(err).toMatchObject({ type: 'InvalidWebhookDelivery', nonRetryable: true });
      expect(received).toHaveLength(0);
    }
  );
});

test.each([
  {
    name: 'a malformed secret',
    deps: { secret: 'whsec_tooshort', allowedOrigins: [] },
    error: InvalidWebhookSecretError,
  },
  {
    name: 'one bad secret of two',
    deps: { secret: `${SECRET} nope`, allowedOrigins: [] },
    error: InvalidWebhookSecretError,
  },
  {
    name: 'an origin with a path',
    deps: { secret: SECRET, allowedOrigins: ['https://a.example/hooks'] },
    error: Error,
  },
  { name: 'an origin that is no URL', deps: { secret: SECRET, allowedOrigins: ['hooks.example.com'] }, error: Error },
])('the worker refuses to start with $name', ({ deps, error }) => {
  expect(() => createWebhookActivities(deps)).toThrow(error);
});

test('no failure message, detail or log line carries the secret or the body', async () => {
  const { logger, entries } = logRecorder();
  const texts: string[] = [];
  const record = (err: ApplicationFailure) => texts.push(err.message, JSON.stringify(err.details ?? null));
  await withReceiver(
    (n) =>
      [{ status: 500 }, { status: 429, headers: { 'retry-after': '1' } }, { status: 400 }, { status: 302 }][n] ??
      'hang',
    async ({ origin }) => {
      for (let i = 0; i < 5; i++) {
        record(
          await failure(deliver({ allowedOrigins: [origin], timeoutMs: 300 }, { url: `${origin}/hook` }, { logger }))
        );
      }
      record(await failure(deliver({ allowedOrigins: [] }, { url: `${origin}/hook` }, { logger })));
      record(
        await failure(deliver({ secret: undefined, allowedOrigins: [origin] }, { url: `${origin}/hook` }, { logger }))
      );
    }
  );
  texts.push(...entries.map((e) => `${e.message} ${JSON.stringify(e.meta)}`));
  expect(texts.length).toBeGreaterThan(10);
  for (const text of texts) {
    expect(text).not.toContain(SECRET_KEY_TEXT.slice(0, 16));
    expect(text).not.toContain(PAYLOAD_MARKER);
  }
});
