/**
 * How Atlas puts values on the wire, so simulator answers are byte-for-byte what a client would see from Atlas:
 * dates at seconds precision, compact JSON by default, and Jackson's pretty printer for `?pretty=true`.
 */

/** Formats epoch milliseconds the way Atlas prints every date: ISO-8601 UTC at seconds precision (`2019-05-29T09:10:27Z`). */
export function formatAtlasDate(epochMs: number): string {
  return new Date(Math.floor(epochMs / 1000) * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/**
 * Serializes like Jackson's `DefaultPrettyPrinter`, which Atlas uses for `?pretty=true` and for the 401 challenge body:
 * two-space indentation per object level, `"key" : value`, and arrays kept on one line (`[ "a", "b" ]`,
 * an object inside an array opening right after `[ `). Clients only need valid JSON, but matching the real
 * bytes keeps Content-Length and logs identical to recordings.
 */
export function toPrettyJson(value: unknown): string {
  return prettyValue(value, 0);
}

function prettyValue(value: unknown, depth: number): string {
  if (Array.isArray(value)) {
    if (value.length === 0) return '[ ]';
    return `[ ${value.map((item: unknown) => prettyValue(item, depth)).join(', ')} ]`;
  }
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value).filter(([, field]) => field !== undefined);
    if (entries.length === 0) return '{ }';
    const inner = '  '.repeat(depth + 1);
    const fields = entries.map(([key, field]) => `${inner}${JSON.stringify(key)} : ${prettyValue(field, depth + 1)}`);
    return `{\n${fields.join(',\n')}\n${'  '.repeat(depth)}}`;
  }
  return JSON.stringify(value) ?? 'null';
}
