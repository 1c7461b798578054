/**
 * The v1.0 shared-tier (M2/M5, "tenant") backup family, as documented in the archived Atlas v1.0 pages
 * "Shared-Tier Restore Jobs" and "Shared-Tier Snapshots": create/list/get restore jobs, list/get snapshots,
 * and request a snapshot download. Checks run in the order a client would hit them: ids in the path, the project,
 * the cluster, then the body.
 */

import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { ClusterNameSchema, ObjectIdSchema } from '../contract/atlas-ids';
import {
  clusterNotFound,
  groupNotFound,
  invalidAttribute,
  invalidJson,
  missingAttribute,
  resourceNotFound,
} from './atlas-errors';
import { listPage, readPageRequest } from './pagination';
import type { RequestBody, Route, RouteRequest, RouteResponse } from './router';
import {
  jobStatusAt,
  restoreJobView,
  snapshotView,
  type ClusterRecord,
  type ProjectRecord,
  type SimulatorState,
  type SnapshotRecord,
} from './simulator-state';

const CLUSTER_PATH = '/api/atlas/v1.0/groups/{groupId}/clusters/{clusterName}/backup/tenant';

/** The v2 spec's pattern for `targetDeploymentItemName`; a well-formed name that does not exist is a 404, not a 400. */
const DEPLOYMENT_ITEM_NAME = /^[\p{L}\p{N}\-_.(),:&@+']{1,64}$/u;

/** Body of `POST …/restore`; the v1.0 docs say "All listed fields are required". */
const RESTORE_ATTRIBUTES = {
  snapshotId: (value: unknown) => ObjectIdSchema.safeParse(value).success,
  targetDeploymentItemName: (value: unknown) => typeof value === 'string' && DEPLOYMENT_ITEM_NAME.test(value),
  targetProjectId: (value: unknown) => ObjectIdSchema.safeParse(value).success,
};

/** Body of `POST …/download`. */
const DOWNLOAD_ATTRIBUTES = { snapshotId: RESTORE_ATTRIBUTES.snapshotId };

/** The v1.0 shared-tier routes over `state`. */
export function tenantV1Routes(state: SimulatorState): Route[] {
  const findCluster = (request: RouteRequest): { project: ProjectRecord; cluster: ClusterRecord } => {
    const groupId = pathId(request, 'groupId', ObjectIdSchema);
    const project = state.project(groupId);
    if (project === undefined) throw groupNotFound(groupId);
    const clusterName = pathId(request, 'clusterName', ClusterNameSchema);
    const cluster = project.clusters.get(clusterName);
    if (cluster === undefined) throw clusterNotFound(clusterName, groupId);
    return { project, cluster };
  };

  const findSnapshot = (cluster: ClusterRecord, snapshotId: string): SnapshotRecord => {
    const snapshot = cluster.snapshotsById.get(snapshotId);
    if (snapshot === undefined) throw resourceNotFound(`Snapshot with id ${snapshotId}`);
    return snapshot;
  };

  return [
    {
      method: 'POST',
      pattern: `${CLUSTER_PATH}/restore`,
      handle(request) {
        const { project, cluster } = findCluster(request);
        const body = readAttributes(request.body, RESTORE_ATTRIBUTES);
        const snapshot = findSnapshot(cluster, body.snapshotId);
        const targetProject = state.project(body.targetProjectId);
        if (targetProject === undefined) throw groupNotFound(body.targetProjectId);
        if (!targetProject.clusters.has(body.targetDeploymentItemName)) {
          throw clusterNotFound(body.targetDeploymentItemName, body.targetProjectId);
        }
        const job = state.createRestoreJob(
          {
            project,
            cluster,
            snapshot,
            targetProjectId: body.targetProjectId,
            targetDeploymentItemName: body.targetDeploymentItemName,
          },
          request.now
        );
        // Creation is asynchronous in Atlas: the answer to the POST always says PENDING, even with zero timings.
        return ok(restoreJobView(job, 'PENDING'));
      },
    },
    {
      method: 'GET',
      pattern: `${CLUSTER_PATH}/restores`,
      handle(request) {
        const { cluster } = findCluster(request);
        return ok(
          listPage(cluster.jobs, readPageRequest(request.query), {
            newestFirst: true,
            selfUrl: request.origin + request.path,
            view: (job) => restoreJobView(job, jobStatusAt(job, request.now)),
          })
        );
      },
    },
    {
      method: 'GET',
      pattern: `${CLUSTER_PATH}/restores/{restoreId}`,
      handle(request) {
        const { cluster } = findCluster(request);
        const restoreId = pathId(request, 'restoreId', ObjectIdSchema);
        const job = cluster.jobsById.get(restoreId);
        if (job === undefined) throw resourceNotFound(`Restore job with id ${restoreId}`);
        return ok(restoreJobView(job, jobStatusAt(job, request.now)));
      },
    },
    {
      method: 'GET',
      pattern: `${CLUSTER_PATH}/snapshots`,
      handle(request) {
        const { cluster } = findCluster(request);
        return ok(
          listPage(cluster.snapshots, readPageRequest(request.query), {
            newestFirst: false,
            selfUrl: request.origin + request.path,
            view: snapshotView,
          })
        );
      },
    },
    {
      method: 'GET',
      pattern: `${CLUSTER_PATH}/snapshots/{snapshotId}`,
      handle(request) {
        const { cluster } = findCluster(request);
        return ok(snapshotView(findSnapshot(cluster, pathId(request, 'snapshotId', ObjectIdSchema))));
      },
    },
    {
      method: 'POST',
      pattern: `${CLUSTER_PATH}/download`,
      handle(request) {
        const { project, cluster } = findCluster(request);
        const body = readAttributes(request.body, DOWNLOAD_ATTRIBUTES);
        const snapshot = findSnapshot(cluster, body.snapshotId);
        const token = randomBytes(16).toString('hex');
        const snapshotUrl = `${request.origin}/snapshot-downloads/${token}/restore-${snapshot.id}.tar.gz`;
        const job = state.createDownloadJob({ project, cluster, snapshot, snapshotUrl }, request.now);
        return ok(restoreJobView(job, jobStatusAt(job, request.now)));
      },
    },
  ];
}

function ok(body: unknown): RouteResponse {
  return { status: 200, body };
}

/** A path parameter checked against its id pattern; a malformed one is a 400 naming the parameter. */
function pathId(request: RouteRequest, name: string, schema: z.ZodType<string>): string {
  const value = request.params[name] ?? '';
  if (!schema.safeParse(value).success) throw invalidAttribute(name);
  return value;
}

/**
 * Validates a JSON body against named attribute checks, in declaration order: absent or null → MISSING_ATTRIBUTE,
 * failing its check → INVALID_ATTRIBUTE; then any attribute not declared → INVALID_ATTRIBUTE, as Atlas refuses
 * attributes it does not know. An empty body counts as `{}`.
 */
function readAttributes<K extends string>(
  body: RequestBody,
  checks: Record<K, (value: unknown) => boolean>
): Record<K, string> {
  if (body.kind === 'invalid') throw invalidJson();
  const value = body.kind === 'json' ? body.value : {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalidJson();
  const attributes = value as Record<string, unknown>;
  const result: Partial<Record<K, string>> = {};
  for (const name of Object.keys(checks) as K[]) {
    const attribute = attributes[name];
    if (attribute === undefined || attribute === null) throw missingAttribute(name);
    if (!checks[name](attribute)) throw invalidAttribute(name);
    result[name] = attribute as string;
  }
  const unknown = Object.keys(attributes).find((name) => !Object.hasOwn(checks, name));
  if (unknown !== undefined) throw invalidAttribute(unknown);
  return result as Record<K, string>;
}
