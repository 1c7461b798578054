/**
 * The custom search attributes every restore carries, so operators find restores in the Temporal UI and with
 * `atlas-restore list` by project, cluster, job and status. Zod-free: the workflow upserts them. The namespace must
 * have them registered (all Keyword): `temporal operator search-attribute create --name … --type Keyword` on a
 * self-hosted server, `tcld namespace search-attributes add` on Temporal Cloud; the dev servers started here
 * register them, and the worker checks (or, when told, registers) them at startup.
 */
import {
  SearchAttributeType,
  defineSearchAttributeKey,
  type SearchAttributePair,
  type SearchAttributeUpdatePair,
  type TypedSearchAttributes,
} from '@temporalio/common';
import type { RestorePhase, RestoreStatus, RestoreTarget } from './restore';

/** Project of the source cluster. */
export const AtlasProjectId = defineSearchAttributeKey('AtlasProjectId', SearchAttributeType.KEYWORD);
/** Source cluster. */
export const AtlasClusterName = defineSearchAttributeKey('AtlasClusterName', SearchAttributeType.KEYWORD);
/** Project of the target cluster (unset for a download). */
export const AtlasTargetProjectId = defineSearchAttributeKey('AtlasTargetProjectId', SearchAttributeType.KEYWORD);
/** Cluster the snapshot is restored onto (unset for a download). */
export const AtlasTargetClusterName = defineSearchAttributeKey('AtlasTargetClusterName', SearchAttributeType.KEYWORD);
/** Atlas restore job id, once created or adopted. */
export const AtlasRestoreJobId = defineSearchAttributeKey('AtlasRestoreJobId', SearchAttributeType.KEYWORD);
/** API family in use (`tenant-v1`, `tenant-v2`, `flex`), once known. */
export const AtlasApiFamily = defineSearchAttributeKey('AtlasApiFamily', SearchAttributeType.KEYWORD);
/** The restore's phase: VALIDATING, CREATING, POLLING, COMPLETED, FAILED or DEADLINE_EXCEEDED. */
export const RestoreStatusAttribute = defineSearchAttributeKey('RestoreStatus', SearchAttributeType.KEYWORD);

/** Every custom search attribute a restore uses, for registration and the worker's startup check. */
export const RESTORE_SEARCH_ATTRIBUTES = [
  AtlasProjectId,
  AtlasClusterName,
  AtlasTargetProjectId,
  AtlasTargetClusterName,
  AtlasRestoreJobId,
  AtlasApiFamily,
  RestoreStatusAttribute,
] as const;

/** The `temporal` CLI command that registers the restore search attributes named (all of them by default). */
export function searchAttributeRegistrationCommand(
  namespace: string,
  names: readonly string[] = RESTORE_SEARCH_ATTRIBUTES.map((k) => k.name)
): string {
  return (
    `temporal operator search-attribute create --namespace ${namespace} ` +
    names.map((n) => `--name ${n} --type Keyword`).join(' ')
  );
}

/** `temporal server start-dev` flags that register {@link RESTORE_SEARCH_ATTRIBUTES}. */
export function devServerSearchAttributeFlags(): string[] {
  return RESTORE_SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=Keyword`]);
}

/** The attributes a restore is started with (client side), so `list` finds it before its first workflow task. */
export function startSearchAttributes(target: RestoreTarget, phase: RestorePhase): SearchAttributePair[] {
  return identityAttributes(target, phase).flatMap(({ key, value }) => (value === null ? [] : [{ key, value }]));
}

/** The attributes that differ between what a restore last published and its status now (empty when none). */
export function searchAttributeChanges(
  current: TypedSearchAttributes,
  status: RestoreStatus
): SearchAttributeUpdatePair[] {
  const wanted = [
    ...identityAttributes(status.target, status.phase),
    { key: AtlasRestoreJobId, value: status.jobId },
    { key: AtlasApiFamily, value: status.family },
  ];
  return wanted.filter((pair) => (current.get(pair.key) ?? null) !== pair.value);
}

function identityAttributes(target: RestoreTarget, phase: RestorePhase) {
  return [
    { key: AtlasProjectId, value: target.projectId },
    { key: AtlasClusterName, value: target.clusterName },
    { key: AtlasTargetProjectId, value: target.targetProjectId },
    { key: AtlasTargetClusterName, value: target.targetClusterName },
    { key: RestoreStatusAttribute, value: phase },
  ];
}
