import { z } from 'zod';
import { createWebhookPolicy } from '../activities/webhook-delivery';
import { InvalidWebhookSecretError } from '../contract/webhook-signature';
import {
  EnvConfigError,
  TEMPORAL_SECRET_VARIABLES,
  TemporalEnvSchema,
  booleanFlag,
  optionalText,
  readEnv,
  temporalSettings,
  type TemporalSettings,
} from '../client/temporal-settings';

/**
 * Worker configuration, read from the environment once at startup (t3-env style: empty strings count as unset,
 * and errors name the variable but never echo its value, since some hold secrets).
 */

const positiveInt = z.coerce.number().int().positive();

/** Raw environment variables the worker reads, after the `_FILE` variants were resolved. */
export const WorkerEnvSchema = TemporalEnvSchema.extend({
  ATLAS_BASE_URL: z.url({ protocol: /^https?$/ }).default('https://cloud.mongodb.com'),
  /** Atlas API key (HTTP Digest). */
  ATLAS_PUBLIC_KEY: optionalText,
  ATLAS_PRIVATE_KEY: optionalText,
  /** Atlas Service Account (OAuth 2.0 client credentials), the credential MongoDB recommends. */
  ATLAS_CLIENT_ID: optionalText,
  ATLAS_CLIENT_SECRET: optionalText,
  /** Worker-wide cap on Atlas calls per second, shared by every worker on the task queue. */
  ATLAS_MAX_CALLS_PER_SECOND: z.coerce.number().positive().optional(),
  /** Return DOWNLOAD links even without payload encryption (they then sit in Temporal history in clear). */
  ALLOW_PLAINTEXT_SNAPSHOT_URLS: booleanFlag.default(false),
  /** Allow plain http to a non-loopback Atlas URL (never needed for real Atlas). */
  ATLAS_ALLOW_INSECURE_HTTP: booleanFlag.default(false),
  ATLAS_CONNECT_TIMEOUT_MS: positiveInt.default(10_000),
  ATLAS_HEADERS_TIMEOUT_MS: positiveInt.default(30_000),
  ATLAS_BODY_TIMEOUT_MS: positiveInt.default(30_000),
  /** Prebuilt workflow bundle (`npm run build`); the worker bundles at startup when unset. */
  WORKFLOW_BUNDLE_PATH: optionalText,
  WORKER_MAX_CONCURRENT_ACTIVITIES: positiveInt.optional(),
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: positiveInt.optional(),
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).optional(),
  LOG_LEVEL: z.enum(['TRACE', 'DEBUG', 'INFO', 'WARN', 'ERROR']).default('INFO'),
  /** `json` (one object per line on stdout, the default) or `text` (the SDK's human format on stderr). */
  LOG_FORMAT: z.enum(['json', 'text']).default('json'),
  /** `host:port` to serve Prometheus metrics on (`/metrics`); off when unset. */
  METRICS_BIND_ADDRESS: z
    .string()
    .regex(/^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9.-]+):\d{1,5}$/, { message: 'must be host:port, e.g. 0.0.0.0:9464' })
    .optional(),
  /** How this worker names itself to Temporal (shown in the UI's pending activities and histories). */
  WORKER_IDENTITY: optionalText,
  /** Add missing restore search attributes to the namespace at startup (self-hosted servers). */
  TEMPORAL_REGISTER_SEARCH_ATTRIBUTES: booleanFlag.default(false),
  /** Signing secret of restore webhooks (`whsec_…`, Standard Webhooks); webhooks are refused without it. */
  WEBHOOK_SECRET: optionalText,
  /** Comma-separated origins webhooks may be sent to, e.g. `https://ops.example.com,https://hooks.example.org`. */
  WEBHOOK_ALLOWED_ORIGINS: z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((item) => item.trim())
        .filter(Boolean)
    )
    .default([]),
});

/** The worker's configuration. */
export interface WorkerConfig {
  temporal: TemporalSettings;
  atlas: {
    baseUrl: string;
    credentials: { publicKey: string; privateKey: string } | { clientId: string; clientSecret: string };
    timeouts: { connectMs: number; headersMs: number; bodyMs: number };
    maxCallsPerSecond?: number;
    allowPlaintextSnapshotUrls: boolean;
  };
  /** The `PAYLOAD_ENCRYPTION_KEYS` value, parsed by the codec module. */
  payloadEncryptionKeys?: string;
  worker: {
    workflowBundlePath?: string;
    maxConcurrentActivityTaskExecutions?: number;
    maxConcurrentWorkflowTaskExecutions?: number;
    maxCachedWorkflows?: number;
  };
  logLevel: 'TRACE' | 'DEBUG' | 'INFO' | 'WARN' | 'ERROR';
  logFormat: 'json' | 'text';
  /** Prometheus endpoint; none when undefined. */
  metricsBindAddress?: string;
  /** Worker identity; the SDK's `pid@hostname` when undefined. */
  identity?: string;
  /** Whether to add missing search attributes at startup instead of refusing to start. */
  registerSearchAttributes: boolean;
  webhooks: {
    /** Signing secret; webhooks are refused when undefined. */
    secret?: string;
    /** Origins webhooks may go to. */
    allowedOrigins: string[];
  };
}

/** Thrown when the environment does not describe a usable worker; the message lists every problem. */
export class WorkerConfigError extends EnvConfigError {
  override readonly name = 'WorkerConfigError';
}

const SECRET_FILE_VARIABLES = [
  'ATLAS_PUBLIC_KEY',
  'ATLAS_PRIVATE_KEY',
  'ATLAS_CLIENT_ID',
  'ATLAS_CLIENT_SECRET',
  'WEBHOOK_SECRET',
  ...TEMPORAL_SECRET_VARIABLES,
] as const;

