/**
 * Atlas list pages: `pageNum` / `itemsPerPage` / `includeCount` in, `{links, results, totalCount}` out, with the
 * `self` and `next` links in the exact query order Atlas CLI recordings show (they differ from each other).
 */

import { invalidAttribute } from './atlas-errors';

/** Which page of a list the client asked for. */
export interface PageRequest {
  pageNum: number;
  itemsPerPage: number;
  includeCount: boolean;
}

const MAX_ITEMS_PER_PAGE = 500;

/** Reads the list query parameters with Atlas's defaults (1, 100, true); out-of-range values get 400. */
export function readPageRequest(query: URLSearchParams): PageRequest {
  return {
    pageNum: readInteger(query, 'pageNum', 1, 1, Number.MAX_SAFE_INTEGER),
    itemsPerPage: readInteger(query, 'itemsPerPage', 100, 1, MAX_ITEMS_PER_PAGE),
    includeCount: readBoolean(query, 'includeCount', true),
  };
}

/**
 * Reads a boolean query flag the way Atlas's Java stack does (`Boolean.parseBoolean`): `true` in any case is true,
 * any other value is false, and an absent flag takes its default.
 */
export function readBoolean(query: URLSearchParams, name: string, defaultValue: boolean): boolean {
  const value = query.get(name);
  return value === null ? defaultValue : value.toLowerCase() === 'true';
}

function readInteger(query: URLSearchParams, name: string, defaultValue: number, min: number, max: number): number {
  const value = query.get(name);
  if (value === null) return defaultValue;
  const parsed = /^\d{1,15}$/.test(value) ? Number(value) : Number.NaN;
  if (!(parsed >= min && parsed <= max)) throw invalidAttribute(name);
  return parsed;
}

/**
 * Builds one page of `items` without copying the list, so paging through 10,000 jobs stays cheap.
 * `newestFirst` reads `items` (kept oldest first) from the end, as Atlas lists restore jobs.
 */
export function listPage<T>(
  items: readonly T[],
  page: PageRequest,
  options: { newestFirst: boolean; selfUrl: string; view: (item: T) => unknown }
): Record<string, unknown> {
  const total = items.length;
  const start = (page.pageNum - 1) * page.itemsPerPage;
  const end = Math.min(start + page.itemsPerPage, total);
  const results: unknown[] = [];
  for (let i = start; i < end; i += 1) {
    results.push(options.view(items[options.newestFirst ? total - 1 - i : i] as T));
  }
  const { includeCount, itemsPerPage, pageNum } = page;
  const links = [
    {
      href: `${options.selfUrl}?includeCount=${includeCount}&pageNum=${pageNum}&itemsPerPage=${itemsPerPage}`,
      rel: 'self',
    },
  ];
  if (end < total) {
    const href = `${options.selfUrl}?includeCount=${includeCount}&itemsPerPage=${itemsPerPage}&pageNum=${pageNum + 1}`;
    links.push({ href, rel: 'next' });
  }
  return { links, results, totalCount: includeCount ? total : undefined };
}
