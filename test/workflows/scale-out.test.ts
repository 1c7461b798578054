import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection, type WorkflowExecutionDescription } from '@temporalio/client';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import { temporal } from '@temporalio/proto';
import { awaitRestore, startRestore } from '../../client/restore-client';
import { startAtlasSimulator, type AtlasSimulator } from '../../simulator/server';
import { temporalTestAddress, testWorkerEnv, WorkerProcess, writeWorkflowBundle } from '../helpers/worker-process';

/**
 * Scale-out: two real worker processes (`worker/main.ts`) share one task queue; one (A) is SIGKILLed while both run
 * restores, and every restore still completes with exactly one Atlas job, on the survivor (B). Atlas answers every
 * call after about two seconds, so the kill catches activity attempts in flight on A: B retries those once their
 * 20 s heartbeat timeout passes. A's other restores come back sooner, once their next workflow task, queued for A's
 * sticky queue, times out there (10 s) and moves to the shared one.
 */

/** A project and clusters of this file's own, so its workflow ids (the targets) never meet another test's. */
const PROJECT_ID = '5ca1e0a75ca1e0a75ca1e0a7';
const CLUSTERS = Array.from({ length: 8 }, (_, i) => ({
  name: `scale-out-${i + 1}`,
  snapshotId: (0x5ca1e00000 + i).toString(16).padStart(24, '0'),
}));
/** Each job is PENDING 2 s, QUEUED 3 s and RUNNING 20 s: long enough to outlive the kill and the failover. */
const RESTORE_TIMING = { pendingMs: 2_000, queuedMs: 3_000, runningMs: 20_000 };
/** Every Atlas call takes this long, so activity attempts spend most of their time in flight. */
const ATLAS_LATENCY_MS = { min: 1_500, max: 2_500 };
/** Quick polls, as in the test kit's FAST_POLLING, a little slower to keep two workers from flooding two cores. */
const POLLING = {
  initialDelaySeconds: 0.3,
  intervalSeconds: 0.5,
  backoffCoefficient: 1,
  maxIntervalSeconds: 1,
  jitterRatio: 0.1,
};
/** The workflow's activity heartbeat timeout: a killed worker's running attempt is retried elsewhere after it. */
const HEARTBEAT_TIMEOUT_MS = 20_000;
/**
 * A moved restore must resume within the heartbeat timeout plus this: the retry's backoff, a sticky workflow task
 * waiting out its schedule-to-start timeout, and a loaded 2-core machine.
 */
const RESUME_SLACK_MS = 15_000;

/** One task (workflow task or activity attempt) some worker started, as the server recorded it. */
interface TaskStart {
  workflowId: string;
  kind: 'workflow task' | 'activity';
  /** Activity type, or `workflow task`. */
  what: string;
  identity: string;
  at: number;
  /** Activity attempts seen in flight in `describe()` (most retries of a poll never reach the history). */
  source: 'history' | 'pending';
}

type PendingActivity = NonNullable<WorkflowExecutionDescription['raw']['pendingActivities']>[number];
/** A pending activity seen by the latest `describe()` of its workflow. */
interface SampledActivity {
  workflowId: string;
  activity: PendingActivity;
}

const STARTED = temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;

let sim: AtlasSimulator | undefined;
let connection: Connection | undefined;
let bundle: { path: string; remove: () => void } | undefined;
const workers: WorkerProcess[] = [];

beforeAll(async () => {
  sim = await startAtlasSimulator({
    seed: {
      projects: [
        {
          id: PROJECT_ID,
          clusters: CLUSTERS.map((c) => ({
            name: c.name,
            restoreTiming: RESTORE_TIMING,
            snapshots: [{ id: c.snapshotId }],
          })),
        },
      ],
    },
    // Not under test here; a 429 retry would also make a second POST count.
    rateLimits: false,
    faults: { latencyMs: ATLAS_LATENCY_MS },
  });
  // One prebuilt bundle for both workers, so each starts in a second or two instead of running webpack.
  bundle = await writeWorkflowBundle();
  connection = await Connection.connect({ address: temporalTestAddress() });
}, 120_000);

afterAll(async () => {
  await Promise.allSettled(workers.map((w) => w.stop()));
  await connection?.close();
  await sim?.close();
  bundle?.remove();
}, 60_000);

