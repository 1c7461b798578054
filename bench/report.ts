/**
 * Turns what the two phases recorded into the JSON report and the chart. Every figure is derived here, from the
 * simulator's, the workflows' and the processes' own numbers, so the report can be recomputed from the records.
 */

import type { BaselinePhaseOutcome } from './baseline-phase';
import { jobDurationMs, type BenchJob } from './job-set';
import { lagMs, percentile, round, type RestoreRecord } from './restore-record';
import type { Sample } from './sampler';
import type { ChartSpec } from './svg-chart';
import { buildPhaseSeries } from './time-series';
import type { HistoryFigures, WorkflowPhaseOutcome } from './workflow-phase';

/** The measured workflow phase with its samples. */
export interface MeasuredWorkflowPhase {
  outcome: WorkflowPhaseOutcome;
  samples: readonly Sample[];
}

/** The measured baseline phase with its samples. */
export interface MeasuredBaselinePhase {
  outcome: BaselinePhaseOutcome;
  samples: readonly Sample[];
}

/** The baseline's figures, comparable field by field with the workflow's. */
export interface BaselineFigures {
  restores: number;
  completed: number;
  apiCallsPerRestore: number | null;
  lagMsP50: number | null;
  lagMsP99: number | null;
  lagMsMax: number | null;
  digestChallenges: number;
  rateLimited429: number;
  wallSeconds: number | null;
}

/** The JSON report: the fields first, then what explains them. */
export interface BenchReport {
  restores: number;
  completed: number;
  wallSeconds: number | null;
  startsPerSecond: number | null;
  apiCallsPerRestore: number | null;
  lagMsP50: number | null;
  lagMsP99: number | null;
  historyEventsPerRestoreMax: number;
  workerRssMbMax: number | null;
  workerCpuSecondsPerRestore: number | null;
  rateLimited429: number;
  baseline: BaselineFigures | null;
  startToPostMsP50: number | null;
  startToPostMsP99: number | null;
  historyEventsPerRunMax: number;
  lagMsMax: number | null;
  digestChallenges: number;
  outcomes: Record<string, number>;
  pollsPerRestore: { mean: number | null; max: number | null };
  history: HistoryFigures;
  terminatedAtDeadline: number;
  /** Simulated restore durations (Atlas POST to final status), after the time scale. */
  simulatedSeconds: { min: number | null; p50: number | null; max: number | null };
  /** CPU seconds each process used during the workflow phase: where the machine's time went. */
  cpuSeconds: { worker: number | null; simulator: number | null; devServer: number | null; benchDriver: number | null };
  /** Peak RSS of the other processes during the workflow phase, MiB. */
  rssMbMax: { simulator: number | null; devServer: number | null };
  settings: Record<string, unknown>;
  chart: string;
}

/** Builds the report. `settings` is echoed as given. */
export function buildReport(
  jobs: readonly BenchJob[],
  workflow: MeasuredWorkflowPhase,
  baseline: MeasuredBaselinePhase | undefined,
  settings: Record<string, unknown>,
  chartPath: string
): BenchReport {
  const { records } = workflow.outcome;
  const n = jobs.length;
  const calls = totals(workflow.samples);
  const started = records.filter((r) => r.startAt !== undefined && r.outcome !== 'NotStarted').length;
  const startSpan = (workflow.outcome.startsEndedAt - workflow.outcome.startsBeganAt) / 1000;
  const outcomes: Record<string, number> = {};
  for (const record of records) outcomes[record.outcome] = (outcomes[record.outcome] ?? 0) + 1;
  const polls = records.map((r) => r.pollCount).filter((p): p is number => p !== undefined);
  const durations = jobs.map((job) => jobDurationMs(job) / 1000);
  const usage = cpuAndMemory(workflow.samples);
  return {
    restores: n,
    completed: outcomes.COMPLETED ?? 0,
    wallSeconds: wallSeconds(records, workflow.outcome.startsBeganAt),
    startsPerSecond: startSpan > 0 ? round(started / startSpan, 1) : null,
    apiCallsPerRestore: round(calls.apiCalls / n, 3),
    lagMsP50: round(percentile(records.map(lagMs), 50)),
    lagMsP99: round(percentile(records.map(lagMs), 99)),
    historyEventsPerRestoreMax: workflow.outcome.history.eventsPerRestoreMax,
    workerRssMbMax: usage.workerRssMbMax,
    workerCpuSecondsPerRestore: usage.workerCpu === null ? null : round(usage.workerCpu / n, 4),
    rateLimited429: calls.rateLimited429,
    baseline: baseline === undefined ? null : baselineFigures(baseline),
    startToPostMsP50: round(percentile(records.map(startToPostMs), 50)),
    startToPostMsP99: round(percentile(records.map(startToPostMs), 99)),
    historyEventsPerRunMax: workflow.outcome.history.eventsPerRunMax,
    lagMsMax: round(percentile(records.map(lagMs), 100)),
    digestChallenges: calls.digestChallenges,
    outcomes,
    pollsPerRestore: {
      mean: polls.length === 0 ? null : round(polls.reduce((a, b) => a + b, 0) / polls.length, 2),
      max: polls.length === 0 ? null : Math.max(...polls),
    },
    history: workflow.outcome.history,
    terminatedAtDeadline: workflow.outcome.terminated,
    simulatedSeconds: {
      min: round(percentile(durations, 0), 1),
      p50: round(percentile(durations, 50), 1),
      max: round(percentile(durations, 100), 1),
    },
    cpuSeconds: {
      worker: round(usage.workerCpu, 2),
      simulator: round(usage.simulatorCpu, 2),
      devServer: round(usage.devServerCpu, 2),
      benchDriver: round(usage.benchCpu, 2),
    },
    rssMbMax: { simulator: usage.simulatorRssMbMax, devServer: usage.devServerRssMbMax },
    settings,
    chart: chartPath,
  };
}

