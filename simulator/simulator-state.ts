/**
 * Everything the simulator knows: seeded projects, clusters and snapshots, and the jobs created since start.
 * Job status is never stored; it is derived from the clock on every read, so 10,000 jobs cost 10,000 small
 * records and no timers, and an injected clock moves every job at once.
 */

import { randomBytes } from 'node:crypto';
import type { RestoreJobStatus } from '../contract/atlas-ids';
import type { ApiFamily } from './api-families';
import type { JobFault } from './faults';
import type { SeedCluster, SeedRestoreTiming, SeedSnapshot, SimulatorSeed } from './seed';
import { formatAtlasDate } from './wire-format';

/** The two ways a restore job can end. */
export type RestoreOutcome = 'COMPLETED' | 'FAILED';

/** How long a new restore job spends in each non-final status. */
export interface JobTiming {
  pendingMs: number;
  queuedMs: number;
  runningMs: number;
}

/** Job timings per cluster family: tenant jobs and Flex jobs take different times in Atlas. */
export interface FamilyTimings {
  tenant: JobTiming;
  flex: JobTiming;
}

/** A job as tests see it: its identity and the instants that decide its status. */
export interface SimulatedRestoreJob {
  id: string;
  /** The API family the job was created through. */
  family: ApiFamily;
  projectId: string;
  clusterName: string;
  snapshotId: string;
  targetProjectId: string;
  targetDeploymentItemName: string;
  deliveryType: 'RESTORE' | 'DOWNLOAD';
  /** Epoch ms when the job was created (its `restoreScheduledDate`). */
  scheduledAt: number;
  /** Epoch ms when the job reaches `outcome` (its `restoreFinishedDate`); null for a job stuck RUNNING forever. */
  finishesAt: number | null;
  outcome: RestoreOutcome;
}

/** A job with what the wire view needs besides the public fields. */
export interface JobRecord extends Omit<SimulatedRestoreJob, 'finishesAt'> {
  /** Infinity for a stuck job, so that its status is RUNNING at every instant without a special case. */
  finishesAt: number;
  expiresAt: number;
  queuedAt: number;
  runningAt: number;
  snapshotFinishedAt: number;
  snapshotUrl?: string;
}

/** A seeded snapshot with its dates resolved to epoch ms. */
export interface SnapshotRecord {
  id: string;
  status: RestoreJobStatus;
  scheduledAt: number;
  startedAt: number;
  finishedAt: number;
  expiresAt: number;
  mongoDBVersion: string;
}

/** A seeded cluster with its snapshots (oldest first) and the jobs created from it (oldest first). */
export interface ClusterRecord {
  name: string;
  family: SeedCluster['family'];
  restoreOutcome?: RestoreOutcome;
  /** Phases that replace the family's timing for restore jobs created from this cluster. */
  restoreTiming?: SeedRestoreTiming;
  snapshots: SnapshotRecord[];
  snapshotsById: Map<string, SnapshotRecord>;
  jobs: JobRecord[];
  jobsById: Map<string, JobRecord>;
}

/** A seeded project and its clusters by name. */
export interface ProjectRecord {
  id: string;
  clusters: Map<string, ClusterRecord>;
}

/** Fields of a new restore job that the caller has validated. */
export interface NewRestoreJob {
  family: ApiFamily;
  project: ProjectRecord;
  cluster: ClusterRecord;
  snapshot: SnapshotRecord;
  targetProjectId: string;
  targetDeploymentItemName: string;
}

/** Fields of a new download job that the caller has validated. */
export interface NewDownloadJob {
  family: ApiFamily;
  project: ProjectRecord;
  cluster: ClusterRecord;
  snapshot: SnapshotRecord;
  snapshotUrl: string;
}

/**
 * How long after scheduling a job expires: 4 hours for tenant jobs and download links (v1.0 docs), 6 hours for Flex
 * jobs (recorded Atlas CLI traffic; Flex downloads are assumed to follow their family).
 */
const JOB_LIFETIME_MS: Readonly<Record<ApiFamily, number>> = {
  'tenant-v1': 4 * 60 * 60 * 1000,
  'tenant-v2': 4 * 60 * 60 * 1000,
  flex: 6 * 60 * 60 * 1000,
};
/** Snapshot defaults: a short backup run, and Atlas's 8-day retention for daily tenant snapshots. */
const SNAPSHOT_START_DELAY_MS = 10_000;
const SNAPSHOT_DURATION_MS = 20_000;
const SNAPSHOT_RETENTION_MS = 8 * 24 * 60 * 60 * 1000;

