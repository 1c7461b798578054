import {
  workflowIdFor,
  restoreTargetOf,
  RestoreRequestSchema,
  type Delivery,
  type RestoreRequestInput,
} from '../contract/restore';
import type { FaultPlan } from '../simulator/faults';
import type { SimulatorSeedInput } from '../simulator/seed';

/**
 * What a chaos run does, decided up front from one seed: the simulated Atlas data (one cluster per restore, so every
 * restore has its own workflow id and its own Atlas jobs to count), the restore requests, the fault plan and the
 * moments of worker kills and server restarts. Pure, so the same seed plans the same run (the interleaving of
 * processes at run time is still up to the machine).
 */

/** A uniform source in [0, 1), e.g. `mulberry32(seed)` from `simulator/seeded-random.ts`. */
export type Random = () => number;

/** What the run expects Atlas to end up with for one restore: the coordinates any job created for it must have. */
export interface PlannedRestore {
  index: number;
  workflowId: string;
  request: RestoreRequestInput;
  clusterFamily: 'tenant' | 'flex';
  delivery: Delivery;
  projectId: string;
  clusterName: string;
  /** The snapshot the job must use: the id asked for, or the newest seeded one for `latest`. */
  snapshotId: string;
  /** Null for a DOWNLOAD. */
  targetProjectId: string | null;
  /** Null for a DOWNLOAD. */
  targetClusterName: string | null;
}

/** The simulator seed and the restores to run against it. */
export interface ChaosPlan {
  seed: SimulatorSeedInput;
  restores: PlannedRestore[];
}

/** Share of restores that ask for a download link instead (secret links must then exist to look for). */
export const DOWNLOAD_EVERY = 20;
/** Share of clusters seeded as Flex; the rest are shared-tier (tenant) clusters. */
const FLEX_SHARE = 0.3;
/** Share of restores that ask for the `latest` snapshot, so snapshot resolution runs under faults too. */
const LATEST_SHARE = 0.1;
/** Share of restores that name their API family; the others let the worker detect it. */
const EXPLICIT_FAMILY_SHARE = 0.2;
/** Share of restores with a tiny history budget, so they continue as new and their histories span several runs. */
const SHORT_HISTORY_SHARE = 0.2;
const CLUSTERS_PER_PROJECT = 100;
/** 2026-01-01T00:00:00Z: snapshot ids embed their creation second, and dates derive from it. */
const SNAPSHOT_EPOCH_SECONDS = 1_767_225_600;

/**
 * Polls soon and often: simulated jobs take seconds, and a chaos run is about surviving faults, not about polling
 * economy. Only fields both the current and the reworked polling schema accept.
 */
const CHAOS_POLLING = { initialDelaySeconds: 2, intervalSeconds: 2, maxIntervalSeconds: 10, jitterRatio: 0.2 };
/** Far beyond the run: a restore of the run never ends on its deadline. */
const CHAOS_DEADLINE_SECONDS = 3600;

/**
 * Plans `count` restores, each on its own cluster: every 20th asks for a DOWNLOAD of its cluster's snapshot, the rest
 * restore the cluster's snapshot onto the cluster itself. About 30% of clusters are Flex.
 */
export function planRestores(count: number, random: Random): ChaosPlan {
  const restores: PlannedRestore[] = [];
  const projects: { id: string; clusters: NonNullable<SimulatorSeedInput['projects'][number]['clusters']> }[] = [];
  let idCounter = 0;
  const objectId = (seconds: number) =>
    `${hex(seconds, 8)}${hex(Math.floor(random() * 0x100000000), 8)}${hex(idCounter++, 8)}`;

  for (let index = 0; index < count; index++) {
    if (index % CLUSTERS_PER_PROJECT === 0) projects.push({ id: objectId(SNAPSHOT_EPOCH_SECONDS), clusters: [] });
    const project = projects[projects.length - 1] as (typeof projects)[number];
    const clusterFamily = random() < FLEX_SHARE ? 'flex' : 'tenant';
    const delivery: Delivery = index % DOWNLOAD_EVERY === DOWNLOAD_EVERY / 2 ? 'DOWNLOAD' : 'RESTORE';
    const latest = random() < LATEST_SHARE;
    const explicitFamily = random() < EXPLICIT_FAMILY_SHARE;
    const shortHistory = random() < SHORT_HISTORY_SHARE;
    const clusterName = `chaos-${clusterFamily}-${index}`;
    const taken = SNAPSHOT_EPOCH_SECONDS + index * 60;
    const snapshotIds = latest ? [objectId(taken), objectId(taken + 86_400)] : [objectId(taken)];
    project.clusters.push({
      name: clusterName,
      family: clusterFamily,
      snapshots: snapshotIds.map((id) => ({ id })),
    });
    const restore = delivery === 'RESTORE';
    const request: RestoreRequestInput = {
      projectId: project.id,
      clusterName,
      snapshotId: latest ? 'latest' : (snapshotIds[0] as string),
      ...(restore ? { targetClusterName: clusterName } : { delivery }),
      ...(explicitFamily ? { family: clusterFamily === 'flex' ? 'flex' : 'tenant-v2' } : {}),
      polling: CHAOS_POLLING,
      deadlineSeconds: CHAOS_DEADLINE_SECONDS,
      ...(shortHistory ? { continueAsNewAfterEvents: 30 } : {}),
    };
    restores.push({
      index,
      workflowId: workflowIdFor(restoreTargetOf(RestoreRequestSchema.parse(request))),
      request,
      clusterFamily,
      delivery,
      projectId: project.id,
      clusterName,
      snapshotId: snapshotIds[snapshotIds.length - 1] as string,
      targetProjectId: restore ? project.id : null,
      targetClusterName: restore ? clusterName : null,
    });
  }
  return { seed: { projects }, restores };
}

