import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { awaitRestore, RestoreFailedError } from '../client/restore-client';
import type { RestoreOutcome, RunTally } from './chaos-verdict';

/**
 * The chaos run's side of Temporal: a client that outlives server restarts (every call is retried, and the
 * connection rebuilt when calls keep failing), and the reads the verdict needs: which restores have finished, how they
 * ended, and every history of the run.
 */

const RECONNECT_AFTER_FAILURES = 4;
const MAX_BACKOFF_MS = 5_000;

/** A Temporal client for a server that may be down at any moment. */
export class TemporalSession {
  /** Calls that failed and were retried (or gave up). */
  failures = 0;
  readonly #address: string;
  readonly #dataConverter: DataConverter | undefined;
  readonly #onError: (what: string, err: unknown) => void;
  #current: { connection: Connection; client: Client } | undefined;

  /** `onError` sees every failed call, so the run can search error messages for secrets. */
  constructor(
    address: string,
    dataConverter: DataConverter | undefined,
    onError: (what: string, err: unknown) => void
  ) {
    this.#address = address;
    this.#dataConverter = dataConverter;
    this.#onError = onError;
  }

  /**
   * Runs `call` until it succeeds, `isFinal` says its error is an answer rather than an outage, or `untilMs` passes
   * (then the last error is thrown).
   */
  async retry<T>(
    what: string,
    call: (client: Client) => Promise<T>,
    options: { untilMs: number; isFinal?: (err: unknown) => boolean }
  ): Promise<T> {
    let failures = 0;
    for (;;) {
      try {
        return await call(await this.#client());
      } catch (err) {
        if (options.isFinal?.(err)) throw err;
        this.failures += 1;
        failures += 1;
        this.#onError(what, err);
        if (Date.now() >= options.untilMs) throw err;
        if (failures % RECONNECT_AFTER_FAILURES === 0) await this.close();
        await sleep(Math.min(MAX_BACKOFF_MS, 250 * 2 ** Math.min(failures, 5)));
      }
    }
  }

  /** Closes the connection. */
  async close(): Promise<void> {
    const current = this.#current;
    this.#current = undefined;
    await current?.connection.close().catch(() => undefined);
  }

  async #client(): Promise<Client> {
    if (this.#current === undefined) {
      const connection = await Connection.connect({ address: this.#address, connectTimeout: 5_000 });
      this.#current = { connection, client: new Client({ connection, dataConverter: this.#dataConverter }) };
    }
    return this.#current.client;
  }
}

/** A restore's runs as visibility lists them, and whether its latest run has closed. */
export interface ListedRestore extends RunTally {
  finished: boolean;
  /** Run ids, oldest first. */
  runIds: string[];
}

const OPEN_STATUSES = new Set(['RUNNING', 'CONTINUED_AS_NEW']);

/**
 * Lists the runs on the run's own task queue, grouped by workflow id: every run, or only closed ones (enough to tell
 * which restores finished, and cheaper for the server while thousands are open).
 */
export async function listRestores(
  client: Client,
  taskQueue: string,
  which: 'all' | 'closed'
): Promise<Map<string, ListedRestore>> {
  const runs: { workflowId: string; runId: string; status: string; startMs: number }[] = [];
  const query = `TaskQueue = '${taskQueue}'${which === 'closed' ? ` AND ExecutionStatus != 'Running'` : ''}`;
  for await (const info of client.workflow.list({ query })) {
    runs.push({
      workflowId: info.workflowId,
      runId: info.runId,
      status: info.status.name,
      startMs: info.startTime.getTime(),
    });
  }
  runs.sort((a, b) => a.startMs - b.startMs);
  const restores = new Map<string, ListedRestore>();
  for (const run of runs) {
    const listed = restores.get(run.workflowId) ?? { ownRuns: 0, allRuns: 0, finished: false, runIds: [] };
    listed.allRuns += 1;
    if (run.status !== 'CONTINUED_AS_NEW') listed.ownRuns += 1;
    listed.finished = !OPEN_STATUSES.has(run.status);
    listed.runIds.push(run.runId);
    restores.set(run.workflowId, listed);
  }
  return restores;
}

/**
 * How a finished restore ended, read as a caller would (`awaitRestore`); `failureTexts` receives every failure
 * message and final status, which the run searches for secrets.
 */
export async function readOutcome(client: Client, workflowId: string, failureTexts: string[]): Promise<RestoreOutcome> {
  try {
    const result = await awaitRestore(client, workflowId);
    return {
      state: 'COMPLETED',
      jobId: result.jobId,
      adopted: result.adoptedExistingJob,
      snapshotUrl: result.snapshotUrl ?? null,
    };
  } catch (err) {
    if (!(err instanceof RestoreFailedError)) throw err;
    failureTexts.push(err.message, JSON.stringify(err.status ?? null));
    return { state: 'FAILED', type: err.type, message: err.message, jobId: err.status?.jobId ?? null };
  }
}

/** One run's history in Temporal's JSON format, as stored (payloads still encoded). */
export async function fetchHistoryJson(client: Client, workflowId: string, runId: string): Promise<string> {
  return historyToJSON(await client.workflow.getHandle(workflowId, runId).fetchHistory());
}
