import { z } from 'zod';
import { ClusterNameSchema, ObjectIdSchema } from './atlas-ids';

/**
 * The language-neutral contract of the restore workflow: its type name, task queue, message names, and the JSON
 * shapes of its input, live status, notification and result. Any Temporal SDK can start a restore with these names
 * and JSON; the TypeScript client, the workflow and the CLI all parse with these schemas. Names, keys and pure helpers
 * live in `restore-names.ts`, which imports no zod, so workflow code can use them without loading zod.
 */

export {
  DEFAULT_TASK_QUEUE,
  POLL_NOW_SIGNAL,
  RESTORE_FINISHED_SIGNAL,
  RESTORE_JOB_UPDATE,
  RESTORE_STATUS_QUERY,
  RESTORE_WORKFLOW_TYPE,
  RestoreFailureType,
  downloadWorkflowId,
  restoreTargetOf,
  restoreWorkflowId,
  workflowIdFor,
} from './restore-names';

/** How a restore spaces its status polls (all in seconds). Fields left out get the API family's defaults. */
export const PollingSchema = z.strictObject({
  /** Quiet period after the job is created: no poll can see it finished sooner. */
  initialDelaySeconds: z
    .number()
    .min(0)
    .max(24 * 3600)
    .optional(),
  /** Interval between polls while a finish is likely (half of it is the typical delay in noticing). */
  intervalSeconds: z.number().min(0.1).max(3600).default(8),
  /** Once the job has run this long, intervals grow by `backoffCoefficient` per minute, up to the maximum. */
  backoffAfterSeconds: z
    .number()
    .min(0)
    .max(7 * 24 * 3600)
    .optional(),
  /** Growth per minute past `backoffAfterSeconds`. */
  backoffCoefficient: z.number().min(1).max(10).default(1.5),
  /** Longest interval between polls. */
  maxIntervalSeconds: z.number().min(0.1).max(3600).default(60),
  /** Each interval is moved by up to this fraction at random, so restores started together don't poll in step. */
  jitterRatio: z.number().min(0).max(0.5).default(0.1),
  /**
   * Polls run as retries of one activity, which Temporal keeps out of the history; the workflow hears back on every
   * status change, and at least this often otherwise (to record progress, check its deadline, keep history short).
   */
  reportEverySeconds: z
    .number()
    .min(1)
    .max(24 * 3600)
    .default(600),
});
/** Polling as requested (family defaults not yet applied). */
export type Polling = z.infer<typeof PollingSchema>;

/**
 * Who to tell when the restore ends: a workflow to signal (`restoreFinished`), an HTTPS endpoint to POST a signed
 * webhook to (for services outside Temporal; its origin must be on the worker's `WEBHOOK_ALLOWED_ORIGINS`), or both.
 */
export const NotifyTargetSchema = z
  .strictObject({
    workflowId: z.string().min(1).max(1000).optional(),
    runId: z.string().min(1).max(100).optional(),
    /** Receives `restore.finished`, signed per Standard Webhooks and retried for up to a day (docs/webhooks.md). */
    webhookUrl: z
      .url({ protocol: /^https?$/ })
      .max(2048)
      .optional(),
  })
  .check(
    z.refine((n) => n.workflowId !== undefined || n.webhookUrl !== undefined, {
      message: 'needs a workflowId to signal, a webhookUrl to call, or both',
    }),
    z.refine((n) => n.runId === undefined || n.workflowId !== undefined, {
      path: ['runId'],
      message: 'needs a workflowId',
    })
  );
/** Who to tell when the restore ends. */
export type NotifyTarget = z.infer<typeof NotifyTargetSchema>;

/** Default overall deadline: well beyond the 4 h lifetime Atlas gives a restore job. */
export const DEFAULT_DEADLINE_SECONDS = 8 * 3600;

/** Which Atlas API family serves the source cluster; `auto` asks Atlas (see {@link ApiFamily}). */
export const ApiFamilyChoiceSchema = z.enum(['auto', 'tenant-v1', 'tenant-v2', 'flex']);
/** The family requested. */
export type ApiFamilyChoice = z.infer<typeof ApiFamilyChoiceSchema>;
/**
 * A concrete Atlas API family: the shared-tier v1.0 endpoints (`backup/tenant/*`, the original specification), the
 * same endpoints in v2 (`application/vnd.atlas.2023-01-01+json`), both sunset on 2026-01-22, and Flex
 * (`flexClusters/{name}/backup/*`, `application/vnd.atlas.2024-11-13+json`), which M2/M5 clusters became.
 */
export type ApiFamily = Exclude<ApiFamilyChoice, 'auto'>;

/** `RESTORE` replaces the target's data; `DOWNLOAD` asks Atlas for a download link to the snapshot instead. */
export const DeliverySchema = z.enum(['RESTORE', 'DOWNLOAD']);
/** What to do with the snapshot. */
export type Delivery = z.infer<typeof DeliverySchema>;

