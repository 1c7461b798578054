import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { parseRestoreRequest, restoreWorkflowId, type RestoreRequestInput } from '../contract/restore';
import { connectFromEnv } from './connection';
import { getRestore, InvalidRestoreRequestError, RestoreAlreadyRunningError, startRestore } from './restore-client';
import { formatRestoreTable, listRestores, RestoreListFilterSchema } from './restore-list';
import { formatOutcomeLine, formatStatusLine, watchRestore } from './watch-restore';

const USAGE = `Usage: atlas-restore <command> [options]

Commands:
  start   Start a restore (or attach to the identical one already running)
            --project-id ID --cluster NAME --snapshot-id ID|latest --target-cluster NAME
            [--target-project-id ID] [--family auto|tenant-v1|tenant-v2|flex]
            [--notify-workflow-id ID [--notify-run-id ID]] [--notify-webhook-url URL]
            [--deadline-seconds N] [--on-running attach|fail] [--request-key KEY] [--watch]
          or, for a download link instead of a restore:
            --download --project-id ID --cluster NAME --snapshot-id ID|latest [--watch]
            or --request FILE  (the workflow input as JSON; '-' reads stdin)
  status  Print a restore's live status        <workflow-id> | --target-project-id ID --target-cluster NAME
  watch   Follow a restore until it ends       <workflow-id> | --target-project-id ID --target-cluster NAME
          (exit 0 on COMPLETED, 1 otherwise)
  list    List restores, newest first          [--project-id ID] [--cluster NAME] [--status PHASE] [--limit N]
          (project and cluster match source or target; PHASE: VALIDATING, CREATING, POLLING, COMPLETED,
          FAILED, DEADLINE_EXCEEDED)

Options: --json (machine-readable output), --help
Environment: TEMPORAL_ADDRESS (localhost:7233), TEMPORAL_NAMESPACE (default), TEMPORAL_TASK_QUEUE (atlas-restore),
             TEMPORAL_API_KEY, TEMPORAL_TLS_CERT_PATH / TEMPORAL_TLS_KEY_PATH / TEMPORAL_TLS_CA_PATH,
             PAYLOAD_ENCRYPTION_KEYS (same as the worker's, when payloads are encrypted)

Exit codes: 0 success, 1 restore failed or not found, 2 bad usage or invalid request, 3 restore already running`;

/** Exit codes of the CLI, documented in its usage text. */
export const ExitCode = { OK: 0, FAILED: 1, USAGE: 2, ALREADY_RUNNING: 3 } as const;

class UsageError extends Error {}

const OPTIONS = {
  'project-id': { type: 'string' },
  cluster: { type: 'string' },
  'snapshot-id': { type: 'string' },
  'target-project-id': { type: 'string' },
  'target-cluster': { type: 'string' },
  'notify-workflow-id': { type: 'string' },
  'notify-run-id': { type: 'string' },
  'notify-webhook-url': { type: 'string' },
  'deadline-seconds': { type: 'string' },
  family: { type: 'string' },
  download: { type: 'boolean' },
  'on-running': { type: 'string' },
  'request-key': { type: 'string' },
  request: { type: 'string' },
  watch: { type: 'boolean' },
  status: { type: 'string' },
  limit: { type: 'string' },
  json: { type: 'boolean' },
  help: { type: 'boolean' },
} as const;

/** Runs the CLI with the given arguments and returns its exit code (the entry point exits with it). */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv, out: (line: string) => void): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    out(`${(err as Error).message}\n\n${USAGE}`);
    return ExitCode.USAGE;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values.help || command === undefined) {
    out(USAGE);
    return values.help ? ExitCode.OK : ExitCode.USAGE;
  }
  try {
    if (command === 'start') return await start(values, env, out);
    if (command === 'list') return await list(rest, values, env, out);
    if (command === 'status' || command === 'watch') {
      const workflowId = workflowIdFrom(rest, values);
      return command === 'status'
        ? await status(workflowId, values, env, out)
        : await watch(workflowId, values, env, out);
    }
    throw new UsageError(`Unknown command "${command}"`);
  } catch (err) {
    if (err instanceof UsageError) {
      out(`${err.message}\n\n${USAGE}`);
      return ExitCode.USAGE;
    }
    if (err instanceof InvalidRestoreRequestError) {
      out(values.json ? JSON.stringify({ error: 'InvalidRestoreRequest', message: err.message }) : err.message);
      return ExitCode.USAGE;
    }
    if (err instanceof RestoreAlreadyRunningError) {
      out(
        values.json
          ? JSON.stringify({ error: err.name, message: err.message, workflowId: err.workflowId })
          : err.message
      );
      return ExitCode.ALREADY_RUNNING;
    }
    throw err;
  }
}

type Values = ReturnType<typeof parseArgs<{ options: typeof OPTIONS; allowPositionals: true }>>['values'];

