import { readFileSync } from 'node:fs';
import { Client, Connection } from '@temporalio/client';
import { z } from 'zod';
import { dataConverterFor } from '../codec/payload-encryption';
import {
  EnvConfigError,
  TEMPORAL_SECRET_VARIABLES,
  TemporalEnvSchema,
  loadTls,
  readEnv,
  temporalSettings,
} from './temporal-settings';

/** A connected Temporal client plus the task queue restores go to. */
export interface RestoreClientContext {
  client: Client;
  taskQueue: string;
  close(): Promise<void>;
}

/** Connects a Temporal client from environment variables; for CLIs and scripts (entry points only). */
export async function connectFromEnv(env: NodeJS.ProcessEnv): Promise<RestoreClientContext> {
  const values = readEnv(env, TEMPORAL_SECRET_VARIABLES, (path) => readFileSync(path, 'utf8'));
  const parsed = TemporalEnvSchema.safeParse(values);
  if (!parsed.success)
    throw new EnvConfigError(`Invalid Temporal client environment:\n${z.prettifyError(parsed.error)}`);
  const settings = temporalSettings(parsed.data);
  const connection = await Connection.connect({
    address: settings.address,
    apiKey: settings.apiKey,
    tls: loadTls(settings.tls, (path) => readFileSync(path)),
  });
  return {
    client: new Client({
      connection,
      namespace: settings.namespace,
      dataConverter: dataConverterFor(parsed.data.PAYLOAD_ENCRYPTION_KEYS),
    }),
    taskQueue: settings.taskQueue,
    close: () => connection.close(),
  };
}
