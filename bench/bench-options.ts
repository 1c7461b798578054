/**
 * The benchmark's command line, checked with zod so a typo fails before anything is started. Also the settings
 * echoed in the JSON report, so a result always says how it was obtained.
 */

import { parseArgs } from 'node:util';
import { z } from 'zod';
import { RATE_LIMIT_SETS } from '../simulator/rate-limits';

/** `--help` text. */
export const USAGE = `Usage: npm run bench -- [options]

Starts (or reuses) a Temporal dev server, then the Atlas simulator and a worker as their own processes, runs N
restores as workflows, then the same job set through a baseline (one loop per restore polling every 4 s, like the
Atlas CLI's watch), and writes a JSON report and an SVG chart. Exits 0 when every workflow completed, 1 when
some did not (or the run failed), 2 on bad usage.

  --restores N             restores to run (default 100)
  --json FILE              report (default bench/results/bench-<time>.json)
  --chart FILE.svg         chart (default: the report's path with .svg)
  --time-scale X           multiplies every simulated duration, e.g. 0.1 for quick runs (default 1)
  --family flex|tenant|mix cluster family of the restores (default flex: 60-180 s, lognormal)
  --tenant-seconds MIN-MAX duration of a tenant restore before scaling (default 30-120, uniform)
  --start-rate R           starts per second (default: as fast as --start-concurrency allows)
  --start-concurrency N    start calls in flight at most (default 32)
  --temporal-address H:P   reuse this Temporal server instead of starting a dev server
  --no-baseline            skip the baseline phase
  --worker-env K=V         environment for the worker, e.g. WORKER_MAX_CACHED_WORKFLOWS=5000 (repeatable)
  --rate-limit SET=CAPACITY/REFILL/PERIOD_SECONDS
                           override one of the simulator's token buckets (repeatable); SET is one of
                           ${RATE_LIMIT_SETS.join(', ')}; default: the documented limits
  --no-rate-limit          turn the simulator's rate limiting off
  --grace-seconds N        wait this long beyond the longest restore after the last start (default 300)
  --history-sample N       restores whose histories are read, besides the longest (default 200)
  --polling JSON           the request's "polling" object, sent with every restore (default: none, the
                           workflow's own defaults); e.g. to scale the schedule along with --time-scale
  --seed S                 seed of the duration and family draws (default 1)
  --help                   show this text`;

const emptyAsUndefined = (value: unknown): unknown => (value === '' ? undefined : value);
const positiveInt = z.coerce.number().int().positive();

/** Checked options, defaults applied. */
export const BenchOptionsSchema = z.strictObject({
  restores: positiveInt.max(100_000).default(100),
  json: z.string().min(1).optional(),
  chart: z
    .string()
    .regex(/\.svg$/i, { message: 'must end in .svg' })
    .optional(),
  'time-scale': z.coerce.number().positive().max(100).default(1),
  family: z.enum(['flex', 'tenant', 'mix']).default('flex'),
  'tenant-seconds': z
    .string()
    .default('30-120')
    .transform((value, ctx) => {
      const match = /^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$/.exec(value);
      const min = Number(match?.[1]);
      const max = Number(match?.[2]);
      if (match === null || min < 4 || max < min) {
        ctx.addIssue({ code: 'custom', message: 'expected MIN-MAX seconds with 4 <= MIN <= MAX, e.g. 30-120' });
        return z.NEVER;
      }
      return { min, max };
    }),
  'start-rate': z.preprocess(emptyAsUndefined, z.coerce.number().positive().optional()),
  'start-concurrency': positiveInt.max(1000).default(32),
  'temporal-address': z
    .string()
    .regex(/^[\w.-]+:\d+$/, { message: 'expected HOST:PORT' })
    .optional(),
  'no-baseline': z.boolean().default(false),
  'worker-env': z.array(z.string().regex(/^[A-Z_][A-Z0-9_]*=.*$/s, { message: 'expected NAME=VALUE' })).default([]),
  'rate-limit': z
    .array(
      z.string().regex(/^\w+=\d+\/\d+\/\d+(?:\.\d+)?$/, { message: 'expected SET=CAPACITY/REFILL/PERIOD_SECONDS' })
    )
    .default([]),
  'no-rate-limit': z.boolean().default(false),
  'grace-seconds': z.coerce.number().nonnegative().max(86_400).default(300),
  'history-sample': z.coerce.number().int().nonnegative().max(10_000).default(200),
  polling: z
    .string()
    .optional()
    .transform((text, ctx) => {
      if (text === undefined) return undefined;
      try {
        const value = JSON.parse(text) as unknown;
        if (value !== null && typeof value === 'object' && !Array.isArray(value))
          return value as Record<string, unknown>;
      } catch {
        // Reported below.
      }
      ctx.addIssue({ code: 'custom', message: 'expected a JSON object, e.g. {"initialDelaySeconds":5}' });
      return z.NEVER;
    }),
  seed: z.coerce.number().int().min(0).max(0xffffffff).default(1),
  help: z.boolean().default(false),
});
/** The benchmark's settings. */
export type BenchOptions = z.infer<typeof BenchOptionsSchema>;

/** Thrown for a bad command line; the message lists every problem and ends with the usage. */
export class BenchUsageError extends Error {
  override readonly name = 'BenchUsageError';
}

/** Parses `argv` (without node and script). */
export function parseBenchOptions(argv: readonly string[]): BenchOptions {
  let values: Record<string, unknown>;
  try {
    values = parseArgs({
      args: [...argv],
      options: {
        restores: { type: 'string' },
        json: { type: 'string' },
        chart: { type: 'string' },
        'time-scale': { type: 'string' },
        family: { type: 'string' },
        'tenant-seconds': { type: 'string' },
        'start-rate': { type: 'string' },
        'start-concurrency': { type: 'string' },
        'temporal-address': { type: 'string' },
        'no-baseline': { type: 'boolean' },
        'worker-env': { type: 'string', multiple: true },
        'rate-limit': { type: 'string', multiple: true },
        'no-rate-limit': { type: 'boolean' },
        'grace-seconds': { type: 'string' },
        'history-sample': { type: 'string' },
        polling: { type: 'string' },
        seed: { type: 'string' },
        help: { type: 'boolean' },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    throw new BenchUsageError(`${(error as Error).message}\n\n${USAGE}`);
  }
  const parsed = BenchOptionsSchema.safeParse(values);
  if (!parsed.success) throw new BenchUsageError(`Invalid arguments:\n${z.prettifyError(parsed.error)}\n\n${USAGE}`);
  if (parsed.data['no-rate-limit'] && parsed.data['rate-limit'].length > 0) {
    throw new BenchUsageError(`--rate-limit and --no-rate-limit exclude each other\n\n${USAGE}`);
  }
  return parsed.data;
}

/** `--worker-env` pairs as an object. */
export function workerEnvOf(options: BenchOptions): Record<string, string> {
  return Object.fromEntries(
    options['worker-env'].map((pair) => {
      const at = pair.indexOf('=');
      return [pair.slice(0, at), pair.slice(at + 1)];
    })
  );
}

/** The simulator's rate-limit flags for these options. */
export function rateLimitArgs(options: BenchOptions): string[] {
  if (options['no-rate-limit']) return ['--no-rate-limit'];
  return options['rate-limit'].flatMap((flag) => ['--rate-limit', flag]);
}
