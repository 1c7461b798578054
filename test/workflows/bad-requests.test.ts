import { randomUUID } from 'node:crypto';
import { startRestore } from '../../client/restore-client';
import { RESTORE_WORKFLOW_TYPE } from '../../contract/restore';
import { BAD_REQUESTS } from '../fixtures/bad-requests';
import { expectFailure, requestFor, useRestoreTestSuite } from '../helpers/restore-test-kit';

/**
 * Another language's SDK starts the workflow with whatever JSON it has: here each malformed request goes to the real
 * server as a hand-written `json/plain` payload through the raw gRPC API. Every one must end in an
 * `InvalidRestoreRequest` failure naming the problem, before any Atlas call, and the worker must keep serving.
 */

const suite = useRestoreTestSuite();

test('raw starts with hand-written JSON are all refused before any Atlas call, and the worker keeps serving', async () => {
  await suite.withHarness({ timing: { pendingMs: 100, queuedMs: 100, runningMs: 300 } }, async (h) => {
    const outcomes: { name: string; type?: string; message: string; mentions: RegExp }[] = [];
    const queue = BAD_REQUESTS.map((c, i) => ({ ...c, i }));
    const runner = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const workflowId = `raw-bad-request-${next.i}-${randomUUID()}`;
        await suite.env.client.workflowService.startWorkflowExecution({
          namespace: 'default',
          workflowId,
          workflowType: { name: RESTORE_WORKFLOW_TYPE },
          taskQueue: { name: h.taskQueue },
          input: {
            payloads: [
              { metadata: { encoding: Buffer.from('json/plain') }, data: Buffer.from(JSON.stringify(next.input)) },
            ],
          },
          requestId: randomUUID(),
          identity: 'hand-written-json-client',
        });
        const failure = await expectFailure(suite.env.client.workflow.getHandle(workflowId).result());
        outcomes.push({
          name: next.name,
          type: failure.type ?? undefined,
          message: failure.message,
          mentions: next.mentions,
        });
      }
    };
    await Promise.all(Array.from({ length: 8 }, runner));

    expect(outcomes).toHaveLength(BAD_REQUESTS.length);
    for (const outcome of outcomes) {
      expect({ name: outcome.name, type: outcome.type }).toEqual({ name: outcome.name, type: 'InvalidRestoreRequest' });
      expect(outcome.message).toMatch(outcome.mentions);
      expect(outcome.message).not.toContain('secret-value');
    }
    expect(h.sim.requests).toHaveLength(0);

    const valid = await startRestore(suite.env.client, requestFor(13), { taskQueue: h.taskQueue });
    expect(await valid.handle.result()).toMatchObject({ outcome: 'COMPLETED' });
  });
});