/**
 * Parses the worker's environment. `readFile` resolves `ATLAS_PRIVATE_KEY_FILE` and friends (Docker/Kubernetes
 * secrets), so credentials come from env or files only, never from workflow inputs.
 */
export function parseWorkerConfig(env: NodeJS.ProcessEnv, readFile: (path: string) => string): WorkerConfig {
  const values = asWorkerConfigError(() => readEnv(env, SECRET_FILE_VARIABLES, readFile));
  const parsed = WorkerEnvSchema.safeParse(values);
  if (!parsed.success) {
    throw new WorkerConfigError(`Invalid worker environment:\n${z.prettifyError(parsed.error)}`);
  }
  const e = parsed.data;
  assertSecureAtlasUrl(e.ATLAS_BASE_URL, e.ATLAS_ALLOW_INSECURE_HTTP);
  const temporal = asWorkerConfigError(() => temporalSettings(e));
  const webhooks = webhookSettings(e.WEBHOOK_SECRET, e.WEBHOOK_ALLOWED_ORIGINS);
  const digest = e.ATLAS_PUBLIC_KEY !== undefined || e.ATLAS_PRIVATE_KEY !== undefined;
  const serviceAccount = e.ATLAS_CLIENT_ID !== undefined || e.ATLAS_CLIENT_SECRET !== undefined;
  if (digest === serviceAccount) {
    throw new WorkerConfigError(
      digest
        ? 'Set either an API key (ATLAS_PUBLIC_KEY/ATLAS_PRIVATE_KEY) or a Service Account (ATLAS_CLIENT_ID/ATLAS_CLIENT_SECRET), not both'
        : 'Atlas credentials are required: ATLAS_PUBLIC_KEY and ATLAS_PRIVATE_KEY (API key), or ATLAS_CLIENT_ID and ATLAS_CLIENT_SECRET (Service Account); each also as …_FILE'
    );
  }
  const missing = digest
    ? (['ATLAS_PUBLIC_KEY', 'ATLAS_PRIVATE_KEY'] as const).filter((k) => e[k] === undefined)
    : (['ATLAS_CLIENT_ID', 'ATLAS_CLIENT_SECRET'] as const).filter((k) => e[k] === undefined);
  if (missing.length > 0)
    throw new WorkerConfigError(`${missing.join(' and ')} ${missing.length > 1 ? 'are' : 'is'} required`);
  return {
    temporal,
    atlas: {
      baseUrl: e.ATLAS_BASE_URL.replace(/\/+$/, ''),
      credentials: digest
        ? { publicKey: e.ATLAS_PUBLIC_KEY as string, privateKey: e.ATLAS_PRIVATE_KEY as string }
        : { clientId: e.ATLAS_CLIENT_ID as string, clientSecret: e.ATLAS_CLIENT_SECRET as string },
      timeouts: {
        connectMs: e.ATLAS_CONNECT_TIMEOUT_MS,
        headersMs: e.ATLAS_HEADERS_TIMEOUT_MS,
        bodyMs: e.ATLAS_BODY_TIMEOUT_MS,
      },
      maxCallsPerSecond: e.ATLAS_MAX_CALLS_PER_SECOND,
      allowPlaintextSnapshotUrls: e.ALLOW_PLAINTEXT_SNAPSHOT_URLS,
    },
    payloadEncryptionKeys: e.PAYLOAD_ENCRYPTION_KEYS,
    worker: {
      workflowBundlePath: e.WORKFLOW_BUNDLE_PATH,
      maxConcurrentActivityTaskExecutions: e.WORKER_MAX_CONCURRENT_ACTIVITIES,
      maxConcurrentWorkflowTaskExecutions: e.WORKER_MAX_CONCURRENT_WORKFLOW_TASKS,
      maxCachedWorkflows: e.WORKER_MAX_CACHED_WORKFLOWS,
    },
    logLevel: e.LOG_LEVEL,
    logFormat: e.LOG_FORMAT,
    metricsBindAddress: e.METRICS_BIND_ADDRESS,
    identity: e.WORKER_IDENTITY,
    registerSearchAttributes: e.TEMPORAL_REGISTER_SEARCH_ATTRIBUTES,
    webhooks,
  };
}

/** Reports a shared-helper problem as the worker's own configuration error, same message. */
function asWorkerConfigError<T>(read: () => T): T {
  try {
    return read();
  } catch (err) {
    if (err instanceof EnvConfigError) throw new WorkerConfigError(err.message);
    throw err;
  }
}

/**
 * The webhook settings, checked at startup by the same policy that guards every delivery: a malformed secret or an
 * allow-list entry that is not an http(s) origin is a configuration error; origins come back normalized.
 */
function webhookSettings(secret: string | undefined, origins: string[]): WorkerConfig['webhooks'] {
  try {
    return { secret, allowedOrigins: createWebhookPolicy({ secret, allowedOrigins: origins }).allowedOrigins };
  } catch (err) {
    const message = (err as Error).message;
    throw new WorkerConfigError(err instanceof InvalidWebhookSecretError ? `WEBHOOK_SECRET: ${message}` : message);
  }
}

const LOOPBACK_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);

/** Digest protects the key but not the data: plain http is for a local simulator only, unless explicitly allowed. */
export function assertSecureAtlasUrl(baseUrl: string, allowInsecure: boolean): void {
  const url = new URL(baseUrl);
  const loopback = LOOPBACK_HOSTS.has(url.hostname) || url.hostname.startsWith('127.');
  if (url.protocol === 'http:' && !loopback && !allowInsecure) {
    throw new WorkerConfigError(
      `ATLAS_BASE_URL uses plain http to ${url.hostname}; use https, or set ATLAS_ALLOW_INSECURE_HTTP=true if you really mean it`
    );
  }
}
