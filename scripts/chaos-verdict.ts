import type { SimulatedRestoreJob } from '../simulator/server';
import type { PlannedRestore } from './chaos-plan';

/**
 * Judges a chaos run from two independent records: what Temporal says each restore ended with, and which jobs the
 * simulated Atlas actually holds. A restore is duplicated when Atlas holds more than one job for it, and lost when it
 * never finished or when its outcome contradicts Atlas. Also counts secrets in any text the run produced. Pure, so
 * the rules are unit-tested.
 */

/** How one restore ended in Temporal, as read back through the client library. */
export type RestoreOutcome =
  | { state: 'COMPLETED'; jobId: string; adopted: boolean; snapshotUrl: string | null }
  | { state: 'FAILED'; type: string; message: string; jobId: string | null };

/** The restore's workflow executions as listed by Temporal visibility. */
export interface RunTally {
  /** Runs that did not continue as new: exactly one per restore, more means the restore was started twice. */
  ownRuns: number;
  /** All runs, continued-as-new ones included. */
  allRuns: number;
}

/** One restore counted as lost, and why. */
export interface LostRestore {
  workflowId: string;
  reason: string;
}

/** The figures the chaos run is judged by. */
export interface ChaosVerdict {
  finalized: number;
  completed: number;
  failed: number;
  failedByType: Record<string, number>;
  /** For every restore, its Atlas jobs minus one, summed. */
  duplicateJobs: number;
  /** Restores with more than one Atlas job. */
  duplicatedRestores: number;
  /** Restores started more than once (a second run that is not a continuation of the first). */
  duplicateStarts: number;
  /** Jobs on a restore's cluster that do not match it (wrong snapshot, target or delivery). */
  strayJobs: number;
  lostRestores: number;
  /** The first lost restores, for the report. */
  lost: LostRestore[];
  /** Completed restores whose job was adopted after an ambiguous create. */
  adoptedJobs: number;
  /** Completed downloads without a link. */
  downloadsWithoutUrl: number;
}

const LOST_SAMPLE = 20;

/**
 * Compares outcomes with Atlas's jobs. A restore is lost when it has no outcome (never finished, or never started),
 * when it COMPLETED without a COMPLETED Atlas job of that id, when it failed with `RestoreFailed` without that job
 * having failed, or when it failed for any other reason although one of its jobs completed in Atlas.
 */
