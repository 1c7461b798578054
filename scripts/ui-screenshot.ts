import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { accessSync, constants } from 'node:fs';
import { copyFile, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { AtlasClient } from '../activities/atlas/atlas-client';
import { getRestore, startRestore, type StartedRestore } from '../client/restore-client';
import { formatOutcomeLine, formatStatusLine, watchRestore } from '../client/watch-restore';
import { DEFAULT_TASK_QUEUE, RESTORE_WORKFLOW_TYPE, type RestorePhase } from '../contract/restore';
import { RestoreStatusAttribute } from '../contract/search-attributes';
import {
  DEFAULT_SEED,
  DEFAULT_SIMULATOR_PRIVATE_KEY,
  DEFAULT_SIMULATOR_PUBLIC_KEY,
  SEED_CLUSTER_NAME,
  SEED_FLEX_CLUSTER_NAME,
  SEED_FLEX_SNAPSHOT_ID,
  SEED_PROJECT_ID,
  SEED_SNAPSHOT_ID,
  type SimulatorSeedInput,
} from '../simulator/seed';
import { startAtlasSimulator } from '../simulator/server';
import { createRestoreWorker } from '../worker/create-worker';
import { freePort, startDevServer } from './dev-server';
import { resolveTemporalBinary } from './temporal-binary';

/** Where Debian's `chromium` package puts the browser; `$CHROMIUM` overrides it. */
const DEFAULT_CHROMIUM = '/usr/bin/chromium';
/** The seeded cluster whose restore jobs Atlas fails, for the FAILED row. */
const FAILING_CLUSTER_NAME = 'M5AWS';
/** Screenshot file names, under `--out`. */
const LIST_IMAGE = 'temporal-ui-restores.png';
const HISTORY_IMAGE = 'temporal-ui-restore-history.png';
/** Above this a README picture is too heavy; we warn rather than fail. */
const MAX_IMAGE_BYTES = 400 * 1024;
/** Polls about once a second, as in the demo, so each restore notices its job's end quickly. */
const POLLING = { initialDelaySeconds: 1, intervalSeconds: 1, backoffCoefficient: 1.2, maxIntervalSeconds: 3 };

/**
 * Headless flags. The three `--disable-*` networking ones stop Chromium's own background traffic, and the last two
 * keep the page on this machine: no host name resolves, and whatever is not loopback goes to a closed local port.
 */
const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--disable-dev-shm-usage',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--hide-scrollbars',
  '--force-device-scale-factor=1',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
  '--proxy-server=http://127.0.0.1:9',
];

/** Thrown when there is no Chromium to take the pictures with. */
class ChromiumMissingError extends Error {
  override readonly name = 'ChromiumMissingError';
}

/**
 * README pictures: runs a Temporal dev server with its web UI, the Atlas simulator and a worker, starts three
 * restores (one that completes, one that Atlas fails, one still polling a slow Flex job), and photographs the UI's
 * workflow list and the completed restore's history with headless Chromium (`apt-get install chromium`).
 *
 *     npx tsx scripts/ui-screenshot.ts [--out docs/images]
 */
