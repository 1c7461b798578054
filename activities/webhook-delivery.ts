import { activityInfo, cancellationSignal, log } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { request, type Dispatcher } from 'undici';
import { parseWebhookSecret, signWebhook, type WebhookHeaders } from '../contract/webhook-signature';
import { parseRetryAfter } from './atlas/retry-after';
import { findErrorCode } from './atlas/transport-errors';
import { MAX_RETRY_AFTER_SECONDS } from './to-application-failure';

/**
 * Delivers a restore's outcome to an HTTPS endpoint outside Temporal, signed the Standard Webhooks way
 * (contract/webhook-signature.ts). One attempt per activity attempt: Temporal's retry policy is the retry schedule,
 * so a delivery survives worker restarts. The endpoint must be on the operator's allow-list: the URL comes from a
 * restore request, and a worker must not be made to post (signed) to wherever a request says.
 */

/** `ApplicationFailure.type` values a delivery attempt can fail with. */
export const WebhookFailureType = {
  /** No secret configured, or the URL is not allowed (origin not listed, plain http off loopback). Not retried. */
  NOT_ALLOWED: 'WebhookNotAllowed',
  /** The receiver answered 3xx or a 4xx other than 408 and 429: retrying the same request cannot help. */
  REJECTED: 'WebhookRejected',
  /** The receiver answered 408, 429 or 5xx. Retried, after `Retry-After` when a 429 or 503 carries one. */
  RECEIVER_UNAVAILABLE: 'WebhookReceiverUnavailable',
  /** No answer: connection failed, reset, or the timeout passed. Retried. */
  UNREACHABLE: 'WebhookUnreachable',
  /** The workflow passed a `deliveryId` that cannot be a `webhook-id` (dots, spaces). Not retried. */
  INVALID_DELIVERY: 'InvalidWebhookDelivery',
} as const;

/** The event type in every body this worker sends. */
export const RESTORE_FINISHED_EVENT = 'restore.finished';
/** Sent as `user-agent`, so receivers and their proxies can tell these requests apart. */
export const WEBHOOK_USER_AGENT = 'atlas-restore-webhook/1';
/** How long one attempt may take, headers and body, unless configured otherwise. */
export const DEFAULT_WEBHOOK_TIMEOUT_MS = 10_000;

/** What the webhook activity is built from (the worker reads these from its environment). */
export interface WebhookActivityDeps {
  /**
   * The `whsec_` signing secret (`WEBHOOK_SECRET`), or several separated by spaces while rotating keys: each attempt
   * then carries one signature per secret. Unset: every delivery fails with `WebhookNotAllowed`.
   */
  secret?: string;
  /** Origins (`https://hooks.example.com`, port included when not the default) deliveries may go to. */
  allowedOrigins: readonly string[];
  timeoutMs?: number;
  /** Connection pool; undici's global one when left out. */
  dispatcher?: Dispatcher;
}

/** Input of `deliverRestoreWebhook`. */
export interface WebhookDeliveryInput {
  url: string;
  /** The `webhook-id` of every attempt: receivers dedupe on it. No dots or spaces. */
  deliveryId: string;
  /** The event data (a RestoreFinishedNotification), already free of secrets. */
  payload: unknown;
}

/** Output of `deliverRestoreWebhook`: the receiver's 2xx status and the attempt that got it. */
export interface WebhookDeliveryOutcome {
  status: number;
  attempt: number;
}

/**
 * The worker's rule for webhook URLs: a secret must be configured, the URL must be https (plain http only to a
 * loopback host), carry no credentials, and have an origin on the allow-list. Returns the checker, which gives back
 * the URL's origin (the only part ever logged) or throws a non-retryable `WebhookNotAllowed`. The restore workflow's
 * validation uses it to refuse such a request up front; the activity checks again before every attempt.
 */
export function createWebhookPolicy(deps: Pick<WebhookActivityDeps, 'secret' | 'allowedOrigins'>) {
  const secrets = deps.secret === undefined ? [] : deps.secret.split(/\s+/).filter((s) => s !== '');
  secrets.forEach(parseWebhookSecret);
  const allowedOrigins = new Set(deps.allowedOrigins.map(normalizeOrigin));
  return {
    secrets,
    /** The allow-list as origins (`https://host[:port]`, no trailing slash), for the worker's configuration. */
    allowedOrigins: [...allowedOrigins],
    allowedOriginOf(url: string): string {
      if (secrets.length === 0) {
        throw notAllowed('Webhooks are disabled: set WEBHOOK_SECRET (or WEBHOOK_SECRET_FILE) on the worker');
      }
      let parsed: URL;
      try {
        parsed = new URL(url);
      } catch {
        throw notAllowed('The webhook URL is not a valid absolute URL');
      }
      if (parsed.username !== '' || parsed.password !== '') {
        throw notAllowed(`The webhook URL for ${parsed.origin} carries credentials; put them nowhere in the URL`);
      }
      if (parsed.protocol !== 'https:' && !(parsed.protocol === 'http:' && isLoopback(parsed.hostname))) {
        throw notAllowed(`The webhook URL must use https (plain http only to a loopback host), not ${parsed.origin}`);
      }
      if (!allowedOrigins.has(parsed.origin)) {
        throw notAllowed(`Webhook origin ${parsed.origin} is not listed in the worker's WEBHOOK_ALLOWED_ORIGINS`);
      }
      return parsed.origin;
    },
  };
}

/** The checker {@link createWebhookPolicy} builds. */
export type WebhookPolicy = ReturnType<typeof createWebhookPolicy>;

