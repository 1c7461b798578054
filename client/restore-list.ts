import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { z } from 'zod';
import { ClusterNameSchema, ObjectIdSchema } from '../contract/atlas-ids';
import { RESTORE_WORKFLOW_TYPE, RestorePhaseSchema, type RestorePhase } from '../contract/restore';
import {
  AtlasApiFamily,
  AtlasClusterName,
  AtlasProjectId,
  AtlasRestoreJobId,
  AtlasTargetClusterName,
  AtlasTargetProjectId,
  RestoreStatusAttribute,
} from '../contract/search-attributes';
import { explainSearchAttributeError } from './search-attribute-errors';

/**
 * Finds restores through Temporal visibility (the restores' search attributes), for the CLI's `list` and for
 * services that want an overview without knowing workflow ids.
 */

/** Which restores to list. Every field is validated, so a filter can never inject into the visibility query. */
export const RestoreListFilterSchema = z.strictObject({
  /** Source or target project. */
  projectId: ObjectIdSchema.optional(),
  /** Source or target cluster. */
  clusterName: ClusterNameSchema.optional(),
  /** The restore's phase (the `RestoreStatus` search attribute). */
  status: RestorePhaseSchema.optional(),
  /** At most this many, newest first. */
  limit: z.number().int().min(1).max(1000).default(50),
});
/** Which restores to list, as a caller writes it. */
export type RestoreListFilter = z.input<typeof RestoreListFilterSchema>;

/** One restore as visibility knows it (search attributes are eventually consistent: a second or so behind). */
export interface RestoreSummary {
  workflowId: string;
  runId: string;
  /** Temporal's view: RUNNING, COMPLETED, FAILED, TERMINATED, CONTINUED_AS_NEW… */
  executionStatus: string;
  /** The restore's own phase, once published. */
  phase: RestorePhase | null;
  projectId: string | null;
  clusterName: string | null;
  targetProjectId: string | null;
  targetClusterName: string | null;
  jobId: string | null;
  family: string | null;
  startTime: string;
  closeTime: string | null;
}

/** The visibility query for a filter: restore workflows only, project and cluster matching source or target. */
export function restoreListQuery(filter: RestoreListFilter): string {
  const f = RestoreListFilterSchema.parse(filter);
  const clauses = [`WorkflowType = '${RESTORE_WORKFLOW_TYPE}'`];
  if (f.projectId !== undefined) {
    clauses.push(`(${AtlasProjectId.name} = '${f.projectId}' OR ${AtlasTargetProjectId.name} = '${f.projectId}')`);
  }
  if (f.clusterName !== undefined) {
    clauses.push(
      `(${AtlasClusterName.name} = '${f.clusterName}' OR ${AtlasTargetClusterName.name} = '${f.clusterName}')`
    );
  }
  if (f.status !== undefined) clauses.push(`${RestoreStatusAttribute.name} = '${f.status}'`);
  return clauses.join(' AND ');
}

/** Lists restores matching `filter`, newest first. Throws a `ZodError` for an invalid filter. */
export async function listRestores(client: Client, filter: RestoreListFilter = {}): Promise<RestoreSummary[]> {
  const { limit } = RestoreListFilterSchema.parse(filter);
  const summaries: RestoreSummary[] = [];
  try {
    for await (const execution of client.workflow.list({ query: restoreListQuery(filter), pageSize: limit })) {
      summaries.push(toSummary(execution));
      if (summaries.length >= limit) break;
    }
  } catch (err) {
    throw explainSearchAttributeError(err, client.options.namespace);
  }
  return summaries;
}

function toSummary(execution: WorkflowExecutionInfo): RestoreSummary {
  const attributes = execution.typedSearchAttributes;
  const phase = RestorePhaseSchema.safeParse(attributes.get(RestoreStatusAttribute));
  return {
    workflowId: execution.workflowId,
    runId: execution.runId,
    executionStatus: execution.status.name,
    phase: phase.success ? phase.data : null,
    projectId: attributes.get(AtlasProjectId) ?? null,
    clusterName: attributes.get(AtlasClusterName) ?? null,
    targetProjectId: attributes.get(AtlasTargetProjectId) ?? null,
    targetClusterName: attributes.get(AtlasTargetClusterName) ?? null,
    jobId: attributes.get(AtlasRestoreJobId) ?? null,
    family: attributes.get(AtlasApiFamily) ?? null,
    startTime: execution.startTime.toISOString(),
    closeTime: execution.closeTime?.toISOString() ?? null,
  };
}

/** Restores as an aligned text table for terminals: one header line, then one line per restore. */
export function formatRestoreTable(restores: readonly RestoreSummary[]): string[] {
  const rows = restores.map((r) => [
    r.phase ?? r.executionStatus,
    r.targetClusterName === null
      ? `download ${r.projectId ?? '?'}/${r.clusterName ?? '?'}`
      : `${r.projectId ?? '?'}/${r.clusterName ?? '?'} -> ${r.targetProjectId ?? '?'}/${r.targetClusterName}`,
    r.jobId ?? '-',
    r.family ?? '-',
    r.startTime,
    r.workflowId,
  ]);
  const header = ['STATUS', 'SOURCE -> TARGET', 'JOB', 'FAMILY', 'STARTED', 'WORKFLOW ID'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  return [header, ...rows].map((row) =>
    row
      .map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i]!)))
      .join('  ')
      .trimEnd()
  );
}
