/**
 * The backup routes of the three families that reach small clusters, from one table since they are the same six
 * operations on different paths:
 * - tenant v1.0 (archived Atlas v1.0 pages "Shared-Tier Restore Jobs" / "Shared-Tier Snapshots"),
 * - tenant v2 (resource 2023-01-01; same paths under `/api/atlas/v2`, `targetProjectId` optional),
 * - Flex (resource 2024-11-13; `flexClusters/{name}/backup/restoreJobs…`, jobs name their cluster `instanceName`).
 * Each route checks in the order a client would hit the checks: ids in the path, the project, the cluster and its
 * family, then the body.
 */

import { randomBytes } from 'node:crypto';
import type { z } from 'zod';
import { ClusterNameSchema, ObjectIdSchema } from '../contract/atlas-ids';
import type { ApiFamily } from './api-families';
import {
  clusterNotFound,
  flexClusterInClusterApi,
  groupNotFound,
  invalidAttribute,
  invalidJson,
  missingAttribute,
  nonFlexClusterInFlexApi,
  resourceNotFound,
} from './atlas-errors';
import { listPage, readPageRequest } from './pagination';
import type { RateLimitSet } from './rate-limits';
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

/** Where one family puts the six operations, and what it asks of a restore body. */
interface FamilyPaths {
  family: ApiFamily;
  /** The seed family of the clusters this API serves; the other family's clusters get a routing 400. */
  clusterFamily: ClusterRecord['family'];
  /** The cluster's backup root, with `{groupId}` and `{<clusterParam>}` placeholders. */
  base: string;
  clusterParam: string;
  createPath: string;
  jobsPath: string;
  jobIdParam: string;
  /** The v1.0 docs say every restore attribute is required; the v2 and Flex specs make `targetProjectId` optional. */
  targetProjectRequired: boolean;
  restoreJobsSet: RateLimitSet;
  snapshotsSet: RateLimitSet;
}

const FAMILIES: readonly FamilyPaths[] = [
  {
    family: 'tenant-v1',
    clusterFamily: 'tenant',
    base: '/api/atlas/v1.0/groups/{groupId}/clusters/{clusterName}/backup/tenant',
    clusterParam: 'clusterName',
    createPath: 'restore',
    jobsPath: 'restores',
    jobIdParam: 'restoreId',
    targetProjectRequired: true,
    restoreJobsSet: 'tenantRestoreJobs',
    snapshotsSet: 'tenantSnapshots',
  },
  {
    family: 'tenant-v2',
    clusterFamily: 'tenant',
    base: '/api/atlas/v2/groups/{groupId}/clusters/{clusterName}/backup/tenant',
    clusterParam: 'clusterName',
    createPath: 'restore',
    jobsPath: 'restores',
    jobIdParam: 'restoreId',
    targetProjectRequired: false,
    restoreJobsSet: 'tenantRestoreJobs',
    snapshotsSet: 'tenantSnapshots',
  },
  {
    family: 'flex',
    clusterFamily: 'flex',
    base: '/api/atlas/v2/groups/{groupId}/flexClusters/{name}/backup',
    clusterParam: 'name',
    createPath: 'restoreJobs',
    jobsPath: 'restoreJobs',
    jobIdParam: 'restoreJobId',
    targetProjectRequired: false,
    restoreJobsSet: 'flexRestoreJobs',
    snapshotsSet: 'flexSnapshots',
  },
];

