import type { SimulatedRestoreJob } from '../../simulator/server';
import type { PlannedRestore } from '../../scripts/chaos-plan';
import {
  judgeRestores,
  problemsOf,
  SecretScanner,
  withDecodedPayloads,
  type RestoreOutcome,
  type RunTally,
} from '../../scripts/chaos-verdict';

const NOW = 1_000_000;
const PROJECT = '6a0000000000000000000001';
const SNAPSHOT = '6a0000000000000000000002';

function restore(name: string): PlannedRestore {
  return {
    index: 0,
    workflowId: `atlas-restore/${PROJECT}/${name}`,
    request: { projectId: PROJECT, clusterName: name, snapshotId: SNAPSHOT, targetClusterName: name },
    clusterFamily: 'tenant',
    delivery: 'RESTORE',
    projectId: PROJECT,
    clusterName: name,
    snapshotId: SNAPSHOT,
    targetProjectId: PROJECT,
    targetClusterName: name,
  };
}

function job(name: string, id: string, outcome: 'COMPLETED' | 'FAILED', finishesAt: number | null = NOW - 1) {
  return {
    id,
    family: 'tenant-v1',
    projectId: PROJECT,
    clusterName: name,
    snapshotId: SNAPSHOT,
    targetProjectId: PROJECT,
    targetDeploymentItemName: name,
    deliveryType: 'RESTORE',
    scheduledAt: 0,
    finishesAt,
    outcome,
  } satisfies SimulatedRestoreJob;
}

const completed = (jobId: string): RestoreOutcome => ({ state: 'COMPLETED', jobId, adopted: false, snapshotUrl: null });
const failed = (type: string, jobId: string | null): RestoreOutcome => ({ state: 'FAILED', type, message: 'x', jobId });

function judge(
  restores: PlannedRestore[],
  outcomes: Record<string, RestoreOutcome>,
  jobs: SimulatedRestoreJob[],
  runs: Record<string, RunTally> = {}
) {
  const allRuns = new Map(restores.map((r) => [r.workflowId, runs[r.clusterName] ?? { ownRuns: 1, allRuns: 1 }]));
  const byId = new Map(Object.entries(outcomes).map(([name, o]) => [restore(name).workflowId, o]));
  return judgeRestores({ restores, outcomes: byId, runs: allRuns, jobs, now: NOW });
}

describe('judgeRestores', () => {
  test('a restore that completed with its one completed job is fine', () => {
    const verdict = judge([restore('a')], { a: completed('j1') }, [job('a', 'j1', 'COMPLETED')]);
    expect(verdict).toMatchObject({ finalized: 1, completed: 1, duplicateJobs: 0, lostRestores: 0, strayJobs: 0 });
  });

  test('counts every extra job of a restore as a duplicate', () => {
    const jobs = [job('a', 'j1', 'COMPLETED'), job('a', 'j2', 'COMPLETED'), job('a', 'j3', 'FAILED')];
    expect(judge([restore('a')], { a: completed('j1') }, jobs)).toMatchObject({
      duplicateJobs: 2,
      duplicatedRestores: 1,
    });
  });

  test('counts a job for another snapshot as stray, not as the restore’s', () => {
    const other = { ...job('a', 'j2', 'COMPLETED'), snapshotId: '6a0000000000000000000009' };
    expect(judge([restore('a')], { a: completed('j1') }, [job('a', 'j1', 'COMPLETED'), other])).toMatchObject({
      strayJobs: 1,
      duplicateJobs: 0,
    });
  });

  test.each([
    { why: 'never started', outcomes: {}, runs: {}, reason: 'never started' },
    { why: 'still running', outcomes: {}, runs: { a: { ownRuns: 1, allRuns: 2 } }, reason: 'never finished' },
  ])('loses a restore that was $why', ({ outcomes, runs, reason }) => {
    const restores = [restore('a')];
    const allRuns = new Map(Object.entries(runs).map(([name, tally]) => [restore(name).workflowId, tally]));
    const verdict = judgeRestores({
      restores,
      outcomes: new Map(Object.entries(outcomes)),
      runs: allRuns,
      jobs: [],
      now: NOW,
    });
    expect(verdict.lostRestores).toBe(1);
    expect(verdict.lost[0]?.reason).toBe(reason);
  });

  test.each([
    { why: 'COMPLETED without an Atlas job', outcome: completed('j9'), jobs: [], reason: /Atlas job j9 is missing/ },
    {
      why: 'COMPLETED while its job is still running',
      outcome: completed('j1'),
      jobs: [job('a', 'j1', 'COMPLETED', NOW + 1)],
      reason: /is unfinished/,
    },
    {
      why: 'RestoreFailed while its job completed',
      outcome: failed('RestoreFailed', 'j1'),
      jobs: [job('a', 'j1', 'COMPLETED')],
      reason: /RestoreFailed in Temporal, but Atlas job j1 is COMPLETED/,
    },
    {
      why: 'AtlasUnavailable while Atlas completed a job for it',
      outcome: failed('AtlasUnavailable', null),
      jobs: [job('a', 'j1', 'COMPLETED')],
      reason: /AtlasUnavailable in Temporal, but Atlas completed job j1/,
    },
  ])('loses a restore that ended $why', ({ outcome, jobs, reason }) => {
    const verdict = judge([restore('a')], { a: outcome }, jobs);
    expect(verdict.lostRestores).toBe(1);
    expect(verdict.lost[0]?.reason).toMatch(reason);
  });

  test('a RestoreFailed backed by a FAILED job, or a failure with no job at all, is an outcome, not a loss', () => {
    const verdict = judge(
      [restore('a'), restore('b')],
      { a: failed('RestoreFailed', 'j1'), b: failed('AtlasUnavailable', null) },
      [job('a', 'j1', 'FAILED')]
    );
    expect(verdict).toMatchObject({
      failed: 2,
      lostRestores: 0,
      failedByType: { RestoreFailed: 1, AtlasUnavailable: 1 },
    });
  });

  test('counts second runs that are not continuations as duplicate starts', () => {
    const verdict = judge([restore('a')], { a: completed('j1') }, [job('a', 'j1', 'COMPLETED')], {
      a: { ownRuns: 2, allRuns: 4 },
    });
    expect(verdict.duplicateStarts).toBe(1);
  });
});

