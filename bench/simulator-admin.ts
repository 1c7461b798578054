/**
 * Reads the simulator's admin API (`--admin`): the benchmark's API-call counts and Atlas-side timestamps come from
 * the simulator itself, so they count what reached "Atlas", not what a client believes it sent.
 */

import { Agent, request } from 'undici';
import { z } from 'zod';

/** The part of `GET /__simulator/stats` the benchmark uses. */
export const SimulatorStatsSchema = z.looseObject({
  requests: z.number(),
  byStatus: z.record(z.string(), z.number()),
  rateLimited429: z.number(),
  jobsCreated: z.number(),
});
/** Simulator totals. */
export type SimulatorStats = z.infer<typeof SimulatorStatsSchema>;

/** One job of `GET /__simulator/jobs`; epoch milliseconds, so latencies below a second show. */
export const SimulatorJobSchema = z.looseObject({
  id: z.string(),
  clusterName: z.string(),
  targetDeploymentItemName: z.string(),
  /** When the POST that created the job arrived. */
  scheduledAt: z.number(),
  /** When the job reaches its final status; null for a job stuck by a fault. */
  finishesAt: z.number().nullable(),
  outcome: z.string(),
  status: z.string(),
});
/** One simulated Atlas job. */
export type SimulatorJob = z.infer<typeof SimulatorJobSchema>;

const JobsAnswerSchema = z.looseObject({ jobs: z.array(SimulatorJobSchema) });

/** Requests authenticated and served, and Digest challenges, derived from the totals. */
export interface CallCounts {
  /** API requests that carried valid credentials (everything but 401 challenges), 429s included. */
  apiCalls: number;
  /** 401 answers: the first challenge, stale-nonce re-challenges. */
  digestChallenges: number;
  rateLimited429: number;
}

/** Client of one simulator's admin API. */
export class SimulatorAdmin {
  readonly #url: string;
  readonly #agent = new Agent({ connections: 2, keepAliveTimeout: 10_000 });

  constructor(url: string) {
    this.#url = url;
  }

  /** Current totals. */
  async stats(): Promise<SimulatorStats> {
    return SimulatorStatsSchema.parse(await this.#get('stats'));
  }

  /** Every job so far, oldest first. */
  async jobs(): Promise<SimulatorJob[]> {
    return JobsAnswerSchema.parse(await this.#get('jobs')).jobs;
  }

  /** Closes the connection pool. */
  close(): Promise<void> {
    return this.#agent.close();
  }

  async #get(resource: string): Promise<unknown> {
    const res = await request(`${this.#url}/__simulator/${resource}`, { dispatcher: this.#agent });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`simulator admin ${resource}: HTTP ${res.statusCode} ${text}`);
    return JSON.parse(text) as unknown;
  }
}

/** Calls between two stats readings. */
export function callsBetween(before: SimulatorStats, after: SimulatorStats): CallCounts {
  const challenges = (after.byStatus['401'] ?? 0) - (before.byStatus['401'] ?? 0);
  return {
    apiCalls: after.requests - before.requests - challenges,
    digestChallenges: challenges,
    rateLimited429: after.rateLimited429 - before.rateLimited429,
  };
}
