import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { isExecutable } from './temporal-binary';
import { z } from 'zod';

/**
 * Checks a Compose file with compose-go, the loader `docker compose` itself runs (schema validation, interpolation,
 * normalization, consistency checks), since our machines have no Docker Compose. The Go program in
 * `scripts/compose-check/` is built once into a cache outside the repository, keyed by a hash of its sources.
 *
 *   npx tsx scripts/compose-check.ts [FILE]   prints the normalized project (default: docker-compose.yml)
 *   npx tsx scripts/compose-check.ts --ensure  only builds the checker (CI runs this before jest) and prints its path
 */

/** The Go module of the checker. */
export const COMPOSE_CHECK_SOURCE_DIR = join(__dirname, 'compose-check');
const SOURCE_FILES = ['go.mod', 'go.sum', 'main.go'];

/** A published port as the loader normalizes it (`"127.0.0.1:7233:7233"` → host_ip, published, target). */
const ComposePortSchema = z.looseObject({
  target: z.number(),
  published: z.string().optional(),
  host_ip: z.string().optional(),
  protocol: z.string().optional(),
});

/** The service fields our checks read; the loader's other fields pass through untouched. */
const ComposeServiceSchema = z.looseObject({
  image: z.string().optional(),
  build: z.looseObject({ context: z.string(), dockerfile: z.string().optional() }).optional(),
  command: z.array(z.string()).nullish(),
  entrypoint: z.array(z.string()).nullish(),
  environment: z.record(z.string(), z.string().nullable()).optional(),
  ports: z.array(ComposePortSchema).optional(),
  depends_on: z.record(z.string(), z.looseObject({ condition: z.string(), required: z.boolean() })).optional(),
  profiles: z.array(z.string()).optional(),
  healthcheck: z.looseObject({ test: z.array(z.string()).optional() }).optional(),
  restart: z.string().optional(),
  configs: z.array(z.looseObject({ source: z.string(), target: z.string().optional() })).optional(),
  volumes: z.array(z.looseObject({ type: z.string(), source: z.string().optional(), target: z.string() })).optional(),
});

/** A Compose project after loading: every default applied, every `${VAR:-default}` resolved, paths absolute. */
export const ComposeProjectSchema = z.looseObject({
  name: z.string(),
  services: z.record(z.string(), ComposeServiceSchema),
  volumes: z.record(z.string(), z.unknown()).optional(),
  configs: z.record(z.string(), z.looseObject({ content: z.string().optional() })).optional(),
});
/** A loaded Compose project. */
export type ComposeProject = z.infer<typeof ComposeProjectSchema>;
/** One service of a loaded Compose project. */
export type ComposeService = z.infer<typeof ComposeServiceSchema>;

/** Thrown when the Compose loader refuses a file; the message is the loader's own, naming the file. */
export class ComposeCheckError extends Error {
  override readonly name = 'ComposeCheckError';
}

/**
 * Loads `file` as `docker compose` would with an empty environment (so every `${VAR:-default}` takes its default)
 * and every profile enabled, building the checker first if the cache lacks it.
 */
export function loadComposeProject(file: string, env: NodeJS.ProcessEnv, log: (line: string) => void): ComposeProject {
  const result = spawnSync(ensureComposeCheck(env, log), [resolve(file)], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
  });
  if (result.error) throw result.error;
  if (result.status !== 0) throw new ComposeCheckError(result.stderr.trim() || `compose-check exited ${result.status}`);
  return ComposeProjectSchema.parse(JSON.parse(result.stdout));
}

/** Returns the checker binary, building it with Go when this version of its sources has not been built yet. */
export function ensureComposeCheck(env: NodeJS.ProcessEnv, log: (line: string) => void): string {
  const binary = composeCheckBinaryPath(env);
  if (isExecutable(binary)) return binary;
  buildWithGo(binary, env, log);
  return binary;
}

/** Where the built checker is kept: outside the repository, one directory per version of its sources. */
export function composeCheckBinaryPath(env: NodeJS.ProcessEnv): string {
  const hash = createHash('sha256');
  for (const name of SOURCE_FILES) hash.update(`${name}\0`).update(readFileSync(join(COMPOSE_CHECK_SOURCE_DIR, name)));
  const cacheRoot = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(cacheRoot, 'atlas-restore', `compose-check-${hash.digest('hex').slice(0, 16)}`, 'compose-check');
}

function buildWithGo(target: string, env: NodeJS.ProcessEnv, log: (line: string) => void): void {
  mkdirSync(join(target, '..'), { recursive: true });
  log(`Building the Compose checker with Go into ${target} (first run only)…`);
  const started = Date.now();
  // Built beside the target and renamed, so a concurrent run never executes a half-written binary.
  const partial = `${target}.${process.pid}.partial`;
  const result = spawnSync('go', ['build', '-trimpath', '-buildvcs=false', '-o', partial, '.'], {
    cwd: COMPOSE_CHECK_SOURCE_DIR,
    env: { ...env, CGO_ENABLED: '0' },
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (result.error || result.status !== 0 || !isExecutable(partial)) {
    rmSync(partial, { force: true });
    const reason = result.error ? result.error.message : `exit ${result.status ?? result.signal}`;
    throw new Error(`go build of ${COMPOSE_CHECK_SOURCE_DIR} failed (${reason}); Go 1.24 or later is needed`);
  }
  renameSync(partial, target);
  log(`Built ${target} in ${Math.round((Date.now() - started) / 1000)} s`);
}

function main(argv: string[]): void {
  const log = (line: string): void => console.error(line);
  if (argv[0] === '--ensure') {
    console.log(ensureComposeCheck(process.env, log));
    return;
  }
  const project = loadComposeProject(argv[0] ?? 'docker-compose.yml', process.env, log);
  console.log(JSON.stringify(project, null, 2));
}

if (require.main === module) {
  try {
    main(process.argv.slice(2));
  } catch (err) {
    console.error(err instanceof Error ? err.message : err);
    process.exit(1);
  }
}
