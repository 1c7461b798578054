/**
 * Runs the Atlas simulator standalone for demos and manual testing:
 * `npm run simulator -- --port P [--host H] [--seed FILE] [--pending-ms N --queued-ms N --running-ms N]
 * [--outcome COMPLETED|FAILED]`, with Digest credentials from `ATLAS_PUBLIC_KEY` / `ATLAS_PRIVATE_KEY`.
 */

import { parseArgs } from 'node:util';
import { z } from 'zod';
import { DEFAULT_SIMULATOR_PRIVATE_KEY, DEFAULT_SIMULATOR_PUBLIC_KEY, loadSeedFile } from './seed';
import { startAtlasSimulator } from './server';

const emptyAsUndefined = (value: unknown): unknown => (value === '' ? undefined : value);
const optionalCount = z.preprocess(emptyAsUndefined, z.coerce.number().int().nonnegative().optional());

/** Command-line options, as strings from `parseArgs`, checked and converted. */
const CliOptionsSchema = z.strictObject({
  port: z.preprocess(emptyAsUndefined, z.coerce.number().int().min(0).max(65535).default(0)),
  host: z.string().min(1).default('127.0.0.1'),
  seed: z.string().min(1).optional(),
  'pending-ms': optionalCount,
  'queued-ms': optionalCount,
  'running-ms': optionalCount,
  outcome: z.enum(['COMPLETED', 'FAILED']).optional(),
});

/** Credentials from the environment; an empty variable (e.g. `${VAR:-}` in compose) means "use the default". */
const CredentialsSchema = z.object({
  ATLAS_PUBLIC_KEY: z.preprocess(emptyAsUndefined, z.string().optional()),
  ATLAS_PRIVATE_KEY: z.preprocess(emptyAsUndefined, z.string().optional()),
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
      outcome: { type: 'string' },
    },
    strict: true,
  });
  const cli = CliOptionsSchema.safeParse(values);
  if (!cli.success) throw new Error(`Invalid arguments:\n${z.prettifyError(cli.error)}`);
  const env = CredentialsSchema.parse(process.env);
  const publicKey = env.ATLAS_PUBLIC_KEY ?? DEFAULT_SIMULATOR_PUBLIC_KEY;
  const privateKey = env.ATLAS_PRIVATE_KEY ?? DEFAULT_SIMULATOR_PRIVATE_KEY;
  const options = cli.data;

  const simulator = await startAtlasSimulator({
    host: options.host,
    port: options.port,
    publicKey,
    privateKey,
    seed: options.seed === undefined ? undefined : await loadSeedFile(options.seed),
    timing: { pendingMs: options['pending-ms'], queuedMs: options['queued-ms'], runningMs: options['running-ms'] },
    outcome: options.outcome,
    recordRequests: false,
    onRequest: (request) => console.log(`${request.method} ${request.path} ${request.status}`),
  });

  // A user-supplied private key is a secret and is never printed; the defaults are public test values.
  console.log(
    env.ATLAS_PUBLIC_KEY === undefined
      ? `Public key (default): ${publicKey}`
      : `Public key (ATLAS_PUBLIC_KEY): ${publicKey}`
  );
  console.log(
    env.ATLAS_PRIVATE_KEY === undefined
      ? `Private key (default): ${privateKey}`
      : 'Private key: from ATLAS_PRIVATE_KEY (not shown)'
  );
  console.log(`Atlas simulator listening on ${simulator.url}`);

  await new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });
  await simulator.close();
}

run().catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
