/**
 * `Retry-After` (RFC 9110 §10.2.3): either delta-seconds (`"55"`) or an HTTP-date
 * (`"Wed, 21 Oct 2015 07:28:00 GMT"`). Atlas sends it with 429 and 503 answers. The client only reports it; the
 * Temporal retry policy decides what to do with it.
 */

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const M = MONTHS.join('|');

/** The three HTTP-date forms of RFC 9110 §5.6.7; groups: day, month, year, hour, minute, second. */
const IMF_FIXDATE = new RegExp(
  `^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun), (\\d{2}) (${M}) (\\d{4}) (\\d{2}):(\\d{2}):(\\d{2}) GMT$`
);
const RFC850_DATE = new RegExp(
  `^(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday), (\\d{2})-(${M})-(\\d{2}) (\\d{2}):(\\d{2}):(\\d{2}) GMT$`
);
/** asctime has month first and year last; groups: month, day, hour, minute, second, year. */
const ASCTIME_DATE = new RegExp(
  `^(?:Mon|Tue|Wed|Thu|Fri|Sat|Sun) (${M}) ([ \\d]\\d) (\\d{2}):(\\d{2}):(\\d{2}) (\\d{4})$`
);

/** Parses an HTTP-date to epoch milliseconds, or `undefined`. Stricter than `Date.parse`, which accepts `"2"`. */
function parseHttpDate(value: string): number | undefined {
  let parts: { year: number; month: string; day: string; time: string[] } | undefined;
  let m: RegExpExecArray | null;
  if ((m = IMF_FIXDATE.exec(value))) {
    parts = { day: m[1] ?? '', month: m[2] ?? '', year: Number(m[3]), time: [m[4] ?? '', m[5] ?? '', m[6] ?? ''] };
  } else if ((m = RFC850_DATE.exec(value))) {
    // Two-digit years: RFC 9110 says to pick the most recent matching century; 1950-2049 is close enough.
    const yy = Number(m[3]);
    parts = {
      day: m[1] ?? '',
      month: m[2] ?? '',
      year: yy < 50 ? 2000 + yy : 1900 + yy,
      time: [m[4] ?? '', m[5] ?? '', m[6] ?? ''],
    };
  } else if ((m = ASCTIME_DATE.exec(value))) {
    parts = { month: m[1] ?? '', day: m[2] ?? '', year: Number(m[6]), time: [m[3] ?? '', m[4] ?? '', m[5] ?? ''] };
  }
  if (parts === undefined) return undefined;
  const day = Number(parts.day.trim());
  const [hh, mm, ss] = parts.time.map(Number) as [number, number, number];
  if (hh > 23 || mm > 59 || ss > 60) return undefined;
  const ms = Date.UTC(parts.year, MONTHS.indexOf(parts.month), day, hh, mm, ss);
  // Reject impossible dates ("31 Feb") that Date.UTC would silently roll over.
  return new Date(ms).getUTCDate() === day ? ms : undefined;
}

/**
 * Returns how many seconds to wait, or `undefined` for a missing, negative or unparseable value. An HTTP-date in the
 * past yields 0; a fractional wait (from a date) is rounded up to whole seconds.
 */
export function parseRetryAfter(value: string | undefined, nowMs: number): number | undefined {
  if (value === undefined) return undefined;
  const trimmed = value.trim();
  if (trimmed === '') return undefined;
  if (/^\d+$/.test(trimmed)) {
    const seconds = Number(trimmed);
    return Number.isSafeInteger(seconds) ? seconds : undefined;
  }
  const at = parseHttpDate(trimmed);
  if (at === undefined) return undefined;
  return Math.max(0, Math.ceil((at - nowMs) / 1000));
}
