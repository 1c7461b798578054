/**
 * The benchmark runs the simulator and the worker as their own processes, so that the worker's memory and CPU
 * read from `/proc` are the worker's alone. This module starts a TypeScript entry point with `node --import tsx`
 * (one process, no wrapper: `npx tsx` would add two), copies its output to a log file, and waits for the line
 * that says it is ready.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';

/** How to start one child. */
export interface ChildSpec {
  /** Shown in messages. */
  name: string;
  /** Repository root: entry points are resolved from here. */
  cwd: string;
  /** Entry point relative to `cwd`, e.g. `worker/main.ts`. */
  entry: string;
  args?: readonly string[];
  env: NodeJS.ProcessEnv;
  /** Where stdout and stderr go. */
  logFile: string;
  /** Resolves the start once a line matches; its first capture group becomes `ready`. */
  readyLine?: RegExp;
  readyTimeoutMs?: number;
}

/** A running child. */
export interface RunningChild {
  readonly pid: number;
  /** First capture group of the ready line (e.g. the simulator's URL), or the whole line. */
  readonly ready: string;
  /** The exit, for callers that want to notice a crash. */
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** SIGTERM (the worker drains on it), SIGKILL after `graceMs`. Safe to call twice. */
  stop(graceMs?: number): Promise<void>;
}

/** Children still running, so an interrupted benchmark can kill exactly what it started. */
const running = new Set<ChildProcess>();

/** Starts a TypeScript entry point under `node --import tsx` and waits for its ready line. */
export async function startChild(spec: ChildSpec): Promise<RunningChild> {
  const log = createWriteStream(spec.logFile, { flags: 'a' });
  const child = spawn(process.execPath, ['--import', 'tsx', spec.entry, ...(spec.args ?? [])], {
    cwd: spec.cwd,
    env: spec.env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  running.add(child);
  const exited = once(child, 'close').then(([code, signal]) => {
    running.delete(child);
    return { code: code as number | null, signal: signal as NodeJS.Signals | null };
  });
  const ready = await waitForReady(spec, child, log, exited);
  let stopping: Promise<void> | undefined;
  return {
    pid: child.pid as number,
    ready,
    exited,
    stop(graceMs = 15_000) {
      stopping ??= (async () => {
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
          await exited;
          clearTimeout(timer);
        }
        await new Promise<void>((resolve) => log.end(resolve));
      })();
      return stopping;
    },
  };
}

/** Runs a TypeScript entry point to completion (e.g. the bundle build); rejects on a non-zero exit. */
export async function runToCompletion(spec: Omit<ChildSpec, 'readyLine' | 'readyTimeoutMs'>): Promise<void> {
  const child = await startChild(spec);
  const { code, signal } = await child.exited;
  await child.stop();
  if (code !== 0) throw new Error(`${spec.name} failed (exit ${code ?? signal}); see ${spec.logFile}`);
}

/** Kills every child still running, synchronously: for `process.on('exit')` after an interruption. */
export function killAllChildren(): void {
  for (const child of running) child.kill('SIGKILL');
}

async function waitForReady(
  spec: ChildSpec,
  child: ChildProcess,
  log: WriteStream,
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>
): Promise<string> {
  const pattern = spec.readyLine;
  return new Promise<string>((resolve, reject) => {
    let settled = false;
    let pending = '';
    const settle = (action: () => void): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      action();
    };
    const timeoutMs = spec.readyTimeoutMs ?? 120_000;
    const timer =
      pattern === undefined
        ? undefined
        : setTimeout(() => {
            const message = `${spec.name} not ready after ${timeoutMs / 1000} s; see ${spec.logFile}`;
            settle(() => reject(new Error(message)));
          }, timeoutMs);
    const onData = (chunk: Buffer): void => {
      log.write(chunk);
      if (settled || pattern === undefined) return;
      pending += chunk.toString('utf8');
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) {
        const match = pattern.exec(line);
        if (match) settle(() => resolve(match[1] ?? line));
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    if (pattern === undefined) settle(() => resolve(''));
    child.once('error', (error) => settle(() => reject(error)));
    void exited.then(({ code, signal }) =>
      settle(() =>
        reject(new Error(`${spec.name} exited before it was ready (${code ?? signal}); see ${spec.logFile}`))
      )
    );
  });
}