/** Snapshot to use: an id, or `latest` for the newest COMPLETED snapshot of the source cluster. */
export const SnapshotChoiceSchema = z
  .string()
  .refine((value) => value === 'latest' || ObjectIdSchema.safeParse(value).success, {
    message: 'must be a 24-character lowercase hexadecimal Atlas id or "latest"',
  });

/**
 * The input of `restoreSnapshotWorkflow`. Strict: unknown keys are refused, so a credential can never ride along
 * in the input (the worker reads Atlas credentials from its own environment).
 */
export const RestoreRequestSchema = z
  .strictObject({
    /** Project (group) that owns the source cluster. */
    projectId: ObjectIdSchema,
    /** Source cluster whose snapshot is restored. */
    clusterName: ClusterNameSchema,
    /** Snapshot of the source cluster to restore, or `latest`. */
    snapshotId: SnapshotChoiceSchema,
    /** Project of the target cluster; defaults to `projectId`. */
    targetProjectId: ObjectIdSchema.optional(),
    /** Cluster whose data is replaced by the snapshot (required for RESTORE, unused for DOWNLOAD). */
    targetClusterName: ClusterNameSchema.optional(),
    /** Atlas API family of the source cluster; `auto` (default) decides from Atlas's own answers. */
    family: ApiFamilyChoiceSchema.default('auto'),
    /** RESTORE (default) or DOWNLOAD. */
    delivery: DeliverySchema.default('RESTORE'),
    /** Workflow to signal with the outcome. */
    notify: NotifyTargetSchema.optional(),
    /** Poll spacing; every field has a default. */
    polling: PollingSchema.default(PollingSchema.parse({})),
    /** Give up (and report `RestoreDeadlineExceeded`) after this many seconds. */
    deadlineSeconds: z
      .number()
      .int()
      .min(5)
      .max(7 * 24 * 3600)
      .default(DEFAULT_DEADLINE_SECONDS),
    /** Continue-as-new once the run's history reaches this many events (Temporal warns at 10,240). */
    continueAsNewAfterEvents: z.number().int().min(30).max(10_000).default(2000),
  })
  .check(
    // Runs even when other fields are invalid, so one message names every problem.
    z.refine((r) => (r.delivery ?? 'RESTORE') !== 'RESTORE' || r.targetClusterName !== undefined, {
      path: ['targetClusterName'],
      message: 'is required for a RESTORE',
      when: (payload) => isPlainObject(payload.value),
    }),
    z.refine(
      (r) => r.delivery !== 'DOWNLOAD' || (r.targetClusterName === undefined && r.targetProjectId === undefined),
      {
        path: ['delivery'],
        message: 'a DOWNLOAD has no target cluster or target project',
        when: (payload) => isPlainObject(payload.value),
      }
    )
  );

