/**
 * Entry point of `npm run bench`: measures how many restores one worker carries and what they cost Atlas, against
 * a plain polling loop. `--help` lists the flags. Starts (or reuses) a Temporal dev server, then the simulator and
 * the worker as their own processes, runs the workflow phase, stops them, runs the baseline on a fresh simulator
 * with the same job set, and writes the JSON report and the SVG chart. Exits 1 when not every workflow completed.
 */

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { Agent } from 'undici';
import { AtlasClient } from '../activities/atlas/atlas-client';
import { startLocalTemporal, type DevServer } from '../scripts/dev-server';
import { resolveTemporalBinary } from '../scripts/temporal-binary';
import { DEFAULT_SIMULATOR_PRIVATE_KEY, DEFAULT_SIMULATOR_PUBLIC_KEY } from '../simulator/seed';
import { BASELINE_INTERVAL_MS, runBaselinePhase } from './baseline-phase';
import {
  BenchUsageError,
  parseBenchOptions,
  rateLimitArgs,
  USAGE,
  workerEnvOf,
  type BenchOptions,
} from './bench-options';
import { killAllChildren, runToCompletion, startChild, type RunningChild } from './child-process';
import { drawJobSet, freshProjectId, jobDurationMs, seedFor, type BenchJob } from './job-set';
import { buildChart, buildReport, type MeasuredBaselinePhase, type MeasuredWorkflowPhase } from './report';
import { joinSimulatorJobs, percentile } from './restore-record';
import { Sampler, type SampledProcesses } from './sampler';
import { SimulatorAdmin } from './simulator-admin';
import { renderSvgChart } from './svg-chart';
import { runWorkflowPhase } from './workflow-phase';

const ROOT = resolve(__dirname, '..');
/** Variables of ours that must not leak from the caller's shell into the children. */
const OWN_VARIABLES = /^(ATLAS_|TEMPORAL_|WORKER_|WORKFLOW_BUNDLE_PATH$|PAYLOAD_ENCRYPTION_KEYS$|LOG_LEVEL$)/;
/** Connections the baseline's Atlas client may open: its loops queue for them instead of opening one per restore. */
const BASELINE_CONNECTIONS = 64;

const log = (line: string): void => console.log(line);
/** The dev server we started, so that an interrupted run does not leave it behind. */
let devServerPid: number | undefined;

