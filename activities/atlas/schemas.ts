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

/**
 * A restore or download job of any API family, normalized. Tenant answers (v1.0 and v2) name the source cluster
 * `clusterName`; Flex answers call it `instanceName`, which is copied to `clusterName` (and kept as sent) so the
 * worker reads one field whatever the family.
 */
export const AtlasRestoreJobSchema = z
  .looseObject({
    id: z.string(),
    status: z.string(),
    clusterName: z.string().nullish(),
    instanceName: z.string().nullish(),
    deliveryType: z.string().nullish(),
    expirationDate: z.string().nullish(),
    projectId: z.string().nullish(),
    restoreFinishedDate: z.string().nullish(),
    restoreScheduledDate: z.string().nullish(),
    snapshotFinishedDate: z.string().nullish(),
    snapshotId: z.string().nullish(),
    /** A download job's link: a secret (anyone holding it can fetch the data), never logged or put in an error. */
    snapshotUrl: z.string().nullish(),
    targetDeploymentItemName: z.string().nullish(),
    targetProjectId: z.string().nullish(),
    links: z.array(AtlasLinkSchema).nullish(),
  })
  .transform((job) => ({ ...job, clusterName: job.clusterName ?? job.instanceName }));
/** A restore or download job of any API family, with `clusterName` filled in for Flex. */
export type AtlasRestoreJob = z.output<typeof AtlasRestoreJobSchema>;

/** A backup snapshot; tenant and Flex snapshots have the same fields. */
export const AtlasSnapshotSchema = z.looseObject({
  id: z.string(),
  status: z.string(),
  expiration: z.string().nullish(),
  finishTime: z.string().nullish(),
  mongoDBVersion: z.string().nullish(),
  scheduledTime: z.string().nullish(),
  startTime: z.string().nullish(),
  links: z.array(AtlasLinkSchema).nullish(),
});
/** A backup snapshot of any API family. */
export type AtlasSnapshot = z.output<typeof AtlasSnapshotSchema>;

/**
 * The Service Account token endpoint's answer (OAuth 2.0 client credentials, RFC 6749 §5.1). Only a Bearer token
 * is usable, and `expires_in` is required because the client refreshes ahead of it.
 */
export const OAuthTokenSchema = z.looseObject({
  access_token: z.string().min(1),
  expires_in: z.number().positive(),
  token_type: z.string().regex(/^bearer$/i, 'token_type must be Bearer'),
});
/** A Service Account access token as the token endpoint sends it. */
export type OAuthToken = z.output<typeof OAuthTokenSchema>;

/** An OAuth 2.0 error body (RFC 6749 §5.2), which the token endpoint may send instead of an Atlas error body. */
export const OAuthErrorBodySchema = z.looseObject({
  error: z.string(),
  error_description: z.string().nullish(),
});

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
