import type { MetricMeter } from '@temporalio/common';
import type { AtlasCallEvent } from '../activities/atlas/atlas-client';

/**
 * Atlas traffic as Prometheus sees it, recorded from the Atlas client's `onCall` hook through the SDK's metric meter
 * (so it shares the worker's `/metrics` endpoint with the SDK's own metrics). Labels stay low-cardinality: the
 * operation name, never a path with ids in it.
 */

/** Bucket bounds (ms) of {@link ATLAS_REQUEST_DURATION_METRIC}: Atlas answers in tens to hundreds of milliseconds. */
export const ATLAS_REQUEST_DURATION_BUCKETS_MS = [5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10_000, 30_000];
/** Name of the Atlas latency histogram. */
export const ATLAS_REQUEST_DURATION_METRIC = 'atlas_restore_atlas_request_duration_ms';

/** Returns the `onCall` hook that counts every exchange by endpoint and status, the 429s apart, and times them. */
export function recordAtlasCalls(meter: MetricMeter): (event: AtlasCallEvent) => void {
  const requests = meter.createCounter(
    'atlas_restore_atlas_requests',
    'requests',
    'HTTP exchanges with the Atlas Admin API, by endpoint, method and status'
  );
  const rateLimited = meter.createCounter(
    'atlas_restore_atlas_rate_limited',
    'responses',
    'Atlas answers 429 Too Many Requests, by endpoint'
  );
  const duration = meter.createHistogram(
    ATLAS_REQUEST_DURATION_METRIC,
    'int',
    'ms',
    'Time until Atlas answered (headers), by endpoint'
  );
  return (event) => {
    const where = { endpoint: event.operation, family: event.family ?? 'none' };
    requests.add(1, { ...where, method: event.method, status: String(event.status) });
    if (event.status === 429) rateLimited.add(1, where);
    duration.record(Math.round(event.durationMs), where);
  };
}
