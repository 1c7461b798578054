import type { Client } from '@temporalio/client';
import type { RestoreResult, RestoreStatus } from '../contract/restore';
import { awaitRestore, getRestore, RestoreFailedError } from './restore-client';

/** How a watched restore ended. */
export type WatchOutcome =
  | { outcome: 'COMPLETED'; result: RestoreResult }
  | { outcome: 'FAILED'; type: string; message: string; status: RestoreStatus | undefined };

const FINAL_PHASES = new Set(['COMPLETED', 'FAILED', 'DEADLINE_EXCEEDED']);

/**
 * Follows a restore until it ends, calling `onProgress` whenever its status changes (phase, Atlas status, poll
 * count or last error), and returns how it ended. Used by the CLI's `watch` and the demo.
 */
export async function watchRestore(
  client: Client,
  workflowId: string,
  options: { intervalMs?: number; onProgress: (status: RestoreStatus) => void; signal?: AbortSignal }
): Promise<WatchOutcome> {
  const intervalMs = options.intervalMs ?? 1000;
  let lastKey = '';
  for (;;) {
    options.signal?.throwIfAborted();
    const description = await client.workflow.getHandle(workflowId).describe();
    if (description.status.name !== 'RUNNING') break;
    const status = await getRestore(client, workflowId).catch(() => undefined);
    if (status) {
      const key = [status.phase, status.atlasStatus, status.pollCount, status.lastError?.message, status.jobId].join(
        '|'
      );
      if (key !== lastKey) options.onProgress(status);
      lastKey = key;
      if (FINAL_PHASES.has(status.phase)) break;
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
  try {
    return { outcome: 'COMPLETED', result: await awaitRestore(client, workflowId) };
  } catch (err) {
    if (err instanceof RestoreFailedError) {
      return { outcome: 'FAILED', type: err.type, message: err.message, status: err.status };
    }
    throw err;
  }
}

/** One human-readable progress line. */
export function formatStatusLine(status: RestoreStatus): string {
  const time = status.updatedAt.slice(11, 19);
  const job = status.jobId ? ` job ${status.jobId}` : '';
  const atlas = status.atlasStatus ? ` atlas=${status.atlasStatus}` : '';
  const adopted = status.adoptedExistingJob ? ' (adopted existing job)' : '';
  const family = status.family ? ` family=${status.family}` : '';
  const error = status.lastError ? ` last error: ${status.lastError.type}: ${status.lastError.message}` : '';
  return `[${time}] ${status.phase}${job}${atlas}${family} polls=${status.pollCount}${adopted}${error}`;
}

/** The final line: `restore <jobId> COMPLETED`, or `restore <jobId> FAILED (<type>): <message>`. */
export function formatOutcomeLine(outcome: WatchOutcome): string {
  if (outcome.outcome === 'COMPLETED') return `restore ${outcome.result.jobId} COMPLETED`;
  const jobId = outcome.status?.jobId ?? '(no job)';
  return `restore ${jobId} FAILED (${outcome.type}): ${outcome.message}`;
}
