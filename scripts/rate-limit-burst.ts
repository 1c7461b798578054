import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { z } from 'zod';
import { AtlasClient } from '../activities/atlas/atlas-client';
import { startRestore } from '../client/restore-client';
import type { RestoreResult } from '../contract/restore';
import { DEFAULT_SIMULATOR_PRIVATE_KEY, DEFAULT_SIMULATOR_PUBLIC_KEY, SEED_PROJECT_ID } from '../simulator/seed';
import { startAtlasSimulator } from '../simulator/server';
import { createRestoreWorker } from '../worker/create-worker';
import { startLocalTemporal } from './dev-server';
import { resolveTemporalBinary } from './temporal-binary';

/**
 * Entry point: a burst of restores in ONE project against a deliberately small Atlas rate-limit bucket, run twice —
 * without and with the worker-wide cap on Atlas calls (`ATLAS_MAX_CALLS_PER_SECOND`, Temporal's task-queue activity
 * rate limit) — to show that every restore completes either way (429s are retried after `Retry-After`) and how many
 * 429s the cap saves. Prints one JSON object with both runs.
 */

const ArgsSchema = z.strictObject({
  restores: z.coerce.number().int().min(1).max(5000),
  capacity: z.coerce.number().int().min(1),
  refill: z.coerce.number().int().min(1),
  'period-seconds': z.coerce.number().positive(),
  cap: z.coerce.number().positive(),
});

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      restores: { type: 'string', default: '200' },
      capacity: { type: 'string', default: '40' },
      refill: { type: 'string', default: '40' },
      'period-seconds': { type: 'string', default: '5' },
      cap: { type: 'string', default: '6' },
    },
  });
  const parsed = ArgsSchema.safeParse(values);
  if (!parsed.success) {
    console.error(`Invalid arguments:\n${z.prettifyError(parsed.error)}`);
    return 2;
  }
  const args = parsed.data;
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const server = await startLocalTemporal({ binary: resolveTemporalBinary(process.env, (l) => console.error(l)) });
  try {
    const bucket = { capacity: args.capacity, refill: args.refill, periodSeconds: args['period-seconds'] };
    console.error(
      `Bucket per project: ${bucket.capacity} calls, +${bucket.refill} every ${bucket.periodSeconds} s ` +
        `(${(bucket.refill / bucket.periodSeconds).toFixed(1)}/s sustained); ${args.restores} Flex restores in one project`
    );
    const uncapped = await runBurst(server.address, args.restores, bucket, undefined, 'uncapped');
    const capped = await runBurst(server.address, args.restores, bucket, args.cap, 'capped');
    console.log(JSON.stringify({ restores: args.restores, bucket, uncapped, capped }, null, 2));
    return uncapped.completed === args.restores && capped.completed === args.restores ? 0 : 1;
  } finally {
    await server.stop();
  }
}

async function runBurst(
  address: string,
  restores: number,
  bucket: { capacity: number; refill: number; periodSeconds: number },
  capPerSecond: number | undefined,
  label: string
) {
  const clusters = Array.from({ length: restores }, (_, i) => ({
    name: `burst-${i + 1}`,
    family: 'flex' as const,
    snapshots: [{ id: (0x5000000000 + i).toString(16).padStart(24, '0') }],
  }));
  const simulator = await startAtlasSimulator({
    seed: { projects: [{ id: SEED_PROJECT_ID, clusters }] },
    flexTiming: { pendingMs: 2000, queuedMs: 0, runningMs: 8000 },
    rateLimits: { flexRestoreJobs: bucket, flexSnapshots: bucket },
    recordRequests: false,
  });
  const atlas = new AtlasClient({
    baseUrl: simulator.url,
    credentials: { publicKey: DEFAULT_SIMULATOR_PUBLIC_KEY, privateKey: DEFAULT_SIMULATOR_PRIVATE_KEY },
  });
  const workerConnection = await NativeConnection.connect({ address });
  const clientConnection = await Connection.connect({ address });
  const taskQueue = `burst-${label}-${Date.now()}`;
  const started = Date.now();
  try {
    const worker = await createRestoreWorker({
      connection: workerConnection,
      namespace: 'default',
      taskQueue,
      atlas,
      allowSnapshotUrls: false,
      tuning: { maxTaskQueueActivitiesPerSecond: capPerSecond },
    });
    const client = new Client({ connection: clientConnection });
    const results = await worker.runUntil(async () => {
      const handles = await Promise.all(
        clusters.map((c) =>
          startRestore(
            client,
            {
              projectId: SEED_PROJECT_ID,
              clusterName: c.name,
              snapshotId: c.snapshots[0]!.id,
              targetClusterName: c.name,
              family: 'flex',
              polling: { initialDelaySeconds: 5, intervalSeconds: 2 },
            },
            { taskQueue }
          )
        )
      );
      const progress = setInterval(() => {
        const s = simulator.stats();
        console.error(`[${label}] ${Math.round((Date.now() - started) / 1000)} s: jobs ${s.jobsCreated}, 429s ${s.rateLimited429}`);
      }, 10_000);
      try {
        return await Promise.allSettled(handles.map((h) => h.handle.result() as Promise<RestoreResult>));
      } finally {
        clearInterval(progress);
      }
    });
    const stats = simulator.stats();
    const completed = results.filter((r) => r.status === 'fulfilled' && r.value.outcome === 'COMPLETED').length;
    return {
      capPerSecond: capPerSecond ?? null,
      completed,
      failed: restores - completed,
      jobsCreated: stats.jobsCreated,
      rateLimited429: stats.rateLimited429,
      apiRequests: stats.requests,
      wallSeconds: Math.round((Date.now() - started) / 100) / 10,
    };
  } finally {
    await clientConnection.close();
    await workerConnection.close();
    await atlas.close();
    await simulator.close();
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err);
    process.exit(1);
  }
);
