import { z } from 'zod';

/**
 * Schemas for what Atlas sends back. They are tolerant on purpose (loose objects, plain strings for
 * dates and statuses): Atlas adds fields and values over time, and a new field must never break a restore
 * that is already running. Only what the worker relies on is required.
 */

/** A hypermedia link Atlas attaches to resources and pages. */
export const AtlasLinkSchema = z.looseObject({ href: z.string(), rel: z.string() });
/** A hypermedia link. */
export type AtlasLink = z.infer<typeof AtlasLinkSchema>;

/** The Atlas error body: `{detail, error, errorCode, parameters, reason}` (every field optional but `error`). */
export const AtlasErrorBodySchema = z.looseObject({
  error: z.number().int(),
  errorCode: z.string().nullish(),
  detail: z.string().nullish(),
  reason: z.string().nullish(),
  parameters: z.array(z.unknown()).nullish(),
});
/** The Atlas error body. */
export type AtlasErrorBody = z.infer<typeof AtlasErrorBodySchema>;

/** A shared-tier (tenant) restore or download job, as v1.0 and v2 return it. */
export const TenantRestoreJobSchema = z.looseObject({
  id: z.string(),
  status: z.string(),
  clusterName: z.string().nullish(),
  deliveryType: z.string().nullish(),
  expirationDate: z.string().nullish(),
  projectId: z.string().nullish(),
  restoreFinishedDate: z.string().nullish(),
  restoreScheduledDate: z.string().nullish(),
  snapshotFinishedDate: z.string().nullish(),
  snapshotId: z.string().nullish(),
  snapshotUrl: z.string().nullish(),
  targetDeploymentItemName: z.string().nullish(),
  targetProjectId: z.string().nullish(),
  links: z.array(AtlasLinkSchema).nullish(),
});
/** A shared-tier restore job. */
export type TenantRestoreJob = z.infer<typeof TenantRestoreJobSchema>;

/** A shared-tier backup snapshot. */
export const TenantSnapshotSchema = z.looseObject({
  id: z.string(),
  status: z.string(),
  expiration: z.string().nullish(),
  finishTime: z.string().nullish(),
  mongoDBVersion: z.string().nullish(),
  scheduledTime: z.string().nullish(),
  startTime: z.string().nullish(),
  links: z.array(AtlasLinkSchema).nullish(),
});
/** A shared-tier backup snapshot. */
export type TenantSnapshot = z.infer<typeof TenantSnapshotSchema>;

/** Builds the schema of one page of an Atlas list: `{results, totalCount?, links?}`. */
export function atlasPageSchema<T extends z.ZodType>(item: T) {
  return z.looseObject({
    results: z.array(item),
    totalCount: z.number().int().nonnegative().nullish(),
    links: z.array(AtlasLinkSchema).nullish(),
  });
}
/** One page of an Atlas list. */
export type AtlasPage<T> = { results: T[]; totalCount?: number | null; links?: AtlasLink[] | null };

/** What `?envelope=true` wraps every answer in: the real HTTP status and the body it would have had. */
export const AtlasEnvelopeSchema = z.looseObject({ status: z.number().int(), content: z.unknown() });
