/**
 * Signing and verifying webhooks the Standard Webhooks way (https://www.standardwebhooks.com, spec v1.0.0,
 * "Verifying webhook authenticity"), so a receiver can use any Standard Webhooks library, or this module:
 *
 * - headers `webhook-id` (the same on every attempt: receivers dedupe on it), `webhook-timestamp` (unix seconds of
 *   the attempt, fresh on every attempt: receivers refuse stale ones, which stops replays) and `webhook-signature`;
 * - the signature is `v1,` + base64 HMAC-SHA256 over `${id}.${timestamp}.${body}` with the secret's key; the header is
 *   a space-separated list, so during a key rotation a request carries one signature per key and either key verifies;
 * - secrets are written `whsec_` + base64 of 24 to 64 random bytes.
 *
 * No zod and no other dependency, so receivers get it with nothing else. Unlike the rest of `contract/` it needs a
 * Node built-in, so workflow code must not import it: the worker signs in an activity.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

/** Prefix of a serialized secret, so it is recognisable in config and secret scanners. */
export const WEBHOOK_SECRET_PREFIX = 'whsec_';
/** How far `webhook-timestamp` may be from the receiver's clock, either way, by default (the spec's 5 minutes). */
export const DEFAULT_WEBHOOK_TOLERANCE_SECONDS = 5 * 60;

/** The spec's bounds on the key: at least 192 bits, at most 512. */
const MIN_KEY_BYTES = 24;
const MAX_KEY_BYTES = 64;
const SIGNATURE_VERSION = 'v1';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** The three headers of a signed webhook (a type, not an interface, so it passes as a header record). */
export type WebhookHeaders = {
  'webhook-id': string;
  'webhook-timestamp': string;
  'webhook-signature': string;
};

/**
 * Thrown by {@link parseWebhookSecret} for a malformed secret. The message says what is wrong and never repeats the
 * value, so it is safe in logs and startup errors.
 */
export class InvalidWebhookSecretError extends Error {
  override readonly name = 'InvalidWebhookSecretError';
}

/** Why a webhook failed verification; receivers answer all of them with 4xx, and may log the reason. */
export type WebhookVerificationReason =
  'MISSING_HEADER' | 'INVALID_HEADER' | 'TIMESTAMP_TOO_OLD' | 'TIMESTAMP_TOO_NEW' | 'NO_MATCHING_SIGNATURE';

/** Thrown by {@link verifyWebhook} when a request is not a fresh webhook signed with one of the receiver's secrets. */
export class WebhookVerificationError extends Error {
  override readonly name = 'WebhookVerificationError';
  constructor(
    readonly reason: WebhookVerificationReason,
    message: string
  ) {
    super(message);
  }
}

/**
 * Decodes a `whsec_<base64>` secret into its HMAC key, or throws {@link InvalidWebhookSecretError}. Strict (canonical
 * base64, the spec's key size), so a truncated or mangled secret fails at startup instead of signing with a weak key.
 */
export function parseWebhookSecret(secret: string): Buffer {
  if (!secret.startsWith(WEBHOOK_SECRET_PREFIX)) {
    throw new InvalidWebhookSecretError(`A webhook secret must start with "${WEBHOOK_SECRET_PREFIX}"`);
  }
  const encoded = secret.slice(WEBHOOK_SECRET_PREFIX.length);
  if (encoded === '' || !BASE64.test(encoded)) {
    throw new InvalidWebhookSecretError(
      `A webhook secret must be "${WEBHOOK_SECRET_PREFIX}" followed by standard base64 (A-Z a-z 0-9 + /, padded with =)`
    );
  }
  const key = Buffer.from(encoded, 'base64');
  if (key.length < MIN_KEY_BYTES || key.length > MAX_KEY_BYTES) {
    throw new InvalidWebhookSecretError(
      `A webhook secret must encode ${MIN_KEY_BYTES} to ${MAX_KEY_BYTES} random bytes; this one encodes ${key.length}`
    );
  }
  return key;
}

/** What {@link signWebhook} signs. */
export interface SignWebhookInput {
  /** One `whsec_` secret, or several while rotating keys (one signature each). */
  secret: string | readonly string[];
  /** The message id: the same on every attempt of one delivery. */
  id: string;
  /** When this attempt is sent. */
  timestamp: Date;
  /** The exact bytes sent as the request body. */
  body: string | Uint8Array;
}

/**
 * Signs one attempt of a webhook and returns its three headers. The id may not contain `.` or whitespace: the signed
 * content is dot-delimited, and a dot in the id would let one (id, timestamp, body) pass for another.
 */