test('with two workers on one task queue, killing one moves its restores to the other and each completes once', async () => {
  const atlas = sim as AtlasSimulator;
  const client = new Client({ connection: connection as Connection });
  const taskQueue = `scale-out-${process.pid}-${Date.now()}`;
  const [a, b] = (['a', 'b'] as const).map((suffix) =>
    WorkerProcess.start({
      name: suffix.toUpperCase(),
      env: testWorkerEnv(atlas.url, taskQueue, (bundle as { path: string }).path, {
        WORKER_IDENTITY: `scale-out-${suffix}`,
      }),
    })
  ) as [WorkerProcess, WorkerProcess];
  workers.push(a, b);
  await Promise.all([a.waitUntilReady(60_000), b.waitUntilReady(60_000)]);

  const workflowIds = await Promise.all(
    CLUSTERS.map(async (c) => {
      const request = {
        projectId: PROJECT_ID,
        clusterName: c.name,
        snapshotId: c.snapshotId,
        targetClusterName: c.name,
        polling: POLLING,
      };
      return (await startRestore(client, request, { taskQueue })).workflowId;
    })
  );

  const sampler = new ActivitySampler(client, workflowIds);
  let killedAt: number;
  let inFlightOnA: string[] = [];
  try {
    // Kill A once every job exists, both workers have run restore activities, and (in a look taken just before the
    // kill) A has an Atlas call under way. Jobs take 25 s, so no restore can finish before the kill.
    const waitUntil = Date.now() + 20_000;
    for (;;) {
      if (postedClusters(atlas).size === CLUSTERS.length && sampler.starts.some((s) => b.owns(s.identity))) {
        inFlightOnA = (await sampler.sampleNow())
          .filter((p) => p.activity.state === STARTED && a.owns(p.activity.lastWorkerIdentity))
          .map((p) => p.workflowId);
        if (inFlightOnA.length > 0) break;
      }
      if (Date.now() > waitUntil) {
        throw new Error(
          `within 20 s of the starts, the jobs were not all created (${postedClusters(atlas).size}/${CLUSTERS.length}) ` +
            `or the workers did not both run activities with one in flight on A (attempts seen: ` +
            `A ${sampler.starts.filter((s) => a.owns(s.identity)).length}, ` +
            `B ${sampler.starts.filter((s) => b.owns(s.identity)).length})\nA's output:\n${a.output}`
        );
      }
      await sleep(50);
    }
    killedAt = await a.kill();

    const results = await Promise.all(workflowIds.map((id) => awaitRestore(client, id)));
    expect(results.map((r) => r.outcome)).toEqual(workflowIds.map(() => 'COMPLETED'));
    expect(b.running).toBe(true);
  } finally {
    await sampler.stop();
  }

  const starts = [...sampler.starts, ...(await Promise.all(workflowIds.map((id) => historyStarts(client, id)))).flat()];
  const afterKill = (at: number) => `${((at - killedAt) / 1000).toFixed(1)} s after the kill`;

  // Exactly one Atlas job per restore: a restore moved to B adopted its job instead of creating another.
  const postsPerCluster = Object.fromEntries(CLUSTERS.map((c) => [c.name, 0]));
  for (const r of atlas.requests) {
    const cluster = restoreCluster(r.path);
    if (r.method === 'POST' && r.authenticated && cluster !== undefined) {
      postsPerCluster[cluster] = (postsPerCluster[cluster] ?? 0) + 1;
    }
  }
  expect(postsPerCluster).toEqual(Object.fromEntries(CLUSTERS.map((c) => [c.name, 1])));

  // Nothing was started by A once it was dead.
  const byDeadA = starts.filter((s) => a.owns(s.identity) && s.at > killedAt);
  expect(byDeadA.map((s) => `${s.workflowId}: ${s.what} started by A ${afterKill(s.at)} (${s.source})`)).toEqual([]);

  // Restores whose last activity before the kill ran on A ran their next activities on B: the work moved.
  const moved = workflowIds.flatMap((workflowId) => {
    const own = starts.filter((s) => s.workflowId === workflowId && s.kind === 'activity');
    const lastBeforeKill = own
      .filter((s) => s.at <= killedAt)
      .reduce<TaskStart | undefined>((last, s) => (last === undefined || s.at > last.at ? s : last), undefined);
    if (lastBeforeKill === undefined || !a.owns(lastBeforeKill.identity)) return [];
    const onB = own.filter((s) => b.owns(s.identity) && s.at > killedAt).map((s) => s.at);
    const resumed = onB.length > 0 ? afterKill(Math.min(...onB)) : 'never resumed on B';
    const resumeMs = onB.length > 0 ? Math.min(...onB) - killedAt : Number.POSITIVE_INFINITY;
    const inFlight = inFlightOnA.includes(workflowId);
    return [
      {
        workflowId,
        lastOnA: `${lastBeforeKill.what}${inFlight ? ' (in flight)' : ''}`,
        resumed,
        resumeMs,
      },
    ];
  });
  expect(moved).not.toEqual([]);
  // Each resumed within the heartbeat timeout (an attempt in flight on A) or the sticky-queue timeout (a workflow
  // task queued for A), plus slack; the entries say when each one resumed.
  const bound = HEARTBEAT_TIMEOUT_MS + RESUME_SLACK_MS;
  expect(moved.filter((m) => !(m.resumeMs <= bound))).toEqual([]);
  // In particular the restores with an Atlas call in flight on A at the kill: B retried it once the heartbeat timed out.
  expect(inFlightOnA.filter((id) => !moved.some((m) => m.workflowId === id))).toEqual([]);
}, 180_000);

