import { RestoreAlreadyRunningError, startRestore } from '../../client/restore-client';
import { RESTORE_WORKFLOW_TYPE, type RestoreFinishedNotification, type RestoreResult } from '../../contract/restore';
import { DEFAULT_SIMULATOR_PUBLIC_KEY, SEED_PROJECT_ID } from '../../simulator/seed';
import type { AtlasSimulator } from '../../simulator/server';
import { restoreStatusQuery } from '../../workflows/messages';
import {
  FAST_POLLING,
  TEST_CLUSTERS,
  expectFailure,
  posts,
  recordHistory,
  requestFor,
  useRestoreTestSuite,
} from '../helpers/restore-test-kit';

/**
 * Restore workflows end to end: the real workflow and activities on a real Temporal dev server, talking Digest
 * over real sockets to the local Atlas simulator. Set RECORD_HISTORIES=1 to refresh the replay fixtures.
 */

const suite = useRestoreTestSuite();

test('a restore creates exactly one Atlas job, polls it to COMPLETED and returns a typed result', async () => {
  await suite.withHarness({ timing: { pendingMs: 200, queuedMs: 200, runningMs: 600 } }, async ({ sim, taskQueue }) => {
    const started = await startRestore(suite.env.client, requestFor(0), { taskQueue });
    const result: RestoreResult = await started.handle.result();

    const [job] = sim.restoreJobs();
    expect(sim.restoreJobs()).toHaveLength(1);
    expect(posts(sim)).toBe(1);
    expect(result).toMatchObject({
      outcome: 'COMPLETED',
      workflowId: started.workflowId,
      jobId: job!.id,
      adoptedExistingJob: false,
      target: {
        projectId: SEED_PROJECT_ID,
        clusterName: TEST_CLUSTERS[0]!.name,
        snapshotId: TEST_CLUSTERS[0]!.snapshotId,
        targetProjectId: SEED_PROJECT_ID,
        targetClusterName: TEST_CLUSTERS[0]!.name,
      },
    });
    expect(result.restoreFinishedDate).not.toBeNull();
    expect(result.expirationDate).not.toBeNull();
    expect(result.pollCount).toBeGreaterThanOrEqual(1);
    const status = await started.handle.query(restoreStatusQuery);
    expect(status).toMatchObject({ phase: 'COMPLETED', atlasStatus: 'COMPLETED', jobId: job!.id });
    await recordHistory(suite.env, 'completed', started.workflowId);
  });
});

test('a job Atlas reports FAILED ends the workflow with RestoreFailed', async () => {
  await suite.withHarness(
    { timing: { pendingMs: 100, queuedMs: 100, runningMs: 300 }, outcome: 'FAILED' },
    async (h) => {
      const started = await startRestore(suite.env.client, requestFor(1), { taskQueue: h.taskQueue });
      const failure = await expectFailure(started.handle.result());
      expect(failure.type).toBe('RestoreFailed');
      expect(failure.message).toContain(h.sim.restoreJobs()[0]!.id);
      const status = await started.handle.query(restoreStatusQuery);
      expect(status).toMatchObject({ phase: 'FAILED', atlasStatus: 'FAILED' });
      await recordHistory(suite.env, 'failed', started.workflowId);
    }
  );
});

test('a job that outlives the deadline ends with RestoreDeadlineExceeded', async () => {
  await suite.withHarness({ timing: { pendingMs: 100, queuedMs: 100, runningMs: 3_600_000 } }, async (h) => {
    const started = await startRestore(suite.env.client, requestFor(2, { deadlineSeconds: 5 }), {
      taskQueue: h.taskQueue,
    });
    const t0 = Date.now();
    const failure = await expectFailure(started.handle.result());
    expect(failure.type).toBe('RestoreDeadlineExceeded');
    expect(failure.message).toContain('RUNNING');
    expect(Date.now() - t0).toBeLessThan(15_000);
    const status = await started.handle.query(restoreStatusQuery);
    expect(status.phase).toBe('DEADLINE_EXCEEDED');
    expect(posts(h.sim)).toBe(1);
    await recordHistory(suite.env, 'deadline', started.workflowId);
  });
});

test('the caller named in notify receives a typed restoreFinished signal, on success and on failure', async () => {
  for (const outcome of ['COMPLETED', 'FAILED'] as const) {
    await suite.withHarness({ timing: { pendingMs: 100, queuedMs: 100, runningMs: 300 }, outcome }, async (h) => {
      const caller = await suite.env.client.workflow.start('awaitRestoreSignalWorkflow', {
        taskQueue: h.taskQueue,
        workflowId: `caller-${outcome}-${Date.now()}`,
      });
      const request = requestFor(3, { notify: { workflowId: caller.workflowId } });
      const started = await startRestore(suite.env.client, request, { taskQueue: h.taskQueue });
      await started.handle.result().catch(() => undefined);
      const notification = (await caller.result()) as RestoreFinishedNotification;
      expect(notification).toMatchObject({
        workflowId: started.workflowId,
        outcome,
        jobId: h.sim.restoreJobs()[0]!.id,
        atlasStatus: outcome,
      });
      if (outcome === 'COMPLETED') {
        expect(notification.result?.jobId).toBe(notification.jobId);
        expect(notification.failure).toBeNull();
      } else {
        expect(notification.failure?.type).toBe('RestoreFailed');
        expect(notification.result).toBeNull();
      }
      expect((await started.handle.query(restoreStatusQuery)).notified).toBe(true);
    });
  }
});

