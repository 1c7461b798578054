/**
 * Atlas's token-bucket rate limits for the backup endpoint sets, per project. Buckets refill the documented way, in
 * steps: `refill` tokens at the end of every `periodSeconds`, never above `capacity`. That is what the example 429 on
 * the rate-limit page implies ("retry after 55 seconds … Refill rate: 5 per 60 seconds": a continuous bucket would
 * have a token in 12 s). Each bucket's periods start with its first request. Buckets are created on first use and
 * updated lazily from the clock, so idle projects cost nothing and no timer runs.
 */

import { z } from 'zod';
import { tokenBucketExceeded } from './atlas-errors';

/** The endpoint sets whose limits the simulator enforces, named as in the options and `--rate-limit`. */
export const RATE_LIMIT_SETS = ['tenantRestoreJobs', 'tenantSnapshots', 'flexRestoreJobs', 'flexSnapshots'] as const;
/** One of {@link RATE_LIMIT_SETS}. */
export type RateLimitSet = (typeof RATE_LIMIT_SETS)[number];

/** One bucket's size and refill. */
export const TokenBucketConfigSchema = z.strictObject({
  capacity: z.int().positive(),
  refill: z.int().positive(),
  periodSeconds: z.number().positive(),
});
/** One bucket's size and refill. */
export type TokenBucketConfig = z.infer<typeof TokenBucketConfigSchema>;

/** Per-set overrides of the documented limits, or `false` to turn rate limiting off. */
export const RateLimitsSchema = z.union([
  z.literal(false),
  z.strictObject({
    tenantRestoreJobs: TokenBucketConfigSchema.optional(),
    tenantSnapshots: TokenBucketConfigSchema.optional(),
    flexRestoreJobs: TokenBucketConfigSchema.optional(),
    flexSnapshots: TokenBucketConfigSchema.optional(),
  }),
]);
/** Per-set overrides of the documented limits, or `false` to turn rate limiting off. */
export type RateLimits = z.infer<typeof RateLimitsSchema>;

/**
 * The documented limits (Atlas rate-limit page, "Last updated: February 23, 2026"; scope GROUP for all four). The
 * `path` naming each set in 429 details is a placeholder: Atlas's wording is only recorded for `api/atlas/v2/orgs`.
 */
export const DOCUMENTED_RATE_LIMITS: Readonly<Record<RateLimitSet, TokenBucketConfig & { path: string }>> = {
  tenantRestoreJobs: {
    capacity: 4000,
    refill: 2000,
    periodSeconds: 60,
    path: 'api/atlas/v2/groups/{groupId}/clusters/{clusterName}/backup/tenant/restores',
  },
  tenantSnapshots: {
    capacity: 4000,
    refill: 2000,
    periodSeconds: 60,
    path: 'api/atlas/v2/groups/{groupId}/clusters/{clusterName}/backup/tenant/snapshots',
  },
  flexRestoreJobs: {
    capacity: 1200,
    refill: 500,
    periodSeconds: 60,
    path: 'api/atlas/v2/groups/{groupId}/flexClusters/{name}/backup/restoreJobs',
  },
  flexSnapshots: {
    capacity: 1200,
    refill: 500,
    periodSeconds: 60,
    path: 'api/atlas/v2/groups/{groupId}/flexClusters/{name}/backup/snapshots',
  },
};

interface Bucket {
  tokens: number;
  /** Epoch ms when the current refill period began. */
  periodStart: number;
}

/** The buckets of every project and endpoint set. */
export class RateLimiter {
  private readonly limits: Readonly<Record<RateLimitSet, TokenBucketConfig>> | undefined;
  private readonly buckets = new Map<string, Bucket>();

  constructor(limits: RateLimits) {
    this.limits =
      limits === false
        ? undefined
        : {
            tenantRestoreJobs: limits.tenantRestoreJobs ?? DOCUMENTED_RATE_LIMITS.tenantRestoreJobs,
            tenantSnapshots: limits.tenantSnapshots ?? DOCUMENTED_RATE_LIMITS.tenantSnapshots,
            flexRestoreJobs: limits.flexRestoreJobs ?? DOCUMENTED_RATE_LIMITS.flexRestoreJobs,
            flexSnapshots: limits.flexSnapshots ?? DOCUMENTED_RATE_LIMITS.flexSnapshots,
          };
  }

  /** The limits in force for `set`; the documented ones when rate limiting is off (for injected 429 details). */
  config(set: RateLimitSet): TokenBucketConfig {
    return this.limits?.[set] ?? DOCUMENTED_RATE_LIMITS[set];
  }

  /**
   * Takes a token from the project's bucket for `set` and returns the `RateLimit-*` headers for the answer (none
   * when rate limiting is off). Throws the Atlas 429, with the same headers and `Retry-After`, when it is empty.
   */
  take(set: RateLimitSet, groupId: string, now: number): Record<string, string> {
    const config = this.limits?.[set];
    if (config === undefined) return {};
    const key = `${set} ${groupId}`;
    let bucket = this.buckets.get(key);
    if (bucket === undefined) {
      bucket = { tokens: config.capacity, periodStart: now };
      this.buckets.set(key, bucket);
    }
    const periodMs = config.periodSeconds * 1000;
    const periods = Math.floor((now - bucket.periodStart) / periodMs);
    if (periods > 0) {
      bucket.tokens = Math.min(config.capacity, bucket.tokens + periods * config.refill);
      bucket.periodStart += periods * periodMs;
    }
    if (bucket.tokens < 1) {
      const retryAfter = Math.max(1, Math.ceil((bucket.periodStart + periodMs - now) / 1000));
      throw tokenBucketExceeded(
        DOCUMENTED_RATE_LIMITS[set].path,
        config,
        retryAfter,
        rateLimitHeaders(config.capacity, 0)
      );
    }
    bucket.tokens -= 1;
    return rateLimitHeaders(config.capacity, bucket.tokens);
  }
}

function rateLimitHeaders(capacity: number, remaining: number): Record<string, string> {
  return { 'RateLimit-Limit': String(capacity), 'RateLimit-Remaining': String(remaining) };
}
