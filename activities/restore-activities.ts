import { activityInfo, cancellationSignal, heartbeat, log } from '@temporalio/activity';
import { ApplicationFailure, ApplicationFailureCategory } from '@temporalio/common';
import { isFinalRestoreJobStatus } from '../contract/restore-names';
import { pollDelayMs, type ResolvedPolling } from '../contract/polling';
import { JOB_NOT_FINISHED, claimedTarget } from '../contract/restore-names';
import {
  NotifyTargetSchema,
  RestoreFailureType,
  parseRestoreRequest,
  type ApiFamily,
  type ApiFamilyChoice,
  type Delivery,
  type NotifyTarget,
  type RestoreJobView,
  type RestoreRequest,
  type RestoreTarget,
} from '../contract/restore';
import type { AtlasClient } from './atlas/atlas-client';
import { createWebhookPolicy, type WebhookPolicy } from './webhook-delivery';
import type { AtlasRestoreJob } from './atlas/schemas';
import { detectFamily, latestCompletedSnapshot } from './source-resolution';
import { toApplicationFailure } from './to-application-failure';

/** The Atlas calls the restore activities make; the worker passes an {@link AtlasClient}. */
export type RestoreJobsApi = Pick<
  AtlasClient,
  'createRestoreJob' | 'getRestoreJob' | 'listRestoreJobs' | 'listSnapshots' | 'requestDownload'
>;

/** What the activities are built from. */
export interface RestoreActivityDeps {
  atlas: RestoreJobsApi;
  /**
   * Whether DOWNLOAD links may be handed to Temporal. They are secrets, so the worker allows it only with payload
   * encryption (or when the operator explicitly accepted links in clear).
   */
  allowSnapshotUrls: boolean;
  /** Which webhook URLs this worker calls; without it, requests with a `notify.webhookUrl` are refused. */
  webhookPolicy?: Pick<WebhookPolicy, 'allowedOriginOf'>;
}

/** Output of `validateRestoreRequest`. */
export type RequestValidation =
  | { valid: true; request: RestoreRequest }
  | { valid: false; error: string; notify: NotifyTarget | null; target: RestoreTarget };

/** What source resolution needs. */
interface ResolveSourceInput {
  projectId: string;
  clusterName: string;
  family: ApiFamilyChoice;
  snapshotId: string;
}

/** The family and snapshot a job uses, decided from Atlas's answers when the request left them open. */
export interface ResolvedSource {
  family: ApiFamily;
  familyReason: string;
  snapshotId: string;
}

/** Identifies the job the workflow asked for; `family` may be `auto` and `snapshotId` may be `latest`. */
export interface RestoreJobSpec {
  family: ApiFamilyChoice;
  projectId: string;
  clusterName: string;
  snapshotId: string;
  delivery: Delivery;
  /** Null for a DOWNLOAD. */
  targetProjectId: string | null;
  /** Null for a DOWNLOAD. */
  targetClusterName: string | null;
  /** ISO time the workflow started: a job of ours cannot have been scheduled before it. */
  notBefore: string;
}

/** Input of `createRestoreJob`. */
export interface CreateRestoreJobInput extends RestoreJobSpec {
  /** Look for an existing job even on the first attempt. */
  lookupFirst: boolean;
}

/** Output of `createRestoreJob` (and, when a job is found, of `findRestoreJob`). */
export interface CreateRestoreJobOutput extends ResolvedSource {
  job: RestoreJobView;
  /** True when an earlier attempt's job was found and adopted instead of posting again. */
  adopted: boolean;
}

/** Input of `getRestoreJob` and `getSnapshotUrl`. */
export interface JobRef {
  family: ApiFamily;
  projectId: string;
  clusterName: string;
  jobId: string;
}

/** Input of `awaitRestoreJobChange`. */
export interface AwaitJobChangeInput extends JobRef {
  /** The status the workflow last saw (null before the first poll). */
  knownStatus: string | null;
  polling: ResolvedPolling;
  /** When the job was created (ISO): the poll spacing depends on how long it has run. */
  jobCreatedAt: string;
}