describe('SecretScanner', () => {
  const token = '0123456789abcdef0123456789abcdef';
  const scanner = () =>
    new SecretScanner([
      { kind: 'atlasPrivateKey', value: 'priv-key-123456' },
      { kind: 'snapshotUrl', value: token },
    ]);

  test('counts every occurrence, by kind and source', () => {
    const s = scanner();
    expect(s.scan(`a priv-key-123456 b priv-key-123456 c ${token}`, 'worker-log')).toBe(3);
    expect(s.scan('nothing here', 'histories')).toBe(0);
    expect(s.total).toBe(3);
    expect(s.byKind).toEqual({ atlasPrivateKey: 2, snapshotUrl: 1 });
    expect(s.bySource).toEqual({ 'worker-log': 3, histories: 0 });
    expect(s.sightings[0]).toEqual({ kind: 'atlasPrivateKey', source: 'worker-log' });
  });

  test('counts a download link it was not told about by its shape, and a known one once', () => {
    const s = scanner();
    const unknown = 'http://127.0.0.1:1/snapshot-downloads/ffffffffffffffffffffffffffffffff/restore-x.tar.gz';
    const known = `http://127.0.0.1:1/snapshot-downloads/${token}/restore-x.tar.gz`;
    expect(s.scan(`${unknown} ${known}`, 'errors')).toBe(2);
  });

  test('refuses secrets short enough to match by chance', () => {
    expect(() => new SecretScanner([{ kind: 'x', value: 'abc' }])).toThrow(RangeError);
  });
});

describe('withDecodedPayloads', () => {
  test('adds the decoded data and metadata of every payload, however deep', () => {
    const payload = (text: string) => ({
      metadata: { encoding: Buffer.from('json/plain').toString('base64') },
      data: Buffer.from(text).toString('base64'),
    });
    const json = JSON.stringify({ events: [{ attrs: { input: { payloads: [payload('{"secret":"hidden-1"}')] } } }] });
    const text = withDecodedPayloads(json);
    expect(json).not.toContain('hidden-1');
    expect(text).toContain('{"secret":"hidden-1"}');
    expect(text).toContain('json/plain');
  });
});

describe('problemsOf', () => {
  const clean = {
    lostRestores: 0,
    duplicateJobs: 0,
    duplicateStarts: 0,
    strayJobs: 0,
    secretLeaks: 0,
    linkMismatches: 0,
    workerKills: 10,
    serverRestarts: 1,
  };

  test('passes a clean run that met its minimums', () => {
    expect(problemsOf(clean, { workerKills: 10, serverRestarts: 1 })).toEqual([]);
  });

  test('names every problem', () => {
    expect(
      problemsOf(
        { ...clean, lostRestores: 2, duplicateJobs: 1, secretLeaks: 3, workerKills: 4 },
        {
          workerKills: 10,
          serverRestarts: 1,
        }
      )
    ).toEqual(['2 restores lost', '1 duplicate Atlas jobs', '3 secret leaks', 'only 4 of 10 worker kills']);
  });
});
