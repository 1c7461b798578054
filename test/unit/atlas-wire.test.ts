import {
  backupPaths,
  familyWire,
  type AtlasApiFamily,
  type AtlasClusterRef,
} from '../../activities/atlas/api-families';
import { isJsonMediaType, parseRateLimit } from '../../activities/atlas/http-headers';

/** The family table (paths and media types of every operation) and the response-header helpers. */

const G = '571c390a7cea7e4dbf32b625';
const ref = (family: AtlasApiFamily, clusterName = 'M2AWS'): AtlasClusterRef => ({ family, groupId: G, clusterName });

describe('backupPaths', () => {
  const tenantV1 = `/api/atlas/v1.0/groups/${G}/clusters/M2AWS/backup/tenant`;
  const tenantV2 = `/api/atlas/v2/groups/${G}/clusters/M2AWS/backup/tenant`;
  const flex = `/api/atlas/v2/groups/${G}/flexClusters/M2AWS/backup`;

  test.each<{ family: AtlasApiFamily; op: keyof typeof backupPaths; expected: string }>([
    { family: 'tenant-v1', op: 'createRestoreJob', expected: `${tenantV1}/restore` },
    { family: 'tenant-v1', op: 'restoreJobs', expected: `${tenantV1}/restores` },
    { family: 'tenant-v1', op: 'restoreJob', expected: `${tenantV1}/restores/ID` },
    { family: 'tenant-v1', op: 'snapshots', expected: `${tenantV1}/snapshots` },
    { family: 'tenant-v1', op: 'snapshot', expected: `${tenantV1}/snapshots/ID` },
    { family: 'tenant-v1', op: 'download', expected: `${tenantV1}/download` },
    { family: 'tenant-v2', op: 'createRestoreJob', expected: `${tenantV2}/restore` },
    { family: 'tenant-v2', op: 'restoreJobs', expected: `${tenantV2}/restores` },
    { family: 'tenant-v2', op: 'restoreJob', expected: `${tenantV2}/restores/ID` },
    { family: 'tenant-v2', op: 'snapshots', expected: `${tenantV2}/snapshots` },
    { family: 'tenant-v2', op: 'snapshot', expected: `${tenantV2}/snapshots/ID` },
    { family: 'tenant-v2', op: 'download', expected: `${tenantV2}/download` },
    { family: 'flex', op: 'createRestoreJob', expected: `${flex}/restoreJobs` },
    { family: 'flex', op: 'restoreJobs', expected: `${flex}/restoreJobs` },
    { family: 'flex', op: 'restoreJob', expected: `${flex}/restoreJobs/ID` },
    { family: 'flex', op: 'snapshots', expected: `${flex}/snapshots` },
    { family: 'flex', op: 'snapshot', expected: `${flex}/snapshots/ID` },
    { family: 'flex', op: 'download', expected: `${flex}/download` },
  ])('$family $op → $expected', ({ family, op, expected }) => {
    expect(backupPaths[op](ref(family), 'ID')).toBe(expected);
  });

  test.each<AtlasApiFamily>(['tenant-v1', 'tenant-v2', 'flex'])('%s encodes every id into one segment', (family) => {
    const path = backupPaths.restoreJob(ref(family, 'a/b?c'), '../x');
    expect(path).toContain('/a%2Fb%3Fc/');
    expect(path.endsWith('/..%2Fx')).toBe(true);
  });

  test.each<{ family: AtlasApiFamily; mediaType: string }>([
    { family: 'tenant-v1', mediaType: 'application/json' },
    { family: 'tenant-v2', mediaType: 'application/vnd.atlas.2023-01-01+json' },
    { family: 'flex', mediaType: 'application/vnd.atlas.2024-11-13+json' },
  ])('$family speaks $mediaType', ({ family, mediaType }) => {
    expect(familyWire(family).mediaType).toBe(mediaType);
  });

  test.each(['tenant', 'v2', 'toString', '__proto__'])('an unknown family %p is a TypeError', (family) => {
    expect(() => familyWire(family as AtlasApiFamily)).toThrow(TypeError);
    expect(() => backupPaths.snapshots(ref(family as AtlasApiFamily))).toThrow(/unknown Atlas API family/);
  });
});

describe('isJsonMediaType', () => {
  test.each<{ value: string | undefined; expected: boolean }>([
    { value: 'application/json', expected: true },
    { value: 'application/json; charset=utf-8', expected: true },
    { value: 'Application/JSON', expected: true },
    { value: 'application/vnd.atlas.2024-11-13+json;charset=utf-8', expected: true },
    { value: 'application/vnd.atlas.2023-01-01+json', expected: true },
    { value: 'application/vnd.atlas.2025-03-12+json; charset=UTF-8', expected: true },
    { value: 'application/vnd.atlas.2024-11-13+gzip', expected: false },
    { value: 'application/vnd.other+json', expected: false },
    { value: 'application/jsonp', expected: false },
    { value: 'text/json', expected: false },
    { value: 'text/html', expected: false },
    { value: '', expected: false },
    { value: undefined, expected: false },
  ])('$value → $expected', ({ value, expected }) => {
    expect(isJsonMediaType(value)).toBe(expected);
  });
});

describe('parseRateLimit', () => {
  test.each<{ headers: Record<string, string | string[]>; expected: unknown }>([
    {
      headers: { 'ratelimit-limit': '1200', 'ratelimit-remaining': '1199' },
      expected: { limit: 1200, remaining: 1199 },
    },
    { headers: { 'ratelimit-remaining': '0' }, expected: { remaining: 0 } },
    { headers: { 'ratelimit-limit': ' 4000 ' }, expected: { limit: 4000 } },
    { headers: { 'ratelimit-limit': '-1', 'ratelimit-remaining': 'x' }, expected: undefined },
    { headers: { 'ratelimit-limit': '1.5' }, expected: undefined },
    { headers: {}, expected: undefined },
  ])('$headers → $expected', ({ headers, expected }) => {
    expect(parseRateLimit(headers)).toEqual(expected);
  });
});
