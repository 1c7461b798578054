import { writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { CHAOS_USAGE, ChaosUsageError, parseChaosArgs } from './chaos-options';
import { ChaosInterruptedError, runChaos } from './chaos-run';
import { resolveTemporalBinary } from './temporal-binary';

/**
 * Entry point of the chaos run (`npm run chaos -- --restores N --json FILE`): runs N restores while killing the worker,
 * restarting the Temporal server and injecting Atlas faults, prints a progress line every 10 s and the result JSON,
 * and exits 1 when a restore was lost or duplicated, a secret leaked, or the chaos fell short of its minimums.
 * See `chaos-run.ts` for how, and `chaos-verdict.ts` for the rules.
 */

/** Variables the worker child inherits; everything else it gets is set explicitly by the run. */
const INHERITED_VARIABLES = ['PATH', 'HOME', 'TMPDIR', 'LANG', 'TZ', 'SYSTEMROOT'];

async function main(): Promise<number> {
  const command = parseChaosArgs(process.argv.slice(2));
  if (command.help) {
    console.log(CHAOS_USAGE);
    return 0;
  }
  const { options } = command;
  const say = (line: string) => console.log(line);
  const binary = resolveTemporalBinary(process.env, say);
  if (binary === null) {
    throw new Error('no temporal CLI found: the chaos run restarts its dev server, so it needs one (set TEMPORAL_CLI)');
  }
  const childEnv = Object.fromEntries(
    INHERITED_VARIABLES.filter((name) => process.env[name] !== undefined).map((name) => [name, process.env[name]])
  );
  const interrupt = new AbortController();
  process.once('SIGINT', () => interrupt.abort());
  process.once('SIGTERM', () => interrupt.abort());
  const report = await runChaos(
    options,
    { binary, repoRoot: resolve(__dirname, '..'), childEnv, say },
    interrupt.signal
  );
  const json = JSON.stringify(report, null, 2);
  if (options.json !== undefined) writeFileSync(options.json, `${json}\n`);
  console.log(json);
  console.log(
    report.passed
      ? `chaos: PASSED: ${report.restores} restores, none lost or duplicated, no secret leaked`
      : `chaos: FAILED: ${report.problems.join('; ')}`
  );
  return report.passed ? 0 : 1;
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    if (err instanceof ChaosUsageError) {
      console.error(`${err.message}\n\n${CHAOS_USAGE}`);
      process.exit(2);
    }
    if (err instanceof ChaosInterruptedError) {
      console.error(err.message);
      process.exit(130);
    }
    console.error(err);
    process.exit(1);
  }
);