/**
 * Builds the webhook activity. Invalid configuration (a malformed secret or origin) throws here, at worker startup,
 * rather than failing every delivery later; a missing secret only disables deliveries.
 */
export function createWebhookActivities(deps: WebhookActivityDeps) {
  const { secrets, allowedOriginOf } = createWebhookPolicy(deps);
  const timeoutMs = deps.timeoutMs ?? DEFAULT_WEBHOOK_TIMEOUT_MS;

  return {
    /**
     * POSTs `{ type: "restore.finished", timestamp, data: payload }` to `url`, signed for this attempt. A 2xx ends the
     * delivery; everything else throws an ApplicationFailure saying whether a retry can help. Redirects are never
     * followed (the receiver should be configured with its final URL).
     */
    async deliverRestoreWebhook(input: WebhookDeliveryInput): Promise<WebhookDeliveryOutcome> {
      const origin = allowedOriginOf(input.url);
      const { attempt, scheduledTimestampMs } = activityInfo();
      const context = { deliveryId: input.deliveryId, origin, attempt };
      // The event time is when the delivery was first scheduled, so every attempt sends the same body.
      const body = JSON.stringify({
        type: RESTORE_FINISHED_EVENT,
        timestamp: new Date(scheduledTimestampMs).toISOString(),
        data: withoutSnapshotUrl(input.payload),
      });
      let signed: WebhookHeaders;
      try {
        signed = signWebhook({ secret: secrets, id: input.deliveryId, timestamp: new Date(), body });
      } catch (err) {
        throw ApplicationFailure.create({
          message: errorText(err),
          type: WebhookFailureType.INVALID_DELIVERY,
          nonRetryable: true,
        });
      }
      const timeout = AbortSignal.timeout(timeoutMs);
      let response: Dispatcher.ResponseData;
      try {
        response = await request(input.url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'user-agent': WEBHOOK_USER_AGENT, ...signed },
          body,
          dispatcher: deps.dispatcher,
          signal: AbortSignal.any([cancellationSignal(), timeout]),
        });
      } catch (err) {
        if (cancellationSignal().aborted) throw err;
        const reason = timeout.aborted ? `no answer within ${timeoutMs} ms` : (findErrorCode(err) ?? errorText(err));
        log.warn('Webhook attempt failed', { ...context, reason });
        throw ApplicationFailure.create({
          message: `Webhook delivery to ${origin} failed: ${reason}`,
          type: WebhookFailureType.UNREACHABLE,
          nonRetryable: false,
        });
      }
      const { statusCode: status, headers } = response;
      // Never read: the answer is not ours to keep. Dumping frees the connection.
      await response.body.dump().catch(() => undefined);
      if (status >= 200 && status < 300) {
        log.info('Webhook delivered', { ...context, status });
        return { status, attempt };
      }
      log.warn('Webhook attempt refused', { ...context, status });
      throw failureFor(status, origin, headers['retry-after']);
    },
  };
}

/** The activities {@link createWebhookActivities} builds; workflows import this type only. */
export type WebhookActivities = ReturnType<typeof createWebhookActivities>;

/** Maps a non-2xx answer to a failure: 408, 429 and 5xx are worth retrying, any other answer is final. */
function failureFor(status: number, origin: string, retryAfter: string | string[] | undefined): ApplicationFailure {
  const retryable = status === 408 || status === 429 || status >= 500;
  if (!retryable) {
    const hint = status >= 300 && status < 400 ? ' (redirects are not followed: configure the final URL)' : '';
    return ApplicationFailure.create({
      message: `Webhook receiver ${origin} rejected the delivery with HTTP ${status}${hint}`,
      type: WebhookFailureType.REJECTED,
      nonRetryable: true,
      details: [{ status }],
    });
  }
  const delaySeconds =
    (status === 429 || status === 503) && typeof retryAfter === 'string'
      ? parseRetryAfter(retryAfter, Date.now())
      : undefined;
  return ApplicationFailure.create({
    message: `Webhook receiver ${origin} answered HTTP ${status}; will retry`,
    type: WebhookFailureType.RECEIVER_UNAVAILABLE,
    nonRetryable: false,
    nextRetryDelay: delaySeconds === undefined ? undefined : Math.min(delaySeconds, MAX_RETRY_AFTER_SECONDS) * 1000,
    details: [{ status, retryAfterSeconds: delaySeconds ?? null }],
  });
}

function notAllowed(message: string): ApplicationFailure {
  return ApplicationFailure.create({ message, type: WebhookFailureType.NOT_ALLOWED, nonRetryable: true });
}

/** An allow-list entry as a URL origin; throws at startup for an entry that is not one. */
function normalizeOrigin(entry: string): string {
  let url: URL | undefined;
  try {
    url = new URL(entry);
  } catch {
    url = undefined;
  }
  if (
    url === undefined ||
    !/^https?:$/.test(url.protocol) ||
    (url.pathname !== '/' && url.pathname !== '') ||
    url.search
  ) {
    throw new Error(`WEBHOOK_ALLOWED_ORIGINS: "${entry}" is not an origin such as https://hooks.example.com`);
  }
  return url.origin;
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(?:\.\d{1,3}){3}$/.test(hostname);
}

/**
 * The payload without a DOWNLOAD link: the workflow strips it already, and this keeps the promise that links never
 * leave the worker even if a caller forgets.
 */
function withoutSnapshotUrl(payload: unknown): unknown {
  if (!isRecord(payload) || !isRecord(payload.result) || payload.result.snapshotUrl === undefined) return payload;
  return { ...payload, result: { ...payload.result, snapshotUrl: null } };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
