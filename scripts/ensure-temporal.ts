import { resolveTemporalBinary } from './temporal-binary';

/** Entry point: makes sure a Temporal CLI is available (building it once if needed) and prints its path. */
function main(): void {
  const binary = resolveTemporalBinary(process.env, (line) => console.error(line));
  if (binary === null) {
    console.error('No temporal binary and no Go toolchain: tests and the demo will let the Temporal SDK download one.');
    return;
  }
  console.log(binary);
}

try {
  main();
} catch (err) {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
}