/** Output of `awaitRestoreJobChange`. */
export interface JobChange {
  job: RestoreJobView;
  /** Atlas reads this wait took (one per attempt). */
  polls: number;
}

/** Atlas stamps jobs with its own clock, to the second; allow for that much skew when matching. */
export const CLOCK_SKEW_ALLOWANCE_MS = 60_000;
const LOOKUP_PAGE_SIZE = 100;
const LOOKUP_MAX_PAGES = 10;

/**
 * Builds the restore activities around an Atlas client (dependency injection, so tests and the worker wire their
 * own). Every Atlas error leaves through {@link toApplicationFailure}.
 */
export function createActivities(deps: RestoreActivityDeps) {
  const { atlas } = deps;
  const webhookPolicy = deps.webhookPolicy ?? createWebhookPolicy({ secret: undefined, allowedOrigins: [] });

  /** Why this worker will not call the webhook URL, or null when it will. */
  function webhookRefusal(url: string | undefined): string | null {
    if (url === undefined) return null;
    try {
      webhookPolicy.allowedOriginOf(url);
      return null;
    } catch (err) {
      return err instanceof Error ? err.message : String(err);
    }
  }

  async function findExistingJob(
    spec: RestoreJobSpec & { family: ApiFamily },
    signal: AbortSignal
  ): Promise<AtlasRestoreJob | null> {
    const notBeforeMs = Date.parse(spec.notBefore) - CLOCK_SKEW_ALLOWANCE_MS;
    for (let pageNum = 1; pageNum <= LOOKUP_MAX_PAGES; pageNum++) {
      const page = await atlas.listRestoreJobs(
        {
          family: spec.family,
          groupId: spec.projectId,
          clusterName: spec.clusterName,
          pageNum,
          itemsPerPage: LOOKUP_PAGE_SIZE,
          includeCount: false,
        },
        { signal }
      );
      const match = page.results.find((job) => matchesSpec(job, spec, notBeforeMs));
      if (match) return match;
      // Jobs come newest first: once a page reaches older jobs, no later page can hold ours.
      const reachedOlderJobs = page.results.some((job) => scheduledMs(job) < notBeforeMs);
      if (reachedOlderJobs || page.results.length < LOOKUP_PAGE_SIZE) return null;
    }
    return null;
  }

  /** Decides the family (`auto`) and the snapshot (`latest`) from Atlas's own answers, and says why. */
  async function resolveSource(input: ResolveSourceInput, signal: AbortSignal): Promise<ResolvedSource> {
    const cluster = { projectId: input.projectId, clusterName: input.clusterName };
    const detected =
      input.family === 'auto'
        ? await detectFamily(atlas, cluster, signal)
        : { family: input.family, reason: 'requested', firstPage: undefined };
    const snapshotId =
      input.snapshotId === 'latest'
        ? (await latestCompletedSnapshot(atlas, { ...cluster, family: detected.family }, signal, detected.firstPage)).id
        : input.snapshotId;
    if (input.family === 'auto' || input.snapshotId === 'latest') {
      log.info('Resolved restore source', { family: detected.family, reason: detected.reason, snapshotId });
    }
    return { family: detected.family, familyReason: detected.reason, snapshotId };
  }

  return {
    /**
     * Validates a workflow's raw input against the contract (run as a local activity, so zod stays out of workflow
     * code). A refusal carries a best-effort target and the `notify` target, so the caller can still be told.
     */
    async validateRestoreRequest(input: unknown): Promise<RequestValidation> {
      const parsed = parseRestoreRequest(input);
      const refusal = parsed.success ? webhookRefusal(parsed.data.notify?.webhookUrl) : null;
      if (parsed.success && refusal === null) return { valid: true, request: parsed.data };
      const raw = input !== null && typeof input === 'object' ? (input as Record<string, unknown>) : {};
      // The refusal goes to the caller workflow, and to the webhook only when this worker would call it anyway.
      let notify = NotifyTargetSchema.safeParse(raw.notify).data ?? null;
      if (notify?.webhookUrl !== undefined && webhookRefusal(notify.webhookUrl) !== null) {
        const { webhookUrl: _refused, ...rest } = notify;
        notify = rest.workflowId === undefined ? null : rest;
      }
      return {
        valid: false,
        error: parsed.success ? `✖ ${refusal}\n  → at notify.webhookUrl` : parsed.error,
        notify,
        target: claimedTarget(input),
      };
    },

    /**
     * Creates the Atlas restore (or download) job, at most once per workflow: on any retry (or when asked) it first
     * looks for a job an earlier attempt created, since a timed-out POST may still have reached Atlas and Atlas has
     * no idempotency key.
     */
    createRestoreJob(input: CreateRestoreJobInput): Promise<CreateRestoreJobOutput> {
      return withHeartbeat(async () => {
        if (input.delivery === 'DOWNLOAD' && !deps.allowSnapshotUrls) throw downloadsDisabled();
        const signal = cancellationSignal();
        const { attempt } = activityInfo();
        try {
          const source = await resolveSource(input, signal);
          const spec = { ...input, family: source.family, snapshotId: source.snapshotId };
          if (attempt > 1 || input.lookupFirst) {
            const existing = await findExistingJob(spec, signal);
            if (existing) {
              log.info('Adopted the job an earlier attempt created', { jobId: existing.id, attempt });
              return { ...source, job: toJobView(existing), adopted: true };
            }
          }
          const ref = { family: spec.family, groupId: spec.projectId, clusterName: spec.clusterName };
          const job =
            spec.delivery === 'DOWNLOAD'
              ? await atlas.requestDownload({ ...ref, snapshotId: spec.snapshotId }, { signal })
              : await atlas.createRestoreJob(
                  {
                    ...ref,
                    snapshotId: spec.snapshotId,
                    targetDeploymentItemName: spec.targetClusterName as string,
                    targetProjectId: spec.targetProjectId as string,
                  },
                  { signal }
                );
          log.info('Created Atlas job', { jobId: job.id, status: job.status, delivery: spec.delivery, attempt });
          return { ...source, job: toJobView(job), adopted: false };
        } catch (err) {
          throw toApplicationFailure(err);
        }
      });
    },

    /** Reads the job's current status once; the workflow decides when to ask again. */
    getRestoreJob(input: JobRef): Promise<RestoreJobView> {
      return withHeartbeat(async () => {
        try {
          return toJobView(await readJob(atlas, input, cancellationSignal()));
        } catch (err) {
          throw toApplicationFailure(err);
        }
      });
    },

    /**
     * Waits for the job's status to change, polling through Temporal's activity retries: each attempt reads the job
     * once and, while nothing changed, fails with a benign `RestoreJobNotFinished` whose `nextRetryDelay` is the next
     * poll time. Retries stay out of the workflow history, so a long restore costs a handful of events, not one
     * timer and one activity per poll. Returns on a change, a final status, or after `reportEverySeconds`.
     */
    awaitRestoreJobChange(input: AwaitJobChangeInput): Promise<JobChange> {
      return withHeartbeat(async () => {
        const info = activityInfo();
        let job: RestoreJobView;
        try {
          job = toJobView(await readJob(atlas, input, cancellationSignal()));
        } catch (err) {
          throw toApplicationFailure(err);
        }
        const polls = info.attempt;
        if (job.status !== input.knownStatus || isFinalRestoreJobStatus(job.status)) return { job, polls };
        const now = Date.now();
        const delay = pollDelayMs(input.polling, now - Date.parse(input.jobCreatedAt), Math.random);
        if (now + delay >= info.scheduledTimestampMs + input.polling.reportEverySeconds * 1000) return { job, polls };
        throw ApplicationFailure.create({
          type: JOB_NOT_FINISHED,
          message: `Atlas job ${job.id} is still ${job.status}`,
          nextRetryDelay: delay,
          category: ApplicationFailureCategory.BENIGN,
        });
      });
    },

    /** Looks for a job this workflow created, without creating one (used after the create step gave up). */
    findRestoreJob(input: RestoreJobSpec): Promise<CreateRestoreJobOutput | null> {
      return withHeartbeat(async () => {
        const signal = cancellationSignal();
        try {
          const source = await resolveSource(input, signal);
          const job = await findExistingJob({ ...input, family: source.family, snapshotId: source.snapshotId }, signal);
          return job ? { ...source, job: toJobView(job), adopted: true } : null;
        } catch (err) {
          throw toApplicationFailure(err);
        }
      });
    },

    /** A finished download's link, for the workflow's result only (never logged). */
    getSnapshotUrl(input: JobRef): Promise<string | null> {
      return withHeartbeat(async () => {
        if (!deps.allowSnapshotUrls) throw downloadsDisabled();
        try {
          return (await readJob(atlas, input, cancellationSignal())).snapshotUrl ?? null;
        } catch (err) {
          throw toApplicationFailure(err);
        }
      });
    },
  };
}