export function signWebhook(input: SignWebhookInput): WebhookHeaders {
  if (!/^[\x21-\x7e]+$/.test(input.id) || input.id.includes('.')) {
    throw new TypeError('A webhook id must be printable ASCII without spaces or dots');
  }
  const secrets = typeof input.secret === 'string' ? [input.secret] : input.secret;
  if (secrets.length === 0) throw new InvalidWebhookSecretError('At least one webhook secret is needed to sign');
  const timestamp = String(Math.floor(input.timestamp.getTime() / 1000));
  const signatures = secrets.map(
    (secret) => `${SIGNATURE_VERSION},${hmac(parseWebhookSecret(secret), input.id, timestamp, input.body)}`
  );
  return { 'webhook-id': input.id, 'webhook-timestamp': timestamp, 'webhook-signature': signatures.join(' ') };
}

/** Request headers as Node (`req.headers`), the Fetch API (`Headers`) or a plain object give them. */
export type IncomingWebhookHeaders = Headers | Readonly<Record<string, string | readonly string[] | undefined>>;

/** What {@link verifyWebhook} checks. */
export type VerifyWebhookInput = ({ secret: string } | { secrets: readonly string[] }) & {
  headers: IncomingWebhookHeaders;
  /** The raw request body, exactly as received: parse the JSON only after verifying. */
  body: string | Uint8Array;
  /** Largest accepted distance between `webhook-timestamp` and `now`; default 300 s. */
  toleranceSeconds?: number;
  /** The receiver's clock; default the current time. */
  now?: Date;
};

/** A verified webhook's id and attempt time. */
export interface VerifiedWebhook {
  /** Process each id once: retries of one delivery carry the same id. */
  id: string;
  timestamp: Date;
}

/**
 * Checks that a request is a webhook signed with one of `secret(s)` and sent within the tolerance, and returns its id
 * and time; throws {@link WebhookVerificationError} otherwise. Signatures of other versions (e.g. `v1a`) are skipped;
 * comparisons are constant-time.
 */
export function verifyWebhook(input: VerifyWebhookInput): VerifiedWebhook {
  const keys = ('secrets' in input ? input.secrets : [input.secret]).map(parseWebhookSecret);
  if (keys.length === 0) throw new InvalidWebhookSecretError('At least one webhook secret is needed to verify');
  const id = header(input.headers, 'webhook-id');
  const timestamp = header(input.headers, 'webhook-timestamp');
  const signatures = header(input.headers, 'webhook-signature');
  if (!/^\d{1,15}$/.test(timestamp)) {
    throw new WebhookVerificationError('INVALID_HEADER', 'webhook-timestamp is not an integer number of seconds');
  }
  const sentAt = Number(timestamp);
  const nowSeconds = Math.floor((input.now ?? new Date()).getTime() / 1000);
  const tolerance = input.toleranceSeconds ?? DEFAULT_WEBHOOK_TOLERANCE_SECONDS;
  if (nowSeconds - sentAt > tolerance) {
    throw new WebhookVerificationError(
      'TIMESTAMP_TOO_OLD',
      `webhook-timestamp is ${nowSeconds - sentAt} s old; at most ${tolerance} s is accepted`
    );
  }
  if (sentAt - nowSeconds > tolerance) {
    throw new WebhookVerificationError(
      'TIMESTAMP_TOO_NEW',
      `webhook-timestamp is ${sentAt - nowSeconds} s in the future; at most ${tolerance} s is accepted`
    );
  }
  const offered = signatures
    .split(' ')
    .filter((entry) => entry.startsWith(`${SIGNATURE_VERSION},`))
    .map((entry) => Buffer.from(entry.slice(SIGNATURE_VERSION.length + 1)));
  const matches = keys.some((key) => {
    const expected = Buffer.from(hmac(key, id, timestamp, input.body));
    return offered.some((sig) => sig.length === expected.length && timingSafeEqual(sig, expected));
  });
  if (!matches) {
    throw new WebhookVerificationError(
      'NO_MATCHING_SIGNATURE',
      offered.length === 0
        ? `webhook-signature has no ${SIGNATURE_VERSION} signature`
        : `No ${SIGNATURE_VERSION} signature in webhook-signature matches the body with any configured secret`
    );
  }
  return { id, timestamp: new Date(sentAt * 1000) };
}

function hmac(key: Buffer, id: string, timestamp: string, body: string | Uint8Array): string {
  return createHmac('sha256', key).update(`${id}.${timestamp}.`).update(body).digest('base64');
}

/** A required header's single value; names are case-insensitive. */
function header(headers: IncomingWebhookHeaders, name: keyof WebhookHeaders): string {
  let value: string | readonly string[] | null | undefined;
  if (headers instanceof Headers) {
    value = headers.get(name);
  } else {
    const record = headers as Readonly<Record<string, string | readonly string[] | undefined>>;
    const key = Object.keys(record).find((k) => k.toLowerCase() === name);
    value = key === undefined ? undefined : record[key];
  }
  if (Array.isArray(value)) throw new WebhookVerificationError('INVALID_HEADER', `${name} appears more than once`);
  if (typeof value !== 'string' || value === '') {
    throw new WebhookVerificationError('MISSING_HEADER', `The ${name} header is missing`);
  }
  return value;
}
