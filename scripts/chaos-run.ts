import { spawn } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { once } from 'node:events';
import {
  appendFileSync,
  copyFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  closeSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { AtlasClient } from '../activities/atlas/atlas-client';
import { InvalidRestoreRequestError, RestoreAlreadyRunningError, startRestore } from '../client/restore-client';
import { dataConverterFor } from '../codec/payload-encryption';
import type { RestoreRequestInput } from '../contract/restore';
import { mulberry32 } from '../simulator/seeded-random';
import { startAtlasSimulator, type AtlasSimulator } from '../simulator/server';
import { TOKEN_PATH } from '../simulator/service-accounts';
import { startDevServer, type DevServer } from './dev-server';
import type { ChaosOptions } from './chaos-options';
import {
  chaosFaultPlan,
  planRestores,
  planSchedule,
  type ChaosPlan,
  type ChaosSchedule,
  type Random,
} from './chaos-plan';
import { fetchHistoryJson, listRestores, readOutcome, TemporalSession, type ListedRestore } from './chaos-temporal';
import {
  judgeRestores,
  problemsOf,
  SecretScanner,
  withDecodedPayloads,
  type ChaosVerdict,
  type RestoreOutcome,
  type Secret,
  type SecretSighting,
} from './chaos-verdict';
import { WorkerSupervisor } from './chaos-worker';

/**
 * One chaos run, start to verdict. A persisted dev server (SQLite in a fresh temp dir, so a restart loses nothing),
 * the Atlas simulator in this process (seeded with one cluster per restore, faults on, rate limits off so the run is
 * about faults rather than throttling), and the real worker entry point as a child process, run from a copy of the
 * worker's code taken at start with a prebuilt workflow bundle: a restart takes seconds, not a webpack build, and edits to the
 * working tree during a long run cannot mix code versions. Restores are started at a steady pace through the client
 * library with payload encryption on; meanwhile the worker is SIGKILLed at random moments and the server restarted.
 * Then every restore's outcome is compared with the simulator's jobs, and every history, log line and error message
 * of the run is searched for the Atlas private key, the Service Account secret, the payload key and download links.
 */

/** What the run needs from its entry point. */
export interface ChaosRunDeps {
  /** The `temporal` CLI. */
  binary: string;
  /** Root of the repository (where `worker/`, `node_modules/` are). */
  repoRoot: string;
  /** The few variables the worker inherits (PATH, HOME…): never the caller's whole environment. */
  childEnv: NodeJS.ProcessEnv;
  /** Prints one line of the run's output. */
  say: (line: string) => void;
}

/** The result of a chaos run, written as JSON. The first ten fields are the issue's. */
export interface ChaosReport {
  restores: number;
  /** Restores whose workflow closed (any outcome). */
  finalized: number;
  completed: number;
  failed: number;
  /** For every restore, the Atlas jobs created for it minus one, summed. */
  duplicateJobs: number;
  /** Restores never finished by the deadline, or whose outcome contradicts Atlas (see `chaos-verdict.ts`). */
  lostRestores: number;
  /** SIGKILLs of a worker that was polling. */
  workerKills: number;
  serverRestarts: number;
  /** Faults the simulator injected, all kinds (latency included); by kind in `faultsByKind`. */
  faultsInjected: number;
  /** Occurrences of a secret in histories, logs, error messages and the run's own output. */
  secretLeaks: number;
  passed: boolean;
  /** Why the run failed, one line each; empty when it passed. */
  problems: string[];
  failedByType: Record<string, number>;
  /** Restores with more than one Atlas job. */
  duplicatedRestores: number;
  /** Restores whose workflow id ran twice other than by continuing as new. */
  duplicateStarts: number;
  /** Atlas jobs on a restore's cluster that are not for it (wrong snapshot, target or delivery). */
  strayJobs: number;
  /** The first lost restores and why. */
  lost: ChaosVerdict['lost'];
  /** Completed restores that adopted a job an ambiguous create had made, instead of posting again. */
  adoptedJobs: number;
  /** Kills that happened while a create (POST) was being served by the simulator. */
  killsWithCreateInFlight: number;
  /** Workers that exited without being killed (e.g. unable to reach a restarting server). */
  workerSelfExits: number;
  workerLaunches: number;
  serverRestartSeconds: number[];
  faultsByKind: Record<string, number>;
  atlasRequests: number;
  atlasJobs: number;
  /** Simulator answers by HTTP status; `0` counts connections reset without an answer. */
  atlasByStatus: Record<string, number>;
  /** Start calls made, starts that found their restore already running (a retried start), starts given up. */
  starts: { attempts: number; attached: number; gaveUp: number };
  /** Client calls to Temporal that failed and were retried. */
  clientCallFailures: number;
  /** DOWNLOAD restores, and whether each link they returned is the one Atlas holds. */
  downloads: { planned: number; completed: number; linksChecked: number; linkMismatches: number; withoutLink: number };
  secretLeaksByKind: Record<string, number>;
  secretLeaksBySource: Record<string, number>;
  /** Where the first leaks were seen (never the secret itself). */
  secretSightings: SecretSighting[];
  /** Workflow runs whose history was fetched and searched, continued-as-new runs included. */
  historiesScanned: number;
  continuedAsNewRuns: number;
  credentials: ChaosOptions['credentials'];
  seed: number;
  startRate: number;
  chaosWindowSeconds: number;
  /** True when restores were still open at the time limit (they count as lost). */
  timeLimitReached: boolean;
  wallSeconds: number;
  /** Finalized restores per minute of wall time, setup and collection included. */
  restoresPerMinute: number;
}

/** Restores started but not finished at once, at most: beyond this, starting more only lengthens every restore. */
const MAX_OPEN_RESTORES = 300;
const START_CONCURRENCY = 8;
const READ_CONCURRENCY = 8;
const SWEEP_EVERY_MS = 3_000;
const PROGRESS_EVERY_MS = 10_000;
/** Simulated job durations: seconds, so a run of hundreds of restores fits in minutes. */
const TENANT_TIMING = { pendingMs: 2_000, queuedMs: 2_000, runningMs: 10_000 };
const FLEX_TIMING = { pendingMs: 3_000, queuedMs: 0, runningMs: 15_000 };
/**
 * What the SDK logs (at INFO, in the worker's default JSON format) once the worker runs; the worker's own startup line
 * comes earlier, before it polls, and a kill right after that line would hit a worker that had not taken any work yet.
 */
const WORKER_READY_TEXT = '"state":"RUNNING"';
/** The code a worker runs, copied from the working tree at start. */
const WORKER_CODE = ['activities', 'client', 'codec', 'contract', 'workflows', 'worker', 'package.json', 'tsconfig.json'];

/** Thrown by {@link runChaos} when the run was interrupted (after everything it started was stopped). */
export class ChaosInterruptedError extends Error {
  override readonly name = 'ChaosInterruptedError';
}

/**
 * Runs the chaos and returns its report; throws only when the run could not be set up, or was interrupted through
 * `interrupt` (Ctrl-C), in which case the dev server, the worker and the simulator are stopped first.
 */
export async function runChaos(
  options: ChaosOptions,
  deps: ChaosRunDeps,
  interrupt: AbortSignal
): Promise<ChaosReport> {
  const run = new ChaosRun(options, deps);
  let onAbort = () => {};
  const interrupted = new Promise<never>((_, reject) => {
    onAbort = () => reject(new ChaosInterruptedError('chaos run interrupted; everything it started is stopped'));
    interrupt.addEventListener('abort', onAbort, { once: true });
  });
  try {
    return await Promise.race([run.execute(), interrupted]);
  } finally {
    interrupt.removeEventListener('abort', onAbort);
    await run.teardown();
  }
}

/** Generated credentials: the simulator's defaults are public constants, a leak of those would prove nothing. */
interface RunSecrets {
  publicKey: string;
  privateKey: string;
  clientId: string;
  clientSecret: string;
  payloadKeys: string;
}

function generateSecrets(): RunSecrets {
  const letters = 'abcdefghijklmnopqrstuvwxyz';
  return {
    publicKey: Array.from(randomBytes(8), (byte) => letters[byte % letters.length]).join(''),
    privateKey: randomUUID(),
    clientId: `mdb_sa_id_${randomBytes(12).toString('hex')}`,
    clientSecret: `mdb_sa_sk_${randomBytes(24).toString('base64url')}`,
    payloadKeys: `chaos:${randomBytes(32).toString('base64')}`,
  };
}

/** The state and phases of one run: set up, start and sweep under chaos, collect, tear down. */
class ChaosRun {
  readonly #options: ChaosOptions;
  readonly #deps: ChaosRunDeps;
  readonly #began = Date.now();
  readonly #seed: number;
  readonly #random: Random;
  readonly #plan: ChaosPlan;
  readonly #schedule: ChaosSchedule;
  readonly #secrets = generateSecrets();
  readonly #taskQueue = `atlas-restore-chaos-${randomBytes(4).toString('hex')}`;
  readonly #dir = mkdtempSync(join(tmpdir(), 'atlas-restore-chaos-'));
  readonly #hardDeadline: number;
  readonly #waitDeadline: number;
  readonly #output: string[] = [];
  readonly #failureTexts: string[] = [];
  readonly #started = new Set<string>();
  readonly #outcomes = new Map<string, RestoreOutcome>();
  #listed = new Map<string, ListedRestore>();
  readonly #killTimes: number[] = [];
  readonly #createSpans: { from: number; to: number }[] = [];
  readonly #restartSeconds: number[] = [];
  readonly #starts = { attempts: 0, attached: 0, gaveUp: 0 };
  #startsDone = false;
  #timeLimitReached = false;
  #server: DevServer | undefined;
  #sim: AtlasSimulator | undefined;
  #worker: WorkerSupervisor | undefined;
  #session: TemporalSession | undefined;
  #teardown: Promise<void> | undefined;

  constructor(options: ChaosOptions, deps: ChaosRunDeps) {
    this.#options = options;
    this.#deps = deps;
    this.#seed = options.seed ?? randomBytes(4).readUInt32BE();
    this.#random = mulberry32(this.#seed);
    this.#plan = planRestores(options.restores, this.#random);
    this.#schedule = planSchedule(options, this.#random);
    const totalMs = options.minutes * 60_000;
    this.#hardDeadline = this.#began + totalMs;
    // Room to list, read and search every history after the chaos, without running past --minutes.
    this.#waitDeadline = this.#hardDeadline - Math.min(90_000, Math.max(20_000, 0.1 * totalMs));
  }

  async execute(): Promise<ChaosReport> {
    const { restores, workerKills, serverRestarts, credentials } = this.#options;
    const schedule = this.#schedule;
    this.#say(
      `chaos: seed ${this.#seed} (rerun with --seed ${this.#seed}); ${restores} restores at ${schedule.startRate.toFixed(2)}/s, ` +
        `≥${workerKills} worker kills and ≥${serverRestarts} server restarts over ${Math.round(schedule.windowMs / 1000)} s, ` +
        `${credentials} credentials, time limit ${this.#options.minutes} min; work dir ${this.#dir}`
    );
    await this.#setUp();
    const t0 = Date.now();
    const stopChaos = new AbortController();
    const progress = setInterval(() => this.#progress(t0), PROGRESS_EVERY_MS);
    try {
      const chaos = this.#chaos(t0, stopChaos.signal);
      // The chaos ends when the restores do; if it fails (the server would not come back), the run ends at once.
      const chaosFailed = chaos.then(() => new Promise<never>(() => undefined));
      await Promise.race([Promise.all([this.#startAll(t0), this.#sweep()]), chaosFailed]);
      stopChaos.abort();
      await chaos;
    } finally {
      clearInterval(progress);
      stopChaos.abort();
    }
    this.#progress(t0);
    return this.#collect();
  }

  /** Stops everything this run started and removes its temp dir (after copying the logs when asked). */
  teardown(): Promise<void> {
    this.#teardown ??= this.#tearDown();
    return this.#teardown;
  }

  async #tearDown(): Promise<void> {
    await this.#worker?.stop().catch(() => undefined);
    await this.#session?.close();
    await this.#sim?.close().catch(() => undefined);
    await this.#server?.stop().catch(() => undefined);
    writeFileSync(join(this.#dir, 'chaos-output.log'), `${this.#output.join('\n')}\n`);
    const keep = this.#options.keepLogs;
    if (keep !== undefined) {
      mkdirSync(keep, { recursive: true });
      for (const file of ['worker.log', 'server.log', 'build.log', 'chaos-output.log', 'histories.ndjson']) {
        if (existsSync(join(this.#dir, file))) copyFileSync(join(this.#dir, file), join(keep, file));
      }
      this.#deps.say(`chaos: logs and histories kept in ${resolve(keep)}`);
    }
    rmSync(this.#dir, { recursive: true, force: true });
  }

  #say(line: string): void {
    this.#output.push(line);
    this.#deps.say(line);
  }

  #seconds(since: number): string {
    return `+${Math.round((Date.now() - since) / 1000)}s`;
  }

  async #setUp(): Promise<void> {
    const code = this.#snapshotCode();
    const bundle = join(this.#dir, 'workflow-bundle.js');
    await this.#buildBundle(code, bundle);
    const serverLog = join(this.#dir, 'server.log');
    this.#server = await startDevServer({
      binary: this.#deps.binary,
      dbFile: join(this.#dir, 'temporal.db'),
      onLog: (line) => appendFileSync(serverLog, `${line}\n`),
    });
    const { publicKey, privateKey, clientId, clientSecret, payloadKeys } = this.#secrets;
    this.#sim = await startAtlasSimulator({
      seed: this.#plan.seed,
      publicKey,
      privateKey,
      serviceAccounts: [{ clientId, clientSecret }],
      timing: TENANT_TIMING,
      flexTiming: FLEX_TIMING,
      faults: chaosFaultPlan(this.#options.credentials),
      randomSeed: this.#seed,
      rateLimits: false,
      recordRequests: false,
      onRequest: (request) => {
        if (request.method === 'POST' && request.path !== TOKEN_PATH) {
          this.#createSpans.push({ from: request.at, to: Date.now() });
        }
      },
    });
    this.#say(`chaos: Temporal dev server at ${this.#server.address}, Atlas simulator at ${this.#sim.url}`);
    this.#session = new TemporalSession(this.#server.address, dataConverterFor(payloadKeys), (what, err) => {
      this.#failureTexts.push(`${what}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    });
    const credentials =
      this.#options.credentials === 'digest'
        ? { ATLAS_PUBLIC_KEY: publicKey, ATLAS_PRIVATE_KEY: privateKey }
        : { ATLAS_CLIENT_ID: clientId, ATLAS_CLIENT_SECRET: clientSecret };
    this.#worker = new WorkerSupervisor({
      command: process.execPath,
      args: ['--require', require.resolve('tsx/cjs'), 'worker/main.ts'],
      cwd: code,
      env: {
        ...this.#deps.childEnv,
        TEMPORAL_ADDRESS: this.#server.address,
        TEMPORAL_NAMESPACE: 'default',
        TEMPORAL_TASK_QUEUE: this.#taskQueue,
        ATLAS_BASE_URL: this.#sim.url,
        ...credentials,
        PAYLOAD_ENCRYPTION_KEYS: payloadKeys,
        WORKFLOW_BUNDLE_PATH: bundle,
        LOG_LEVEL: 'INFO',
      },
      logFile: join(this.#dir, 'worker.log'),
      readyText: WORKER_READY_TEXT,
      selfExitRestartMs: 1_000,
      onEvent: (line) => this.#say(`chaos: ${line}`),
    });
    this.#worker.start();
    if (!(await this.#worker.waitUntilReady(120_000))) {
      throw new Error(`the worker did not start polling within 120 s; see ${join(this.#dir, 'worker.log')}`);
    }
  }

  /** Copies the worker's code (and links `node_modules`), so the whole run uses one version of it. */
  #snapshotCode(): string {
    const code = join(this.#dir, 'code');
    for (const entry of WORKER_CODE) cpSync(join(this.#deps.repoRoot, entry), join(code, entry), { recursive: true });
    symlinkSync(join(this.#deps.repoRoot, 'node_modules'), join(code, 'node_modules'), 'dir');
    return code;
  }

  /** Bundles the workflows once, so each restarted worker loads them in a second instead of running webpack. */
  async #buildBundle(code: string, bundle: string): Promise<void> {
    const log = openSync(join(this.#dir, 'build.log'), 'a');
    const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), 'worker/build-bundle.ts', bundle], {
      cwd: code,
      env: this.#deps.childEnv,
      stdio: ['ignore', log, log],
    });
    const [exitCode] = (await once(child, 'exit')) as [number | null];
    closeSync(log);
    if (exitCode !== 0) {
      const tail = readFileSync(join(this.#dir, 'build.log'), 'utf8').split('\n').slice(-20).join('\n');
      throw new Error(`building the workflow bundle failed (exit ${exitCode}):\n${tail}`);
    }
  }

  /** Starts every restore at the planned pace, holding back while too many are open; retries starts through outages. */
  async #startAll(t0: number): Promise<void> {
    const inFlight = new Set<Promise<void>>();
    for (const restore of this.#plan.restores) {
      const due = t0 + (restore.index * 1000) / this.#schedule.startRate;
      if (due > Date.now()) await sleep(due - Date.now());
      while (
        Date.now() < this.#waitDeadline &&
        (inFlight.size >= START_CONCURRENCY || this.#started.size - this.#outcomes.size >= MAX_OPEN_RESTORES)
      ) {
        await (inFlight.size >= START_CONCURRENCY ? Promise.race(inFlight) : sleep(250));
      }
      if (Date.now() >= this.#waitDeadline) break;
      const start = this.#startOne(restore.workflowId, restore.request).finally(() => inFlight.delete(start));
      inFlight.add(start);
    }
    await Promise.all(inFlight);
    this.#startsDone = true;
  }

  async #startOne(workflowId: string, request: RestoreRequestInput): Promise<void> {
    const session = this.#session as TemporalSession;
    try {
      const started = await session.retry(
        'start',
        (client) => {
          this.#starts.attempts += 1;
          return startRestore(client, request, { taskQueue: this.#taskQueue });
        },
        {
          untilMs: this.#waitDeadline,
          isFinal: (err) => err instanceof InvalidRestoreRequestError || err instanceof RestoreAlreadyRunningError,
        }
      );
      this.#started.add(workflowId);
      // A repeated start that found its restore running: the first attempt got through although the client saw an error.
      if (!started.started) this.#starts.attached += 1;
    } catch (err) {
      this.#starts.gaveUp += 1;
      const message = err instanceof Error ? `${err.name}: ${err.message}` : String(err);
      this.#failureTexts.push(message);
      this.#say(`chaos: gave up starting ${workflowId}: ${message}`);
    }
  }

  /** Lists the run's workflows every few seconds and reads the outcome of each one that finished. */
  async #sweep(): Promise<void> {
    const session = this.#session as TemporalSession;
    for (;;) {
      const listed = await session
        .retry('list', (client) => listRestores(client, this.#taskQueue, 'closed'), { untilMs: this.#waitDeadline })
        .catch(() => undefined);
      if (listed !== undefined) this.#listed = listed;
      await this.#readOutcomes(this.#waitDeadline);
      const known = new Set([...this.#started, ...this.#listed.keys()]);
      if (this.#startsDone && [...known].every((workflowId) => this.#outcomes.has(workflowId))) return;
      if (Date.now() >= this.#waitDeadline) {
        this.#timeLimitReached = true;
        this.#say(`chaos: time limit reached with ${known.size - this.#outcomes.size} restores still open`);
        return;
      }
      await sleep(SWEEP_EVERY_MS);
    }
  }

  async #readOutcomes(untilMs: number): Promise<void> {
    const session = this.#session as TemporalSession;
    const finished = [...this.#listed]
      .filter(([workflowId, listed]) => listed.finished && !this.#outcomes.has(workflowId))
      .map(([workflowId]) => workflowId);
    await forEachLimited(finished, READ_CONCURRENCY, async (workflowId) => {
      const outcome = await session
        .retry('result', (client) => readOutcome(client, workflowId, this.#failureTexts), { untilMs })
        .catch(() => undefined);
      if (outcome !== undefined) this.#outcomes.set(workflowId, outcome);
    });
  }

  /**
   * Planned kills and restarts, then more kills at a slower pace while the bulk of the restores drains (or the minimum
   * is not met yet). They stop once few restores are open: a SIGKILL strands the tasks the dying worker held until
   * their timeout (2 min for an activity), so kills without end would keep the last restores from ever finishing.
   */
  async #chaos(t0: number, stop: AbortSignal): Promise<void> {
    const events = [
      ...this.#schedule.killsAtMs.map((atMs) => ({ atMs, kind: 'kill' as const })),
      ...this.#schedule.serverRestartsAtMs.map((atMs) => ({ atMs, kind: 'restart' as const })),
    ].sort((a, b) => a.atMs - b.atMs);
    for (const event of events) {
      if (!(await sleepUntil(t0 + event.atMs, stop))) return;
      if (event.kind === 'kill') await this.#killWorker(t0);
      else await this.#restartServer(t0);
    }
    const extra = () => Date.now() + this.#schedule.extraKillEveryMs * (0.5 + this.#random());
    const draining = () => this.#started.size - this.#outcomes.size >= Math.max(10, 0.05 * this.#options.restores);
    // A planned kill is skipped when no worker came up in time; make up for it even after the drain.
    const shortOfMinimum = () => (this.#worker as WorkerSupervisor).kills < this.#options.workerKills;
    while ((await sleepUntil(extra(), stop)) && (draining() || shortOfMinimum())) await this.#killWorker(t0);
  }

  async #killWorker(t0: number): Promise<void> {
    const worker = this.#worker as WorkerSupervisor;
    // Half the kills are followed by an immediate restart, the others by a pause of up to 3 s.
    const pauseMs = this.#random() < 0.5 ? 0 : Math.round(this.#random() * 3_000);
    const killed = await worker.kill(pauseMs);
    if (killed === undefined) {
      this.#say(`chaos ${this.#seconds(t0)}: no worker came up to be killed`);
      return;
    }
    this.#killTimes.push(killed.killedAt);
    this.#say(
      `chaos ${this.#seconds(t0)}: SIGKILL #${worker.kills} worker pid ${killed.pid}, restart after ${pauseMs} ms`
    );
  }

  async #restartServer(t0: number): Promise<void> {
    const server = this.#server as DevServer;
    const began = Date.now();
    this.#say(`chaos ${this.#seconds(t0)}: restarting the Temporal dev server`);
    for (let attempt = 1; ; attempt++) {
      try {
        await server.restart();
        break;
      } catch (err) {
        if (attempt >= 3) throw err;
        this.#say(`chaos: dev server restart failed (${err instanceof Error ? err.message : String(err)}); again`);
      }
    }
    this.#restartSeconds.push(Math.round((Date.now() - began) / 100) / 10);
    this.#say(`chaos ${this.#seconds(t0)}: dev server back after ${((Date.now() - began) / 1000).toFixed(1)} s`);
  }

  #progress(t0: number): void {
    const outcomes = [...this.#outcomes.values()];
    const completed = outcomes.filter((o) => o.state === 'COMPLETED').length;
    const worker = this.#worker as WorkerSupervisor;
    this.#say(
      `chaos ${this.#seconds(t0)}: started ${this.#started.size}/${this.#options.restores}, ` +
        `finalized ${outcomes.length} (completed ${completed}, failed ${outcomes.length - completed}), ` +
        `Atlas jobs ${this.#sim?.stats().jobsCreated ?? 0}, kills ${worker.kills}, ` +
        `server restarts ${this.#restartSeconds.length}, worker ${worker.ready ? 'up' : 'down'}`
    );
  }

  /** Final reads (outcomes, links, histories, logs), the verdict and the report. */
  async #collect(): Promise<ChaosReport> {
    const session = this.#session as TemporalSession;
    const sim = this.#sim as AtlasSimulator;
    const worker = this.#worker as WorkerSupervisor;
    const until = this.#hardDeadline;
    await worker.stop();
    const listed = await session
      .retry('list', (client) => listRestores(client, this.#taskQueue, 'all'), { untilMs: until })
      .catch(() => undefined);
    if (listed !== undefined) this.#listed = listed;
    await this.#readOutcomes(until);

    sim.setFaults({});
    const links = await this.#downloadLinks(sim);
    const secrets: Secret[] = [
      { kind: 'atlasPrivateKey', value: this.#secrets.privateKey },
      { kind: 'serviceAccountSecret', value: this.#secrets.clientSecret },
      { kind: 'payloadEncryptionKey', value: this.#secrets.payloadKeys.slice('chaos:'.length) },
      ...[...links.values()].map((url) => ({ kind: 'snapshotUrl', value: linkToken(url) })),
    ];
    const scanner = new SecretScanner(secrets);
    const historiesScanned = await this.#scanHistories(scanner, until);
    for (const [file, source] of [
      ['worker.log', 'worker-log'],
      ['server.log', 'server-log'],
      ['build.log', 'build-log'],
    ] as const) {
      const path = join(this.#dir, file);
      if (existsSync(path)) scanner.scan(readFileSync(path, 'utf8'), source);
    }
    scanner.scan(this.#failureTexts.join('\n'), 'error-messages');

    const jobs = sim.restoreJobs();
    const verdict = judgeRestores({
      restores: this.#plan.restores,
      outcomes: this.#outcomes,
      runs: this.#listed,
      jobs,
      now: Date.now(),
    });
    let linkMismatches = 0;
    let completedDownloads = 0;
    for (const restore of this.#plan.restores.filter((r) => r.delivery === 'DOWNLOAD')) {
      const outcome = this.#outcomes.get(restore.workflowId);
      if (outcome?.state !== 'COMPLETED') continue;
      completedDownloads += 1;
      if (outcome.snapshotUrl !== null && outcome.snapshotUrl !== links.get(outcome.jobId)) linkMismatches += 1;
    }
    const stats = sim.stats();
    const wallSeconds = Math.round((Date.now() - this.#began) / 1000);
    const report: ChaosReport = {
      restores: this.#options.restores,
      finalized: verdict.finalized,
      completed: verdict.completed,
      failed: verdict.failed,
      duplicateJobs: verdict.duplicateJobs,
      lostRestores: verdict.lostRestores,
      workerKills: worker.kills,
      serverRestarts: this.#restartSeconds.length,
      faultsInjected: Object.values(stats.faultsInjected).reduce((sum, n) => sum + n, 0),
      secretLeaks: 0,
      passed: false,
      problems: [],
      failedByType: verdict.failedByType,
      duplicatedRestores: verdict.duplicatedRestores,
      duplicateStarts: verdict.duplicateStarts,
      strayJobs: verdict.strayJobs,
      lost: verdict.lost,
      adoptedJobs: verdict.adoptedJobs,
      killsWithCreateInFlight: this.#killTimes.filter((at) => this.#createSpans.some((s) => s.from <= at && at <= s.to))
        .length,
      workerSelfExits: worker.selfExits,
      workerLaunches: worker.launches,
      serverRestartSeconds: this.#restartSeconds,
      faultsByKind: stats.faultsInjected,
      atlasRequests: stats.requests,
      atlasJobs: jobs.length,
      atlasByStatus: stats.byStatus,
      starts: this.#starts,
      clientCallFailures: session.failures,
      downloads: {
        planned: this.#plan.restores.filter((r) => r.delivery === 'DOWNLOAD').length,
        completed: completedDownloads,
        linksChecked: links.size,
        linkMismatches,
        withoutLink: verdict.downloadsWithoutUrl,
      },
      secretLeaksByKind: {},
      secretLeaksBySource: {},
      secretSightings: [],
      historiesScanned,
      continuedAsNewRuns: [...this.#listed.values()].reduce((sum, r) => sum + r.allRuns - r.ownRuns, 0),
      credentials: this.#options.credentials,
      seed: this.#seed,
      startRate: Math.round(this.#schedule.startRate * 100) / 100,
      chaosWindowSeconds: Math.round(this.#schedule.windowMs / 1000),
      timeLimitReached: this.#timeLimitReached,
      wallSeconds,
      restoresPerMinute: Math.round((verdict.finalized / Math.max(wallSeconds, 1)) * 60 * 10) / 10,
    };
    // The run's own output and this report are searched last, so nothing the run printed escapes the count.
    scanner.scan(this.#output.join('\n'), 'chaos-output');
    scanner.scan(JSON.stringify(report), 'report');
    report.secretLeaks = scanner.total;
    report.secretLeaksByKind = scanner.byKind;
    report.secretLeaksBySource = scanner.bySource;
    report.secretSightings = scanner.sightings;
    report.problems = problemsOf({ ...report, linkMismatches }, this.#options);
    report.passed = report.problems.length === 0;
    return report;
  }

  /** Every download job's link, by job id, read from the simulator the way a client would. */
  async #downloadLinks(sim: AtlasSimulator): Promise<Map<string, string>> {
    const atlas = new AtlasClient({
      baseUrl: sim.url,
      credentials: { publicKey: this.#secrets.publicKey, privateKey: this.#secrets.privateKey },
    });
    const links = new Map<string, string>();
    try {
      for (const job of sim.restoreJobs().filter((j) => j.deliveryType === 'DOWNLOAD')) {
        const read = await atlas.getRestoreJob({
          family: job.family,
          groupId: job.projectId,
          clusterName: job.clusterName,
          restoreId: job.id,
        });
        if (read.snapshotUrl) links.set(job.id, read.snapshotUrl);
      }
    } finally {
      await atlas.close();
    }
    return links;
  }

  /** Fetches every run of every restore (continued-as-new ones too) and searches it, payloads decoded. */
  async #scanHistories(scanner: SecretScanner, untilMs: number): Promise<number> {
    const session = this.#session as TemporalSession;
    const keep = this.#options.keepLogs !== undefined ? join(this.#dir, 'histories.ndjson') : undefined;
    const runs = [...this.#listed].flatMap(([workflowId, listed]) =>
      listed.runIds.map((runId) => ({ workflowId, runId }))
    );
    let scanned = 0;
    await forEachLimited(runs, READ_CONCURRENCY, async ({ workflowId, runId }) => {
      const json = await session
        .retry('history', (client) => fetchHistoryJson(client, workflowId, runId), { untilMs })
        .catch(() => undefined);
      if (json === undefined) return;
      scanned += 1;
      scanner.scan(withDecodedPayloads(json), 'histories');
      if (keep) appendFileSync(keep, `${JSON.stringify({ workflowId, runId, history: JSON.parse(json) })}\n`);
    });
    if (scanned < runs.length) this.#say(`chaos: could only fetch ${scanned} of ${runs.length} histories`);
    return scanned;
  }
}

/** The token of a simulator download link: the part that makes it secret. */
function linkToken(url: string): string {
  return /snapshot-downloads\/([0-9a-f]{32})\//.exec(url)?.[1] ?? url;
}

/** Sleeps until `atMs`; false when `stop` fired first. */
async function sleepUntil(atMs: number, stop: AbortSignal): Promise<boolean> {
  if (stop.aborted) return false;
  try {
    await sleep(Math.max(0, atMs - Date.now()), undefined, { signal: stop });
    return true;
  } catch {
    return false;
  }
}

/** Runs `task` over `items`, at most `limit` at a time. */
async function forEachLimited<T>(items: readonly T[], limit: number, task: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await task(items[next++] as T);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