async function main(): Promise<number> {
  const options = parseBenchOptions(process.argv.slice(2));
  if (options.help) {
    console.log(USAGE);
    return 0;
  }
  const stamp = new Date().toISOString().replace(/[:.]/g, '-');
  const jsonPath = resolve(options.json ?? join(ROOT, 'bench', 'results', `bench-${stamp}.json`));
  const chartPath = resolve(options.chart ?? `${jsonPath.replace(/\.json$/i, '')}.svg`);
  const workDir = join(ROOT, '.tmp', `bench-${stamp}`);
  mkdirSync(workDir, { recursive: true });
  mkdirSync(dirname(jsonPath), { recursive: true });
  mkdirSync(dirname(chartPath), { recursive: true });

  const projectId = freshProjectId(Date.now(), Math.random);
  const jobs = drawJobSet({
    restores: options.restores,
    family: options.family,
    tenantSeconds: options['tenant-seconds'],
    timeScale: options['time-scale'],
    seed: options.seed,
    projectId,
  });
  const seedPath = join(workDir, 'seed.json');
  writeFileSync(seedPath, JSON.stringify(seedFor(projectId, jobs)));
  const longestMs = Math.max(...jobs.map(jobDurationMs));
  const waitAfterStartsMs = longestMs + options['grace-seconds'] * 1000;
  log(
    `${jobs.length} restores (${options.family}) in project ${projectId}, simulated ` +
      `${describeDurations(jobs)}; logs and seed in ${relative(ROOT, workDir)}`
  );

  const childEnv = cleanEnv(process.env);
  const bundlePath = join(workDir, 'workflow-bundle.js');
  log('building the workflow bundle…');
  await runToCompletion({
    name: 'bundle build',
    cwd: ROOT,
    entry: 'worker/build-bundle.ts',
    args: [bundlePath],
    env: childEnv,
    logFile: join(workDir, 'bundle.log'),
  });

  let server: DevServer | undefined;
  const children: RunningChild[] = [];
  try {
    let address = options['temporal-address'];
    if (address === undefined) {
      server = await startLocalTemporal({ binary: resolveTemporalBinary(process.env, log) });
      address = server.address;
      devServerPid = server.pid();
      log(`Temporal dev server at ${address} (pid ${server.pid() ?? 'unknown'})`);
    } else {
      log(`reusing the Temporal server at ${address}`);
    }

    const simulatorArgs = ['--port', '0', '--seed', seedPath, '--admin', '--quiet', ...rateLimitArgs(options)];
    const simulator = await startSimulator(childEnv, simulatorArgs, join(workDir, 'simulator.log'));
    children.push(simulator);
    const taskQueue = `atlas-restore-bench-${projectId}`;
    const workerEnv = {
      ...childEnv,
      TEMPORAL_ADDRESS: address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      ATLAS_BASE_URL: simulator.ready,
      ATLAS_PUBLIC_KEY: DEFAULT_SIMULATOR_PUBLIC_KEY,
      ATLAS_PRIVATE_KEY: DEFAULT_SIMULATOR_PRIVATE_KEY,
      WORKFLOW_BUNDLE_PATH: bundlePath,
      // INFO: the worker announces that it polls (the ready line below) at INFO.
      LOG_LEVEL: 'INFO',
      ...workerEnvOf(options),
    };
    const worker = await startChild({
      name: 'worker',
      cwd: ROOT,
      entry: 'worker/main.ts',
      env: workerEnv,
      logFile: join(workDir, 'worker.log'),
      readyLine: /atlas-restore worker polling task queue/,
    });
    children.push(worker);
    let workerStopping = false;
    void worker.exited.then(({ code, signal }) => {
      if (!workerStopping)
        log(`the worker exited during the run (${code ?? signal}); see ${relative(ROOT, workDir)}/worker.log`);
    });
    log(`simulator at ${simulator.ready} (pid ${simulator.pid}), worker pid ${worker.pid} on task queue ${taskQueue}`);

    const pace = { ratePerSecond: options['start-rate'], concurrency: options['start-concurrency'] };
    const connection = await Connection.connect({ address });
    const admin = new SimulatorAdmin(simulator.ready);
    let workflow: MeasuredWorkflowPhase;
    try {
      const client = new Client({ connection });
      const sampler = new Sampler(admin, { worker: worker.pid, simulator: simulator.pid, devServer: server?.pid() });
      await sampler.start();
      log(`workflow phase: starting ${jobs.length} restores…`);
      const outcome = await runWorkflowPhase({
        client,
        taskQueue,
        projectId,
        jobs,
        pace,
        waitAfterStartsMs,
        polling: options.polling,
        historySample: options['history-sample'],
        seed: options.seed,
        log,
        describeLoad: loadLine(sampler, ['worker', 'simulator', 'devServer']),
      });
      const samples = await sampler.stop();
      joinSimulatorJobs(outcome.records, await admin.jobs());
      workflow = { outcome, samples };
    } finally {
      await admin.close();
      await connection.close();
    }
    const done = workflow.outcome.records.filter((r) => r.outcome === 'COMPLETED').length;
    log(`workflow phase done: ${done}/${jobs.length} completed`);
    workerStopping = true;
    await worker.stop();
    await simulator.stop();
    await server?.stop();
    server = undefined;
    devServerPid = undefined;

    let baseline: MeasuredBaselinePhase | undefined;
    if (!options['no-baseline']) {
      baseline = await runBaseline(options, jobs, projectId, workflow, waitAfterStartsMs, childEnv, workDir, seedPath);
    }

    const settings = {
      restores: options.restores,
      family: options.family,
      timeScale: options['time-scale'],
      tenantSeconds: options['tenant-seconds'],
      startRate: options['start-rate'] ?? null,
      startConcurrency: options['start-concurrency'],
      temporal: options['temporal-address'] ?? 'dev server started by the benchmark',
      workerEnv: workerEnvOf(options),
      rateLimits: options['no-rate-limit']
        ? 'off'
        : options['rate-limit'].length > 0
          ? options['rate-limit']
          : 'documented',
      graceSeconds: options['grace-seconds'],
      seed: options.seed,
      projectId,
      taskQueue,
      polling: options.polling ?? 'workflow defaults',
      baselineIntervalSeconds: BASELINE_INTERVAL_MS / 1000,
      note: 'time-scale shortens the simulated jobs only; poll intervals (workflow and baseline) stay in real seconds',
      startedAt: new Date(workflow.outcome.startsBeganAt).toISOString(),
      logs: relative(ROOT, workDir),
    };
    writeFileSync(
      join(workDir, 'records.json'),
      JSON.stringify({ jobs, workflow: workflow.outcome.records, baseline: baseline?.outcome.records ?? null })
    );
    const report = buildReport(jobs, workflow, baseline, settings, relative(process.cwd(), chartPath));
    writeFileSync(chartPath, renderSvgChart(buildChart(report, workflow, baseline)));
    writeFileSync(jsonPath, `${JSON.stringify(report, null, 2)}\n`);
    log(JSON.stringify(report, null, 2));
    log(`report: ${jsonPath}\nchart:  ${chartPath}`);
    return report.completed === report.restores ? 0 : 1;
  } finally {
    for (const child of children.reverse()) await child.stop();
    await server?.stop();
  }
}