test('the status query shows live progress while the job runs', async () => {
  await suite.withHarness({ timing: { pendingMs: 500, queuedMs: 500, runningMs: 4000 } }, async (h) => {
    const started = await startRestore(suite.env.client, requestFor(4), { taskQueue: h.taskQueue });
    const seen = new Set<string>();
    let status = await started.handle.query(restoreStatusQuery);
    while (status.phase !== 'COMPLETED') {
      if (status.atlasStatus) seen.add(status.atlasStatus);
      if (status.atlasStatus === 'RUNNING') {
        expect(status).toMatchObject({ phase: 'POLLING', jobId: h.sim.restoreJobs()[0]!.id, lastError: null });
        expect(status.pollCount).toBeGreaterThan(0);
        expect(Date.parse(status.deadlineAt)).toBeGreaterThan(Date.parse(status.startedAt));
      }
      await new Promise((r) => setTimeout(r, 200));
      status = await started.handle.query(restoreStatusQuery);
    }
    expect(seen).toContain('RUNNING');
    expect(status.jobFinishedAt).not.toBeNull();
  });
});

test('a long restore continues as new below the history threshold and still completes once', async () => {
  await suite.withHarness({ timing: { pendingMs: 100, queuedMs: 100, runningMs: 6000 } }, async (h) => {
    const request = requestFor(5, {
      continueAsNewAfterEvents: 30,
      polling: { ...FAST_POLLING, reportEverySeconds: 1 },
    });
    const started = await startRestore(suite.env.client, request, { taskQueue: h.taskQueue });
    const result = await suite.env.client.workflow.getHandle(started.workflowId).result();
    const status = await suite.env.client.workflow.getHandle(started.workflowId).query(restoreStatusQuery);
    expect(status.continuedAsNew).toBeGreaterThanOrEqual(1);
    expect(status.phase).toBe('COMPLETED');
    expect((result as RestoreResult).pollCount).toBeGreaterThan(status.continuedAsNew);
    expect(posts(h.sim)).toBe(1);
    const history = await suite.env.client.workflow.getHandle(started.workflowId).fetchHistory();
    expect(history.events?.length).toBeLessThan(60);
    await recordHistory(suite.env, 'continued-as-new', started.workflowId);
  });
});

test('a second start for the same target attaches to the running restore; another snapshot is refused', async () => {
  await suite.withHarness({ timing: { pendingMs: 100, queuedMs: 100, runningMs: 1500 } }, async (h) => {
    const first = await startRestore(suite.env.client, requestFor(6), { taskQueue: h.taskQueue });
    const again = await startRestore(suite.env.client, requestFor(6), { taskQueue: h.taskQueue });
    expect(again).toMatchObject({ started: false, workflowId: first.workflowId, runId: first.runId });
    const other = { ...requestFor(6), snapshotId: TEST_CLUSTERS[7]!.snapshotId };
    await expect(startRestore(suite.env.client, other, { taskQueue: h.taskQueue })).rejects.toBeInstanceOf(
      RestoreAlreadyRunningError
    );
    await expect(
      startRestore(suite.env.client, requestFor(6), { taskQueue: h.taskQueue, onRunning: 'fail' })
    ).rejects.toThrow(/already running/);
    await first.handle.result();
    expect(posts(h.sim)).toBe(1);
  });
});

test.each([
  {
    name: 'an unknown cluster',
    override: { clusterName: 'no-such-cluster' },
    type: 'AtlasNotFound',
    message: /CLUSTER_NOT_FOUND/,
  },
  {
    name: 'an unknown project',
    override: { projectId: 'aaaaaaaaaaaaaaaaaaaaaaaa', targetProjectId: SEED_PROJECT_ID },
    type: 'AtlasNotFound',
    message: /GROUP_NOT_FOUND/,
  },
])('$name fails fast with $type and no job', async ({ override, type, message }) => {
  await suite.withHarness({}, async (h) => {
    const started = await startRestore(suite.env.client, requestFor(8, override), { taskQueue: h.taskQueue });
    const failure = await expectFailure(started.handle.result());
    expect(failure.type).toBe(type);
    expect(failure.message).toMatch(message);
    expect(h.sim.restoreJobs()).toHaveLength(0);
  });
});

