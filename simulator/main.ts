/**
 * Runs the Atlas simulator standalone for demos, chaos and benchmark runs; `--help` lists the flags. Digest
 * credentials come from `ATLAS_PUBLIC_KEY` / `ATLAS_PRIVATE_KEY`, Service Account credentials from
 * `ATLAS_CLIENT_ID` / `ATLAS_CLIENT_SECRET`; defaults are printed, user-supplied secrets never are.
 */

import { readFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { FaultPlanSchema, type FaultPlan } from './faults';
import { RATE_LIMIT_SETS, type RateLimits, type RateLimitSet } from './rate-limits';
import {
  DEFAULT_SIMULATOR_CLIENT_ID,
  DEFAULT_SIMULATOR_CLIENT_SECRET,
  DEFAULT_SIMULATOR_PRIVATE_KEY,
  DEFAULT_SIMULATOR_PUBLIC_KEY,
  loadSeedFile,
} from './seed';
import { startAtlasSimulator } from './server';

const USAGE = `Usage: npm run simulator -- [options]

  --port N                 port to listen on (default 0: any free port)
  --host H                 interface to bind (default 127.0.0.1)
  --seed FILE              projects, clusters and snapshots (JSON, see simulator/seed.ts); a cluster's
                           restoreTiming gives its restore jobs their own phases
  --pending-ms N --queued-ms N --running-ms N
                           tenant job phases (default 2000 / 2000 / 6000)
  --flex-pending-ms N --flex-queued-ms N --flex-running-ms N
                           Flex job phases (default 3000 / 0 / 60000)
  --outcome COMPLETED|FAILED
                           how restore jobs end (default COMPLETED)
  --sunset-tenant          answer every tenant path (v1.0 and v2) with 410 VERSION_GONE
  --rate-limit SET=CAPACITY/REFILL/PERIOD_SECONDS
                           override one token bucket (repeatable); SET is one of
                           ${RATE_LIMIT_SETS.join(', ')}
  --no-rate-limit          turn rate limiting off
  --token-ttl-seconds N    lifetime of Service Account access tokens (default 3600)
  --faults FILE            fault plan (JSON, see FaultPlanSchema in simulator/faults.ts)
  --random-seed N          seed of the fault generator (default random, printed)
  --admin                  serve GET /__simulator/stats, GET /__simulator/jobs, GET|PUT /__simulator/faults
                           to loopback clients, without authentication (a test hook)
  --quiet                  do not log each request
  --help                   show this text

Environment: ATLAS_PUBLIC_KEY, ATLAS_PRIVATE_KEY (Digest), ATLAS_CLIENT_ID, ATLAS_CLIENT_SECRET (Service Account).`;

const emptyAsUndefined = (value: unknown): unknown => (value === '' ? undefined : value);
const optionalCount = z.preprocess(emptyAsUndefined, z.coerce.number().int().nonnegative().optional());
const RATE_LIMIT_FLAG = /^(\w+)=(\d+)\/(\d+)\/(\d+(?:\.\d+)?)$/;

/** Command-line options, as strings from `parseArgs`, checked and converted. */
const CliOptionsSchema = z.strictObject({
  port: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).max(65535).default(0)),
  host: z.string().min(1).default('127.0.0.1'),
  seed: z.string().min(1).optional(),
  'pending-ms': optionalCount,
  'queued-ms': optionalCount,
  'running-ms': optionalCount,
  'flex-pending-ms': optionalCount,
  'flex-queued-ms': optionalCount,
  'flex-running-ms': optionalCount,
  outcome: z.enum(['COMPLETED', 'FAILED']).optional(),
  'sunset-tenant': z.boolean().default(false),
  'rate-limit': z
    .array(
      z.string().regex(RATE_LIMIT_FLAG, {
        message: 'expected SET=CAPACITY/REFILL/PERIOD_SECONDS, e.g. flexRestoreJobs=10/5/60',
      })
    )
    .default([]),
  'no-rate-limit': z.boolean().default(false),
  'token-ttl-seconds': z.preprocess(emptyAsUndefined, z.coerce.number().positive().optional()),
  faults: z.string().min(1).optional(),
  'random-seed': z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).max(0xffffffff).optional()),
  admin: z.boolean().default(false),
  quiet: z.boolean().default(false),
  help: z.boolean().default(false),
});

/** Credentials from the environment; an empty variable (e.g. `${VAR:-}` in compose) means "use the default". */
const CredentialsSchema = z.object({
  ATLAS_PUBLIC_KEY: z.preprocess(emptyAsUndefined, z.string().optional()),
  ATLAS_PRIVATE_KEY: z.preprocess(emptyAsUndefined, z.string().optional()),
  ATLAS_CLIENT_ID: z.preprocess(emptyAsUndefined, z.string().optional()),
  ATLAS_CLIENT_SECRET: z.preprocess(emptyAsUndefined, z.string().optional()),
});