function hex(value: number, width: number): string {
  return (value >>> 0).toString(16).padStart(width, '0').slice(-width);
}

/**
 * The Atlas faults of a chaos run: a few percent of 5xx and 429 answers (Retry-After 1), latency on every call, slow
 * bodies, stale nonces, connections reset before a request is handled, and, the one that matters most, resets after
 * a create succeeded (the job exists but the worker never hears of it, so it must adopt it rather than post again).
 * A few jobs fail in Atlas. With Service Account credentials the token endpoint gets the same faults.
 */
export function chaosFaultPlan(credentials: 'digest' | 'service-account'): FaultPlan {
  return {
    errorRates: { '500': 0.02, '502': 0.02, '503': 0.02, '429': 0.02 },
    retryAfterSeconds: 1,
    latencyMs: { min: 0, max: 300 },
    resetBeforeCommit: 0.02,
    resetAfterCommit: 0.2,
    slowBody: { probability: 0.02, durationMs: 2000 },
    failJobs: 0.03,
    staleNonce: 0.03,
    tokenEndpoint: credentials === 'service-account',
  };
}

/**
 * `count` moments spread over [fromMs, toMs): one at random in each of `count` equal slices, so they are random yet
 * never bunched at one end (a run with 10 kills kills through its whole chaos window).
 */
export function spreadMoments(count: number, fromMs: number, toMs: number, random: Random): number[] {
  const slice = (toMs - fromMs) / Math.max(count, 1);
  return Array.from({ length: count }, (_, i) => Math.round(fromMs + slice * (i + random())));
}

/** When the chaos happens, relative to the first start. */
export interface ChaosSchedule {
  /** Milliseconds over which restores are started, and planned kills and restarts happen. */
  windowMs: number;
  /** Restores started per second. */
  startRate: number;
  /** Planned worker kills (more follow while restores are still open after the window). */
  killsAtMs: number[];
  /** Planned dev server restarts, kept away from the very start and end of the window. */
  serverRestartsAtMs: number[];
  /** Mean pause between the extra kills after the window. */
  extraKillEveryMs: number;
}

/** Fastest default start pace; a 2-core machine keeps up with it while being killed. */
export const DEFAULT_MAX_START_RATE = 4;
/** A worker kill every 8 s at most, on average, so each restarted worker gets to poll before the next kill. */
const MIN_MS_PER_KILL = 8_000;
/** Room for a server restart (stop, start, reconnect) and for work between restarts. */
const MIN_MS_PER_SERVER_RESTART = 30_000;
const MIN_WINDOW_MS = 60_000;

/**
 * Schedules the chaos: the window is long enough for the minimum kills and restarts, and restores are started at
 * `startRate` (default: up to 4 per second, slower when that would start them all before the window ends, so that
 * kills and restarts hit creates in flight, not only polls).
 */
export function planSchedule(
  input: { restores: number; workerKills: number; serverRestarts: number; startRate?: number },
  random: Random
): ChaosSchedule {
  const minWindowMs = Math.max(
    MIN_WINDOW_MS,
    input.workerKills * MIN_MS_PER_KILL,
    input.serverRestarts * MIN_MS_PER_SERVER_RESTART
  );
  const startRate = input.startRate ?? Math.min(DEFAULT_MAX_START_RATE, (input.restores * 1000) / minWindowMs);
  const windowMs = Math.max(minWindowMs, Math.ceil((input.restores * 1000) / startRate));
  return {
    windowMs,
    startRate,
    killsAtMs: spreadMoments(input.workerKills, 0.05 * windowMs, windowMs, random),
    serverRestartsAtMs: spreadMoments(input.serverRestarts, 0.2 * windowMs, 0.85 * windowMs, random),
    extraKillEveryMs: 3 * Math.max(MIN_MS_PER_KILL, windowMs / Math.max(input.workerKills, 1)),
  };
}