/** The simulator's data, indexed for O(1) lookups by project id, cluster name, snapshot id and job id. */
export class SimulatorState {
  private readonly projects = new Map<string, ProjectRecord>();
  private readonly jobs: JobRecord[] = [];
  private readonly timings: FamilyTimings;
  private readonly defaultOutcome: RestoreOutcome;
  private readonly jobFault: () => JobFault;
  private readonly newId: (now: number) => string;

  /** `jobFault` is asked once per new restore job whether it should get stuck or fail (fault injection). */
  constructor(seed: SimulatorSeed, timings: FamilyTimings, defaultOutcome: RestoreOutcome, jobFault: () => JobFault) {
    this.timings = timings;
    this.defaultOutcome = defaultOutcome;
    this.jobFault = jobFault;
    this.newId = objectIdGenerator();
    for (const project of seed.projects) {
      const clusters = new Map(project.clusters.map((cluster) => [cluster.name, clusterRecord(cluster)]));
      this.projects.set(project.id, { id: project.id, clusters });
    }
  }

  /** The project with this id, if seeded. */
  project(id: string): ProjectRecord | undefined {
    return this.projects.get(id);
  }

  /** Every job created so far, oldest first. */
  allJobs(): readonly JobRecord[] {
    return this.jobs;
  }

  /**
   * Creates a restore job that starts PENDING now, takes its cluster's timing (phase by phase, the family's where the
   * cluster sets none) and ends with the cluster's (or the default) outcome, unless an injected fault makes it fail
   * or never finish.
   */
  createRestoreJob(job: NewRestoreJob, now: number): JobRecord {
    const timing = clusterTiming(job.cluster, job.cluster.family === 'flex' ? this.timings.flex : this.timings.tenant);
    const queuedAt = now + timing.pendingMs;
    const runningAt = queuedAt + timing.queuedMs;
    const fault = this.jobFault();
    return this.add(job.cluster, {
      id: this.newId(now),
      family: job.family,
      projectId: job.project.id,
      clusterName: job.cluster.name,
      snapshotId: job.snapshot.id,
      targetProjectId: job.targetProjectId,
      targetDeploymentItemName: job.targetDeploymentItemName,
      deliveryType: 'RESTORE',
      scheduledAt: now,
      expiresAt: now + JOB_LIFETIME_MS[job.family],
      queuedAt,
      runningAt,
      finishesAt: fault === 'stuck' ? Number.POSITIVE_INFINITY : runningAt + timing.runningMs,
      outcome: fault === 'failed' ? 'FAILED' : (job.cluster.restoreOutcome ?? this.defaultOutcome),
      snapshotFinishedAt: job.snapshot.finishedAt,
    });
  }

  /** Creates a download job, complete the moment it exists, as Atlas's documented example shows. */
  createDownloadJob(job: NewDownloadJob, now: number): JobRecord {
    return this.add(job.cluster, {
      id: this.newId(now),
      family: job.family,
      projectId: job.project.id,
      clusterName: job.cluster.name,
      snapshotId: job.snapshot.id,
      targetProjectId: job.project.id,
      targetDeploymentItemName: job.cluster.name,
      deliveryType: 'DOWNLOAD',
      scheduledAt: now,
      expiresAt: now + JOB_LIFETIME_MS[job.family],
      queuedAt: now,
      runningAt: now,
      finishesAt: now,
      outcome: 'COMPLETED',
      snapshotFinishedAt: job.snapshot.finishedAt,
      snapshotUrl: job.snapshotUrl,
    });
  }

  private add(cluster: ClusterRecord, job: JobRecord): JobRecord {
    cluster.jobs.push(job);
    cluster.jobsById.set(job.id, job);
    this.jobs.push(job);
    return job;
  }
}

/** The status a job has at `now`: PENDING, QUEUED and RUNNING in turn, then its outcome. */
export function jobStatusAt(job: JobRecord, now: number): RestoreJobStatus {
  if (now >= job.finishesAt) return job.outcome;
  if (now >= job.runningAt) return 'RUNNING';
  if (now >= job.queuedAt) return 'QUEUED';
  return 'PENDING';
}

/**
 * A job as Atlas serializes it (documented fields, alphabetical); `restoreFinishedDate` only once final. Flex jobs
 * name their cluster `instanceName`, tenant jobs `clusterName`.
 */
