import { WithStartWorkflowOperation } from '@temporalio/client';
import { runCli } from '../../client/cli';
import { listRestores, type RestoreSummary } from '../../client/restore-list';
import { awaitRestore, getRestore, startRestore } from '../../client/restore-client';
import { RESTORE_WORKFLOW_TYPE, restoreWorkflowId, type RestoreRequestInput } from '../../contract/restore';
import {
  AtlasApiFamily,
  AtlasClusterName,
  AtlasProjectId,
  AtlasRestoreJobId,
  AtlasTargetClusterName,
  RestoreStatusAttribute,
} from '../../contract/search-attributes';
import type { SimulatorSeedInput } from '../../simulator/seed';
import { pollNowSignal, restoreJobUpdate } from '../../workflows/messages';
import { FAST_POLLING, posts, useRestoreTestSuite } from '../helpers/restore-test-kit';

/**
 * Operations and integration on a real dev server: the search attributes a restore publishes, `list` in the
 * library and the CLI, update-with-start (start or join a restore and learn its job id in one call) and
 * signal-with-start for Temporal callers. A project of its own, so listing by project sees only these restores.
 */

const PROJECT = '5f00000000000000000000a1';
const CLUSTERS = ['vis-quick', 'vis-slow', 'vis-update', 'vis-signal'] as const;
const SNAPSHOT = (i: number) => (0x5a00000000 + i).toString(16).padStart(24, '0');
const SEED: SimulatorSeedInput = {
  projects: [
    {
      id: PROJECT,
      clusters: CLUSTERS.map((name, i) => ({
        name,
        snapshots: [{ id: SNAPSHOT(i) }],
        ...(name === 'vis-slow' ? { restoreTiming: { pendingMs: 500, queuedMs: 500, runningMs: 6000 } } : {}),
      })),
    },
  ],
};

function request(cluster: (typeof CLUSTERS)[number]): RestoreRequestInput {
  return {
    projectId: PROJECT,
    clusterName: cluster,
    snapshotId: SNAPSHOT(CLUSTERS.indexOf(cluster)),
    targetClusterName: cluster,
    polling: FAST_POLLING,
  };
}

/** Visibility is eventually consistent: ask until `found` says yes (or 15 s pass). */
async function eventually(
  list: () => Promise<RestoreSummary[]>,
  found: (restores: RestoreSummary[]) => boolean
): Promise<RestoreSummary[]> {
  const deadline = Date.now() + 15_000;
  let restores = await list();
  while (!found(restores) && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 250));
    restores = await list();
  }
  return restores;
}

const suite = useRestoreTestSuite();

describe('search attributes and list', () => {
  test('a finished restore is findable by project, cluster and status, in the library and the CLI', async () => {
    await suite.withHarness({ seed: SEED }, async (h) => {
      const client = suite.env.client;
      const started = await startRestore(client, request('vis-quick'), { taskQueue: h.taskQueue });
      const result = await awaitRestore(client, started.workflowId);

      const attributes = (await started.handle.describe()).typedSearchAttributes;
      expect(attributes.get(AtlasProjectId)).toBe(PROJECT);
      expect(attributes.get(AtlasClusterName)).toBe('vis-quick');
      expect(attributes.get(AtlasTargetClusterName)).toBe('vis-quick');
      expect(attributes.get(AtlasRestoreJobId)).toBe(result.jobId);
      expect(attributes.get(AtlasApiFamily)).toBe('tenant-v1');
      expect(attributes.get(RestoreStatusAttribute)).toBe('COMPLETED');

      const listed = await eventually(
        () => listRestores(client, { projectId: PROJECT, clusterName: 'vis-quick', status: 'COMPLETED' }),
        (r) => r.length > 0
      );
      expect(listed).toEqual([
        expect.objectContaining({
          workflowId: started.workflowId,
          executionStatus: 'COMPLETED',
          phase: 'COMPLETED',
          jobId: result.jobId,
          family: 'tenant-v1',
        }),
      ]);
      expect(await listRestores(client, { projectId: PROJECT, clusterName: 'vis-quick', status: 'FAILED' })).toEqual(
        []
      );

      const lines: string[] = [];
      const env = { TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS };
      expect(
        await runCli(['list', '--project-id', PROJECT, '--cluster', 'vis-quick', '--json'], env, (l) => lines.push(l))
      ).toBe(0);
      expect(JSON.parse(lines[0]!)).toEqual([
        expect.objectContaining({ workflowId: started.workflowId, phase: 'COMPLETED' }),
      ]);
      lines.length = 0;
      expect(await runCli(['list', '--project-id', PROJECT, '--cluster', 'vis-quick'], env, (l) => lines.push(l))).toBe(
        0
      );
      expect(lines[0]).toMatch(/^STATUS\s+SOURCE -> TARGET\s+JOB\s+FAMILY\s+STARTED\s+WORKFLOW ID$/);
      expect(lines[1]).toContain(`COMPLETED  ${PROJECT}/vis-quick -> ${PROJECT}/vis-quick  ${result.jobId}  tenant-v1`);
      lines.length = 0;
      expect(await runCli(['list', '--status', 'DONE'], env, (l) => lines.push(l))).toBe(2);
      expect(lines[0]).toContain('Invalid list filter');
    });
  });

  test('a running restore is listed as POLLING with its job id while Atlas works', async () => {
    await suite.withHarness({ seed: SEED }, async (h) => {
      const client = suite.env.client;
      const started = await startRestore(client, request('vis-slow'), { taskQueue: h.taskQueue });
      const polling = await eventually(
        () => listRestores(client, { projectId: PROJECT, status: 'POLLING' }),
        (r) => r.some((x) => x.workflowId === started.workflowId && x.jobId !== null)
      );
      const mine = polling.find((x) => x.workflowId === started.workflowId);
      expect(mine).toMatchObject({ executionStatus: 'RUNNING', phase: 'POLLING', targetClusterName: 'vis-slow' });
      expect(mine?.jobId).toMatch(/^[a-f0-9]{24}$/);
      await awaitRestore(client, started.workflowId);
    });
  });
});

