/**
 * Fault injection for chaos runs: a plan of probabilities, drawn from a seeded generator so that a run with the same
 * seed and the same request order injects the same faults. A probability of 0 never draws and never fires, 1 always
 * fires; every fault that fires is counted by kind.
 */

import { z } from 'zod';
import { mulberry32 } from './seeded-random';

const ProbabilitySchema = z.number().min(0).max(1);

/** The HTTP errors a plan can inject, in the order one draw is mapped onto them. */
const INJECTABLE_STATUSES = ['500', '502', '503', '429'] as const;
/** One of the injectable error statuses. */
export type InjectedStatus = (typeof INJECTABLE_STATUSES)[number];

/** What can go wrong, and how often. Every field is optional; the empty plan injects nothing. */
export const FaultPlanSchema = z.strictObject({
  /** Probability per request of answering with this error instead of handling it; they must add up to ≤ 1. */
  errorRates: z
    .strictObject({
      '500': ProbabilitySchema.optional(),
      '502': ProbabilitySchema.optional(),
      '503': ProbabilitySchema.optional(),
      '429': ProbabilitySchema.optional(),
    })
    .refine((rates) => INJECTABLE_STATUSES.reduce((sum, status) => sum + (rates[status] ?? 0), 0) <= 1, {
      message: 'error rates must add up to at most 1',
    })
    .optional(),
  /** `Retry-After` of injected 503 and 429 answers; default 1. */
  retryAfterSeconds: z.int().nonnegative().optional(),
  /** Delay before every request is handled, uniform between min and max. */
  latencyMs: z
    .strictObject({ min: z.number().nonnegative(), max: z.number().nonnegative() })
    .refine((latency) => latency.min <= latency.max, { message: 'min must not exceed max' })
    .optional(),
  /** Probability of closing the connection before handling the request: nothing happens. */
  resetBeforeCommit: ProbabilitySchema.optional(),
  /** Probability of closing the connection after a create or download succeeded, without answering. */
  resetAfterCommit: ProbabilitySchema.optional(),
  /** Probability of sending the answer's body in chunks spread over `durationMs`. */
  slowBody: z.strictObject({ probability: ProbabilitySchema, durationMs: z.number().positive() }).optional(),
  /** Probability that a new restore job stays RUNNING forever. */
  stuckRunning: ProbabilitySchema.optional(),
  /** Probability that a new restore job ends FAILED whatever its cluster or the default says. */
  failJobs: ProbabilitySchema.optional(),
  /** Probability that a correct Digest request gets `401 stale=true`. */
  staleNonce: ProbabilitySchema.optional(),
  /** Also apply the request faults (errors, latency, resets, slow bodies) to the token endpoint. */
  tokenEndpoint: z.boolean().optional(),
});
/** A validated fault plan. */
export type FaultPlan = z.infer<typeof FaultPlanSchema>;

/** The faults counted in stats. */
export const FAULT_KINDS = [
  ...INJECTABLE_STATUSES,
  'latency',
  'resetBeforeCommit',
  'resetAfterCommit',
  'slowBody',
  'stuckRunning',
  'failJobs',
  'staleNonce',
] as const;
/** One of {@link FAULT_KINDS}. */
export type FaultKind = (typeof FAULT_KINDS)[number];

/** How a new restore job is made to misbehave, if at all. */
export type JobFault = 'stuck' | 'failed' | undefined;

/** Decides which faults hit a request or a new job, with a seeded generator, and counts them. */
export class FaultInjector {
  /** The plan in force; replacing it keeps the counts and the generator going. */
  plan: FaultPlan;
  private readonly random: () => number;
  private readonly counts = Object.fromEntries(FAULT_KINDS.map((kind) => [kind, 0])) as Record<FaultKind, number>;

  constructor(plan: FaultPlan, seed: number) {
    this.plan = plan;
    this.random = mulberry32(seed);
  }

  /** How many faults of each kind fired so far. */
  injected(): Record<FaultKind, number> {
    return { ...this.counts };
  }

  /** True when request faults also apply to the token endpoint. */
  get coversTokenEndpoint(): boolean {
    return this.plan.tokenEndpoint === true;
  }

  /** Whether a correct Digest request is answered `401 stale=true`. */
  staleNonce(): boolean {
    return this.fires('staleNonce', this.plan.staleNonce);
  }

  /** Whether the connection is closed before the request is handled. */
  resetBeforeCommit(): boolean {
    return this.fires('resetBeforeCommit', this.plan.resetBeforeCommit);
  }

  /** Milliseconds to wait before handling the request; 0 for none. */
  latencyMs(): number {
    const latency = this.plan.latencyMs;
    if (latency === undefined || latency.max === 0) return 0;
    const ms = latency.min === latency.max ? latency.min : latency.min + this.random() * (latency.max - latency.min);
    if (ms > 0) this.counts.latency += 1;
    return ms;
  }

  /** The error to answer with instead of handling the request, if one is drawn. */
  injectedStatus(): InjectedStatus | undefined {
    const rates = this.plan.errorRates;
    if (rates === undefined || INJECTABLE_STATUSES.every((status) => !rates[status])) return undefined;
    const draw = this.random();
    let cumulative = 0;
    for (const status of INJECTABLE_STATUSES) {
      cumulative += rates[status] ?? 0;
      if (draw < cumulative) {
        this.counts[status] += 1;
        return status;
      }
    }
    return undefined;
  }

  /** `Retry-After` seconds for injected 503 and 429 answers. */
  get retryAfterSeconds(): number {
    return this.plan.retryAfterSeconds ?? 1;
  }

  /** Whether the connection is closed after a create or download, the answer never sent. */
  resetAfterCommit(): boolean {
    return this.fires('resetAfterCommit', this.plan.resetAfterCommit);
  }

  /** Milliseconds over which to spread the answer's body; 0 to send it at once. */
  slowBodyMs(): number {
    const slow = this.plan.slowBody;
    return slow !== undefined && this.fires('slowBody', slow.probability) ? slow.durationMs : 0;
  }

  /** How a restore job being created will misbehave; a stuck job never ends, so it cannot fail as well. */
  jobFault(): JobFault {
    if (this.fires('stuckRunning', this.plan.stuckRunning)) return 'stuck';
    if (this.fires('failJobs', this.plan.failJobs)) return 'failed';
    return undefined;
  }

  private fires(kind: FaultKind, probability: number | undefined): boolean {
    if (probability === undefined || probability <= 0) return false;
    if (probability < 1 && this.random() >= probability) return false;
    this.counts[kind] += 1;
    return true;
  }
}