async function main(): Promise<number> {
  const { values } = parseArgs({ options: { out: { type: 'string', default: 'docs/images' } } });
  const outDir = resolve(values.out);
  const say = (line: string) => console.log(line);
  const chromium = findChromium(process.env);
  const binary = resolveTemporalBinary(process.env, say);
  if (binary === null) {
    throw new Error(
      'the Temporal UI needs a temporal CLI binary: set TEMPORAL_CLI, put temporal on PATH, or install Go ' +
        '(scripts/temporal-binary.ts then builds one)'
    );
  }
  Runtime.install({ logger: new DefaultLogger('ERROR') });

  const stop = new AbortController();
  const onSignal = () => stop.abort(new Error('interrupted'));
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  // Everything started is stopped in reverse order, whatever happens after it started.
  const cleanups: Array<() => Promise<unknown>> = [];
  try {
    const uiPort = await freePort();
    const server = await startDevServer({ binary, uiPort });
    cleanups.push(() => server.stop());
    const uiUrl = `http://127.0.0.1:${uiPort}`;
    say(`Temporal dev server ready at ${server.address}, UI at ${uiUrl}`);

    const simulator = await startAtlasSimulator({
      seed: seedWithFailingCluster(FAILING_CLUSTER_NAME),
      // A tenant restore takes 15 s; a Flex one stays RUNNING for ten minutes, long past the screenshots.
      timing: { pendingMs: 3000, queuedMs: 3000, runningMs: 9000 },
      flexTiming: { pendingMs: 3000, queuedMs: 0, runningMs: 600_000 },
    });
    cleanups.push(() => simulator.close());
    const atlas = new AtlasClient({
      baseUrl: simulator.url,
      credentials: { publicKey: DEFAULT_SIMULATOR_PUBLIC_KEY, privateKey: DEFAULT_SIMULATOR_PRIVATE_KEY },
    });
    cleanups.push(() => atlas.close());
    say(`Atlas simulator ready at ${simulator.url} (restores of ${FAILING_CLUSTER_NAME} will FAIL)`);

    const workerConnection = await NativeConnection.connect({ address: server.address });
    cleanups.push(() => workerConnection.close());
    const clientConnection = await Connection.connect({ address: server.address });
    cleanups.push(() => clientConnection.close());
    const profileDir = await mkdtemp(join(tmpdir(), 'atlas-restore-chromium-'));
    cleanups.push(() => rm(profileDir, { recursive: true, force: true }));
    stop.signal.throwIfAborted();

    const worker = await createRestoreWorker({
      connection: workerConnection,
      namespace: 'default',
      taskQueue: DEFAULT_TASK_QUEUE,
      atlas,
      allowSnapshotUrls: false,
    });
    const client = new Client({ connection: clientConnection });
    await worker.runUntil(async () => {
      const restore = (clusterName: string, snapshotId: string) =>
        startRestore(client, {
          projectId: SEED_PROJECT_ID,
          clusterName,
          snapshotId,
          targetClusterName: clusterName,
          polling: POLLING,
        });
      const completing = await restore(SEED_CLUSTER_NAME, SEED_SNAPSHOT_ID);
      const failing = await restore(FAILING_CLUSTER_NAME, 'latest');
      const polling = await restore(SEED_FLEX_CLUSTER_NAME, SEED_FLEX_SNAPSHOT_ID);
      say(`Started ${[completing, failing, polling].map((r) => r.workflowId).join(', ')}`);

      const follow = (started: StartedRestore) => {
        let shown = '';
        return watchRestore(client, started.workflowId, {
          intervalMs: 500,
          signal: stop.signal,
          // Phase and Atlas status changes only: the poll count alone would print a line a second.
          onProgress: (status) => {
            const key = `${status.phase} ${status.atlasStatus}`;
            if (key !== shown) say(`${status.target.targetClusterName}: ${formatStatusLine(status)}`);
            shown = key;
          },
        });
      };
      const [completed, failed] = await Promise.all([follow(completing), follow(failing)]);
      say(`${SEED_CLUSTER_NAME}: ${formatOutcomeLine(completed)}`);
      say(`${FAILING_CLUSTER_NAME}: ${formatOutcomeLine(failed)}`);
      if (completed.outcome !== 'COMPLETED' || failed.outcome !== 'FAILED') {
        throw new Error(
          `expected one COMPLETED and one FAILED restore, got ${completed.outcome} and ${failed.outcome}`
        );
      }
      await waitFor('the Flex restore to be POLLING', stop.signal, async () => {
        const status = await getRestore(client, polling.workflowId);
        return status.phase === 'POLLING';
      });
      // The list page reads the visibility store, which may lag the workflows by a moment.
      await waitFor('the workflow list to show all three restores', stop.signal, () =>
        listShows(client, [
          { workflowId: completing.workflowId, status: 'COMPLETED', phase: 'COMPLETED' },
          { workflowId: failing.workflowId, status: 'FAILED', phase: 'FAILED' },
          { workflowId: polling.workflowId, status: 'RUNNING', phase: 'POLLING' },
        ])
      );

      await mkdir(outDir, { recursive: true });
      const shoot = async (page: string, file: string, window: { width: number; height: number }) => {
        const target = join(outDir, file);
        await screenshot({ chromium, profileDir, url: `${uiUrl}${page}`, target, ...window, signal: stop.signal });
        const { size } = await stat(target);
        say(`Wrote ${target} (${Math.round(size / 1024)} KB)`);
        if (size > MAX_IMAGE_BYTES) say(`  warning: over ${MAX_IMAGE_BYTES / 1024} KB, too heavy for a README`);
      };
      await shoot('/namespaces/default/workflows', LIST_IMAGE, { width: 1440, height: 600 });
      const { runId } = await completing.handle.describe();
      const history = `/namespaces/default/workflows/${encodeURIComponent(completing.workflowId)}/${runId}/history`;
      await shoot(history, HISTORY_IMAGE, { width: 1440, height: 1000 });
    });
    return 0;
  } catch (err) {
    // The worker stops itself on SIGINT and SIGTERM too, and its runUntil then fails with a less telling error.
    if (!stop.signal.aborted) throw err;
    console.error('ui-screenshot: interrupted; stopping everything it started');
    return 130;
  } finally {
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((err: unknown) => console.error(`cleanup failed: ${String(err)}`));
    }
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** The chromium to use, or a {@link ChromiumMissingError} that says how to install it. */
function findChromium(env: NodeJS.ProcessEnv): string {
  const path = env.CHROMIUM || DEFAULT_CHROMIUM;
  try {
    accessSync(path, constants.X_OK);
    return path;
  } catch {
    throw new ChromiumMissingError(
      `no Chromium at ${path}: install it with \`apt-get install -y chromium\`` +
        (env.CHROMIUM ? '' : ', or set CHROMIUM to a Chromium or Chrome binary')
    );
  }
}

/** The default seed, with every restore job created from `clusterName` ending FAILED. */
function seedWithFailingCluster(clusterName: string): SimulatorSeedInput {
  return {
    projects: DEFAULT_SEED.projects.map((project) => ({
      ...project,
      clusters: project.clusters.map((cluster) =>
        cluster.name === clusterName ? { ...cluster, restoreOutcome: 'FAILED' as const } : cluster
      ),
    })),
  };
}

/** What the list page should show for one restore: its execution status and its `RestoreStatus` attribute. */
interface ExpectedRow {
  workflowId: string;
  status: 'RUNNING' | 'COMPLETED' | 'FAILED';
  phase: RestorePhase;
}

/** Whether the visibility store, which the UI's list reads, has every row as expected. */
async function listShows(client: Client, rows: readonly ExpectedRow[]): Promise<boolean> {
  const seen = new Map<string, { status: string; phase: string | undefined }>();
  for await (const execution of client.workflow.list({ query: `WorkflowType = '${RESTORE_WORKFLOW_TYPE}'` })) {
    seen.set(execution.workflowId, {
      status: execution.status.name,
      phase: execution.typedSearchAttributes.get(RestoreStatusAttribute),
    });
  }
  return rows.every(
    (row) => seen.get(row.workflowId)?.status === row.status && seen.get(row.workflowId)?.phase === row.phase
  );
}

/** Retries `check` every 250 ms until it returns true; throws after `timeoutMs` or when `signal` aborts. */
async function waitFor(
  what: string,
  signal: AbortSignal,
  check: () => Promise<boolean>,
  timeoutMs = 30_000
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    signal.throwIfAborted();
    if (await check()) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Options of {@link screenshot}. */
interface ScreenshotOptions {
  chromium: string;
  /** A fresh profile directory, so no earlier session's settings (columns, time zone) leak into the picture. */
  profileDir: string;
  url: string;
  /** PNG to write; replaced only once Chromium has written a complete file. */
  target: string;
  /** Window size in pixels; the picture is the visible window. */
  width: number;
  height: number;
  signal: AbortSignal;
}

/**
 * Photographs `url` with Chromium's own `--screenshot`. The virtual time budget lets the single-page app fetch its
 * data and render before the picture is taken, without sleeping in real time.
 */
async function screenshot(options: ScreenshotOptions): Promise<void> {
  const scratch = await mkdtemp(join(tmpdir(), 'atlas-restore-shot-'));
  try {
    const file = join(scratch, 'shot.png');
    const args = [
      ...CHROMIUM_FLAGS,
      `--user-data-dir=${options.profileDir}`,
      `--window-size=${options.width},${options.height}`,
      '--virtual-time-budget=15000',
      `--screenshot=${file}`,
      options.url,
    ];
    // Its own process group, so that a timeout or an interrupt stops its renderer and GPU processes too.
    const child = spawn(options.chromium, args, { stdio: ['ignore', 'ignore', 'pipe'], detached: true });
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => {
      stderr = (stderr + chunk.toString()).slice(-4000);
    });
    const kill = () => {
      if (child.pid !== undefined && child.exitCode === null && child.signalCode === null) {
        process.kill(-child.pid, 'SIGKILL');
      }
    };
    const timer = setTimeout(kill, 60_000);
    options.signal.addEventListener('abort', kill, { once: true });
    try {
      const [code, signal] = (await once(child, 'exit')) as [number | null, NodeJS.Signals | null];
      options.signal.throwIfAborted();
      const written = await stat(file).catch(() => undefined);
      if (code !== 0 || !written || written.size === 0) {
        throw new Error(
          `chromium did not write a screenshot of ${options.url} (exit ${code ?? signal}):\n${stderr.trim()}`
        );
      }
    } finally {
      clearTimeout(timer);
      options.signal.removeEventListener('abort', kill);
    }
    await copyFile(file, options.target);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof ChromiumMissingError ? `ui-screenshot: ${err.message}` : err);
    process.exit(1);
  }
);
