/**
 * The projects, clusters and snapshots the simulator starts with. A seed is data rather than code so a demo or a
 * chaos run can bring its own file; the default reproduces the example in the Atlas v1.0 shared-tier docs, so
 * a request copied from the docs works against the simulator unchanged.
 */

import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { ClusterNameSchema, ObjectIdSchema, RESTORE_JOB_STATUSES } from '../contract/atlas-ids';

/** One seeded snapshot; dates left out get defaults derived from the id's timestamp, as Atlas ids embed one. */
export const SeedSnapshotSchema = z.strictObject({
  id: ObjectIdSchema,
  status: z.enum(RESTORE_JOB_STATUSES).default('COMPLETED'),
  scheduledTime: z.iso.datetime().optional(),
  startTime: z.iso.datetime().optional(),
  finishTime: z.iso.datetime().optional(),
  expiration: z.iso.datetime().optional(),
  mongoDBVersion: z.string().min(1).default('7.0.14'),
});
/** One seeded snapshot. */
export type SeedSnapshot = z.infer<typeof SeedSnapshotSchema>;

/** Milliseconds a restore job spends in one non-final status; finite so that every job ends. */
const PhaseMsSchema = z
  .number()
  .nonnegative()
  .max(7 * 24 * 60 * 60 * 1000);

/**
 * How long restore jobs of one cluster spend PENDING, QUEUED and RUNNING, so that a benchmark can give every restore
 * its own duration. A phase left out keeps the simulator's timing for the cluster's family.
 */
export const SeedRestoreTimingSchema = z.strictObject({
  pendingMs: PhaseMsSchema.optional(),
  queuedMs: PhaseMsSchema.optional(),
  runningMs: PhaseMsSchema.optional(),
});
/** Per-cluster restore job timing. */
export type SeedRestoreTiming = z.infer<typeof SeedRestoreTimingSchema>;

/**
 * One seeded cluster. `restoreOutcome` makes every restore job created from this cluster end that way, and
 * `restoreTiming` makes them take that long.
 */
export const SeedClusterSchema = z.strictObject({
  name: ClusterNameSchema,
  family: z.enum(['tenant', 'flex']).default('tenant'),
  restoreOutcome: z.enum(['COMPLETED', 'FAILED']).optional(),
  restoreTiming: SeedRestoreTimingSchema.optional(),
  snapshots: z.array(SeedSnapshotSchema).default([]),
});
/** One seeded cluster. */
export type SeedCluster = z.infer<typeof SeedClusterSchema>;

/** One seeded project (Atlas "group"). */
export const SeedProjectSchema = z.strictObject({
  id: ObjectIdSchema,
  clusters: z.array(SeedClusterSchema).default([]),
});
/** One seeded project. */
export type SeedProject = z.infer<typeof SeedProjectSchema>;

/** The whole seed. Duplicate project ids, cluster names within a project, or snapshot ids are refused, not shadowed. */
export const SimulatorSeedSchema = z.strictObject({ projects: z.array(SeedProjectSchema) }).superRefine((seed, ctx) => {
  const projectIds = new Set<string>();
  const snapshotIds = new Set<string>();
  seed.projects.forEach((project, p) => {
    if (projectIds.has(project.id)) {
      ctx.addIssue({ code: 'custom', message: `duplicate project id ${project.id}`, path: ['projects', p, 'id'] });
    }
    projectIds.add(project.id);
    const clusterNames = new Set<string>();
    project.clusters.forEach((cluster, c) => {
      if (clusterNames.has(cluster.name)) {
        const path = ['projects', p, 'clusters', c, 'name'];
        ctx.addIssue({ code: 'custom', message: `duplicate cluster name ${cluster.name}`, path });
      }
      clusterNames.add(cluster.name);
      cluster.snapshots.forEach((snapshot, s) => {
        if (snapshotIds.has(snapshot.id)) {
          const path = ['projects', p, 'clusters', c, 'snapshots', s, 'id'];
          ctx.addIssue({ code: 'custom', message: `duplicate snapshot id ${snapshot.id}`, path });
        }
        snapshotIds.add(snapshot.id);
      });
    });
  });
});
/** A validated seed, defaults applied. */
export type SimulatorSeed = z.infer<typeof SimulatorSeedSchema>;
/** A seed as written by hand or in a file: defaulted fields (`family`, `status`, dates…) may be left out. */
export type SimulatorSeedInput = z.input<typeof SimulatorSeedSchema>;

