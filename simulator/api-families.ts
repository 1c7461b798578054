/**
 * The three API families that reach a small cluster's backups, and how each negotiates its media type. v1.0 is
 * unversioned JSON; v2 resources are versioned by date in `Accept`, and Atlas serves the latest resource version at
 * or before the requested date (the spec's own samples ask for 2025-03-12 from 2023-01-01 resources).
 */

import { invalidVersionDate } from './atlas-errors';

/** The family a route belongs to (and a job was created through). */
export type ApiFamily = 'tenant-v1' | 'tenant-v2' | 'flex';

/** Resource version of each versioned family: tenant v2 from the 2023-01-01 spec, Flex from 2024-11-13. */
const RESOURCE_VERSION: Readonly<Record<ApiFamily, string | undefined>> = {
  'tenant-v1': undefined,
  'tenant-v2': '2023-01-01',
  flex: '2024-11-13',
};

const VERSIONED_MEDIA_TYPE = /^application\/vnd\.atlas\.(\d{4}-\d{2}-\d{2})\+json$/i;

/** True for the tenant families, which the sunset switch turns off; Flex is their replacement and stays. */
export function isTenantFamily(family: ApiFamily): boolean {
  return family !== 'flex';
}

/**
 * The `Content-Type` of a successful answer to a request with this `Accept`, as recorded from Atlas
 * (`application/vnd.atlas.2024-11-13+json;charset=utf-8`). Throws the 406 when a v2 request names no version, or
 * only one before the resource existed.
 */
export function successContentType(family: ApiFamily, accept: string | undefined): string {
  const resourceVersion = RESOURCE_VERSION[family];
  if (resourceVersion === undefined) return 'application/json';
  const requested = requestedVersion(accept);
  if (requested === undefined || requested < resourceVersion) throw invalidVersionDate();
  return `application/vnd.atlas.${resourceVersion}+json;charset=utf-8`;
}

/** The date of the first `application/vnd.atlas.<date>+json` in `Accept`, if it is a real calendar date. */
function requestedVersion(accept: string | undefined): string | undefined {
  for (const range of (accept ?? '').split(',')) {
    const match = VERSIONED_MEDIA_TYPE.exec(range.split(';')[0]?.trim() ?? '');
    if (match === null) continue;
    const date = match[1] as string;
    // Date.parse accepts 2023-02-30 by rolling over; a round trip refuses it.
    const parsed = new Date(`${date}T00:00:00Z`);
    return !Number.isNaN(parsed.getTime()) && parsed.toISOString().startsWith(date) ? date : undefined;
  }
  return undefined;
}