describe('Temporal callers', () => {
  test('update-with-start starts a restore and returns its job id; a second call joins it, no second job', async () => {
    await suite.withHarness({ seed: SEED }, async (h) => {
      const client = suite.env.client;
      const workflowId = restoreWorkflowId({ targetProjectId: PROJECT, targetClusterName: 'vis-update' });
      const startOperation = () =>
        new WithStartWorkflowOperation(RESTORE_WORKFLOW_TYPE, {
          workflowId,
          taskQueue: h.taskQueue,
          args: [request('vis-update')],
          workflowIdConflictPolicy: 'USE_EXISTING',
        });
      const first = await client.workflow.executeUpdateWithStart(restoreJobUpdate, {
        startWorkflowOperation: startOperation(),
      });
      expect(first.jobId).toMatch(/^[a-f0-9]{24}$/);
      expect(first.phase === 'POLLING' || first.phase === 'COMPLETED').toBe(true);
      const second = await client.workflow.executeUpdateWithStart(restoreJobUpdate, {
        startWorkflowOperation: startOperation(),
      });
      expect(second.jobId).toBe(first.jobId);
      await awaitRestore(client, workflowId);
      expect(posts(h.sim)).toBe(1);
    });
  });

  test('update on a refused request resolves with the reason instead of hanging', async () => {
    await suite.withHarness({ seed: SEED }, async (h) => {
      const client = suite.env.client;
      const workflowId = `${restoreWorkflowId({ targetProjectId: PROJECT, targetClusterName: 'vis-update' })}-wrong`;
      const status = await client.workflow.executeUpdateWithStart(restoreJobUpdate, {
        startWorkflowOperation: new WithStartWorkflowOperation(RESTORE_WORKFLOW_TYPE, {
          workflowId,
          taskQueue: h.taskQueue,
          args: [request('vis-update')],
          workflowIdConflictPolicy: 'USE_EXISTING',
        }),
      });
      expect(status).toMatchObject({ phase: 'FAILED', jobId: null, lastError: { type: 'InvalidRestoreRequest' } });
      expect((await getRestore(client, workflowId)).phase).toBe('FAILED');
      expect(posts(h.sim)).toBe(0);
    });
  });

  test('signal-with-start of pollNow starts a restore, or nudges the running one', async () => {
    await suite.withHarness({ seed: SEED }, async (h) => {
      const client = suite.env.client;
      const workflowId = restoreWorkflowId({ targetProjectId: PROJECT, targetClusterName: 'vis-signal' });
      const options = {
        workflowId,
        taskQueue: h.taskQueue,
        args: [{ ...request('vis-signal'), polling: { ...FAST_POLLING, initialDelaySeconds: 3600 } }] as [
          RestoreRequestInput,
        ],
        signal: pollNowSignal,
        signalArgs: [] as [],
      };
      const handle = await client.workflow.signalWithStart(RESTORE_WORKFLOW_TYPE, options);
      // A second signal-with-start finds the restore running and only signals it.
      const again = await client.workflow.signalWithStart(RESTORE_WORKFLOW_TYPE, options);
      expect(again.signaledRunId).toBe(handle.signaledRunId);
      // The hour-long quiet period is cut short by the pollNow signals, so the restore ends in seconds.
      const result = await awaitRestore(client, workflowId);
      expect(result.outcome).toBe('COMPLETED');
      expect(posts(h.sim)).toBe(1);
    });
  });
});
