import { activityInfo, cancellationSignal, log } from '@temporalio/activity';
import type { RestoreJobView } from '../contract/restore';
import type { AtlasClient } from './atlas/atlas-client';
import type { TenantRestoreJob } from './atlas/schemas';
import { toApplicationFailure } from './to-application-failure';

/** The Atlas calls the restore activities need; the worker passes an {@link AtlasClient}. */
export type RestoreJobsApi = Pick<AtlasClient, 'createTenantRestoreJob' | 'getTenantRestoreJob' | 'listTenantRestoreJobs'>;

/** What the activities are built from. */
export interface RestoreActivityDeps {
  atlas: RestoreJobsApi;
}

/** Identifies the restore the workflow asked for. */
export interface RestoreJobSpec {
  projectId: string;
  clusterName: string;
  snapshotId: string;
  targetProjectId: string;
  targetClusterName: string;
}

/** Input of `createRestoreJob`. */
export interface CreateRestoreJobInput extends RestoreJobSpec {
  /** ISO time the workflow decided to create the job: a job of ours cannot have been scheduled before it. */
  notBefore: string;
  /** Look for an existing job even on the first attempt (e.g. after a continue-as-new lost track of one). */
  lookupFirst: boolean;
}

/** Output of `createRestoreJob`. */
export interface CreateRestoreJobOutput {
  job: RestoreJobView;
  /** True when an earlier attempt's job was found and adopted instead of posting again. */
  adopted: boolean;
}

/** Input of `getRestoreJob`. */
export interface GetRestoreJobInput {
  projectId: string;
  clusterName: string;
  jobId: string;
}

/** Input of `findRestoreJob`. */
export interface FindRestoreJobInput extends RestoreJobSpec {
  notBefore: string;
}

/** Atlas stamps jobs with its own clock, to the second; allow for that much skew when matching. */
export const CLOCK_SKEW_ALLOWANCE_MS = 60_000;
const LOOKUP_PAGE_SIZE = 100;
const LOOKUP_MAX_PAGES = 10;

/**
 * Builds the restore activities around an Atlas client (dependency injection, so tests and the worker wire
 * their own). Every Atlas error leaves through {@link toApplicationFailure}.
 */
export function createActivities(deps: RestoreActivityDeps) {
  const { atlas } = deps;

  async function findExistingJob(spec: FindRestoreJobInput, signal: AbortSignal): Promise<RestoreJobView | null> {
    const notBeforeMs = Date.parse(spec.notBefore) - CLOCK_SKEW_ALLOWANCE_MS;
    for (let pageNum = 1; pageNum <= LOOKUP_MAX_PAGES; pageNum++) {
      const page = await atlas.listTenantRestoreJobs(
        {
          groupId: spec.projectId,
          clusterName: spec.clusterName,
          pageNum,
          itemsPerPage: LOOKUP_PAGE_SIZE,
          includeCount: false,
        },
        { signal }
      );
      for (const job of page.results) {
        if (matchesSpec(job, spec, notBeforeMs)) return toJobView(job);
      }
      // Jobs come newest first: once a page reaches older jobs, no later page can hold ours.
      const reachedOlderJobs = page.results.some((job) => scheduledMs(job) < notBeforeMs);
      if (reachedOlderJobs || page.results.length < LOOKUP_PAGE_SIZE) return null;
    }
    return null;
  }

  return {
    /**
     * Creates the Atlas restore job, at most once per workflow: on any retry (or when asked) it first looks for a
     * job an earlier attempt created, since a timed-out POST may still have reached Atlas and Atlas has no
     * idempotency key.
     */
    async createRestoreJob(input: CreateRestoreJobInput): Promise<CreateRestoreJobOutput> {
      const signal = cancellationSignal();
      const { attempt } = activityInfo();
      try {
        if (attempt > 1 || input.lookupFirst) {
          const existing = await findExistingJob(input, signal);
          if (existing) {
            log.info('Adopted the restore job an earlier attempt created', { jobId: existing.id, attempt });
            return { job: existing, adopted: true };
          }
        }
        const job = await atlas.createTenantRestoreJob(
          {
            groupId: input.projectId,
            clusterName: input.clusterName,
            snapshotId: input.snapshotId,
            targetDeploymentItemName: input.targetClusterName,
            targetProjectId: input.targetProjectId,
          },
          { signal }
        );
        log.info('Created Atlas restore job', { jobId: job.id, status: job.status, attempt });
        return { job: toJobView(job), adopted: false };
      } catch (err) {
        throw toApplicationFailure(err);
      }
    },

    /** Reads the job's current status once; the workflow decides when to ask again. */
    async getRestoreJob(input: GetRestoreJobInput): Promise<RestoreJobView> {
      try {
        const job = await atlas.getTenantRestoreJob(
          { groupId: input.projectId, clusterName: input.clusterName, restoreId: input.jobId },
          { signal: cancellationSignal() }
        );
        return toJobView(job);
      } catch (err) {
        throw toApplicationFailure(err);
      }
    },

    /** Looks for a job this workflow created, without creating one (used after the create step gave up). */
    async findRestoreJob(input: FindRestoreJobInput): Promise<RestoreJobView | null> {
      try {
        return await findExistingJob(input, cancellationSignal());
      } catch (err) {
        throw toApplicationFailure(err);
      }
    },
  };
}

/** The activities the worker registers. */
export type RestoreActivities = ReturnType<typeof createActivities>;

function scheduledMs(job: TenantRestoreJob): number {
  return job.restoreScheduledDate ? Date.parse(job.restoreScheduledDate) : Number.NaN;
}

function matchesSpec(job: TenantRestoreJob, spec: RestoreJobSpec, notBeforeMs: number): boolean {
  return (
    (job.deliveryType ?? 'RESTORE') === 'RESTORE' &&
    job.snapshotId === spec.snapshotId &&
    job.targetDeploymentItemName === spec.targetClusterName &&
    (job.targetProjectId ?? spec.projectId) === spec.targetProjectId &&
    scheduledMs(job) >= notBeforeMs
  );
}

/** Keeps what the workflow needs; drops `snapshotUrl` (a secret) and links. */
export function toJobView(job: TenantRestoreJob): RestoreJobView {
  return {
    id: job.id,
    status: job.status,
    restoreScheduledDate: job.restoreScheduledDate ?? null,
    restoreFinishedDate: job.restoreFinishedDate ?? null,
    expirationDate: job.expirationDate ?? null,
  };
}
