/**
 * An encoding tagged template for URL paths, after openai-node's `path` helper: every interpolated value is one
 * percent-encoded path segment, so an id can never add a segment, a query string or a fragment
 * (`path\`/groups/${groupId}/clusters/${clusterName}\``).
 */

declare const atlasPathBrand: unique symbol;

/** A URL path whose dynamic parts went through {@link path}. Only these reach `AtlasClient.request`. */
export type AtlasPath = string & { readonly [atlasPathBrand]: true };

/** Builds an {@link AtlasPath}; throws `TypeError` for a non-string, empty, `.` or `..` value. */
export function path(strings: TemplateStringsArray, ...values: unknown[]): AtlasPath {
  let out = strings[0] ?? '';
  values.forEach((value, index) => {
    if (typeof value !== 'string') {
      throw new TypeError(
        `path parameter ${index + 1} must be a string, got ${value === null ? 'null' : typeof value}`
      );
    }
    if (value === '' || value === '.' || value === '..') {
      throw new TypeError(`path parameter ${index + 1} must not be ${value === '' ? 'empty' : `"${value}"`}`);
    }
    out += encodeURIComponent(value) + (strings[index + 1] ?? '');
  });
  return out as AtlasPath;
}

/** Concatenates already-built paths (`joinPaths(clusterPath, path\`/restores/${id}\`)`). */
export function joinPaths(...parts: AtlasPath[]): AtlasPath {
  return parts.join('') as AtlasPath;
}
