import { startLocalTemporal, type DevServer } from '../../scripts/dev-server';
import { resolveTemporalBinary } from '../../scripts/temporal-binary';

/**
 * Starts one real Temporal dev server for every workflow test file and publishes its address in
 * `TEMPORAL_TEST_ADDRESS`; test files connect with `TestWorkflowEnvironment.createFromExistingServer`.
 */
export default async function globalSetup(): Promise<void> {
  const binary = resolveTemporalBinary(process.env, (line) => process.stderr.write(`${line}\n`));
  const server = await startLocalTemporal({ binary });
  (globalThis as { __temporalDevServer?: DevServer }).__temporalDevServer = server;
  process.env.TEMPORAL_TEST_ADDRESS = server.address;
}