test('wrong Atlas credentials fail with AtlasAuthFailed and never leak the key', async () => {
  const wrongKey = 'ffffffff-0000-4000-8000-000000000000';
  await suite.withHarness(
    {},
    async (h) => {
      const started = await startRestore(suite.env.client, requestFor(9), { taskQueue: h.taskQueue });
      const failure = await expectFailure(started.handle.result());
      expect(failure.type).toBe('AtlasAuthFailed');
      const history = JSON.stringify(await started.handle.fetchHistory());
      expect(history).not.toContain(wrongKey);
      expect(history).not.toMatch(/response="?[0-9a-f]{32}/);
    },
    { credentials: { publicKey: DEFAULT_SIMULATOR_PUBLIC_KEY, privateKey: wrongKey } }
  );
});

test('a raw start with invalid JSON input fails with InvalidRestoreRequest before any Atlas call', async () => {
  await suite.withHarness({}, async (h) => {
    const handle = await suite.env.client.workflow.start(RESTORE_WORKFLOW_TYPE, {
      taskQueue: h.taskQueue,
      workflowId: `raw-invalid-${Date.now()}`,
      args: [{ projectId: 'not-an-id', clusterName: 'M2AWS', snapshotId: 42, targetClusterName: '', privateKey: 'x' }],
    });
    const failure = await expectFailure(handle.result());
    expect(failure.type).toBe('InvalidRestoreRequest');
    expect(failure.message).toMatch(/credential/);
    expect(h.sim.requests).toHaveLength(0);
  });
});

test('a valid request started under another workflow id is refused: one restore per target, whoever starts it', async () => {
  await suite.withHarness({}, async (h) => {
    const handle = await suite.env.client.workflow.start(RESTORE_WORKFLOW_TYPE, {
      taskQueue: h.taskQueue,
      workflowId: `my-own-id-${Date.now()}`,
      args: [requestFor(14)],
    });
    const failure = await expectFailure(handle.result());
    expect(failure.type).toBe('InvalidRestoreRequest');
    expect(failure.message).toContain(`atlas-restore/${SEED_PROJECT_ID}/${TEST_CLUSTERS[14]!.name}`);
    expect(h.sim.requests).toHaveLength(0);
  });
});

test('a create whose answer is lost after Atlas committed it adopts that job instead of posting again', async () => {
  await suite.withHarness(
    { timing: { pendingMs: 100, queuedMs: 100, runningMs: 500 }, faults: { resetAfterCommit: 1 } },
    async (h) => {
      const started = await startRestore(suite.env.client, requestFor(15), { taskQueue: h.taskQueue });
      while (h.sim.restoreJobs().length === 0) await new Promise((r) => setTimeout(r, 50));
      h.sim.setFaults({});
      const result = (await started.handle.result()) as RestoreResult;
      expect(h.sim.restoreJobs()).toHaveLength(1);
      expect(result).toMatchObject({ adoptedExistingJob: true, jobId: h.sim.restoreJobs()[0]!.id });
      expect(h.sim.stats().faultsInjected.resetAfterCommit).toBe(1);
      await recordHistory(suite.env, 'adopted', started.workflowId);
    }
  );
});

test('a lost create answer, then retries refused with stale nonces, still ends with that one job adopted', async () => {
  let sim: AtlasSimulator | undefined;
  await suite.withHarness(
    {
      timing: { pendingMs: 100, queuedMs: 100, runningMs: 500 },
      faults: { resetAfterCommit: 1 },
      // Once the POST's answer is lost, every Digest call is refused as stale for a while.
      onRequest: (r) => {
        if (r.method === 'POST' && r.status === 0) sim?.setFaults({ staleNonce: 1 });
      },
    },
    async (h) => {
      sim = h.sim;
      const started = await startRestore(suite.env.client, requestFor(12), { taskQueue: h.taskQueue });
      while (h.sim.stats().faultsInjected.staleNonce < 4) await new Promise((r) => setTimeout(r, 50));
      h.sim.setFaults({});
      const result = (await started.handle.result()) as RestoreResult;
      expect(h.sim.restoreJobs()).toHaveLength(1);
      expect(result).toMatchObject({ adoptedExistingJob: true, jobId: h.sim.restoreJobs()[0]!.id });
    }
  );
});

test('a start repeated with the same requestKey after the restore finished returns it instead of restoring again', async () => {
  await suite.withHarness({ timing: { pendingMs: 100, queuedMs: 100, runningMs: 300 } }, async (h) => {
    const options = { taskQueue: h.taskQueue, requestKey: `pipeline-run-${Date.now()}` };
    const first = await startRestore(suite.env.client, requestFor(11), options);
    await first.handle.result();
    const again = await startRestore(suite.env.client, requestFor(11), options);
    expect(again).toMatchObject({ started: false, runId: first.runId });
    const fresh = await startRestore(suite.env.client, requestFor(11), { taskQueue: h.taskQueue });
    expect(fresh.started).toBe(true);
    await fresh.handle.result();
    expect(h.sim.restoreJobs()).toHaveLength(2);
  });
});