async function run(): Promise<void> {
  const { values } = parseArgs({
    options: {
      port: { type: 'string' },
      host: { type: 'string' },
      seed: { type: 'string' },
      'pending-ms': { type: 'string' },
      'queued-ms': { type: 'string' },
      'running-ms': { type: 'string' },
      'flex-pending-ms': { type: 'string' },
      'flex-queued-ms': { type: 'string' },
      'flex-running-ms': { type: 'string' },
      outcome: { type: 'string' },
      'sunset-tenant': { type: 'boolean' },
      'rate-limit': { type: 'string', multiple: true },
      'no-rate-limit': { type: 'boolean' },
      'token-ttl-seconds': { type: 'string' },
      faults: { type: 'string' },
      'random-seed': { type: 'string' },
      admin: { type: 'boolean' },
      quiet: { type: 'boolean' },
      help: { type: 'boolean' },
    },
    strict: true,
  });
  const cli = CliOptionsSchema.safeParse(values);
  if (!cli.success) throw new Error(`Invalid arguments:\n${z.prettifyError(cli.error)}\n\n${USAGE}`);
  const options = cli.data;
  if (options.help) {
    console.log(USAGE);
    return;
  }
  const env = CredentialsSchema.parse(process.env);
  const publicKey = env.ATLAS_PUBLIC_KEY ?? DEFAULT_SIMULATOR_PUBLIC_KEY;
  const privateKey = env.ATLAS_PRIVATE_KEY ?? DEFAULT_SIMULATOR_PRIVATE_KEY;
  const clientId = env.ATLAS_CLIENT_ID ?? DEFAULT_SIMULATOR_CLIENT_ID;
  const clientSecret = env.ATLAS_CLIENT_SECRET ?? DEFAULT_SIMULATOR_CLIENT_SECRET;

  const simulator = await startAtlasSimulator({
    host: options.host,
    port: options.port,
    publicKey,
    privateKey,
    serviceAccounts: [{ clientId, clientSecret }],
    seed: options.seed === undefined ? undefined : await loadSeedFile(options.seed),
    timing: { pendingMs: options['pending-ms'], queuedMs: options['queued-ms'], runningMs: options['running-ms'] },
    flexTiming: {
      pendingMs: options['flex-pending-ms'],
      queuedMs: options['flex-queued-ms'],
      runningMs: options['flex-running-ms'],
    },
    outcome: options.outcome,
    sunsetTenant: options['sunset-tenant'],
    rateLimits: options['no-rate-limit'] ? false : rateLimitOverrides(options['rate-limit']),
    tokenTtlSeconds: options['token-ttl-seconds'],
    faults: options.faults === undefined ? undefined : await loadFaultPlan(options.faults),
    randomSeed: options['random-seed'],
    admin: options.admin,
    recordRequests: false,
    onRequest: options.quiet
      ? undefined
      : (request) => console.log(`${request.method} ${request.path} ${request.status}`),
  });

  // User-supplied secrets are never printed; the defaults are public test values.
  console.log(`Public key${env.ATLAS_PUBLIC_KEY === undefined ? ' (default)' : ' (ATLAS_PUBLIC_KEY)'}: ${publicKey}`);
  console.log(
    env.ATLAS_PRIVATE_KEY === undefined
      ? `Private key (default): ${privateKey}`
      : 'Private key: from ATLAS_PRIVATE_KEY (not shown)'
  );
  console.log(`Client id${env.ATLAS_CLIENT_ID === undefined ? ' (default)' : ' (ATLAS_CLIENT_ID)'}: ${clientId}`);
  console.log(
    env.ATLAS_CLIENT_SECRET === undefined
      ? `Client secret (default): ${clientSecret}`
      : 'Client secret: from ATLAS_CLIENT_SECRET (not shown)'
  );
  console.log(`Fault generator seed: ${simulator.randomSeed}`);
  if (options.admin) console.log(`Admin API: ${simulator.url}/__simulator/{stats,jobs,faults}`);
  console.log(`Atlas simulator listening on ${simulator.url}`);

  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await simulator.close();
}

/** Turns `--rate-limit SET=CAPACITY/REFILL/PERIOD` flags (already shape-checked) into the option object. */
function rateLimitOverrides(flags: readonly string[]): RateLimits {
  const overrides: Partial<Record<RateLimitSet, { capacity: number; refill: number; periodSeconds: number }>> = {};
  for (const flag of flags) {
    const [, set = '', capacity, refill, periodSeconds] = RATE_LIMIT_FLAG.exec(flag) ?? [];
    if (!(RATE_LIMIT_SETS as readonly string[]).includes(set)) {
      throw new Error(
        `Unknown rate-limit set ${set} in --rate-limit ${flag}; use one of ${RATE_LIMIT_SETS.join(', ')}`
      );
    }
    overrides[set as RateLimitSet] = {
      capacity: Number(capacity),
      refill: Number(refill),
      periodSeconds: Number(periodSeconds),
    };
  }
  return overrides;
}

/** Reads and validates a fault plan file, naming the file in every failure. */
async function loadFaultPlan(path: string): Promise<FaultPlan> {
  let json: unknown;
  try {
    json = JSON.parse(await readFile(path, 'utf8'));
  } catch (cause) {
    throw new Error(`Cannot read fault plan ${path}: ${(cause as Error).message}`, { cause });
  }
  const plan = FaultPlanSchema.safeParse(json);
  if (!plan.success) throw new Error(`Fault plan ${path} is invalid:\n${z.prettifyError(plan.error)}`);
  return plan.data;
}

run().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