/** The chart: both phases on one time axis (seconds since each phase's first start), three panels. */
export function buildChart(
  report: BenchReport,
  workflow: MeasuredWorkflowPhase,
  baseline: MeasuredBaselinePhase | undefined
): ChartSpec {
  const wf = buildPhaseSeries(workflow.outcome.startsBeganAt, workflow.outcome.records, workflow.samples);
  const base = baseline && buildPhaseSeries(baseline.outcome.startsBeganAt, baseline.outcome.records, baseline.samples);
  const seconds = (values: readonly (number | null)[]): (number | null)[] =>
    values.map((v) => (v === null ? null : v / 1000));
  const settings = report.settings;
  return {
    title: `atlas-restore benchmark: ${report.restores} restores, ${report.completed} completed`,
    subtitle:
      `family ${String(settings.family)}, time scale ${String(settings.timeScale)}, simulated ` +
      `${report.simulatedSeconds.min}-${report.simulatedSeconds.max} s; workflow: ${report.apiCallsPerRestore} calls/restore, ` +
      `lag p50 ${report.lagMsP50} ms` +
      (report.baseline
        ? `; baseline (4 s loop): ${report.baseline.apiCallsPerRestore} calls/restore, lag p50 ${report.baseline.lagMsP50} ms`
        : ''),
    xLabel: 'seconds since the first start of the phase',
    panels: [
      {
        title: 'Restores in flight',
        yLabel: 'restores',
        series: [
          { label: 'workflows', color: '#1f77b4', values: wf.inFlight },
          { label: 'Atlas jobs running', color: '#7f7f7f', values: wf.atlasRunning, dashed: true },
          ...(base ? [{ label: 'baseline loops', color: '#ff7f0e', values: base.inFlight }] : []),
        ],
      },
      {
        title: 'Atlas API calls per second (authenticated, as the simulator served them)',
        yLabel: 'calls / s',
        series: [
          { label: 'workflows', color: '#1f77b4', values: wf.apiCallsPerSecond },
          { label: 'workflows: 429s', color: '#d62728', values: wf.rateLimitedPerSecond, dashed: true },
          ...(base ? [{ label: 'baseline', color: '#ff7f0e', values: base.apiCallsPerSecond }] : []),
          ...(base
            ? [{ label: 'baseline: 429s', color: '#9467bd', values: base.rateLimitedPerSecond, dashed: true }]
            : []),
        ],
      },
      {
        title: 'Lag of restores noticed in each second (noticed - Atlas final)',
        yLabel: 'lag (s)',
        series: [
          { label: 'workflows p50', color: '#1f77b4', values: seconds(wf.lagP50Ms), dots: true },
          { label: 'workflows max', color: '#aec7e8', values: seconds(wf.lagMaxMs), dots: true },
          ...(base ? [{ label: 'baseline p50', color: '#ff7f0e', values: seconds(base.lagP50Ms), dots: true }] : []),
        ],
      },
    ],
  };
}

function baselineFigures(baseline: MeasuredBaselinePhase): BaselineFigures {
  const { records } = baseline.outcome;
  const calls = totals(baseline.samples);
  return {
    restores: records.length,
    completed: records.filter((r) => r.outcome === 'COMPLETED').length,
    apiCallsPerRestore: round(calls.apiCalls / Math.max(1, records.length), 3),
    lagMsP50: round(percentile(records.map(lagMs), 50)),
    lagMsP99: round(percentile(records.map(lagMs), 99)),
    lagMsMax: round(percentile(records.map(lagMs), 100)),
    digestChallenges: calls.digestChallenges,
    rateLimited429: calls.rateLimited429,
    wallSeconds: wallSeconds(records, baseline.outcome.startsBeganAt),
  };
}

function totals(samples: readonly Sample[]): { apiCalls: number; digestChallenges: number; rateLimited429: number } {
  const last = samples.at(-1);
  return {
    apiCalls: last?.apiCalls ?? 0,
    digestChallenges: last?.digestChallenges ?? 0,
    rateLimited429: last?.rateLimited429 ?? 0,
  };
}

function startToPostMs(record: RestoreRecord): number | undefined {
  return record.startAt === undefined || record.postAt === undefined ? undefined : record.postAt - record.startAt;
}

function wallSeconds(records: readonly RestoreRecord[], began: number): number | null {
  const noticed = records.map((r) => r.noticedAt).filter((at): at is number => at !== undefined);
  return noticed.length === 0 ? null : round((Math.max(...noticed) - began) / 1000, 1);
}

function cpuAndMemory(samples: readonly Sample[]) {
  const first = samples[0];
  const last = samples.at(-1);
  const delta = (pick: (s: Sample) => number | undefined): number | null => {
    const a = first && pick(first);
    const b = last && pick(last);
    return a === undefined || b === undefined ? null : b - a;
  };
  const peak = (pick: (s: Sample) => number | undefined): number | null => {
    const values = samples.map(pick).filter((v): v is number => v !== undefined);
    return values.length === 0 ? null : round(Math.max(...values), 1);
  };
  return {
    workerCpu: delta((s) => s.worker?.cpuSeconds),
    simulatorCpu: delta((s) => s.simulator?.cpuSeconds),
    devServerCpu: delta((s) => s.devServer?.cpuSeconds),
    benchCpu: delta((s) => s.benchCpuSeconds),
    workerRssMbMax: peak((s) => s.worker?.rssMb),
    simulatorRssMbMax: peak((s) => s.simulator?.rssMb),
    devServerRssMbMax: peak((s) => s.devServer?.rssMb),
  };
}
