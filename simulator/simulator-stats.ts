/**
 * Counters for out-of-process runs (chaos, benchmarks), where `requests` is turned off and a run is judged by its
 * totals: how many answers of each status, how many were rate limited, which faults fired.
 */

import type { FaultKind } from './faults';

/** What a simulator has served so far. */
export interface SimulatorStats {
  /** API and token requests served (admin requests are not counted). */
  requests: number;
  /** Requests by status on the wire, e.g. `{"200": 12, "401": 12}`; `"0"` counts connections reset unanswered. */
  byStatus: Record<string, number>;
  /** 429s from the token buckets and the token endpoint's limit; injected 429s are counted as faults instead. */
  rateLimited429: number;
  /** Faults fired, by kind (every kind listed, 0 included). */
  faultsInjected: Record<FaultKind, number>;
  tokensIssued: number;
  /** Restore and download jobs created. */
  jobsCreated: number;
}

/** Counts answers by status; the other stats come from where they happen. */
export class TrafficCounter {
  private total = 0;
  private rateLimited = 0;
  private readonly statuses = new Map<number, number>();

  /** Counts one served request by its status on the wire (0 for a reset). */
  countAnswer(status: number): void {
    this.total += 1;
    this.statuses.set(status, (this.statuses.get(status) ?? 0) + 1);
  }

  /** Counts one 429 from a real limit. */
  countRateLimited(): void {
    this.rateLimited += 1;
  }

  /** The counters so far, as the matching fields of {@link SimulatorStats}. */
  snapshot(): Pick<SimulatorStats, 'requests' | 'byStatus' | 'rateLimited429'> {
    // Integer-like keys enumerate in ascending order, so the statuses come out sorted.
    const byStatus = Object.fromEntries([...this.statuses].map(([status, count]) => [String(status), count]));
    return { requests: this.total, byStatus, rateLimited429: this.rateLimited };
  }
}
