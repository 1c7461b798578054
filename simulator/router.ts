/**
 * The route table: each API family contributes a list of `{method, pattern, handle}` plus what the pipeline needs to
 * know around the handler (family, rate-limit set, whether it creates a job), and the router finds the one for a
 * request, answering 404 or 405 like Atlas when none fits. Keeping routes as data lets families slot in without
 * touching the request pipeline.
 */

import type { ApiFamily } from './api-families';
import { methodNotAllowed, resourceNotFound } from './atlas-errors';
import type { RateLimitSet } from './rate-limits';

/** A request body as the pipeline read it; handlers decide whether they need one. */
export type RequestBody = { kind: 'empty' } | { kind: 'json'; value: unknown } | { kind: 'invalid'; text: string };

/** What a handler receives: the authenticated request, already parsed. */
export interface RouteRequest {
  method: string;
  /** Path without query string. */
  path: string;
  /** Decoded path parameters named in the pattern (`{groupId}` → `params.groupId`). */
  params: Readonly<Record<string, string>>;
  query: URLSearchParams;
  body: RequestBody;
  /** The simulator clock, read once per request. */
  now: number;
  /** `http://host:port` as the client addressed the simulator, for absolute links. */
  origin: string;
}

/** A successful answer; errors are thrown as `SimulatedAtlasError`. */
export interface RouteResponse {
  status: number;
  body: unknown;
}

/** One endpoint. `pattern` is a path with `{name}` placeholders, each matching one path segment. */
export interface Route {
  method: string;
  pattern: string;
  /** Decides the media type negotiation and whether the tenant sunset switch applies. */
  family: ApiFamily;
  /** The endpoint set whose per-project token bucket the route draws from. */
  rateLimitSet: RateLimitSet;
  /** True for POSTs that create a job: the only answers an injected reset-after-commit can swallow. */
  createsJob: boolean;
  handle(request: RouteRequest): RouteResponse;
}

/** A route that fits a request, with its path parameters. */
export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

interface CompiledRoute {
  route: Route;
  /** Literal segment, or `{ param }` for a placeholder. */
  segments: (string | { param: string })[];
}

/** Matches request paths against a fixed table of routes, indexed by segment count so a lookup tries few. */
export class Router {
  private readonly routesBySegmentCount = new Map<number, CompiledRoute[]>();

  constructor(routes: readonly Route[]) {
    for (const route of routes) {
      const segments = route.pattern
        .split('/')
        .map((segment) => (/^\{\w+\}$/.test(segment) ? { param: segment.slice(1, -1) } : segment));
      const sameLength = this.routesBySegmentCount.get(segments.length) ?? [];
      sameLength.push({ route, segments });
      this.routesBySegmentCount.set(segments.length, sameLength);
    }
  }

  /** Finds the route for a request, or throws Atlas's 404 (unknown path) or 405 (known path, other method). */
  match(method: string, path: string): RouteMatch {
    const segments = path.split('/');
    const allowed: string[] = [];
    for (const compiled of this.routesBySegmentCount.get(segments.length) ?? []) {
      const params = matchSegments(compiled.segments, segments);
      if (params === undefined) continue;
      if (compiled.route.method === method) return { route: compiled.route, params };
      allowed.push(compiled.route.method);
    }
    if (allowed.length > 0) throw methodNotAllowed(method, allowed);
    throw resourceNotFound(path);
  }
}

function matchSegments(pattern: CompiledRoute['segments'], segments: string[]): Record<string, string> | undefined {
  const params: Record<string, string> = {};
  for (const [i, expected] of pattern.entries()) {
    const actual = segments[i] ?? '';
    if (typeof expected === 'string') {
      if (expected !== actual) return undefined;
    } else {
      const decoded = decodeSegment(actual);
      if (decoded === undefined) return undefined;
      params[expected.param] = decoded;
    }
  }
  return params;
}

function decodeSegment(segment: string): string | undefined {
  if (segment === '') return undefined;
  try {
    return decodeURIComponent(segment);
  } catch {
    return undefined;
  }
}
