import { ApplicationFailure } from '@temporalio/common';
import { AtlasFailureType } from '../contract/atlas-failures';
import { AtlasApiError, AtlasConnectionError, AtlasResponseValidationError } from './atlas/errors';

/** Longest server-requested delay we honour; beyond it Temporal's own backoff applies. */
export const MAX_RETRY_AFTER_SECONDS = 15 * 60;

/**
 * The one place Atlas errors become Temporal failures: which are worth retrying, after how long, and under which
 * type name. Pure, so every row of the decision table is a unit test. Retries themselves are Temporal's job.
 */
export function toApplicationFailure(err: unknown): Error {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof AtlasApiError) return fromApiError(err);
  if (err instanceof AtlasConnectionError) {
    return ApplicationFailure.create({
      message: err.message,
      type: AtlasFailureType.UNAVAILABLE,
      nonRetryable: false,
      details: [{ code: err.code ?? null, ambiguous: err.ambiguous, aborted: err.aborted }],
    });
  }
  if (err instanceof AtlasResponseValidationError) {
    return ApplicationFailure.create({
      message: err.message,
      type: AtlasFailureType.RESPONSE_INVALID,
      nonRetryable: true,
      details: [{ status: err.status }],
    });
  }
  return err instanceof Error ? err : new Error(String(err));
}

function fromApiError(err: AtlasApiError): ApplicationFailure {
  const { type, nonRetryable } = err.staleNonce
    ? { type: AtlasFailureType.STALE_NONCE, nonRetryable: false }
    : classifyStatus(err.status);
  const honoursRetryAfter = err.status === 429 || err.status === 503;
  const delaySeconds =
    honoursRetryAfter && err.retryAfterSeconds !== undefined
      ? Math.min(Math.max(err.retryAfterSeconds, 0), MAX_RETRY_AFTER_SECONDS)
      : undefined;
  return ApplicationFailure.create({
    message: err.message,
    type,
    nonRetryable,
    nextRetryDelay: delaySeconds === undefined || nonRetryable ? undefined : delaySeconds * 1000,
    details: [
      {
        status: err.status,
        errorCode: err.errorCode ?? null,
        detail: err.detail ?? null,
        parameters: err.parameters,
        retryAfterSeconds: err.retryAfterSeconds ?? null,
      },
    ],
  });
}

/** Maps an HTTP status to the failure type and whether retrying can help. */
export function classifyStatus(status: number): { type: AtlasFailureType; nonRetryable: boolean } {
  if (status === 401 || status === 403) return { type: AtlasFailureType.AUTH_FAILED, nonRetryable: true };
  if (status === 404) return { type: AtlasFailureType.NOT_FOUND, nonRetryable: true };
  if (status === 410) return { type: AtlasFailureType.ENDPOINT_GONE, nonRetryable: true };
  if (status === 409) return { type: AtlasFailureType.CONFLICT, nonRetryable: false };
  if (status === 429) return { type: AtlasFailureType.RATE_LIMITED, nonRetryable: false };
  if (status === 408 || status >= 500) return { type: AtlasFailureType.SERVER_ERROR, nonRetryable: false };
  return { type: AtlasFailureType.BAD_REQUEST, nonRetryable: true };
}
