import { metricMeter } from '@temporalio/workflow';
import type { RestoreStatus } from '../contract/restore';

/**
 * The restore counters and duration histogram, emitted from the workflow through the SDK's metric meter: they reach
 * the worker's Prometheus endpoint with the SDK's own metrics, and are skipped while a workflow replays, so a
 * restore is counted once however often its history is replayed. Names are documented in docs/metrics.md.
 */

/** Counts a restore workflow that began (once per restore, not again after continue-as-new). */
export function countRestoreStarted(delivery: string): void {
  metricMeter
    .createCounter('atlas_restore_restores_started', 'restores', 'Restore workflows started')
    .add(1, { delivery });
}

/** Counts a restore's end by family and outcome, and records how long it took from start to end. */
export function countRestoreFinished(status: RestoreStatus, failureType: string | null): void {
  const family = status.family ?? 'unknown';
  const delivery = status.target.delivery;
  if (failureType === null) {
    metricMeter
      .createCounter('atlas_restore_restores_completed', 'restores', 'Restores Atlas reported COMPLETED')
      .add(1, { family, delivery });
  } else {
    metricMeter
      .createCounter(
        'atlas_restore_restores_failed',
        'restores',
        'Restores that ended without COMPLETED, by failure type'
      )
      .add(1, { family, delivery, failure_type: failureType });
  }
  const seconds = (Date.parse(status.finishedAt ?? status.updatedAt) - Date.parse(status.startedAt)) / 1000;
  metricMeter
    .createHistogram('atlas_restore_restore_duration_seconds', 'float', 's', 'Time from a restore start to its end')
    .record(Math.max(0, seconds), { family, outcome: failureType === null ? 'COMPLETED' : status.phase });
}