/** The project of the Atlas docs' restore example. */
export const SEED_PROJECT_ID = '571c390a7cea7e4dbf32b625';
/** The cluster of the Atlas docs' restore example (an M2 on AWS). */
export const SEED_CLUSTER_NAME = 'M2AWS';
/** The snapshot of the Atlas docs' restore example; it finished at `2019-05-28T14:44:01Z`. */
export const SEED_SNAPSHOT_ID = '5ced491ce7a2e10517c81fa7';
/** Public key the simulator accepts unless told otherwise; 8 lowercase letters, shaped like a real Atlas key. */
export const DEFAULT_SIMULATOR_PUBLIC_KEY = 'simatlas';
/** Private key the simulator accepts unless told otherwise; a UUID, shaped like a real Atlas key. Not a secret. */
export const DEFAULT_SIMULATOR_PRIVATE_KEY = '6f1d3c2a-9b8e-4f7a-a5d4-3c2b1a0f9e8d';
/** Service Account client id the simulator accepts unless told otherwise; shaped like a real one (`mdb_sa_id_…`). */
export const DEFAULT_SIMULATOR_CLIENT_ID = 'mdb_sa_id_66d1f0a2c3b4e5f6a7b8c9d0';
/** Service Account client secret the simulator accepts unless told otherwise (`mdb_sa_sk_…`). Not a secret. */
export const DEFAULT_SIMULATOR_CLIENT_SECRET = 'mdb_sa_sk_Sim7ulat0rTestSecretNotReal4u2Copy9x';
/** The Flex cluster of the Atlas CLI's recorded Flex backup traffic. */
export const SEED_FLEX_CLUSTER_NAME = 'snapshotCluster0';
/** The snapshot restored in the recorded Flex traffic; it finished at `2026-08-02T17:06:56Z`. */
export const SEED_FLEX_SNAPSHOT_ID = '6a6f78e0cab84da5c4476b25';

/**
 * The docs' project with three clusters: `M2AWS` with the docs' snapshot and the two daily snapshots after it (so
 * lists have order and pages to show), `M5AWS` with one snapshot, as a second restore target, and the Flex cluster
 * of the recorded Flex traffic with its recorded snapshot and the next day's.
 */
export const DEFAULT_SEED: SimulatorSeed = SimulatorSeedSchema.parse({
  projects: [
    {
      id: SEED_PROJECT_ID,
      clusters: [
        {
          name: SEED_CLUSTER_NAME,
          snapshots: [
            { id: SEED_SNAPSHOT_ID, finishTime: '2019-05-28T14:44:01Z', mongoDBVersion: '4.0.9' },
            { id: '5cee9a9ce7a2e10517c81fb2', mongoDBVersion: '4.0.9' },
            { id: '5ceffc1ce7a2e10517c81fc4', mongoDBVersion: '4.0.9' },
          ],
        },
        { name: 'M5AWS', snapshots: [{ id: '5ceffc20e7a2e10517c81fc9', mongoDBVersion: '4.0.9' }] },
        {
          name: SEED_FLEX_CLUSTER_NAME,
          family: 'flex',
          snapshots: [
            {
              id: SEED_FLEX_SNAPSHOT_ID,
              scheduledTime: '2026-08-02T17:05:10Z',
              startTime: '2026-08-02T17:05:37Z',
              finishTime: '2026-08-02T17:06:56Z',
              mongoDBVersion: '8.0.29',
            },
            { id: '6a70ca60cab84da5c4476c31', mongoDBVersion: '8.0.29' },
          ],
        },
      ],
    },
  ],
} satisfies SimulatorSeedInput);

/** Thrown when a seed file cannot be read, is not JSON, or does not match {@link SimulatorSeedSchema}. */
export class SeedFileError extends Error {
  override readonly name = 'SeedFileError';
}

/** Reads and validates a seed file, failing with a message that names the file and every problem in it. */
export async function loadSeedFile(path: string): Promise<SimulatorSeed> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (cause) {
    throw new SeedFileError(`Cannot read seed file ${path}: ${(cause as Error).message}`, { cause });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (cause) {
    throw new SeedFileError(`Seed file ${path} is not valid JSON: ${(cause as Error).message}`, { cause });
  }
  const parsed = SimulatorSeedSchema.safeParse(json);
  if (!parsed.success) {
    throw new SeedFileError(`Seed file ${path} is invalid:\n${z.prettifyError(parsed.error)}`, {
      cause: parsed.error,
    });
  }
  return parsed.data;
}
