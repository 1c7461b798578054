import { ApplicationFailure } from '@temporalio/common';
import { AtlasApiError, AtlasConnectionError, AtlasResponseValidationError } from '../../activities/atlas/errors';
import { MAX_RETRY_AFTER_SECONDS, toApplicationFailure } from '../../activities/to-application-failure';

function apiError(status: number, extra: Partial<ConstructorParameters<typeof AtlasApiError>[0]> = {}) {
  return new AtlasApiError({ status, method: 'GET', path: '/api/atlas/v1.0/groups/x', ...extra });
}

describe('toApplicationFailure', () => {
  test.each([
    { status: 400, type: 'AtlasBadRequest', nonRetryable: true },
    { status: 401, type: 'AtlasAuthFailed', nonRetryable: true },
    { status: 403, type: 'AtlasAuthFailed', nonRetryable: true },
    { status: 404, type: 'AtlasNotFound', nonRetryable: true },
    { status: 405, type: 'AtlasBadRequest', nonRetryable: true },
    { status: 408, type: 'AtlasServerError', nonRetryable: false },
    { status: 409, type: 'AtlasConflict', nonRetryable: false },
    { status: 410, type: 'AtlasEndpointGone', nonRetryable: true },
    { status: 422, type: 'AtlasBadRequest', nonRetryable: true },
    { status: 429, type: 'AtlasRateLimited', nonRetryable: false },
    { status: 500, type: 'AtlasServerError', nonRetryable: false },
    { status: 502, type: 'AtlasServerError', nonRetryable: false },
    { status: 503, type: 'AtlasServerError', nonRetryable: false },
    { status: 504, type: 'AtlasServerError', nonRetryable: false },
  ])('HTTP $status becomes $type (nonRetryable: $nonRetryable)', ({ status, type, nonRetryable }) => {
    const failure = toApplicationFailure(apiError(status, { errorCode: 'SOME_CODE', detail: 'why' }));
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type, nonRetryable });
    expect(failure.message).toContain('SOME_CODE');
    expect((failure as ApplicationFailure).details?.[0]).toMatchObject({
      status,
      errorCode: 'SOME_CODE',
      detail: 'why',
    });
  });

  test.each([
    { status: 429, retryAfterSeconds: 55, delayMs: 55_000 },
    { status: 503, retryAfterSeconds: 3, delayMs: 3_000 },
    { status: 429, retryAfterSeconds: 0, delayMs: 0 },
    { status: 429, retryAfterSeconds: 86_400, delayMs: MAX_RETRY_AFTER_SECONDS * 1000 },
    { status: 429, retryAfterSeconds: undefined, delayMs: undefined },
    { status: 500, retryAfterSeconds: 30, delayMs: undefined },
    { status: 404, retryAfterSeconds: 30, delayMs: undefined },
  ])(
    'HTTP $status with Retry-After $retryAfterSeconds s retries after $delayMs ms',
    ({ status, retryAfterSeconds, delayMs }) => {
      const failure = toApplicationFailure(apiError(status, { retryAfterSeconds })) as ApplicationFailure;
      expect(failure.nextRetryDelay).toBe(delayMs);
    }
  );

  test.each([
    { ambiguous: true, code: 'UND_ERR_HEADERS_TIMEOUT' },
    { ambiguous: false, code: 'ECONNREFUSED' },
  ])('connection errors ($code) are retryable AtlasUnavailable and say whether the request may have landed', (f) => {
    const failure = toApplicationFailure(
      new AtlasConnectionError({ method: 'POST', path: '/x', code: f.code, ambiguous: f.ambiguous, aborted: false })
    ) as ApplicationFailure;
    expect(failure).toMatchObject({ type: 'AtlasUnavailable', nonRetryable: false });
    expect(failure.details?.[0]).toEqual({ code: f.code, ambiguous: f.ambiguous, aborted: false });
  });

  test('a 401 whose challenge still says stale=true is retried: the key is right, only the nonce expired', () => {
    const failure = toApplicationFailure(apiError(401, { staleNonce: true }));
    expect(failure).toMatchObject({ type: 'AtlasStaleNonce', nonRetryable: false });
  });

  test('a body that breaks the documented shape is not retried', () => {
    const failure = toApplicationFailure(
      new AtlasResponseValidationError({ method: 'GET', path: '/x', status: 200, problem: 'id: required' })
    );
    expect(failure).toMatchObject({ type: 'AtlasResponseInvalid', nonRetryable: true });
  });

  test('ApplicationFailures pass through and other errors keep their identity', () => {
    const af = ApplicationFailure.nonRetryable('x', 'Mine');
    expect(toApplicationFailure(af)).toBe(af);
    const plain = new TypeError('bug');
    expect(toApplicationFailure(plain)).toBe(plain);
    expect(toApplicationFailure('text')).toEqual(new Error('text'));
  });
});
