import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import type { LogLevel } from '@temporalio/common';

/**
 * The worker's log output. `json` (the default) writes one JSON object per line to stdout, the shape log pipelines
 * (Loki, CloudWatch, Datadog) index without parsing rules: `time`, `level`, `msg`, then the SDK's context
 * (`workflowId`, `runId`, `activityType`, `taskQueue`, …) and the restore's own fields (`jobId`, `targetClusterName`,
 * …). `text` is the SDK's human format on stderr. Nothing secret is ever passed to the logger, so nothing needs
 * scrubbing here.
 */

/** The two output formats. */
export type LogFormat = 'json' | 'text';

/** Builds the runtime logger for `Runtime.install`. */
export function createWorkerLogger(
  level: LogLevel,
  format: LogFormat,
  write: (line: string) => void = (line) => process.stdout.write(line)
): DefaultLogger {
  if (format === 'text') return new DefaultLogger(level);
  return new DefaultLogger(level, (entry) => write(`${formatJsonLogLine(entry)}\n`));
}

/** One log entry as a JSON line (no trailing newline). Errors keep name, message and stack; bigints become strings. */
export function formatJsonLogLine(entry: LogEntry): string {
  const time = new Date(Number(entry.timestampNanos / 1_000_000n)).toISOString();
  // The task token is a capability (it can complete the activity) and long noise: keep it out of log storage.
  const { sdkComponent, taskToken: _taskToken, ...meta } = entry.meta ?? {};
  return JSON.stringify(
    { time, level: entry.level, msg: entry.message, ...(sdkComponent ? { component: sdkComponent } : {}), ...meta },
    (_key, value: unknown) => {
      if (typeof value === 'bigint') return value.toString();
      if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
      return value;
    }
  );
}
