import type { TLSConfig } from '@temporalio/client';
import { z } from 'zod';
import { DEFAULT_TASK_QUEUE } from '../contract/restore';

/**
 * How every process here (worker, client library, CLI) reads its Temporal connection from the environment, so they
 * all accept the same variables: empty strings count as unset, secrets may come from `NAME_FILE` (Docker and
 * Kubernetes secrets), and errors name a variable but never echo its value.
 */

/** A non-empty string, or unset. */
export const optionalText = z.string().min(1).optional();
/** `true`/`false`/`1`/`0`. */
export const booleanFlag = z.enum(['true', 'false', '1', '0']).transform((v) => v === 'true' || v === '1');

/** Temporal connection variables and the payload encryption keys the worker and its clients share. */
export const TemporalEnvSchema = z.object({
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
  /** `id:base64key,…` (active key first): encrypt every payload. */
  PAYLOAD_ENCRYPTION_KEYS: optionalText,
});
/** Parsed Temporal variables. */
export type TemporalEnv = z.infer<typeof TemporalEnvSchema>;

/** Secret variables of {@link TemporalEnvSchema} that may also be given as `NAME_FILE`. */
export const TEMPORAL_SECRET_VARIABLES = ['TEMPORAL_API_KEY', 'PAYLOAD_ENCRYPTION_KEYS'] as const;

/** Where the TLS material lives; read only when connecting. */
export interface TlsPaths {
  serverNameOverride?: string;
  serverRootCACertificatePath?: string;
  clientCertPairPaths?: { crt: string; key: string };
}

/** A Temporal connection as configured. */
export interface TemporalSettings {
  address: string;
  namespace: string;
  taskQueue: string;
  apiKey?: string;
  tls?: TlsPaths;
}

/** Thrown when the environment is unusable; the message names the variable, never its value. */
export class EnvConfigError extends Error {
  override readonly name: string = 'EnvConfigError';
}

/** The environment with empty strings unset and each `NAME_FILE` of `secretNames` read into `NAME`. */
export function readEnv(
  env: NodeJS.ProcessEnv,
  secretNames: readonly string[],
  readFile: (path: string) => string
): Record<string, string | undefined> {
  const values: Record<string, string | undefined> = {};
  for (const [key, value] of Object.entries(env)) values[key] = value === '' ? undefined : value;
  for (const name of secretNames) {
    const file = values[`${name}_FILE`];
    if (file === undefined) continue;
    if (values[name] !== undefined) throw new EnvConfigError(`Set either ${name} or ${name}_FILE, not both`);
    try {
      values[name] = readFile(file).trim();
    } catch (err) {
      throw new EnvConfigError(`${name}_FILE: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  }
  return values;
}

/** The connection the variables describe: TLS when asked for, or implied by an API key, a CA or a client cert. */
export function temporalSettings(e: TemporalEnv): TemporalSettings {
  if ((e.TEMPORAL_TLS_CERT_PATH === undefined) !== (e.TEMPORAL_TLS_KEY_PATH === undefined)) {
    throw new EnvConfigError('Set both TEMPORAL_TLS_CERT_PATH and TEMPORAL_TLS_KEY_PATH for mTLS, or neither');
  }
  const wantsTls =
    e.TEMPORAL_TLS ??
    (e.TEMPORAL_API_KEY !== undefined ||
      e.TEMPORAL_TLS_CERT_PATH !== undefined ||
      e.TEMPORAL_TLS_CA_PATH !== undefined);
  return {
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
  };
}

/** Reads the TLS material for `Connection.connect` / `NativeConnection.connect`. */
export function loadTls(tls: TlsPaths | undefined, readFile: (path: string) => Buffer): TLSConfig | undefined {
  if (!tls) return undefined;
  return {
    serverNameOverride: tls.serverNameOverride,
    serverRootCACertificate: tls.serverRootCACertificatePath ? readFile(tls.serverRootCACertificatePath) : undefined,
    clientCertPair: tls.clientCertPairPaths
      ? { crt: readFile(tls.clientCertPairPaths.crt), key: readFile(tls.clientCertPairPaths.key) }
      : undefined,
  };
}