function isPlainObject(value: unknown): boolean {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** A validated restore request, defaults applied. */
export type RestoreRequest = z.infer<typeof RestoreRequestSchema>;
/** What a caller sends: optional fields may be left out. */
export type RestoreRequestInput = z.input<typeof RestoreRequestSchema>;

const CREDENTIAL_KEY = /(private|secret|password|passwd|token|api[-_]?key|public[-_]?key|credential|authorization)/i;

/** Result of {@link parseRestoreRequest}. */
export type RestoreRequestParseResult = { success: true; data: RestoreRequest } | { success: false; error: string };

/**
 * Validates a request from any source (library, CLI, raw JSON from another SDK) and explains every problem in one
 * message. Keys that look like credentials get their own message, since they must never be put in a request.
 */
export function parseRestoreRequest(input: unknown): RestoreRequestParseResult {
  if (input !== null && typeof input === 'object' && !Array.isArray(input)) {
    const credentialKeys = Object.keys(input).filter((key) => CREDENTIAL_KEY.test(key));
    if (credentialKeys.length > 0) {
      return {
        success: false,
        error:
          `✖ ${credentialKeys.map((k) => JSON.stringify(k)).join(', ')} looks like a credential: credentials are never ` +
          'part of a restore request; the worker reads them from its environment',
      };
    }
  }
  const parsed = RestoreRequestSchema.safeParse(input);
  return parsed.success
    ? { success: true, data: parsed.data }
    : { success: false, error: z.prettifyError(parsed.error) };
}

/** The restore's coordinates, repeated in every status, result and notification. */
export const RestoreTargetSchema = z.strictObject({
  projectId: z.string(),
  clusterName: z.string(),
  /** The snapshot id; `latest` until the workflow has resolved it. */
  snapshotId: z.string(),
  delivery: DeliverySchema,
  /** Null for a DOWNLOAD. */
  targetProjectId: z.string().nullable(),
  /** Null for a DOWNLOAD. */
  targetClusterName: z.string().nullable(),
});
/** The restore's coordinates. */
export type RestoreTarget = z.infer<typeof RestoreTargetSchema>;

/** Where the restore stands. */
export const RestorePhaseSchema = z.enum([
  'VALIDATING',
  'CREATING',
  'POLLING',
  'COMPLETED',
  'FAILED',
  'DEADLINE_EXCEEDED',
]);
/** Where the restore stands. */
export type RestorePhase = z.infer<typeof RestorePhaseSchema>;

/** The part of an Atlas restore job the workflow keeps: never the download URL, never links. */
export const RestoreJobViewSchema = z.strictObject({
  id: z.string(),
  status: z.string(),
  restoreScheduledDate: z.string().nullable(),
  restoreFinishedDate: z.string().nullable(),
  expirationDate: z.string().nullable(),
});
/** The part of an Atlas restore job the workflow keeps. */
export type RestoreJobView = z.infer<typeof RestoreJobViewSchema>;

/** The last error the workflow saw, kept for operators. */
export const RestoreErrorSchema = z.strictObject({ type: z.string(), message: z.string(), at: z.string() });
/** The last error the workflow saw. */
export type RestoreError = z.infer<typeof RestoreErrorSchema>;

/** Live status, returned by the `restoreStatus` query. Timestamps are ISO-8601 strings. */
export const RestoreStatusSchema = z.strictObject({
  workflowId: z.string(),
  phase: RestorePhaseSchema,
  target: RestoreTargetSchema,
  /** Atlas restore job id, once created or adopted. */
  jobId: z.string().nullable(),
  /** True when the job was found already created by an earlier attempt of this workflow rather than posted. */
  adoptedExistingJob: z.boolean(),
  /** The API family in use, once known. */
  family: z.enum(['tenant-v1', 'tenant-v2', 'flex']).nullable(),
  /** Why that family: requested, or what Atlas answered when `auto` asked. */
  familyReason: z.string().nullable(),
  atlasStatus: z.string().nullable(),
  pollCount: z.number().int(),
  /** How many times this restore continued as new to keep its history short. */
  continuedAsNew: z.number().int(),
  lastError: RestoreErrorSchema.nullable(),
  startedAt: z.string(),
  updatedAt: z.string(),
  deadlineAt: z.string(),
  nextPollAt: z.string().nullable(),
  jobScheduledAt: z.string().nullable(),
  jobFinishedAt: z.string().nullable(),
  /** When Atlas stops keeping the job (`expirationDate`). */
  jobExpiresAt: z.string().nullable(),
  finishedAt: z.string().nullable(),
  /** Whether the caller workflow named in `notify` was signalled: null when nobody is to be told or not yet. */
  notified: z.boolean().nullable(),
  /** The workflow delivering the outcome to `notify.webhookUrl`, once started (it retries on its own). */
  webhookWorkflowId: z.string().nullable(),
});
/** Live status of a restore. */
export type RestoreStatus = z.infer<typeof RestoreStatusSchema>;

/** What a completed restore returns. */
export const RestoreResultSchema = z.strictObject({
  workflowId: z.string(),
  outcome: z.literal('COMPLETED'),
  target: RestoreTargetSchema,
  jobId: z.string(),
  adoptedExistingJob: z.boolean(),
  family: z.enum(['tenant-v1', 'tenant-v2', 'flex']),
  /**
   * DOWNLOAD only: the link to the snapshot archive, valid for a few hours. A secret: it is never logged, and it
   * only sits in Temporal history encrypted (the worker refuses downloads without payload encryption unless told).
   */
  snapshotUrl: z.string().nullable(),
  restoreScheduledDate: z.string().nullable(),
  restoreFinishedDate: z.string().nullable(),
  expirationDate: z.string().nullable(),
  pollCount: z.number().int(),
  startedAt: z.string(),
  finishedAt: z.string(),
});
/** What a completed restore returns. */
export type RestoreResult = z.infer<typeof RestoreResultSchema>;

/** Payload of the `restoreFinished` signal sent to the caller's workflow. */
export const RestoreFinishedNotificationSchema = z.strictObject({
  workflowId: z.string(),
  outcome: z.enum(['COMPLETED', 'FAILED']),
  target: RestoreTargetSchema,
  jobId: z.string().nullable(),
  atlasStatus: z.string().nullable(),
  /** Set when the outcome is FAILED. */
  failure: z.strictObject({ type: z.string(), message: z.string() }).nullable(),
  /** Set when the outcome is COMPLETED. */
  result: RestoreResultSchema.nullable(),
  finishedAt: z.string(),
});
/** Payload of the `restoreFinished` signal. */
export type RestoreFinishedNotification = z.infer<typeof RestoreFinishedNotificationSchema>;
