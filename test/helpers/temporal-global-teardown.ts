import type { DevServer } from '../../scripts/dev-server';

/** Stops the dev server the global setup started. */
export default async function globalTeardown(): Promise<void> {
  await (globalThis as { __temporalDevServer?: DevServer }).__temporalDevServer?.stop();
}
