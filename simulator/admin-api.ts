/**
 * A test hook for out-of-process runs, served only with `admin: true` and only to loopback clients, without
 * authentication: `GET /__simulator/stats`, `GET /__simulator/jobs`, `GET` and `PUT /__simulator/faults`. Not part of
 * Atlas; a chaos or benchmark driver uses it to read totals and change faults mid-run.
 */

import { z } from 'zod';
import { FaultPlanSchema, type FaultPlan } from './faults';
import type { SimulatorStats } from './simulator-stats';
import type { SimulatedRestoreJob } from './simulator-state';
import type { RestoreJobStatus } from '../contract/atlas-ids';

/** Paths starting with this belong to the admin API. */
export const ADMIN_PATH_PREFIX = '/__simulator/';

/** What the admin API reads and changes. */
export interface AdminHooks {
  stats(): SimulatorStats;
  /** Every job, oldest first, with its status at the simulator clock. */
  jobs(): (SimulatedRestoreJob & { status: RestoreJobStatus })[];
  faults(): FaultPlan;
  setFaults(plan: FaultPlan): void;
}

/** An admin answer, always JSON. */
export interface AdminAnswer {
  status: number;
  body: unknown;
}

/** True for a peer address on this machine (IPv4 loopback, IPv6 loopback, or IPv4 loopback mapped into IPv6). */
export function isLoopback(address: string | undefined): boolean {
  return address !== undefined && (/^(::ffff:)?127\./.test(address) || address === '::1');
}

/** Answers one admin request; errors are `{error}` bodies, the PUT's 400 carrying zod's message. */
export function adminAnswer(method: string, path: string, body: string, hooks: AdminHooks): AdminAnswer {
  const resource = path.slice(ADMIN_PATH_PREFIX.length);
  const allowed = resource === 'faults' ? ['GET', 'PUT'] : ['GET'];
  if (!['stats', 'jobs', 'faults'].includes(resource))
    return { status: 404, body: { error: `No admin resource ${path}` } };
  if (!allowed.includes(method)) return { status: 405, body: { error: `Use ${allowed.join(' or ')} on ${path}` } };
  if (resource === 'stats') return { status: 200, body: hooks.stats() };
  if (resource === 'jobs') return { status: 200, body: { jobs: hooks.jobs() } };
  if (method === 'GET') return { status: 200, body: hooks.faults() };
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    return { status: 400, body: { error: `Body is not JSON: ${(error as Error).message}` } };
  }
  const plan = FaultPlanSchema.safeParse(json);
  if (!plan.success) return { status: 400, body: { error: z.prettifyError(plan.error) } };
  hooks.setFaults(plan.data);
  return { status: 200, body: plan.data };
}