function requestFrom(values: Values): unknown {
  if (values.request !== undefined) {
    const text = values.request === '-' ? readFileSync(0, 'utf8') : readFileSync(values.request, 'utf8');
    try {
      return JSON.parse(text);
    } catch (err) {
      throw new InvalidRestoreRequestError(
        `Invalid restore request: ${values.request} is not JSON (${(err as Error).message})`
      );
    }
  }
  const request: Record<string, unknown> = {
    projectId: values['project-id'],
    clusterName: values.cluster,
    snapshotId: values['snapshot-id'],
    targetProjectId: values['target-project-id'],
    targetClusterName: values['target-cluster'],
  };
  if (values['notify-run-id'] !== undefined && values['notify-workflow-id'] === undefined) {
    throw new UsageError('--notify-run-id needs --notify-workflow-id');
  }
  if (values['notify-workflow-id'] !== undefined || values['notify-webhook-url'] !== undefined) {
    const notify = {
      workflowId: values['notify-workflow-id'],
      runId: values['notify-run-id'],
      webhookUrl: values['notify-webhook-url'],
    };
    request.notify = Object.fromEntries(Object.entries(notify).filter(([, v]) => v !== undefined));
  }
  if (values['deadline-seconds'] !== undefined) request.deadlineSeconds = Number(values['deadline-seconds']);
  if (values.family !== undefined) request.family = values.family;
  if (values.download) request.delivery = 'DOWNLOAD';
  // Leave unset flags out rather than sending undefined, so validation messages name only what is wrong.
  return Object.fromEntries(Object.entries(request).filter(([, v]) => v !== undefined));
}

async function start(values: Values, env: NodeJS.ProcessEnv, out: (line: string) => void): Promise<number> {
  const onRunning = values['on-running'] ?? 'attach';
  if (onRunning !== 'attach' && onRunning !== 'fail') throw new UsageError('--on-running must be attach or fail');
  const request = requestFrom(values);
  // Validate before connecting: a bad request is refused the same way whether or not Temporal is reachable.
  const parsed = parseRestoreRequest(request);
  if (!parsed.success) throw new InvalidRestoreRequestError(`Invalid restore request:\n${parsed.error}`);
  const ctx = await connectFromEnv(env);
  try {
    const started = await startRestore(ctx.client, request as RestoreRequestInput, {
      taskQueue: ctx.taskQueue,
      onRunning,
      requestKey: values['request-key'],
    });
    if (values.json) {
      out(JSON.stringify({ workflowId: started.workflowId, runId: started.runId, started: started.started }));
    } else {
      out(
        `${started.started ? 'Started' : 'Already running, attached to'} restore ${started.workflowId} (run ${started.runId})`
      );
    }
    return values.watch ? await follow(ctx.client, started.workflowId, values, out) : ExitCode.OK;
  } finally {
    await ctx.close();
  }
}

async function list(positionals: string[], values: Values, env: NodeJS.ProcessEnv, out: (line: string) => void) {
  if (positionals.length > 0) throw new UsageError('list takes no positional arguments');
  const limit = values.limit === undefined ? undefined : Number(values.limit);
  const filter = RestoreListFilterSchema.safeParse({
    projectId: values['project-id'],
    clusterName: values.cluster,
    status: values.status,
    limit,
  });
  if (!filter.success) throw new UsageError(`Invalid list filter:\n${z.prettifyError(filter.error)}`);
  const ctx = await connectFromEnv(env);
  try {
    const restores = await listRestores(ctx.client, filter.data);
    if (values.json) {
      out(JSON.stringify(restores));
    } else if (restores.length === 0) {
      out('No restores match.');
    } else {
      for (const line of formatRestoreTable(restores)) out(line);
    }
    return ExitCode.OK;
  } finally {
    await ctx.close();
  }
}

async function status(workflowId: string, values: Values, env: NodeJS.ProcessEnv, out: (line: string) => void) {
  const ctx = await connectFromEnv(env);
  try {
    const current = await getRestore(ctx.client, workflowId);
    out(values.json ? JSON.stringify(current) : formatStatusLine(current));
    return ExitCode.OK;
  } finally {
    await ctx.close();
  }
}

async function watch(workflowId: string, values: Values, env: NodeJS.ProcessEnv, out: (line: string) => void) {
  const ctx = await connectFromEnv(env);
  try {
    return await follow(ctx.client, workflowId, values, out);
  } finally {
    await ctx.close();
  }
}

async function follow(
  client: Parameters<typeof watchRestore>[0],
  workflowId: string,
  values: Values,
  out: (line: string) => void
): Promise<number> {
  const outcome = await watchRestore(client, workflowId, {
    onProgress: (s) => out(values.json ? JSON.stringify({ event: 'progress', status: s }) : formatStatusLine(s)),
  });
  if (!values.json && outcome.outcome === 'COMPLETED' && outcome.result.snapshotUrl) {
    out(`Snapshot download link (a secret, valid for a few hours): ${outcome.result.snapshotUrl}`);
  }
  out(values.json ? JSON.stringify({ event: 'finished', ...outcome }) : formatOutcomeLine(outcome));
  return outcome.outcome === 'COMPLETED' ? ExitCode.OK : ExitCode.FAILED;
}

function workflowIdFrom(positionals: string[], values: Values): string {
  if (positionals.length > 1) throw new UsageError('Give one workflow id');
  if (positionals[0] !== undefined) return positionals[0];
  const project = values['target-project-id'];
  const cluster = values['target-cluster'];
  if (project === undefined || cluster === undefined) {
    throw new UsageError('Give a workflow id, or --target-project-id and --target-cluster');
  }
  return restoreWorkflowId({ targetProjectId: project, targetClusterName: cluster });
}
