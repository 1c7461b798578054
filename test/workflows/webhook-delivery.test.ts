import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, RetryState } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DefaultLogger, Worker, bundleWorkflowCode, type WorkflowBundleWithSourceMap } from '@temporalio/worker';
import { Agent } from 'undici';
import { createWebhookActivities } from '../../activities/webhook-delivery';
import { verifyWebhook } from '../../contract/webhook-signature';
import {
  DELIVER_RESTORE_WEBHOOK_WORKFLOW_TYPE,
  deliverRestoreWebhookWorkflow,
} from '../../workflows/deliver-restore-webhook';
import { connectTestEnv } from '../helpers/restore-test-kit';

/**
 * The delivery workflow on the real dev server with the real activity, posting to a node:http receiver on
 * 127.0.0.1: Temporal's retry policy is the retry schedule, and every attempt is signed afresh under one webhook-id.
 */

/** A test key only. */
const SECRET = `whsec_${Buffer.alloc(32, 11).toString('base64')}`;
const PAYLOAD = { workflowId: 'atlas-restore/571c390a7cea7e4dbf32b625/M2AWS', outcome: 'COMPLETED' };

interface Received {
  at: number;
  headers: IncomingHttpHeaders;
  body: string;
}

let env: TestWorkflowEnvironment | undefined;
let bundle: WorkflowBundleWithSourceMap;
let agent: Agent;
let queueCounter = 0;

beforeAll(async () => {
  env = await connectTestEnv();
  bundle = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows/deliver-restore-webhook'),
    logger: new DefaultLogger('WARN'),
  });
  agent = new Agent({ keepAliveTimeout: 10, keepAliveMaxTimeout: 10 });
});
afterAll(async () => {
  await agent?.close();
  await env?.teardown();
});

/**
 * Runs `body` with a receiver answering request `n` with `statusFor(n)` and a worker of its own that may deliver to
 * it; always closes both.
 */
async function withDelivery(
  statusFor: (n: number) => number,
  body: (ctx: { url: string; received: Received[]; taskQueue: string; env: TestWorkflowEnvironment }) => Promise<void>
): Promise<void> {
  if (!env) throw new Error('the test environment is not set up');
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const status = statusFor(received.length);
      received.push({ at: Date.now(), headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(status).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const taskQueue = `webhook-test-${process.pid}-${++queueCounter}`;
  try {
    const worker = await Worker.create({
      connection: env.nativeConnection,
      namespace: env.namespace ?? 'default',
      taskQueue,
      workflowBundle: bundle,
      activities: createWebhookActivities({ secret: SECRET, allowedOrigins: [origin], dispatcher: agent }),
    });
    await worker.runUntil(body({ url: `${origin}/hooks/restore`, received, taskQueue, env }));
  } finally {
    server.closeAllConnections();
    server.close();
  }
}

test('a 503 is retried after about a second; both attempts carry one webhook-id and valid signatures', async () => {
  await withDelivery(
    (n) => (n === 0 ? 503 : 200),
    async ({ url, received, taskQueue, env }) => {
      const outcome = await env.client.workflow.execute<typeof deliverRestoreWebhookWorkflow>(
        DELIVER_RESTORE_WEBHOOK_WORKFLOW_TYPE,
        {
          args: [{ url, deliveryId: 'restore-finished_retry', payload: PAYLOAD }],
          workflowId: `webhook-test-retry-${Date.now()}`,
          taskQueue,
        }
      );

      expect(outcome).toEqual({ status: 200, attempt: 2 });
      expect(received).toHaveLength(2);
      const [first, second] = received as [Received, Received];
      expect(second.at - first.at).toBeGreaterThanOrEqual(900);
      expect(first.headers['webhook-id']).toBe('restore-finished_retry');
      expect(second.headers['webhook-id']).toBe('restore-finished_retry');
      expect(Number(second.headers['webhook-timestamp'])).toBeGreaterThanOrEqual(
        Number(first.headers['webhook-timestamp'])
      );
      // The event (and so the body) is the same on every attempt; only the attempt's timestamp and signature change.
      expect(second.body).toBe(first.body);
      for (const attempt of received) {
        expect(verifyWebhook({ secret: SECRET, headers: attempt.headers, body: attempt.body }).id).toBe(
          'restore-finished_retry'
        );
      }
      expect(JSON.parse(second.body)).toMatchObject({ type: 'restore.finished', data: PAYLOAD });
    }
  );
});

test('a 400 ends the delivery at once with WebhookRejected', async () => {
  await withDelivery(
    () => 400,
    async ({ url, received, taskQueue, env }) => {
      const err = await env.client.workflow
        .execute(deliverRestoreWebhookWorkflow, {
          args: [{ url, deliveryId: 'restore-finished_rejected', payload: PAYLOAD }],
          workflowId: `webhook-test-rejected-${Date.now()}`,
          taskQueue,
        })
        .catch((e: unknown) => e);

      expect(err).toBeInstanceOf(WorkflowFailedError);
      const activityFailure = (err as WorkflowFailedError).cause;
      expect(activityFailure).toBeInstanceOf(ActivityFailure);
      expect((activityFailure as ActivityFailure).cause).toMatchObject({ type: 'WebhookRejected', nonRetryable: true });
      expect(received).toHaveLength(1);
    }
  );
});

test('a receiver that keeps failing is given up on at the deadline', async () => {
  await withDelivery(
    () => 500,
    async ({ url, received, taskQueue, env }) => {
      const startedAt = Date.now();
      const err = await env.client.workflow
        .execute(deliverRestoreWebhookWorkflow, {
          args: [{ url, deliveryId: 'restore-finished_deadline', payload: PAYLOAD, deadlineSeconds: 4 }],
          workflowId: `webhook-test-deadline-${Date.now()}`,
          taskQueue,
        })
        .catch((e: unknown) => e);

      expect(err).toBeInstanceOf(WorkflowFailedError);
      const activityFailure = (err as WorkflowFailedError).cause as ActivityFailure;
      expect(activityFailure).toBeInstanceOf(ActivityFailure);
      expect(activityFailure.retryState).toBe(RetryState.TIMEOUT);
      // Attempts at 0, 1 and 3 s; the next (7 s) would be past the deadline.
      expect(received).toHaveLength(3);
      expect(Date.now() - startedAt).toBeLessThan(15_000);
      expect(activityFailure.cause).toBeInstanceOf(ApplicationFailure);
    }
  );
});