async function runBaseline(
  options: BenchOptions,
  jobs: readonly BenchJob[],
  projectId: string,
  workflow: MeasuredWorkflowPhase,
  waitAfterStartsMs: number,
  childEnv: NodeJS.ProcessEnv,
  workDir: string,
  seedPath: string
): Promise<MeasuredBaselinePhase> {
  const args = ['--port', '0', '--seed', seedPath, '--admin', '--quiet', ...rateLimitArgs(options)];
  const simulator = await startSimulator(childEnv, args, join(workDir, 'simulator-baseline.log'));
  const dispatcher = new Agent({ connections: BASELINE_CONNECTIONS });
  const atlas = new AtlasClient({
    baseUrl: simulator.ready,
    credentials: { publicKey: DEFAULT_SIMULATOR_PUBLIC_KEY, privateKey: DEFAULT_SIMULATOR_PRIVATE_KEY },
    dispatcher,
  });
  const admin = new SimulatorAdmin(simulator.ready);
  try {
    const sampler = new Sampler(admin, { simulator: simulator.pid });
    await sampler.start();
    log(`baseline phase: the same ${jobs.length} restores, one loop each polling every 4 s…`);
    const began = workflow.outcome.startsBeganAt;
    const outcome = await runBaselinePhase({
      atlas,
      projectId,
      jobs,
      startOffsetsMs: workflow.outcome.records.map((r) =>
        r.startAt === undefined || r.outcome === 'NotStarted' ? undefined : r.startAt - began
      ),
      waitAfterStartsMs,
      log,
      describeLoad: loadLine(sampler, ['simulator']),
    });
    const samples = await sampler.stop();
    joinSimulatorJobs(outcome.records, await admin.jobs());
    log(`baseline done: ${outcome.records.filter((r) => r.outcome === 'COMPLETED').length}/${jobs.length} completed`);
    return { outcome, samples };
  } finally {
    await admin.close();
    await atlas.close();
    await dispatcher.close();
    await simulator.stop();
  }
}

async function startSimulator(env: NodeJS.ProcessEnv, args: string[], logFile: string): Promise<RunningChild> {
  return startChild({
    name: 'simulator',
    cwd: ROOT,
    entry: 'simulator/main.ts',
    args,
    env,
    logFile,
    readyLine: /Atlas simulator listening on (http:\/\/\S+)/,
  });
}

/** A progress fragment: API calls per second since the last line, and the processes' memory and CPU. */
function loadLine(sampler: Sampler, processes: readonly (keyof SampledProcesses)[]): () => string {
  let previous = sampler.latest();
  return () => {
    const latest = sampler.latest();
    if (latest === undefined) return 'no samples yet';
    const span = previous === undefined ? 0 : (latest.at - previous.at) / 1000;
    const rate = span > 0 && previous ? (latest.apiCalls - previous.apiCalls) / span : 0;
    const usage = processes
      .map((name) => {
        const u = latest[name];
        return u === undefined ? '' : `${name} ${u.rssMb.toFixed(0)} MB ${u.cpuSeconds.toFixed(1)} cpu-s`;
      })
      .filter((part) => part !== '');
    previous = latest;
    return `api ${rate.toFixed(1)}/s (total ${latest.apiCalls}, 429s ${latest.rateLimited429}); ${usage.join(', ')}`;
  };
}

function describeDurations(jobs: readonly BenchJob[]): string {
  const seconds = jobs.map((job) => jobDurationMs(job) / 1000);
  const at = (p: number): string => (percentile(seconds, p) ?? 0).toFixed(1);
  return `${at(0)} / ${at(50)} / ${at(100)} s (min / p50 / max)`;
}

function cleanEnv(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([name]) => !OWN_VARIABLES.test(name)));
}

function killEverything(): void {
  killAllChildren();
  if (devServerPid !== undefined) {
    try {
      process.kill(devServerPid, 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
}

process.once('exit', killEverything);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    killEverything();
    process.exit(130);
  });
}

main().then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(error instanceof BenchUsageError ? error.message : error);
    process.exit(error instanceof BenchUsageError ? 2 : 1);
  }
);
