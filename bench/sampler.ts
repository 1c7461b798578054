/**
 * Once a second during a phase, records the simulator's totals and the memory and CPU of every process taking
 * part: the time series behind the chart, the worker's peak RSS, and where the CPU went.
 */

import { setTimeout as sleep } from 'node:timers/promises';
import { ownCpuSeconds, readProcTable, treeUsage, type ProcUsage } from './proc-usage';
import { callsBetween, type SimulatorAdmin, type SimulatorStats } from './simulator-admin';

/** The processes whose usage is read; a missing one (a reused dev server) is left out. */
export interface SampledProcesses {
  worker?: number;
  simulator?: number;
  devServer?: number;
}

/** One reading; counts are cumulative since the phase began. */
export interface Sample {
  at: number;
  apiCalls: number;
  digestChallenges: number;
  rateLimited429: number;
  jobsCreated: number;
  worker?: ProcUsage;
  simulator?: ProcUsage;
  devServer?: ProcUsage;
  /** CPU of the benchmark driver itself (starts, result polling, baseline loops). */
  benchCpuSeconds: number;
}

/** Samples until stopped. */
export class Sampler {
  readonly #admin: SimulatorAdmin;
  readonly #processes: SampledProcesses;
  readonly #intervalMs: number;
  readonly #samples: Sample[] = [];
  #baseline: SimulatorStats | undefined;
  #stopped = false;
  #loop: Promise<void> | undefined;

  constructor(admin: SimulatorAdmin, processes: SampledProcesses, intervalMs = 1000) {
    this.#admin = admin;
    this.#processes = processes;
    this.#intervalMs = intervalMs;
  }

  /** Takes the first reading (the zero of every count) and keeps sampling in the background. */
  async start(): Promise<Sample> {
    this.#baseline = await this.#admin.stats();
    const first = this.#read(this.#baseline);
    this.#samples.push(first);
    this.#loop = this.#run();
    return first;
  }

  /** The latest reading, for progress lines. */
  latest(): Sample | undefined {
    return this.#samples.at(-1);
  }

  /** Takes a last reading and returns them all, oldest first. */
  async stop(): Promise<Sample[]> {
    this.#stopped = true;
    await this.#loop;
    this.#samples.push(this.#read(await this.#admin.stats()));
    return this.#samples;
  }

  async #run(): Promise<void> {
    let next = Date.now() + this.#intervalMs;
    while (!this.#stopped) {
      await sleep(Math.max(0, next - Date.now()));
      next += this.#intervalMs;
      if (this.#stopped) return;
      try {
        this.#samples.push(this.#read(await this.#admin.stats()));
      } catch {
        // A missed reading only widens one interval of the series.
      }
    }
  }

  #read(stats: SimulatorStats): Sample {
    const calls = callsBetween(this.#baseline ?? stats, stats);
    const table = readProcTable();
    const usage = (pid: number | undefined): ProcUsage | undefined =>
      pid === undefined ? undefined : treeUsage(table, pid);
    return {
      at: Date.now(),
      apiCalls: calls.apiCalls,
      digestChallenges: calls.digestChallenges,
      rateLimited429: calls.rateLimited429,
      jobsCreated: stats.jobsCreated - (this.#baseline?.jobsCreated ?? 0),
      worker: usage(this.#processes.worker),
      simulator: usage(this.#processes.simulator),
      devServer: usage(this.#processes.devServer),
      benchCpuSeconds: ownCpuSeconds(),
    };
  }
}