/** Clusters the simulator got an authenticated POST (a restore job) for. */
function postedClusters(atlas: AtlasSimulator): Set<string> {
  return new Set(
    atlas.requests
      .filter((r) => r.method === 'POST' && r.authenticated)
      .map((r) => restoreCluster(r.path))
      .filter((name) => name !== undefined)
  );
}

/** The cluster a tenant restore POST path names, e.g. `…/clusters/scale-out-1/backup/tenant/restore`. */
function restoreCluster(path: string): string | undefined {
  return /\/clusters\/([^/]+)\/backup\/tenant\/restore$/.exec(path)?.[1];
}

/** The worker's whole environment: the dev server, the simulator with its default API key, a unique task queue. */

/**
 * Describes every workflow every 250 ms and records the activity attempts it sees started: polls run as retries of
 * one activity, and a retried attempt reaches the history only if it is the last, so only `describe()` sees the others.
 */
class ActivitySampler {
  /** Every attempt seen, once each. */
  readonly starts: TaskStart[] = [];
  /** The pending activities of the latest round. */
  latest: SampledActivity[] = [];
  /** Rounds that failed (a describe call erred); the next round tries again. */
  failedRounds = 0;
  readonly #seen = new Set<string>();
  #stopping = false;
  readonly #loop: Promise<void>;

  constructor(
    private readonly client: Client,
    private readonly workflowIds: readonly string[]
  ) {
    this.#loop = this.#run();
  }

  /** Runs one round now (besides the loop's) and returns what it saw. */
  async sampleNow(): Promise<SampledActivity[]> {
    const round = await this.#round();
    this.#record(round);
    return round;
  }

  /** Stops sampling after the round in progress. */
  async stop(): Promise<void> {
    this.#stopping = true;
    await this.#loop;
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      try {
        this.#record(await this.#round());
      } catch {
        this.failedRounds += 1;
      }
      await sleep(250);
    }
  }

  async #round(): Promise<SampledActivity[]> {
    const described = await Promise.all(
      this.workflowIds.map(async (workflowId) => {
        const pending = (await this.client.workflow.getHandle(workflowId).describe()).raw.pendingActivities ?? [];
        return pending.map((activity) => ({ workflowId, activity }));
      })
    );
    return described.flat();
  }

  #record(round: SampledActivity[]): void {
    this.latest = round;
    for (const { workflowId, activity } of round) {
      const at = optionalTsToMs(activity.lastStartedTime);
      const identity = activity.lastWorkerIdentity;
      const key = `${workflowId}/${activity.activityId}/${activity.attempt}/${at}`;
      if (at === undefined || !identity || this.#seen.has(key)) continue;
      this.#seen.add(key);
      const what = activity.activityType?.name ?? 'activity';
      this.starts.push({
        workflowId,
        kind: 'activity',
        what,
        identity,
        at,
        source: 'pending',
      });
    }
  }
}

/** Every workflow task and (last) activity attempt the history records as started, with who started it. */
async function historyStarts(client: Client, workflowId: string): Promise<TaskStart[]> {
  const events = (await client.workflow.getHandle(workflowId).fetchHistory()).events ?? [];
  const activityTypes = new Map(
    events.map((e) => [Number(e.eventId), e.activityTaskScheduledEventAttributes?.activityType?.name ?? 'activity'])
  );
  return events.flatMap((e): TaskStart[] => {
    const at = optionalTsToMs(e.eventTime) ?? 0;
    const workflowTask = e.workflowTaskStartedEventAttributes;
    if (workflowTask) {
      return [
        {
          workflowId,
          kind: 'workflow task',
          what: 'workflow task',
          identity: workflowTask.identity ?? '',
          at,
          source: 'history',
        },
      ];
    }
    const activity = e.activityTaskStartedEventAttributes;
    if (activity) {
      const what = activityTypes.get(Number(activity.scheduledEventId)) ?? 'activity';
      return [
        {
          workflowId,
          kind: 'activity',
          what,
          identity: activity.identity ?? '',
          at,
          source: 'history',
        },
      ];
    }
    return [];
  });
}