/** The v2 spec's pattern for `targetDeploymentItemName`; a well-formed name that does not exist is a 404, not a 400. */
const DEPLOYMENT_ITEM_NAME = /^[\p{L}\p{N}\-_.(),:&@+']{1,64}$/u;

type AttributeCheck = (value: unknown) => boolean;

const SNAPSHOT_ID: AttributeCheck = (value) => ObjectIdSchema.safeParse(value).success;
const TARGET_NAME: AttributeCheck = (value) => typeof value === 'string' && DEPLOYMENT_ITEM_NAME.test(value);
const TARGET_PROJECT_ID: AttributeCheck = (value) => ObjectIdSchema.safeParse(value).success;

/** Every backup route of every family over `state`. */
export function backupRoutes(state: SimulatorState): Route[] {
  return FAMILIES.flatMap((paths) => familyRoutes(state, paths));
}

/** The project named by the `groupId` path parameter: 400 when malformed, 404 `GROUP_NOT_FOUND` when unknown. */
export function findProject(state: SimulatorState, request: Pick<RouteRequest, 'params'>): ProjectRecord {
  const groupId = pathId(request, 'groupId', ObjectIdSchema);
  const project = state.project(groupId);
  if (project === undefined) throw groupNotFound(groupId);
  return project;
}

function familyRoutes(state: SimulatorState, paths: FamilyPaths): Route[] {
  const { family, base } = paths;
  const findCluster = (request: RouteRequest): { project: ProjectRecord; cluster: ClusterRecord } => {
    const project = findProject(state, request);
    const clusterName = pathId(request, paths.clusterParam, ClusterNameSchema);
    const cluster = project.clusters.get(clusterName);
    if (cluster === undefined) throw clusterNotFound(clusterName, project.id);
    if (cluster.family !== paths.clusterFamily) {
      throw paths.clusterFamily === 'flex'
        ? nonFlexClusterInFlexApi(clusterName)
        : flexClusterInClusterApi(clusterName);
    }
    return { project, cluster };
  };
  const restoreJobs = { family, rateLimitSet: paths.restoreJobsSet };
  const snapshots = { family, rateLimitSet: paths.snapshotsSet };

  return [
    {
      ...restoreJobs,
      method: 'POST',
      pattern: `${base}/${paths.createPath}`,
      createsJob: true,
      handle(request) {
        const { project, cluster } = findCluster(request);
        const body = paths.targetProjectRequired
          ? readAttributes(request.body, {
              snapshotId: SNAPSHOT_ID,
              targetDeploymentItemName: TARGET_NAME,
              targetProjectId: TARGET_PROJECT_ID,
            })
          : readAttributes(
              request.body,
              { snapshotId: SNAPSHOT_ID, targetDeploymentItemName: TARGET_NAME },
              { targetProjectId: TARGET_PROJECT_ID }
            );
        const snapshot = findSnapshot(cluster, body.snapshotId);
        const targetProjectId = body.targetProjectId ?? project.id;
        checkTarget(state, targetProjectId, body.targetDeploymentItemName);
        const job = state.createRestoreJob(
          {
            family,
            project,
            cluster,
            snapshot,
            targetProjectId,
            targetDeploymentItemName: body.targetDeploymentItemName,
          },
          request.now
        );
        // Creation is asynchronous in Atlas: the answer to the POST always says PENDING, even with zero timings.
        return ok(restoreJobView(job, 'PENDING'));
      },
    },
    {
      ...restoreJobs,
      method: 'GET',
      pattern: `${base}/${paths.jobsPath}`,
      createsJob: false,
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
      ...restoreJobs,
      method: 'GET',
      pattern: `${base}/${paths.jobsPath}/{${paths.jobIdParam}}`,
      createsJob: false,
      handle(request) {
        const { cluster } = findCluster(request);
        const jobId = pathId(request, paths.jobIdParam, ObjectIdSchema);
        const job = cluster.jobsById.get(jobId);
        if (job === undefined) throw resourceNotFound(`Restore job with id ${jobId}`);
        return ok(restoreJobView(job, jobStatusAt(job, request.now)));
      },
    },
    {
      ...snapshots,
      method: 'GET',
      pattern: `${base}/snapshots`,
      createsJob: false,
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
      ...snapshots,
      method: 'GET',
      pattern: `${base}/snapshots/{snapshotId}`,
      createsJob: false,
      handle(request) {
        const { cluster } = findCluster(request);
        return ok(snapshotView(findSnapshot(cluster, pathId(request, 'snapshotId', ObjectIdSchema))));
      },
    },
    {
      ...snapshots,
      method: 'POST',
      pattern: `${base}/download`,
      createsJob: true,
      handle(request) {
        const { project, cluster } = findCluster(request);
        const body = readAttributes(request.body, { snapshotId: SNAPSHOT_ID });
        const snapshot = findSnapshot(cluster, body.snapshotId);
        const token = randomBytes(16).toString('hex');
        const snapshotUrl = `${request.origin}/snapshot-downloads/${token}/restore-${snapshot.id}.tar.gz`;
        const job = state.createDownloadJob({ family, project, cluster, snapshot, snapshotUrl }, request.now);
        return ok(restoreJobView(job, jobStatusAt(job, request.now)));
      },
    },
  ];
}

function ok(body: unknown): RouteResponse {
  return { status: 200, body };
}

/** A path parameter checked against its id pattern; a malformed one is a 400 naming the parameter. */
function pathId(request: Pick<RouteRequest, 'params'>, name: string, schema: z.ZodType<string>): string {
  const value = request.params[name] ?? '';
  if (!schema.safeParse(value).success) throw invalidAttribute(name);
  return value;
}

/** A snapshot of `cluster`; a snapshot of any other cluster is as unknown as one that does not exist. */
function findSnapshot(cluster: ClusterRecord, snapshotId: string): SnapshotRecord {
  const snapshot = cluster.snapshotsById.get(snapshotId);
  if (snapshot === undefined) throw resourceNotFound(`Snapshot with id ${snapshotId}`);
  return snapshot;
}

/** Checks that a restore target exists; it may be a cluster of either family, as the Flex docs allow. */
function checkTarget(state: SimulatorState, targetProjectId: string, targetDeploymentItemName: string): void {
  const targetProject = state.project(targetProjectId);
  if (targetProject === undefined) throw groupNotFound(targetProjectId);
  if (!targetProject.clusters.has(targetDeploymentItemName)) {
    throw clusterNotFound(targetDeploymentItemName, targetProjectId);
  }
}

/**
 * Validates a JSON body against named attribute checks, required ones first, in declaration order: a required
 * attribute absent or null → MISSING_ATTRIBUTE; a present one failing its check → INVALID_ATTRIBUTE; then any
 * attribute not declared → INVALID_ATTRIBUTE, as Atlas refuses attributes it does not know. An empty body counts as
 * `{}`, and a null optional attribute as absent.
 */
function readAttributes<R extends string, O extends string = never>(
  body: RequestBody,
  required: Record<R, AttributeCheck>,
  optional: Record<O, AttributeCheck> = {} as Record<O, AttributeCheck>
): Record<R, string> & Partial<Record<O, string>> {
  if (body.kind === 'invalid') throw invalidJson();
  const value = body.kind === 'json' ? body.value : {};
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw invalidJson();
  const attributes = value as Record<string, unknown>;
  const result: Record<string, string> = {};
  const checks: [string, AttributeCheck, boolean][] = [
    ...Object.entries<AttributeCheck>(required).map(([name, check]): [string, AttributeCheck, boolean] => [
      name,
      check,
      true,
    ]),
    ...Object.entries<AttributeCheck>(optional).map(([name, check]): [string, AttributeCheck, boolean] => [
      name,
      check,
      false,
    ]),
  ];
  for (const [name, check, isRequired] of checks) {
    const attribute = attributes[name];
    if (attribute === undefined || attribute === null) {
      if (isRequired) throw missingAttribute(name);
      continue;
    }
    if (!check(attribute)) throw invalidAttribute(name);
    result[name] = attribute as string;
  }
  const unknown = Object.keys(attributes).find((name) => !checks.some(([declared]) => declared === name));
  if (unknown !== undefined) throw invalidAttribute(unknown);
  return result as Record<R, string> & Partial<Record<O, string>>;
}
