import { ServiceError } from '@temporalio/client';
import { formatRestoreTable, restoreListQuery, type RestoreSummary } from '../../client/restore-list';
import { explainSearchAttributeError, SearchAttributesMissingError } from '../../client/search-attribute-errors';

describe('restoreListQuery', () => {
  test.each([
    [{}, "WorkflowType = 'restoreSnapshotWorkflow'"],
    [
      { projectId: '5f0c0c0c0c0c0c0c0c0c0c0c' },
      "WorkflowType = 'restoreSnapshotWorkflow' AND (AtlasProjectId = '5f0c0c0c0c0c0c0c0c0c0c0c' OR " +
        "AtlasTargetProjectId = '5f0c0c0c0c0c0c0c0c0c0c0c')",
    ],
    [
      { clusterName: 'Cluster-1', status: 'POLLING' as const },
      "WorkflowType = 'restoreSnapshotWorkflow' AND (AtlasClusterName = 'Cluster-1' OR " +
        "AtlasTargetClusterName = 'Cluster-1') AND RestoreStatus = 'POLLING'",
    ],
  ])('%j', (filter, query) => {
    expect(restoreListQuery(filter)).toBe(query);
  });

  test.each([
    [{ clusterName: "x' OR WorkflowType != 'y" }],
    [{ projectId: 'not-an-id' }],
    [{ status: 'RUNNING' }],
    [{ limit: 0 }],
    [{ cluster: 'typo' }],
  ])('refuses %j (nothing can be injected into the query)', (filter) => {
    expect(() => restoreListQuery(filter as never)).toThrow();
  });
});

describe('formatRestoreTable', () => {
  const base: RestoreSummary = {
    workflowId: 'atlas-restore/5f0c0c0c0c0c0c0c0c0c0c0c/Target',
    runId: 'r1',
    executionStatus: 'RUNNING',
    phase: 'POLLING',
    projectId: '5f0c0c0c0c0c0c0c0c0c0c0c',
    clusterName: 'Source',
    targetProjectId: '5f0c0c0c0c0c0c0c0c0c0c0c',
    targetClusterName: 'Target',
    jobId: '6b0c6c13a9e368c178cca994',
    family: 'flex',
    startTime: '2026-11-29T18:00:00.000Z',
    closeTime: null,
  };

  test('aligned columns; downloads and restores without a published phase read sensibly', () => {
    const lines = formatRestoreTable([
      base,
      { ...base, phase: null, executionStatus: 'TERMINATED', jobId: null, family: null },
      { ...base, targetProjectId: null, targetClusterName: null, workflowId: 'atlas-download/x' },
    ]);
    expect(lines).toEqual([
      'STATUS      SOURCE -> TARGET                                                    JOB                       FAMILY  STARTED                   WORKFLOW ID',
      'POLLING     5f0c0c0c0c0c0c0c0c0c0c0c/Source -> 5f0c0c0c0c0c0c0c0c0c0c0c/Target  6b0c6c13a9e368c178cca994  flex    2026-11-29T18:00:00.000Z  atlas-restore/5f0c0c0c0c0c0c0c0c0c0c0c/Target',
      'TERMINATED  5f0c0c0c0c0c0c0c0c0c0c0c/Source -> 5f0c0c0c0c0c0c0c0c0c0c0c/Target  -                         -       2026-11-29T18:00:00.000Z  atlas-restore/5f0c0c0c0c0c0c0c0c0c0c0c/Target',
      'POLLING     download 5f0c0c0c0c0c0c0c0c0c0c0c/Source                            6b0c6c13a9e368c178cca994  flex    2026-11-29T18:00:00.000Z  atlas-download/x',
    ]);
  });
});

describe('explainSearchAttributeError', () => {
  const grpcError = (message: string) => Object.assign(new Error(message), { code: 3 });

  test.each([
    [
      'Failed to start Workflow',
      '3 INVALID_ARGUMENT: Namespace prod has no mapping defined for search attribute AtlasProjectId',
    ],
    [
      'Failed to list workflows',
      "3 INVALID_ARGUMENT: invalid query: column name 'RestoreStatus' is not a valid search attribute",
    ],
  ])('%s because of an unregistered attribute: says how to register them', (message, cause) => {
    const explained = explainSearchAttributeError(new ServiceError(message, { cause: grpcError(cause) }), 'prod');
    expect(explained).toBeInstanceOf(SearchAttributesMissingError);
    expect((explained as Error).message).toContain(cause.replace('3 INVALID_ARGUMENT: ', ''));
    expect((explained as Error).message).toContain(
      'temporal operator search-attribute create --namespace prod --name AtlasProjectId --type Keyword'
    );
  });

  test('any other error is left alone', () => {
    const other = new ServiceError('Failed to start Workflow', {
      cause: grpcError('14 UNAVAILABLE: connection refused'),
    });
    expect(explainSearchAttributeError(other, 'prod')).toBe(other);
    const plain = new Error('search attribute, but not from the server');
    expect(explainSearchAttributeError(plain, 'prod')).toBe(plain);
  });
});
