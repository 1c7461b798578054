/**
 * The benchmark's job set: N restores, each onto its own cluster of one project (so each has its own workflow id),
 * each with its own simulated duration drawn from a seeded distribution. The same job set, written once as a
 * simulator seed, serves the workflow phase and the baseline, so both wait for exactly the same Atlas jobs.
 */

import type { SimulatorSeedInput } from '../simulator/seed';
import { mulberry32 } from '../simulator/seeded-random';

/** Which cluster family the restores use: all Flex, all shared-tier (tenant), or a seeded half-and-half mix. */
export type BenchFamily = 'flex' | 'tenant' | 'mix';

/** How to draw the job set. */
export interface JobSetOptions {
  restores: number;
  family: BenchFamily;
  /** Range of a tenant restore's total duration, in seconds of real Atlas time (before `timeScale`). */
  tenantSeconds: { min: number; max: number };
  /** Multiplies every simulated duration; 0.1 turns a 2-minute restore into 12 s. */
  timeScale: number;
  /** PRNG seed: the same seed draws the same durations and families. */
  seed: number;
  /** A fresh id per run keeps workflow ids unique on a reused Temporal server. */
  projectId: string;
}

/** One restore of the job set: which cluster, which snapshot, how long Atlas takes. */
export interface BenchJob {
  index: number;
  family: 'flex' | 'tenant';
  /** Source and target cluster: each restore puts a cluster's own snapshot back onto it. */
  clusterName: string;
  snapshotId: string;
  pendingMs: number;
  queuedMs: number;
  runningMs: number;
}

/** Flex restores take about 1 to 3 minutes: a lognormal with these bounds as ±2σ, redrawn outside them. */
const FLEX_SECONDS = { min: 60, max: 180 } as const;

/**
 * Draws the job set. Flex: PENDING 2–5 s, then RUNNING for the rest of a lognormal 60–180 s total (Flex jobs skip
 * QUEUED in the recorded traffic). Tenant: PENDING 2 s, QUEUED 2 s, RUNNING the rest of a uniform draw from
 * `tenantSeconds`. Every duration is multiplied by `timeScale`.
 */
export function drawJobSet(options: JobSetOptions): BenchJob[] {
  const random = mulberry32(options.seed);
  const stamp = options.projectId.slice(0, 8);
  const jobs: BenchJob[] = [];
  for (let index = 0; index < options.restores; index += 1) {
    const family = options.family === 'mix' ? (random() < 0.5 ? 'flex' : 'tenant') : options.family;
    const clusterName = `bench-${String(index).padStart(5, '0')}`;
    const snapshotId = `${stamp}${index.toString(16).padStart(16, '0')}`;
    const scale = (seconds: number): number => Math.round(seconds * 1000 * options.timeScale);
    if (family === 'flex') {
      const totalSeconds = truncatedLognormal(random, FLEX_SECONDS.min, FLEX_SECONDS.max);
      const pendingSeconds = 2 + 3 * random();
      jobs.push({
        index,
        family,
        clusterName,
        snapshotId,
        pendingMs: scale(pendingSeconds),
        queuedMs: 0,
        runningMs: scale(totalSeconds - pendingSeconds),
      });
    } else {
      const { min, max } = options.tenantSeconds;
      const totalSeconds = Math.max(4, min + (max - min) * random());
      jobs.push({
        index,
        family,
        clusterName,
        snapshotId,
        pendingMs: scale(2),
        queuedMs: scale(2),
        runningMs: scale(totalSeconds - 4),
      });
    }
  }
  return jobs;
}

/** The API family both phases reach a job's cluster through: Flex, or the shared-tier v2 endpoints. */
export function apiFamilyOf(job: BenchJob): 'flex' | 'tenant-v2' {
  return job.family === 'flex' ? 'flex' : 'tenant-v2';
}

/** Total simulated duration of a job, in ms. */
export function jobDurationMs(job: BenchJob): number {
  return job.pendingMs + job.queuedMs + job.runningMs;
}

/** The simulator seed for a job set: one project, one cluster per job with its snapshot and its own timing. */
export function seedFor(projectId: string, jobs: readonly BenchJob[]): SimulatorSeedInput {
  return {
    projects: [
      {
        id: projectId,
        clusters: jobs.map((job) => ({
          name: job.clusterName,
          family: job.family,
          restoreTiming: { pendingMs: job.pendingMs, queuedMs: job.queuedMs, runningMs: job.runningMs },
          snapshots: [{ id: job.snapshotId }],
        })),
      },
    ],
  };
}

/**
 * An ObjectId-shaped project id that starts with the current second, so that every run gets its own workflow ids
 * (they name the target) and snapshot ids carry a plausible date.
 */
export function freshProjectId(nowMs: number, random: () => number): string {
  const seconds = Math.floor(nowMs / 1000)
    .toString(16)
    .padStart(8, '0');
  let rest = '';
  while (rest.length < 16) rest += Math.floor(random() * 16).toString(16);
  return seconds + rest;
}


/** Lognormal whose median is the geometric mean of the bounds and whose ±2σ are the bounds; redrawn outside them. */
function truncatedLognormal(random: () => number, min: number, max: number): number {
  const mu = (Math.log(min) + Math.log(max)) / 2;
  const sigma = (Math.log(max) - Math.log(min)) / 4;
  for (;;) {
    const u = 1 - random();
    const v = random();
    const normal = Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
    const value = Math.exp(mu + sigma * normal);
    if (value >= min && value <= max) return value;
  }
}
