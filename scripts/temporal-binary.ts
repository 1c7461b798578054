import { spawnSync } from 'node:child_process';
import { accessSync, constants, existsSync, mkdirSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, join } from 'node:path';

/** The Temporal CLI release we build when no binary is at hand: the newest one `go install` can build. */
export const TEMPORAL_CLI_VERSION = 'v1.5.1';

/**
 * Finds a `temporal` binary for the dev server, without downloading anything at run time (our machines reach
 * package registries only): `$TEMPORAL_CLI`, then `temporal` on PATH, then our cache, then a one-time
 * `go install` from the Go module proxy into that cache. Returns null when none of these works, so callers can
 * fall back to the SDK's own download on machines with internet.
 */
export function resolveTemporalBinary(env: NodeJS.ProcessEnv, log: (line: string) => void): string | null {
  if (env.TEMPORAL_CLI) {
    if (isExecutable(env.TEMPORAL_CLI)) return env.TEMPORAL_CLI;
    throw new Error(`TEMPORAL_CLI=${env.TEMPORAL_CLI} is not an executable file`);
  }
  const onPath = findOnPath('temporal', env.PATH ?? '');
  if (onPath) return onPath;
  const cached = cachedBinaryPath(env);
  if (isExecutable(cached)) return cached;
  if (!findOnPath('go', env.PATH ?? '')) return null;
  buildWithGo(cached, env, log);
  return cached;
}

/** Where the built CLI is kept: outside the repository, shared by every clone on the machine. */
export function cachedBinaryPath(env: NodeJS.ProcessEnv): string {
  const cacheRoot = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cacheRoot, 'atlas-restore', `temporal-${TEMPORAL_CLI_VERSION}`, 'temporal');
}

function buildWithGo(target: string, env: NodeJS.ProcessEnv, log: (line: string) => void): void {
  const dir = join(target, '..');
  mkdirSync(dir, { recursive: true });
  log(`Building Temporal CLI ${TEMPORAL_CLI_VERSION} with go install into ${dir} (first run only; a few minutes)…`);
  const started = Date.now();
  const result = spawnSync(
    'go',
    ['install', `github.com/temporalio/cli/cmd/temporal@${TEMPORAL_CLI_VERSION}`],
    {
      env: { ...env, GOBIN: dir, CGO_ENABLED: '0', GOFLAGS: '-mod=mod' },
      stdio: ['ignore', 'inherit', 'inherit'],
    }
  );
  if (result.status !== 0 || !isExecutable(target)) {
    throw new Error(
      `go install of the Temporal CLI failed (exit ${result.status ?? result.signal}); set TEMPORAL_CLI to a temporal binary`
    );
  }
  log(`Built ${target} in ${Math.round((Date.now() - started) / 1000)} s`);
}

function findOnPath(name: string, pathVar: string): string | null {
  for (const dir of pathVar.split(delimiter)) {
    if (!dir) continue;
    const candidate = join(dir, name);
    if (isExecutable(candidate)) return candidate;
  }
  return null;
}

/** Whether `file` exists and may be executed (cached builds are checked this way before use). */
export function isExecutable(file: string): boolean {
  try {
    accessSync(file, constants.X_OK);
    return existsSync(file);
  } catch {
    return false;
  }
}
