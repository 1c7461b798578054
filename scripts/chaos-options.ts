import { parseArgs } from 'node:util';
import { z } from 'zod';

/**
 * The command line of the chaos run (`npm run chaos -- …`), validated with zod so a typo fails at once with a
 * message naming the flag, rather than twenty minutes later.
 */

/** Text of `--help`. */
export const CHAOS_USAGE = `Usage: npm run chaos -- [options]

Runs N restores on a persisted Temporal dev server and the Atlas simulator while it SIGKILLs the worker, restarts
the server and injects Atlas faults; then checks that no restore was lost or duplicated and no secret leaked.

  --restores N           restores to run (default 100)
  --json FILE            also write the result JSON to FILE
  --minutes M            overall time limit in minutes, collection included (default 20)
  --seed S               seed of every random choice (0..4294967295; default random, printed)
  --worker-kills K       minimum number of worker SIGKILLs (default 10)
  --server-restarts R    minimum number of dev server restarts (default 1)
  --credentials KIND     digest (API key, default) or service-account
  --start-rate R         restores started per second (default: up to 4, slower so starts span the chaos)
  --keep-logs DIR        copy the worker, server and run logs and every history to DIR
  --help                 show this text

Exit status: 0 when every restore finished once and nothing leaked, 1 otherwise, 2 on bad usage.`;

const wholeNumber = (flag: string, min: number, max: number) =>
  z
    .string()
    .regex(/^\d+$/, `${flag} must be a whole number`)
    .transform(Number)
    .pipe(z.number().min(min, `${flag} must be at least ${min}`).max(max, `${flag} must be at most ${max}`));

const positiveNumber = (flag: string, max: number) =>
  z
    .string()
    .regex(/^\d+(\.\d+)?$/, `${flag} must be a number`)
    .transform(Number)
    .pipe(z.number().positive(`${flag} must be greater than 0`).max(max, `${flag} must be at most ${max}`));

/** Flags as parsed by `node:util` (strings), turned into typed options with defaults. */
export const ChaosOptionsSchema = z.strictObject({
  restores: wholeNumber('--restores', 1, 100_000).default(100),
  json: z.string().min(1, '--json needs a file name').optional(),
  minutes: positiveNumber('--minutes', 24 * 60).default(20),
  seed: wholeNumber('--seed', 0, 0xffffffff).optional(),
  workerKills: wholeNumber('--worker-kills', 0, 10_000).default(10),
  serverRestarts: wholeNumber('--server-restarts', 0, 100).default(1),
  credentials: z
    .enum(['digest', 'service-account'], { error: '--credentials must be digest or service-account' })
    .default('digest'),
  startRate: positiveNumber('--start-rate', 1000).optional(),
  keepLogs: z.string().min(1, '--keep-logs needs a directory').optional(),
});
/** Validated chaos options. */
export type ChaosOptions = z.infer<typeof ChaosOptionsSchema>;

/** Thrown for a bad command line; the entry point prints the message and the usage and exits 2. */
export class ChaosUsageError extends Error {
  override readonly name = 'ChaosUsageError';
}

/** What the command line asks for: the help text, or a run with these options. */
export type ChaosCommand = { help: true } | { help: false; options: ChaosOptions };

/** Parses `process.argv.slice(2)`; throws {@link ChaosUsageError} listing every problem. */
export function parseChaosArgs(argv: readonly string[]): ChaosCommand {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      strict: true,
      allowPositionals: false,
      options: {
        restores: { type: 'string' },
        json: { type: 'string' },
        minutes: { type: 'string' },
        seed: { type: 'string' },
        'worker-kills': { type: 'string' },
        'server-restarts': { type: 'string' },
        credentials: { type: 'string' },
        'start-rate': { type: 'string' },
        'keep-logs': { type: 'string' },
        help: { type: 'boolean' },
      },
    }));
  } catch (err) {
    throw new ChaosUsageError(err instanceof Error ? err.message : String(err));
  }
  if (values.help === true) return { help: true };
  const parsed = ChaosOptionsSchema.safeParse({
    restores: values.restores,
    json: values.json,
    minutes: values.minutes,
    seed: values.seed,
    workerKills: values['worker-kills'],
    serverRestarts: values['server-restarts'],
    credentials: values.credentials,
    startRate: values['start-rate'],
    keepLogs: values['keep-logs'],
  });
  if (!parsed.success) {
    throw new ChaosUsageError(parsed.error.issues.map((issue) => issue.message).join('\n'));
  }
  return { help: false, options: parsed.data };
}
