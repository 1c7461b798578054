import type { Dispatcher } from 'undici';
import type { AtlasRateLimit } from './errors';

/** Reading the response headers the client cares about. Pure, so the tables are unit-tested. */

/** Response headers as undici hands them over (names lower-cased). */
export type ResponseHeaders = Dispatcher.ResponseData['headers'];

/** One header as a string; repeated headers are joined as the RFC allows (`a, b`). */
export function header(headers: ResponseHeaders, name: string): string | undefined {
  const value = headers[name];
  return Array.isArray(value) ? value.join(', ') : value;
}

/**
 * True for the media types Atlas sends JSON as: `application/json` (v1.0 and every error) and
 * `application/vnd.atlas.<date>+json` (v2 successes, usually with `;charset=utf-8`). Case-insensitive, parameters
 * ignored.
 */
export function isJsonMediaType(contentType: string | undefined): boolean {
  if (contentType === undefined) return false;
  const essence = (contentType.split(';')[0] ?? '').trim().toLowerCase();
  return essence === 'application/json' || /^application\/vnd\.atlas\.[^/\s]+\+json$/.test(essence);
}

/** `RateLimit-Limit` / `RateLimit-Remaining` (any case), or `undefined` when neither is a non-negative integer. */
export function parseRateLimit(headers: ResponseHeaders): AtlasRateLimit | undefined {
  const limit = nonNegativeInt(header(headers, 'ratelimit-limit'));
  const remaining = nonNegativeInt(header(headers, 'ratelimit-remaining'));
  if (limit === undefined && remaining === undefined) return undefined;
  const out: AtlasRateLimit = {};
  if (limit !== undefined) out.limit = limit;
  if (remaining !== undefined) out.remaining = remaining;
  return out;
}

function nonNegativeInt(value: string | undefined): number | undefined {
  if (value === undefined || !/^\s*\d+\s*$/.test(value)) return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) ? n : undefined;
}
