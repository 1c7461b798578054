import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Runs the real worker entry point as a child process and does to it what production does to workers: kills it
 * with SIGKILL (no drain, no goodbye) and starts a new one, and restarts it when it dies by itself (e.g. while the
 * Temporal server is restarting). Everything it prints goes to one log file, which the chaos run searches for secrets.
 */

/** How to run and watch the worker. */
export interface WorkerSupervisorOptions {
  /** Executable and arguments, e.g. `node --require tsx/cjs worker/main.ts`. */
  command: string;
  args: string[];
  cwd: string;
  /** The worker's whole environment (the caller decides what it inherits). */
  env: NodeJS.ProcessEnv;
  /** Append-only log of every incarnation's stdout and stderr. */
  logFile: string;
  /** Text the worker prints once it polls; a kill waits for it, so every kill hits a working worker. */
  readyText: string;
  /** Pause before replacing a worker that exited by itself. */
  selfExitRestartMs: number;
  /** One line per notable event (self exits), for the run's output. */
  onEvent: (line: string) => void;
}

/** Keeps one worker process running, and kills it on request. */
export class WorkerSupervisor {
  /** Workers killed with SIGKILL while polling. */
  kills = 0;
  /** Workers that exited without being killed (a crash, or giving up on an unreachable server). */
  selfExits = 0;
  /** Processes started. */
  launches = 0;
  readonly #options: WorkerSupervisorOptions;
  readonly #log: WriteStream;
  #child: ChildProcess | undefined;
  #ready = false;
  #stopping = false;
  #killing = false;
  #stopped: Promise<void> | undefined;

  constructor(options: WorkerSupervisorOptions) {
    this.#options = options;
    this.#log = createWriteStream(options.logFile, { flags: 'a' });
  }

  /** Whether a worker is up and has said it polls. */
  get ready(): boolean {
    return this.#ready;
  }

  /** Starts the first worker. */
  start(): void {
    this.#launch();
  }

  /** Resolves true once a worker polls, false after `timeoutMs`. */
  async waitUntilReady(timeoutMs: number): Promise<boolean> {
    const deadline = Date.now() + timeoutMs;
    while (!this.#ready && !this.#stopping && Date.now() < deadline) await sleep(100);
    return this.#ready;
  }

  /**
   * SIGKILLs the running worker once it polls (waiting up to 30 s for one), then starts a new one after `pauseMs`.
   * Resolves with the killed process id and the moment of the kill, or undefined when no worker came up to be killed.
   */
  async kill(pauseMs: number): Promise<{ pid: number | undefined; killedAt: number } | undefined> {
    if (!(await this.waitUntilReady(30_000))) return undefined;
    const child = this.#child;
    if (child === undefined || child.exitCode !== null || child.signalCode !== null) return undefined;
    this.#killing = true;
    const exited = once(child, 'exit');
    const killedAt = Date.now();
    child.kill('SIGKILL');
    await exited;
    this.#killing = false;
    this.kills += 1;
    this.#log.write(`\n=== chaos: worker pid ${child.pid} killed with SIGKILL at ${new Date().toISOString()} ===\n`);
    if (pauseMs > 0) await sleep(pauseMs);
    if (!this.#stopping) this.#launch();
    return { pid: child.pid, killedAt };
  }

  /** Lets the running worker drain (SIGTERM, SIGKILL after 15 s) and closes the log. Safe to call twice. */
  stop(): Promise<void> {
    this.#stopped ??= this.#stop();
    return this.#stopped;
  }

  async #stop(): Promise<void> {
    this.#stopping = true;
    const child = this.#child;
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = once(child, 'exit');
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
      await exited;
      clearTimeout(timer);
    }
    await new Promise<void>((resolve) => this.#log.end(resolve));
  }

  #launch(): void {
    const { command, args, cwd, env, readyText } = this.#options;
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    this.#child = child;
    this.#ready = false;
    this.launches += 1;
    this.#log.write(
      `\n=== chaos: worker #${this.launches} pid ${child.pid} started at ${new Date().toISOString()} ===\n`
    );
    let tail = '';
    const capture = (chunk: Buffer) => {
      this.#log.write(chunk);
      if (this.#ready || this.#child !== child) return;
      tail = (tail + chunk.toString('utf8')).slice(-4096);
      if (tail.includes(readyText)) this.#ready = true;
    };
    child.stdout?.on('data', capture);
    child.stderr?.on('data', capture);
    child.once('exit', (code, signal) => {
      if (this.#child === child) this.#ready = false;
      if (this.#killing || this.#stopping) return;
      this.selfExits += 1;
      this.#options.onEvent(`worker pid ${child.pid} exited by itself (code ${code}, signal ${signal}); restarting it`);
      setTimeout(() => {
        if (!this.#stopping && this.#child === child) this.#launch();
      }, this.#options.selfExitRestartMs);
    });
  }
}
