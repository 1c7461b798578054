import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { Connection } from '@temporalio/client';
import { RESTORE_SEARCH_ATTRIBUTES, devServerSearchAttributeFlags } from '../contract/search-attributes';

/** Options for {@link startDevServer}. */
export interface DevServerOptions {
  /** Path of the `temporal` CLI binary. */
  binary: string;
  /** gRPC port; a free one is picked when left out. */
  port?: number;
  /** SQLite file to persist to, so the server can be restarted without losing workflows. In memory when left out. */
  dbFile?: string;
  /** Serve the web UI on this port. Headless when left out. */
  uiPort?: number;
  /** Where the server's own log lines go; dropped when left out. */
  onLog?: (line: string) => void;
}

/** A running `temporal server start-dev`. */
export interface DevServer {
  /** `127.0.0.1:PORT`, ready for `Connection.connect` / `NativeConnection.connect`. */
  readonly address: string;
  readonly port: number;
  /** Process id of the current server process. */
  pid(): number | undefined;
  /** Stops the server (SIGTERM, then SIGKILL after 10 s). */
  stop(): Promise<void>;
  /** Stops and starts it again on the same port (and database, when persisted). */
  restart(): Promise<void>;
}

const READY_TIMEOUT_MS = 60_000;

/**
 * Starts a real Temporal dev server on 127.0.0.1 and waits until it answers health checks. Used by the demo,
 * the tests' global setup, and chaos and benchmark runs (which also restart it).
 */
export async function startDevServer(options: DevServerOptions): Promise<DevServer> {
  const port = options.port ?? (await freePort());
  const args = [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--log-level',
    'warn',
    '--dynamic-config-value',
    'frontend.enableServerVersionCheck=false',
    // Eager activities: a workflow task's completion hands the activity it schedules straight back to the same
    // worker, saving a round trip between starting a restore and its POST reaching Atlas.
    '--dynamic-config-value',
    'system.enableActivityEagerExecution=true',
    // The restores' custom search attributes (project, cluster, job, status), as a production namespace has them.
    ...devServerSearchAttributeFlags(),
    ...(options.dbFile ? ['--db-filename', options.dbFile] : []),
    ...(options.uiPort ? ['--ui-port', String(options.uiPort)] : ['--headless']),
  ];
  const address = `127.0.0.1:${port}`;
  let child: ChildProcess | undefined;

  async function launch(): Promise<void> {
    const proc = spawn(options.binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    const forward = (chunk: Buffer) => {
      for (const line of chunk.toString().split('\n')) if (line.trim()) options.onLog?.(line);
    };
    proc.stdout?.on('data', forward);
    proc.stderr?.on('data', forward);
    const exited = once(proc, 'exit').then(([code, signal]) => {
      throw new Error(
        `temporal server start-dev exited early (code ${code}, signal ${signal}); args: ${args.join(' ')}`
      );
    });
    await Promise.race([waitUntilServing(address), exited]);
    exited.catch(() => undefined);
  }

  async function stop(): Promise<void> {
    const proc = child;
    child = undefined;
    if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
    const exited = once(proc, 'exit');
    proc.kill('SIGTERM');
    const timer = setTimeout(() => proc.kill('SIGKILL'), 10_000);
    await exited;
    clearTimeout(timer);
  }

  await launch();
  return {
    address,
    port,
    pid: () => child?.pid,
    stop,
    restart: async () => {
      await stop();
      await launch();
    },
  };
}

async function waitUntilServing(address: string): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  let lastError: unknown;
  while (Date.now() < deadline) {
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1000 });
      try {
        await connection.workflowService.describeNamespace({ namespace: 'default' });
        return;
      } finally {
        await connection.close();
      }
    } catch (err) {
      lastError = err;
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
  throw new Error(
    `Temporal dev server at ${address} not ready after ${READY_TIMEOUT_MS / 1000} s: ${String(lastError)}`
  );
}

/** A free TCP port on 127.0.0.1 (the OS picks it; we release it just before the server binds it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  await once(server, 'close');
  if (address === null || typeof address === 'string') throw new Error('could not pick a free port');
  return address.port;
}

/**
 * Starts a dev server from the binary `resolveTemporalBinary` found; with none (no Go, no PATH entry), lets
 * the Temporal SDK download one, which works only on machines with internet and cannot be restarted.
 */
export async function startLocalTemporal(
  options: Omit<DevServerOptions, 'binary'> & { binary: string | null }
): Promise<DevServer> {
  if (options.binary !== null) return startDevServer({ ...options, binary: options.binary });
  const { TestWorkflowEnvironment } = await import('@temporalio/testing');
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      ip: '127.0.0.1',
      port: options.port,
      dbFilename: options.dbFile,
      searchAttributes: [...RESTORE_SEARCH_ATTRIBUTES],
    },
  });
  const port = Number(env.address.split(':').pop());
  return {
    address: env.address,
    port,
    pid: () => undefined,
    stop: () => env.teardown(),
    restart: () => Promise.reject(new Error('a dev server downloaded by the SDK cannot be restarted')),
  };
}
