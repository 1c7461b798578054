import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { bundleWorkflowCode, DefaultLogger } from '@temporalio/worker';
import { DEFAULT_SIMULATOR_PRIVATE_KEY, DEFAULT_SIMULATOR_PUBLIC_KEY } from '../../simulator/seed';

/**
 * The real worker entry point (`worker/main.ts`) as a child process of a test: started with the environment the test
 * chooses, ready once it says it polls, and killed the way production kills workers (SIGKILL, no drain). Unlike the
 * chaos run's supervisor it never restarts anything: a test that kills a worker wants it to stay dead.
 */

/** Matches the line the worker prints once it polls, in plain text or inside a JSON log record. */
const READY_LINE = /polling task queue/i;
/** Lines of output kept for failure messages. */
const KEPT_LINES = 200;

/** Options of {@link WorkerProcess.start}. */
export interface WorkerProcessOptions {
  /** Short name for messages, e.g. `A`. */
  name: string;
  /** The worker's whole environment (nothing is inherited from the test process). */
  env: NodeJS.ProcessEnv;
}

/** One worker process. Always {@link WorkerProcess.stop} it in an `afterAll` or `finally`. */
export class WorkerProcess {
  readonly name: string;
  readonly pid: number;
  readonly #child: ChildProcess;
  readonly #configuredIdentity: string | undefined;
  readonly #lines: string[] = [];
  #partial = '';
  #ready = false;
  #exit: string | undefined;

  private constructor(options: WorkerProcessOptions, child: ChildProcess) {
    this.name = options.name;
    this.#child = child;
    this.#configuredIdentity = options.env.WORKER_IDENTITY;
    if (child.pid === undefined) throw new Error(`worker ${options.name} did not start`);
    this.pid = child.pid;
    child.stdout?.on('data', (chunk: Buffer) => this.#capture(chunk));
    child.stderr?.on('data', (chunk: Buffer) => this.#capture(chunk));
    child.once('exit', (code, signal) => {
      this.#exit = signal === null ? `exit code ${code}` : `signal ${signal}`;
    });
  }

  /** Runs `node --require tsx/cjs worker/main.ts` from the repository root, as the chaos run does. */
  static start(options: WorkerProcessOptions): WorkerProcess {
    const child = spawn(process.execPath, ['--require', require.resolve('tsx/cjs'), 'worker/main.ts'], {
      cwd: join(__dirname, '..', '..'),
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    return new WorkerProcess(options, child);
  }

  /** Whether the process is still alive. */
  get running(): boolean {
    return this.#exit === undefined;
  }

  /** The last lines the worker printed (stdout and stderr interleaved), for failure messages. */
  get output(): string {
    return [...this.#lines, this.#partial].join('\n');
  }

  /**
   * Whether a Temporal worker identity (from a history event or a pending activity) is this process: its
   * `WORKER_IDENTITY` when the worker honours it, else the SDK's default `pid@hostname`.
   */
  owns(identity: string | null | undefined): boolean {
    if (!identity) return false;
    return identity === this.#configuredIdentity || identity === `${this.pid}@${hostname()}`;
  }

  /** Resolves once the worker printed that it polls; rejects (with its output) when it exits or `timeoutMs` passes. */
  async waitUntilReady(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#ready) {
      if (this.#exit !== undefined || Date.now() > deadline) {
        const why = this.#exit === undefined ? `did not poll within ${timeoutMs} ms` : `exited (${this.#exit})`;
        throw new Error(`worker ${this.name} (pid ${this.pid}) ${why}; its output:\n${this.output}`);
      }
      await sleep(100);
    }
  }

  /** SIGKILLs the worker and waits for it to die; resolves with the moment just before the signal was sent. */
  async kill(): Promise<number> {
    if (!this.running) throw new Error(`worker ${this.name} already exited (${this.#exit})`);
    const exited = once(this.#child, 'exit');
    const killedAt = Date.now();
    this.#child.kill('SIGKILL');
    await exited;
    return killedAt;
  }

  /** Lets a live worker drain (SIGTERM), SIGKILLs it after `graceMs`, and waits for it to exit. Safe to call twice. */
  async stop(graceMs = 15_000): Promise<void> {
    if (!this.running) return;
    const exited = once(this.#child, 'exit');
    this.#child.kill('SIGTERM');
    const timer = setTimeout(() => this.#child.kill('SIGKILL'), graceMs);
    await exited;
    clearTimeout(timer);
  }

  #capture(chunk: Buffer): void {
    const lines = (this.#partial + chunk.toString('utf8')).split('\n');
    this.#partial = lines.pop() ?? '';
    for (const line of lines) {
      if (READY_LINE.test(line)) this.#ready = true;
      this.#lines.push(line);
    }
    if (this.#lines.length > KEPT_LINES) this.#lines.splice(0, this.#lines.length - KEPT_LINES);
    if (READY_LINE.test(this.#partial)) this.#ready = true;
  }
}

/** Variables worker processes inherit from the test process; everything else is set explicitly. */
const INHERITED_VARIABLES = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ', 'SYSTEMROOT'];

/** The dev server the jest global setup started. */
export function temporalTestAddress(): string {
  const address = process.env.TEMPORAL_TEST_ADDRESS;
  if (!address)
    throw new Error('TEMPORAL_TEST_ADDRESS is unset: run through jest (the temporal project starts a server)');
  return address;
}

/**
 * The whole environment of a worker process under test: a few inherited variables, the test dev server, the
 * simulator at `atlasUrl` with its API key, the prebuilt bundle, then `extra` (identity, metrics address, …).
 */
export function testWorkerEnv(
  atlasUrl: string,
  taskQueue: string,
  bundlePath: string,
  extra: NodeJS.ProcessEnv = {}
): NodeJS.ProcessEnv {
  const inherited = INHERITED_VARIABLES.filter((name) => process.env[name] !== undefined).map((name) => [
    name,
    process.env[name],
  ]);
  return {
    ...Object.fromEntries(inherited),
    TEMPORAL_ADDRESS: temporalTestAddress(),
    TEMPORAL_NAMESPACE: 'default',
    TEMPORAL_TASK_QUEUE: taskQueue,
    ATLAS_BASE_URL: atlasUrl,
    ATLAS_PUBLIC_KEY: DEFAULT_SIMULATOR_PUBLIC_KEY,
    ATLAS_PRIVATE_KEY: DEFAULT_SIMULATOR_PRIVATE_KEY,
    WORKFLOW_BUNDLE_PATH: bundlePath,
    LOG_LEVEL: 'INFO',
    ...extra,
  };
}

/** Bundles the production workflows once into a temporary file, so worker processes start in a second or two. */
export async function writeWorkflowBundle(): Promise<{ path: string; remove: () => void }> {
  const dir = mkdtempSync(join(tmpdir(), 'atlas-restore-bundle-'));
  const { code } = await bundleWorkflowCode({
    workflowsPath: require.resolve('../../workflows'),
    logger: new DefaultLogger('WARN'),
  });
  const path = join(dir, 'workflow-bundle.js');
  writeFileSync(path, code);
  return { path, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
