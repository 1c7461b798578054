import { z } from 'zod';
import { DEFAULT_TASK_QUEUE } from '../contract/restore';

/**
 * Worker configuration, read from the environment once at startup (t3-env style: empty strings count as unset,
 * and errors name the variable but never echo its value, since some hold secrets).
 */

const optionalText = z.string().min(1).optional();
const positiveInt = z.coerce.number().int().positive();
const booleanFlag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** Raw environment variables the worker reads, after the `_FILE` variants were resolved. */
export const WorkerEnvSchema = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUE),
  /** Temporal Cloud API key; turns TLS on. */
  TEMPORAL_API_KEY: optionalText,
  /** Force TLS (e.g. Temporal Cloud with mTLS, or a self-hosted server behind TLS). */
  TEMPORAL_TLS: booleanFlag.optional(),
  TEMPORAL_TLS_CERT_PATH: optionalText,
  TEMPORAL_TLS_KEY_PATH: optionalText,
  TEMPORAL_TLS_CA_PATH: optionalText,
  TEMPORAL_TLS_SERVER_NAME: optionalText,
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
  /** `id:base64key,…` (active key first): encrypt every payload this worker writes. */
  PAYLOAD_ENCRYPTION_KEYS: optionalText,
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
});

/** The worker's configuration. */
export interface WorkerConfig {
  temporal: {
    address: string;
    namespace: string;
    taskQueue: string;
    apiKey?: string;
    tls?: {
      serverNameOverride?: string;
      serverRootCACertificatePath?: string;
      clientCertPairPaths?: { crt: string; key: string };
    };
  };
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
}

/** Thrown when the environment does not describe a usable worker; the message lists every problem. */
export class WorkerConfigError extends Error {
  override readonly name = 'WorkerConfigError';
}

const SECRET_FILE_VARIABLES = [
  'ATLAS_PUBLIC_KEY',
  'ATLAS_PRIVATE_KEY',
  'ATLAS_CLIENT_ID',
  'ATLAS_CLIENT_SECRET',
  'TEMPORAL_API_KEY',
  'PAYLOAD_ENCRYPTION_KEYS',
] as const;

/**
 * Parses the worker's environment. `readFile` resolves `ATLAS_PRIVATE_KEY_FILE` and friends (Docker/Kubernetes
 * secrets), so credentials come from env or files only, never from workflow inputs.
 */
export function parseWorkerConfig(env: NodeJS.ProcessEnv, readFile: (path: string) => string): WorkerConfig {
  const values: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(env)) values[key] = value === '' ? undefined : value;
  for (const name of SECRET_FILE_VARIABLES) {
    const file = values[`${name}_FILE`];
    if (file === undefined) continue;
    if (values[name] !== undefined) throw new WorkerConfigError(`Set either ${name} or ${name}_FILE, not both`);
    try {
      values[name] = readFile(file).trim();
    } catch (err) {
      throw new WorkerConfigError(
        `${name}_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`
      );
    }
  }
  const parsed = WorkerEnvSchema.safeParse(values);
  if (!parsed.success) {
    throw new WorkerConfigError(`Invalid worker environment:\n${z.prettifyError(parsed.error)}`);
  }
  const e = parsed.data;
  assertSecureAtlasUrl(e.ATLAS_BASE_URL, e.ATLAS_ALLOW_INSECURE_HTTP);
  if ((e.TEMPORAL_TLS_CERT_PATH === undefined) !== (e.TEMPORAL_TLS_KEY_PATH === undefined)) {
    throw new WorkerConfigError('Set both TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH for mTLS, or neither');
  }
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
  const wantsTls =
    e.TEMPORAL_TLS ??
    (e.TEMPORAL_API_KEY !== undefined ||
      e.TEMPORAL_TLS_CERT_PATH !== undefined ||
      e.TEMPORAL_TLS_CA_PATH !== undefined);
  return {
    temporal: {
      address: e.TEMPORAL_ADDRESS,
      namespace: e.TEMPORAL_NAMESPACE,
      taskQueue: e.TEMPORAL_TASK_QUEUE,
      apiKey: e.TEMPORAL_API_KEY,
      tls: wantsTls
        ? {
            serverNameOverride: e.TEMPORAL_TLS_SERVER_NAME,
            serverRootCACertificatePath: e.TEMPORAL_TLS_CA_PATH,
            clientCertPairPaths:
              e.TEMPORAL_TLS_CERT_PATH && e.TEMPORAL_TLS_KEY_PATH
                ? { crt: e.TEMPORAL_TLS_CERT_PATH, key: e.TEMPORAL_TLS_KEY_PATH }
                : undefined,
          }
        : undefined,
    },
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
  };
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
