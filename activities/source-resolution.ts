import { ApplicationFailure } from '@temporalio/common';
import { AtlasFailureType } from '../contract/atlas-failures';
import type { ApiFamily } from '../contract/restore';
import type { AtlasClient } from './atlas/atlas-client';
import { AtlasApiError } from './atlas/errors';
import type { AtlasPage, AtlasSnapshot } from './atlas/schemas';

/**
 * Finding out how to talk about a cluster, from Atlas's own answers: which API family serves it (`auto`), and which
 * snapshot is the newest usable one (`latest`). Detection never guesses: an answer that is not one of the documented
 * routing signals is an error, never a silent choice.
 */

/** The Atlas calls source resolution needs. */
export type SnapshotsApi = Pick<AtlasClient, 'listSnapshots'>;

/** A family Atlas accepted for the cluster, why, and the first page of snapshots it answered with. */
export interface DetectedFamily {
  family: ApiFamily;
  reason: string;
  firstPage: AtlasPage<AtlasSnapshot>;
}

/** Snapshots are read 500 at a time (the Atlas maximum), so most clusters need one call. */
export const SNAPSHOT_PAGE_SIZE = 500;

const NOT_FLEX = 'CANNOT_USE_NON_FLEX_CLUSTER_IN_FLEX_API';
const IS_FLEX = 'CANNOT_USE_FLEX_CLUSTER_IN_CLUSTER_API';

/**
 * Asks Flex first (every M2/M5 cluster became Flex and the tenant endpoints are sunset, so this is one call for
 * almost every cluster today), then the shared-tier v1.0 API, then v2 when v1.0 is gone. Each step's answer is
 * recorded in `reason`.
 */
export async function detectFamily(
  atlas: SnapshotsApi,
  cluster: { projectId: string; clusterName: string },
  signal: AbortSignal
): Promise<DetectedFamily> {
  const list = (family: ApiFamily) =>
    atlas.listSnapshots(
      {
        family,
        groupId: cluster.projectId,
        clusterName: cluster.clusterName,
        pageNum: 1,
        itemsPerPage: SNAPSHOT_PAGE_SIZE,
        includeCount: true,
      },
      { signal }
    );
  let flexAnswer: string;
  try {
    return { family: 'flex', reason: 'the Flex API serves this cluster', firstPage: await list('flex') };
  } catch (err) {
    if (!(err instanceof AtlasApiError)) throw err;
    if (err.status === 400 && err.errorCode === NOT_FLEX) flexAnswer = NOT_FLEX;
    else if (err.status === 404 && err.errorCode !== 'GROUP_NOT_FOUND')
      flexAnswer = `404 ${err.errorCode ?? ''}`.trim();
    else throw err;
  }
  let v1Answer: string;
  try {
    const firstPage = await list('tenant-v1');
    return {
      family: 'tenant-v1',
      reason: `the Flex API answered ${flexAnswer}; the shared-tier v1.0 API serves it`,
      firstPage,
    };
  } catch (err) {
    if (!(err instanceof AtlasApiError)) throw err;
    if (err.status === 400 && err.errorCode === IS_FLEX) {
      throw ApplicationFailure.create({
        type: AtlasFailureType.BAD_REQUEST,
        nonRetryable: true,
        message: `Atlas contradicts itself about ${cluster.clusterName}: the Flex API answered ${flexAnswer} and the shared-tier API ${IS_FLEX}`,
      });
    }
    if (err.status !== 410) throw notFoundBothWays(err, flexAnswer);
    v1Answer = `410 ${err.errorCode ?? 'VERSION_GONE'}`;
  }
  try {
    const firstPage = await list('tenant-v2');
    return {
      family: 'tenant-v2',
      reason: `the Flex API answered ${flexAnswer} and shared-tier v1.0 ${v1Answer}; the shared-tier v2 API serves it`,
      firstPage,
    };
  } catch (err) {
    if (!(err instanceof AtlasApiError) || err.status !== 410)
      throw err instanceof AtlasApiError ? notFoundBothWays(err, flexAnswer) : err;
    throw ApplicationFailure.create({
      type: flexAnswer.startsWith('404') ? AtlasFailureType.NOT_FOUND : AtlasFailureType.ENDPOINT_GONE,
      nonRetryable: true,
      message:
        `No API serves cluster ${cluster.clusterName}: the Flex API answered ${flexAnswer}, and Atlas has sunset the ` +
        `shared-tier API (v1.0 and v2 answered 410 VERSION_GONE)`,
    });
  }
}

/** A 404 from the tenant API after the Flex API also did not know the cluster: report Atlas's own error. */
function notFoundBothWays(err: AtlasApiError, flexAnswer: string): Error {
  if (err.status !== 404) return err;
  return ApplicationFailure.create({
    type: AtlasFailureType.NOT_FOUND,
    nonRetryable: true,
    message: `${err.message} (the Flex API answered ${flexAnswer})`,
    details: [{ status: err.status, errorCode: err.errorCode ?? null, parameters: err.parameters }],
  });
}

/**
 * The newest COMPLETED snapshot. Atlas lists snapshots oldest first, so this reads the last page (from `totalCount`)
 * and walks back only while a page has no completed snapshot; `firstPage` saves a call when detection read it.
 */
export async function latestCompletedSnapshot(
  atlas: SnapshotsApi,
  cluster: { family: ApiFamily; projectId: string; clusterName: string },
  signal: AbortSignal,
  firstPage?: AtlasPage<AtlasSnapshot>
): Promise<AtlasSnapshot> {
  const read = (pageNum: number) =>
    atlas.listSnapshots(
      {
        family: cluster.family,
        groupId: cluster.projectId,
        clusterName: cluster.clusterName,
        pageNum,
        itemsPerPage: SNAPSHOT_PAGE_SIZE,
        includeCount: true,
      },
      { signal }
    );
  const page1 = firstPage ?? (await read(1));
  const total = page1.totalCount ?? undefined;
  if (total === undefined) {
    // No count: read forward to the end, keeping the newest completed snapshot seen.
    let best = newestCompleted(page1.results);
    for (let pageNum = 2, page = page1; page.results.length === SNAPSHOT_PAGE_SIZE; pageNum++) {
      page = await read(pageNum);
      best = newer(best, newestCompleted(page.results));
    }
    return best ?? noSnapshot(cluster.clusterName);
  }
  for (let pageNum = Math.max(1, Math.ceil(total / SNAPSHOT_PAGE_SIZE)); pageNum >= 1; pageNum--) {
    const page = pageNum === 1 ? page1 : await read(pageNum);
    const best = newestCompleted(page.results);
    if (best) return best;
  }
  return noSnapshot(cluster.clusterName);
}

function snapshotTime(s: AtlasSnapshot): number {
  const time = Date.parse(s.finishTime ?? s.scheduledTime ?? '');
  return Number.isNaN(time) ? -Infinity : time;
}

function newer(a: AtlasSnapshot | undefined, b: AtlasSnapshot | undefined): AtlasSnapshot | undefined {
  if (a === undefined) return b;
  if (b === undefined) return a;
  return snapshotTime(b) > snapshotTime(a) ? b : a;
}

function newestCompleted(snapshots: AtlasSnapshot[]): AtlasSnapshot | undefined {
  return snapshots.filter((s) => s.status === 'COMPLETED').reduce<AtlasSnapshot | undefined>(newer, undefined);
}

function noSnapshot(clusterName: string): never {
  throw ApplicationFailure.create({
    type: AtlasFailureType.NOT_FOUND,
    nonRetryable: true,
    message: `Cluster ${clusterName} has no COMPLETED snapshot to restore`,
  });
}
