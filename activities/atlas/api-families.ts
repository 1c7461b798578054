import { joinPaths, path, type AtlasPath } from './path';

/**
 * The three Admin API families that restore a small cluster, and how each puts the same six operations on the wire.
 * Atlas converted M2/M5 clusters to Flex and sunset the tenant endpoints (docs/reference atlas-api.md §0), so the
 * worker must be able to speak all three; everything family-specific lives in this one table.
 */

/**
 * - `tenant-v1`: `/api/atlas/v1.0/…/backup/tenant`, unversioned JSON.
 * - `tenant-v2`: `/api/atlas/v2/…/backup/tenant`, resource version 2023-01-01 (deprecated, sunset 2026-01-22).
 * - `flex`: `/api/atlas/v2/…/flexClusters/{name}/backup`, resource version 2024-11-13.
 */
export type AtlasApiFamily = 'tenant-v1' | 'tenant-v2' | 'flex';

/** Identifies a cluster and the API family to reach it through. */
export interface AtlasClusterRef {
  family: AtlasApiFamily;
  /** Project (group) id. */
  groupId: string;
  /** Cluster name; for Flex, the Flex cluster's (instance) name. */
  clusterName: string;
}

/** Where one family's operations live and which media type it speaks. */
export interface AtlasFamilyWire {
  /** Sent as `Accept`, and as `Content-Type` of request bodies. */
  mediaType: string;
  /** The cluster's backup root, e.g. `/api/atlas/v2/groups/{g}/flexClusters/{name}/backup`. */
  backupPath(ref: AtlasClusterRef): AtlasPath;
  /** POST here creates a restore job (relative to {@link backupPath}). */
  createRestorePath: AtlasPath;
  /** GET here lists restore jobs; `/{id}` below it reads one. */
  restoreJobsPath: AtlasPath;
}

const WIRE: Record<AtlasApiFamily, AtlasFamilyWire> = {
  'tenant-v1': {
    mediaType: 'application/json',
    backupPath: (r) => path`/api/atlas/v1.0/groups/${r.groupId}/clusters/${r.clusterName}/backup/tenant`,
    createRestorePath: path`/restore`,
    restoreJobsPath: path`/restores`,
  },
  'tenant-v2': {
    mediaType: 'application/vnd.atlas.2023-01-01+json',
    backupPath: (r) => path`/api/atlas/v2/groups/${r.groupId}/clusters/${r.clusterName}/backup/tenant`,
    createRestorePath: path`/restore`,
    restoreJobsPath: path`/restores`,
  },
  flex: {
    mediaType: 'application/vnd.atlas.2024-11-13+json',
    backupPath: (r) => path`/api/atlas/v2/groups/${r.groupId}/flexClusters/${r.clusterName}/backup`,
    createRestorePath: path`/restoreJobs`,
    restoreJobsPath: path`/restoreJobs`,
  },
};

/** The wire format of `family`; throws `TypeError` for anything else (e.g. an unchecked value from a workflow). */
export function familyWire(family: AtlasApiFamily): AtlasFamilyWire {
  const wire = Object.hasOwn(WIRE, family) ? WIRE[family] : undefined;
  if (wire === undefined) throw new TypeError(`unknown Atlas API family ${JSON.stringify(family)}`);
  return wire;
}

/** The paths of the six backup operations for one cluster. */
export const backupPaths = {
  createRestoreJob: (ref: AtlasClusterRef): AtlasPath => {
    const wire = familyWire(ref.family);
    return joinPaths(wire.backupPath(ref), wire.createRestorePath);
  },
  restoreJobs: (ref: AtlasClusterRef): AtlasPath => {
    const wire = familyWire(ref.family);
    return joinPaths(wire.backupPath(ref), wire.restoreJobsPath);
  },
  restoreJob: (ref: AtlasClusterRef, restoreId: string): AtlasPath =>
    joinPaths(backupPaths.restoreJobs(ref), path`/${restoreId}`),
  snapshots: (ref: AtlasClusterRef): AtlasPath => joinPaths(familyWire(ref.family).backupPath(ref), path`/snapshots`),
  snapshot: (ref: AtlasClusterRef, snapshotId: string): AtlasPath =>
    joinPaths(backupPaths.snapshots(ref), path`/${snapshotId}`),
  download: (ref: AtlasClusterRef): AtlasPath => joinPaths(familyWire(ref.family).backupPath(ref), path`/download`),
};
