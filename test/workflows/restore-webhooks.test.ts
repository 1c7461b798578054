import { once } from 'node:events';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { awaitRestore, getRestore, startRestore } from '../../client/restore-client';
import type { RestoreFinishedNotification } from '../../contract/restore';
import { verifyWebhook } from '../../contract/webhook-signature';
import { expectFailure, posts, requestFor, useRestoreTestSuite } from '../helpers/restore-test-kit';

/**
 * A restore that names a webhook in `notify`: the outcome reaches a service outside Temporal as a signed POST,
 * retried durably by its own workflow when the receiver fails, and a URL the worker does not allow is refused
 * before anything is sent to Atlas.
 */

/** A test key only. */
const SECRET = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;

interface Received {
  headers: IncomingHttpHeaders;
  body: string;
}

/** A receiver on 127.0.0.1 answering request `n` (from 1) with `statusFor(n)`. */
async function startReceiver(statusFor: (n: number) => number) {
  const received: Received[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      received.push({ headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      res.writeHead(statusFor(received.length)).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    origin,
    received,
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}

async function waitFor(check: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
}

const suite = useRestoreTestSuite();

describe('restore webhooks', () => {
  test('the outcome is POSTed signed; a receiver that fails once gets it again, same webhook-id', async () => {
    const receiver = await startReceiver((n) => (n === 1 ? 503 : 204));
    try {
      await suite.withHarness(
        {},
        async (h) => {
          const client = suite.env.client;
          const started = await startRestore(
            client,
            requestFor(7, { notify: { webhookUrl: `${receiver.origin}/hooks/restores?team=data` } }),
            { taskQueue: h.taskQueue }
          );
          const result = await awaitRestore(client, started.workflowId);
          const status = await getRestore(client, started.workflowId);
          expect(status.webhookWorkflowId).toBe(`${started.workflowId}/webhook/${started.runId}`);

          // The delivery runs on as its own workflow: the first attempt fails, the retry a second later lands.
          await waitFor(() => receiver.received.length >= 2, 20_000);
          expect(receiver.received).toHaveLength(2);
          const delivery = await client.workflow.getHandle(status.webhookWorkflowId as string).result();
          expect(delivery).toEqual({ status: 204, attempt: 2 });

          for (const { headers, body } of receiver.received) {
            const verified = verifyWebhook({ secret: SECRET, headers, body });
            expect(verified.id).toBe(status.webhookWorkflowId);
            expect(headers['content-type']).toBe('application/json');
          }
          expect(receiver.received[1]!.body).toBe(receiver.received[0]!.body);
          const event = JSON.parse(receiver.received[1]!.body) as { type: string; data: RestoreFinishedNotification };
          expect(event.type).toBe('restore.finished');
          expect(event.data).toMatchObject({
            workflowId: started.workflowId,
            outcome: 'COMPLETED',
            jobId: result.jobId,
            result: { jobId: result.jobId, outcome: 'COMPLETED' },
          });
          // A tampered body fails verification: the signature covers it.
          expect(() =>
            verifyWebhook({
              secret: SECRET,
              headers: receiver.received[1]!.headers,
              body: receiver.received[1]!.body.replace('COMPLETED', 'FAILED'),
            })
          ).toThrow('No v1 signature in webhook-signature matches the body');
        },
        { webhooks: { secret: SECRET, allowedOrigins: [receiver.origin] } }
      );
    } finally {
      await receiver.close();
    }
  });

  test('a webhook URL the worker does not allow is refused before anything reaches Atlas', async () => {
    const receiver = await startReceiver(() => 204);
    try {
      await suite.withHarness(
        {},
        async (h) => {
          const handle = await suite.env.client.workflow.start('restoreSnapshotWorkflow', {
            args: [requestFor(7, { notify: { webhookUrl: 'https://elsewhere.example.com/hook' } })],
            taskQueue: h.taskQueue,
            workflowId: `atlas-restore/${requestFor(7).projectId}/${requestFor(7).targetClusterName}`,
          });
          const failure = await expectFailure(handle.result());
          expect(failure.type).toBe('InvalidRestoreRequest');
          expect(failure.message).toContain(
            "Webhook origin https://elsewhere.example.com is not listed in the worker's WEBHOOK_ALLOWED_ORIGINS"
          );
          expect(posts(h.sim)).toBe(0);
          expect(receiver.received).toHaveLength(0);
        },
        { webhooks: { secret: SECRET, allowedOrigins: [receiver.origin] } }
      );
    } finally {
      await receiver.close();
    }
  });
});
