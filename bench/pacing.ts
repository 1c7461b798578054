/**
 * Bounded concurrency for the benchmark's own traffic: starts at a fixed rate or as fast as a fixed number of
 * callers allows, and result or history fetches that never open thousands of calls at once (the driver must not
 * become the load it measures).
 */

import { setTimeout as sleep } from 'node:timers/promises';

/** How to pace `count` calls. */
export interface PaceOptions {
  /** Calls begun per second; as fast as `concurrency` allows when left out. */
  ratePerSecond?: number;
  /** Calls in flight at most. */
  concurrency: number;
}

/**
 * Calls `fn(0)`…`fn(count - 1)` in order, paced by `options`, and resolves when all have settled. `fn` should not
 * throw: a rejection is reported to `onError` and does not stop the others.
 */
export async function runPaced(
  count: number,
  options: PaceOptions,
  fn: (index: number) => Promise<void>,
  onError: (index: number, error: unknown) => void
): Promise<void> {
  const began = Date.now();
  let inFlight = 0;
  let slotFreed: (() => void) | undefined;
  const all: Promise<void>[] = [];
  for (let index = 0; index < count; index += 1) {
    if (options.ratePerSecond !== undefined) {
      const due = began + (index * 1000) / options.ratePerSecond;
      if (due > Date.now()) await sleep(due - Date.now());
    }
    while (inFlight >= options.concurrency) {
      await new Promise<void>((resolve) => (slotFreed = resolve));
    }
    inFlight += 1;
    all.push(
      fn(index)
        .catch((error: unknown) => onError(index, error))
        .finally(() => {
          inFlight -= 1;
          const wake = slotFreed;
          slotFreed = undefined;
          wake?.();
        })
    );
  }
  await Promise.all(all);
}

/** Maps `items` with at most `concurrency` calls in flight, keeping order. */
export async function mapPool<T, R>(
  items: readonly T[],
  concurrency: number,
  fn: (item: T, index: number) => Promise<R>
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const lane = async (): Promise<void> => {
    while (next < items.length) {
      const index = next;
      next += 1;
      results[index] = await fn(items[index] as T, index);
    }
  };
  await Promise.all(Array.from({ length: Math.min(concurrency, items.length) }, lane));
  return results;
}
