import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { z } from 'zod';
import { dataConverterFor } from '../codec/payload-encryption';
import { DEFAULT_TASK_QUEUE } from '../contract/restore';

/** Temporal settings a client process reads from its environment (the same variables as the worker). */
export const ClientEnvSchema = z.object({
  TEMPORAL_ADDRESS: z.string().min(1).default('localhost:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default(DEFAULT_TASK_QUEUE),
  TEMPORAL_API_KEY: z.string().min(1).optional(),
  TEMPORAL_TLS_CERT_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_KEY_PATH: z.string().min(1).optional(),
  TEMPORAL_TLS_CA_PATH: z.string().min(1).optional(),
  /** The same `id:base64key,…` list the worker uses, when payloads are encrypted. */
  PAYLOAD_ENCRYPTION_KEYS: z.string().min(1).optional(),
  PAYLOAD_ENCRYPTION_KEYS_FILE: z.string().min(1).optional(),
});
/** Temporal settings of a client process. */
export type ClientEnv = z.infer<typeof ClientEnvSchema>;

/** A connected Temporal client plus the task queue restores go to. */
export interface RestoreClientContext {
  client: Client;
  taskQueue: string;
  close(): Promise<void>;
}

/** Connects a Temporal client from environment variables; for CLIs and scripts (entry points only). */
export async function connectFromEnv(env: NodeJS.ProcessEnv): Promise<RestoreClientContext> {
  const cleaned = Object.fromEntries(Object.entries(env).map(([k, v]) => [k, v === '' ? undefined : v]));
  const parsed = ClientEnvSchema.safeParse(cleaned);
  if (!parsed.success) throw new Error(`Invalid Temporal client environment:\n${z.prettifyError(parsed.error)}`);
  const e = parsed.data;
  const mtls = e.TEMPORAL_TLS_CERT_PATH && e.TEMPORAL_TLS_KEY_PATH;
  const connection = await Connection.connect({
    address: e.TEMPORAL_ADDRESS,
    apiKey: e.TEMPORAL_API_KEY,
    tls:
      e.TEMPORAL_API_KEY || mtls || e.TEMPORAL_TLS_CA_PATH
        ? {
            serverRootCACertificate: e.TEMPORAL_TLS_CA_PATH ? readFileSync(e.TEMPORAL_TLS_CA_PATH) : undefined,
            clientCertPair: mtls
              ? { crt: readFileSync(e.TEMPORAL_TLS_CERT_PATH!), key: readFileSync(e.TEMPORAL_TLS_KEY_PATH!) }
              : undefined,
          }
        : undefined,
  });
  const keys =
    e.PAYLOAD_ENCRYPTION_KEYS ??
    (e.PAYLOAD_ENCRYPTION_KEYS_FILE ? readFileSync(e.PAYLOAD_ENCRYPTION_KEYS_FILE, 'utf8').trim() : undefined);
  return {
    client: new Client({ connection, namespace: e.TEMPORAL_NAMESPACE, dataConverter: dataConverterFor(keys) }),
    taskQueue: e.TEMPORAL_TASK_QUEUE,
    close: () => connection.close(),
  };
}
