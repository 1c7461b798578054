import { startAtlasSimulator, type AtlasSimulator, type AtlasSimulatorOptions } from '../../simulator/server';

/**
 * Runs `body` against a fresh Atlas simulator on a free port and always closes it, even when `body` throws,
 * so a failing test never leaves a listening socket that keeps jest alive.
 */
export async function withSimulator<T>(
  options: AtlasSimulatorOptions,
  body: (simulator: AtlasSimulator) => Promise<T>
): Promise<T> {
  const simulator = await startAtlasSimulator(options);
  try {
    return await body(simulator);
  } finally {
    await simulator.close();
  }
}
