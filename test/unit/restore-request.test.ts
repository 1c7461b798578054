import { parseRestoreRequest, restoreWorkflowId, type RestoreRequestInput } from '../../contract/restore';

const valid: RestoreRequestInput = {
  projectId: '571c390a7cea7e4dbf32b625',
  clusterName: 'M2AWS',
  snapshotId: '5ced491ce7a2e10517c81fa7',
  targetClusterName: 'M2AWS',
};

describe('parseRestoreRequest', () => {
  test('the documented example is valid and gets defaults', () => {
    const parsed = parseRestoreRequest(valid);
    expect(parsed.success).toBe(true);
    if (!parsed.success) return;
    expect(parsed.data).toMatchObject({ ...valid, deadlineSeconds: 8 * 3600, continueAsNewAfterEvents: 2000 });
    expect(parsed.data.targetProjectId).toBeUndefined();
  });

  test.each([
    ['a target project', { targetProjectId: 'aaaaaaaaaaaaaaaaaaaaaaaa' }],
    ['a notify target', { notify: { workflowId: 'caller-1' } }],
    [
      'a notify target with run id',
      { notify: { workflowId: 'caller-1', runId: 'b3e1c1b2-5a5e-4c1e-9f00-000000000000' } },
    ],
    ['partial polling', { polling: { intervalSeconds: 10 } }],
    ['a 64-character cluster name', { targetClusterName: 'a'.repeat(64) }],
    ['a hyphenated cluster name', { clusterName: 'my-cluster-0' }],
    ['the shortest deadline', { deadlineSeconds: 5 }],
    ['the latest snapshot', { snapshotId: 'latest' }],
    ['an explicit Flex family', { family: 'flex' }],
    ['the shared-tier v2 family', { family: 'tenant-v2' }],
    ['a DOWNLOAD without a target', { delivery: 'DOWNLOAD', targetClusterName: undefined }],
  ])('accepts %s', (_name, extra) => {
    expect(parseRestoreRequest({ ...valid, ...extra })).toMatchObject({ success: true });
  });

  test.each([
    ['a non-hex project id', { projectId: 'zzzc390a7cea7e4dbf32b625' }, /projectId/],
    ['an upper-case project id', { projectId: '571C390A7CEA7E4DBF32B625' }, /projectId/],
    ['a short snapshot id', { snapshotId: '5ced491c' }, /snapshotId/],
    ['a numeric snapshot id', { snapshotId: 5 }, /snapshotId/],
    ['an empty cluster name', { clusterName: '' }, /clusterName/],
    ['a cluster name starting with a hyphen', { clusterName: '-abc' }, /clusterName/],
    ['a cluster name with a space', { targetClusterName: 'my cluster' }, /targetClusterName/],
    ['a cluster name with a slash', { targetClusterName: 'a/b' }, /targetClusterName/],
    ['a unicode cluster name', { targetClusterName: 'clüster' }, /targetClusterName/],
    ['a 65-character cluster name', { targetClusterName: 'a'.repeat(65) }, /targetClusterName/],
    ['a huge cluster name', { clusterName: 'x'.repeat(100_000) }, /clusterName/],
    ['an unknown field', { colour: 'blue' }, /colour/],
    ['a private key', { privateKey: 'secret' }, /credential/],
    ['an api key', { apiKey: 'secret' }, /credential/],
    ['a password', { atlasPassword: 'secret' }, /credential/],
    ['a negative deadline', { deadlineSeconds: -1 }, /deadlineSeconds/],
    ['a fractional deadline', { deadlineSeconds: 10.5 }, /deadlineSeconds/],
    ['a deadline of a month', { deadlineSeconds: 31 * 24 * 3600 }, /deadlineSeconds/],
    ['a string deadline', { deadlineSeconds: '60' }, /deadlineSeconds/],
    ['notify without workflow id', { notify: {} }, /workflowId/],
    ['notify with extra keys', { notify: { workflowId: 'a', signal: 'x' } }, /signal/],
    ['polling with an unknown key', { polling: { every: 3 } }, /every/],
    ['polling backoff below 1', { polling: { backoffCoefficient: 0.5 } }, /backoffCoefficient/],
    ['polling jitter above 0.5', { polling: { jitterRatio: 0.9 } }, /jitterRatio/],
    ['a tiny continue-as-new threshold', { continueAsNewAfterEvents: 3 }, /continueAsNewAfterEvents/],
    [
      'a RESTORE without a target cluster',
      { targetClusterName: undefined },
      /targetClusterName[\s\S]*|required for a RESTORE/,
    ],
    ['a DOWNLOAD with a target cluster', { delivery: 'DOWNLOAD' }, /DOWNLOAD has no target/],
    ['an unknown family', { family: 'dedicated' }, /family/],
    ['an unknown delivery', { delivery: 'COPY' }, /delivery/],
    ['a snapshot called newest', { snapshotId: 'newest' }, /"latest"/],
  ])('refuses %s with a message naming it', (_name, extra, message) => {
    const parsed = parseRestoreRequest({ ...valid, ...extra });
    expect(parsed.success).toBe(false);
    if (!parsed.success) expect(parsed.error).toMatch(message);
  });

  test.each([
    ['null', null],
    ['an array', [valid]],
    ['a string', JSON.stringify(valid)],
    ['a number', 42],
    ['an empty object', {}],
  ])('refuses %s as a whole', (_name, input) => {
    expect(parseRestoreRequest(input)).toMatchObject({ success: false });
  });

  test('missing fields are all named in one message', () => {
    const parsed = parseRestoreRequest({});
    expect(parsed.success).toBe(false);
    if (parsed.success) return;
    for (const field of ['projectId', 'clusterName', 'snapshotId', 'targetClusterName']) {
      expect(parsed.error).toContain(field);
    }
  });
});

test('the workflow id is the target cluster, so one restore per target runs at a time', () => {
  expect(restoreWorkflowId({ targetProjectId: '571c390a7cea7e4dbf32b625', targetClusterName: 'M2AWS' })).toBe(
    'atlas-restore/571c390a7cea7e4dbf32b625/M2AWS'
  );
});