export function restoreJobView(job: JobRecord, status: RestoreJobStatus): Record<string, unknown> {
  const final = status === 'COMPLETED' || status === 'FAILED';
  const flex = job.family === 'flex';
  return {
    clusterName: flex ? undefined : job.clusterName,
    deliveryType: job.deliveryType,
    expirationDate: formatAtlasDate(job.expiresAt),
    id: job.id,
    instanceName: flex ? job.clusterName : undefined,
    projectId: job.projectId,
    restoreFinishedDate: final ? formatAtlasDate(job.finishesAt) : undefined,
    restoreScheduledDate: formatAtlasDate(job.scheduledAt),
    snapshotFinishedDate: formatAtlasDate(job.snapshotFinishedAt),
    snapshotId: job.snapshotId,
    snapshotUrl: job.snapshotUrl,
    status,
    targetDeploymentItemName: job.targetDeploymentItemName,
    targetProjectId: job.targetProjectId,
  };
}

/** A snapshot as Atlas serializes it. */
export function snapshotView(snapshot: SnapshotRecord): Record<string, unknown> {
  return {
    expiration: formatAtlasDate(snapshot.expiresAt),
    finishTime: formatAtlasDate(snapshot.finishedAt),
    id: snapshot.id,
    mongoDBVersion: snapshot.mongoDBVersion,
    scheduledTime: formatAtlasDate(snapshot.scheduledAt),
    startTime: formatAtlasDate(snapshot.startedAt),
    status: snapshot.status,
  };
}

/** The public, copy-safe part of a job. */
export function publicJob(job: JobRecord): SimulatedRestoreJob {
  return {
    id: job.id,
    family: job.family,
    projectId: job.projectId,
    clusterName: job.clusterName,
    snapshotId: job.snapshotId,
    targetProjectId: job.targetProjectId,
    targetDeploymentItemName: job.targetDeploymentItemName,
    deliveryType: job.deliveryType,
    scheduledAt: job.scheduledAt,
    finishesAt: Number.isFinite(job.finishesAt) ? job.finishesAt : null,
    outcome: job.outcome,
  };
}

function clusterTiming(cluster: ClusterRecord, familyTiming: JobTiming): JobTiming {
  const own = cluster.restoreTiming;
  return {
    pendingMs: own?.pendingMs ?? familyTiming.pendingMs,
    queuedMs: own?.queuedMs ?? familyTiming.queuedMs,
    runningMs: own?.runningMs ?? familyTiming.runningMs,
  };
}

function clusterRecord(cluster: SeedCluster): ClusterRecord {
  const snapshots = cluster.snapshots.map(snapshotRecord).sort((a, b) => a.scheduledAt - b.scheduledAt);
  return {
    name: cluster.name,
    family: cluster.family,
    restoreOutcome: cluster.restoreOutcome,
    restoreTiming: cluster.restoreTiming,
    snapshots,
    snapshotsById: new Map(snapshots.map((snapshot) => [snapshot.id, snapshot])),
    jobs: [],
    jobsById: new Map(),
  };
}

/** Missing dates chain from the creation second embedded in the snapshot's ObjectId. */
function snapshotRecord(snapshot: SeedSnapshot): SnapshotRecord {
  const scheduledAt = dateOr(snapshot.scheduledTime, Number.parseInt(snapshot.id.slice(0, 8), 16) * 1000);
  const startedAt = dateOr(snapshot.startTime, scheduledAt + SNAPSHOT_START_DELAY_MS);
  return {
    id: snapshot.id,
    status: snapshot.status,
    scheduledAt,
    startedAt,
    finishedAt: dateOr(snapshot.finishTime, startedAt + SNAPSHOT_DURATION_MS),
    expiresAt: dateOr(snapshot.expiration, scheduledAt + SNAPSHOT_RETENTION_MS),
    mongoDBVersion: snapshot.mongoDBVersion,
  };
}

function dateOr(iso: string | undefined, fallback: number): number {
  return iso === undefined ? fallback : Date.parse(iso);
}

/**
 * Returns a generator of ObjectId-shaped ids (creation second, 5 random bytes fixed per simulator, 3-byte
 * counter), like the ids Atlas returns, and unique without a lookup.
 */
function objectIdGenerator(): (now: number) => string {
  const processPart = randomBytes(5).toString('hex');
  let counter = randomBytes(3).readUIntBE(0, 3);
  return (now) => {
    counter = (counter + 1) % 0x1000000;
    const seconds = Math.floor(now / 1000) % 0x100000000;
    return `${seconds.toString(16).padStart(8, '0')}${processPart}${counter.toString(16).padStart(6, '0')}`;
  };
}