export function judgeRestores(input: {
  restores: readonly PlannedRestore[];
  outcomes: ReadonlyMap<string, RestoreOutcome>;
  runs: ReadonlyMap<string, RunTally>;
  jobs: readonly SimulatedRestoreJob[];
  now: number;
}): ChaosVerdict {
  const jobsByCluster = new Map<string, SimulatedRestoreJob[]>();
  for (const job of input.jobs) {
    const key = `${job.projectId}/${job.clusterName}`;
    const list = jobsByCluster.get(key);
    if (list) list.push(job);
    else jobsByCluster.set(key, [job]);
  }
  const verdict: ChaosVerdict = {
    finalized: 0,
    completed: 0,
    failed: 0,
    failedByType: {},
    duplicateJobs: 0,
    duplicatedRestores: 0,
    duplicateStarts: 0,
    strayJobs: 0,
    lostRestores: 0,
    lost: [],
    adoptedJobs: 0,
    downloadsWithoutUrl: 0,
  };
  const lose = (workflowId: string, reason: string) => {
    verdict.lostRestores += 1;
    if (verdict.lost.length < LOST_SAMPLE) verdict.lost.push({ workflowId, reason });
  };
  const plannedClusters = new Set<string>();

  for (const restore of input.restores) {
    const key = `${restore.projectId}/${restore.clusterName}`;
    plannedClusters.add(key);
    const clusterJobs = jobsByCluster.get(key) ?? [];
    const own = clusterJobs.filter((job) => matchesRestore(job, restore));
    verdict.strayJobs += clusterJobs.length - own.length;
    if (own.length > 1) {
      verdict.duplicateJobs += own.length - 1;
      verdict.duplicatedRestores += 1;
    }
    verdict.duplicateStarts += Math.max(0, (input.runs.get(restore.workflowId)?.ownRuns ?? 0) - 1);

    const outcome = input.outcomes.get(restore.workflowId);
    if (outcome === undefined) {
      lose(restore.workflowId, input.runs.has(restore.workflowId) ? 'never finished' : 'never started');
      continue;
    }
    verdict.finalized += 1;
    const completedJob = own.find((job) => finalStatus(job, input.now) === 'COMPLETED');
    if (outcome.state === 'COMPLETED') {
      verdict.completed += 1;
      if (outcome.adopted) verdict.adoptedJobs += 1;
      if (restore.delivery === 'DOWNLOAD' && outcome.snapshotUrl === null) verdict.downloadsWithoutUrl += 1;
      const job = own.find((j) => j.id === outcome.jobId);
      const status = job ? finalStatus(job, input.now) : 'missing';
      if (status !== 'COMPLETED') {
        lose(restore.workflowId, `COMPLETED in Temporal, but Atlas job ${outcome.jobId} is ${status}`);
      }
      continue;
    }
    verdict.failed += 1;
    verdict.failedByType[outcome.type] = (verdict.failedByType[outcome.type] ?? 0) + 1;
    if (outcome.type === 'RestoreFailed') {
      const job = own.find((j) => j.id === outcome.jobId);
      const status = job ? finalStatus(job, input.now) : 'missing';
      if (status !== 'FAILED') {
        lose(restore.workflowId, `RestoreFailed in Temporal, but Atlas job ${outcome.jobId ?? 'none'} is ${status}`);
      }
    } else if (completedJob !== undefined) {
      lose(restore.workflowId, `${outcome.type} in Temporal, but Atlas completed job ${completedJob.id}`);
    }
  }
  for (const [key, jobs] of jobsByCluster) if (!plannedClusters.has(key)) verdict.strayJobs += jobs.length;
  return verdict;
}

/** Whether a job was created for this restore: same source, snapshot, delivery and (for a RESTORE) target. */
function matchesRestore(job: SimulatedRestoreJob, restore: PlannedRestore): boolean {
  return (
    job.projectId === restore.projectId &&
    job.clusterName === restore.clusterName &&
    job.snapshotId === restore.snapshotId &&
    job.deliveryType === restore.delivery &&
    (restore.delivery === 'DOWNLOAD' ||
      (job.targetProjectId === restore.targetProjectId && job.targetDeploymentItemName === restore.targetClusterName))
  );
}

/** COMPLETED or FAILED once the job has finished, RUNNING (or earlier) before. */
function finalStatus(job: SimulatedRestoreJob, now: number): string {
  return job.finishesAt !== null && job.finishesAt <= now ? job.outcome : 'unfinished';
}

/** A secret to look for, with the kind it is reported under. */
export interface Secret {
  kind: string;
  value: string;
}

/** Where a secret was seen, without the secret itself. */
export interface SecretSighting {
  kind: string;
  source: string;
}

/** Matches a simulator download link; a token that was not among the known ones still counts as a leaked link. */
const SNAPSHOT_URL_TOKEN = /snapshot-downloads\/([0-9a-f]{32})\//g;
const SIGHTING_SAMPLE = 20;

/**
 * Counts occurrences of secrets in texts, by kind and by source. Download links are found both by their known
 * tokens and by their shape, so a link the run did not know about is not missed.
 */
export class SecretScanner {
  readonly byKind: Record<string, number> = {};
  readonly bySource: Record<string, number> = {};
  readonly sightings: SecretSighting[] = [];
  readonly #kinds = new Map<string, string>();
  readonly #pattern: RegExp | undefined;
  #total = 0;