/** The activities the worker registers. */
export type RestoreActivities = ReturnType<typeof createActivities>;

function readJob(atlas: RestoreJobsApi, input: JobRef, signal: AbortSignal): Promise<AtlasRestoreJob> {
  return atlas.getRestoreJob(
    { family: input.family, groupId: input.projectId, clusterName: input.clusterName, restoreId: input.jobId },
    { signal }
  );
}

function downloadsDisabled(): ApplicationFailure {
  return ApplicationFailure.create({
    type: RestoreFailureType.DOWNLOADS_DISABLED,
    nonRetryable: true,
    message:
      'This worker does not hand out snapshot download links: they are secrets and would sit in Temporal history in ' +
      'clear. Configure PAYLOAD_ENCRYPTION_KEYS on the worker and its clients (or set ALLOW_PLAINTEXT_SNAPSHOT_URLS=true)',
  });
}

function scheduledMs(job: AtlasRestoreJob): number {
  return job.restoreScheduledDate ? Date.parse(job.restoreScheduledDate) : Number.NaN;
}

function matchesSpec(job: AtlasRestoreJob, spec: RestoreJobSpec, notBeforeMs: number): boolean {
  const sameDelivery = (job.deliveryType ?? 'RESTORE') === spec.delivery;
  const sameTarget =
    spec.delivery === 'DOWNLOAD' ||
    (job.targetDeploymentItemName === spec.targetClusterName &&
      (job.targetProjectId ?? spec.projectId) === spec.targetProjectId);
  return sameDelivery && sameTarget && job.snapshotId === spec.snapshotId && scheduledMs(job) >= notBeforeMs;
}

/** Keeps what the workflow needs; drops `snapshotUrl` (a secret) and links. */
export function toJobView(job: AtlasRestoreJob): RestoreJobView {
  return {
    id: job.id,
    status: job.status,
    restoreScheduledDate: job.restoreScheduledDate ?? null,
    restoreFinishedDate: job.restoreFinishedDate ?? null,
    expirationDate: job.expirationDate ?? null,
  };
}

/** How often running activities heartbeat (the workflow's heartbeat timeout is 20 s). */
const HEARTBEAT_EVERY_MS = 5_000;

/**
 * Runs an activity body while heartbeating, so that when a worker dies its activities are retried elsewhere
 * after the heartbeat timeout instead of after their start-to-close timeout.
 */
async function withHeartbeat<T>(body: () => Promise<T>): Promise<T> {
  const timer = setInterval(() => heartbeat(), HEARTBEAT_EVERY_MS);
  try {
    return await body();
  } finally {
    clearInterval(timer);
  }
}