  /** `secrets` shorter than 8 characters are refused: they would match by chance. */
  constructor(
    secrets: readonly Secret[],
    readonly linkKind = 'snapshotUrl'
  ) {
    for (const { kind, value } of secrets) {
      if (value.length < 8) throw new RangeError(`secret of kind ${kind} is too short to look for`);
      this.#kinds.set(value, kind);
      this.byKind[kind] ??= 0;
    }
    this.byKind[linkKind] ??= 0;
    const alternatives = [...this.#kinds.keys()].map((value) => value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
    this.#pattern = alternatives.length > 0 ? new RegExp(alternatives.join('|'), 'g') : undefined;
  }

  /** Total occurrences seen so far. */
  get total(): number {
    return this.#total;
  }

  /** Counts the secrets in one text; `source` names it in the tallies (e.g. `history`, `worker-log`). */
  scan(text: string, source: string): number {
    let found = 0;
    const record = (kind: string) => {
      found += 1;
      this.byKind[kind] = (this.byKind[kind] ?? 0) + 1;
      if (this.sightings.length < SIGHTING_SAMPLE) this.sightings.push({ kind, source });
    };
    if (this.#pattern) for (const match of text.matchAll(this.#pattern)) record(this.#kinds.get(match[0]) as string);
    for (const match of text.matchAll(SNAPSHOT_URL_TOKEN)) {
      if (!this.#kinds.has(match[1] as string)) record(this.linkKind);
    }
    this.#total += found;
    this.bySource[source] = (this.bySource[source] ?? 0) + found;
    return found;
  }
}

/**
 * A history (or any proto JSON) plus the decoded bytes of every payload in it: proto JSON carries payload data and
 * metadata base64-encoded, where a plain-text secret would hide from a text search. Encrypted payloads decode to
 * ciphertext, which is the point.
 */
export function withDecodedPayloads(json: string): string {
  const decoded: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) {
      node.forEach(visit);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    const record = node as Record<string, unknown>;
    if (typeof record.data === 'string' && record.metadata !== null && typeof record.metadata === 'object') {
      decoded.push(Buffer.from(record.data, 'base64').toString('utf8'));
      for (const value of Object.values(record.metadata as Record<string, unknown>)) {
        if (typeof value === 'string') decoded.push(Buffer.from(value, 'base64').toString('utf8'));
      }
    }
    Object.values(record).forEach(visit);
  };
  visit(JSON.parse(json));
  return [json, ...decoded].join('\n');
}

/** The figures {@link problemsOf} judges. */
export interface RunFigures {
  lostRestores: number;
  duplicateJobs: number;
  duplicateStarts: number;
  strayJobs: number;
  secretLeaks: number;
  linkMismatches: number;
  workerKills: number;
  serverRestarts: number;
}

/**
 * Why a run fails, one line each (empty when it passed): a lost, duplicated or wrongly created restore, a leak, a
 * download link that differs from Atlas's, or less chaos than asked for (a run that was not hurt proves nothing).
 */
export function problemsOf(figures: RunFigures, minimums: { workerKills: number; serverRestarts: number }): string[] {
  const problems: string[] = [];
  if (figures.lostRestores > 0) problems.push(`${figures.lostRestores} restores lost`);
  if (figures.duplicateJobs > 0) problems.push(`${figures.duplicateJobs} duplicate Atlas jobs`);
  if (figures.duplicateStarts > 0) problems.push(`${figures.duplicateStarts} restores started twice`);
  if (figures.strayJobs > 0) problems.push(`${figures.strayJobs} Atlas jobs that match no restore`);
  if (figures.secretLeaks > 0) problems.push(`${figures.secretLeaks} secret leaks`);
  if (figures.linkMismatches > 0) problems.push(`${figures.linkMismatches} download links differ from Atlas's`);
  if (figures.workerKills < minimums.workerKills) {
    problems.push(`only ${figures.workerKills} of ${minimums.workerKills} worker kills`);
  }
  if (figures.serverRestarts < minimums.serverRestarts) {
    problems.push(`only ${figures.serverRestarts} of ${minimums.serverRestarts} server restarts`);
  }
  return problems;
}
