import {
  InvalidWebhookSecretError,
  WebhookVerificationError,
  parseWebhookSecret,
  signWebhook,
  verifyWebhook,
  type WebhookHeaders,
} from '../../contract/webhook-signature';

/**
 * The Standard Webhooks scheme, checked against the vector the spec's reference JavaScript library tests with
 * (standard-webhooks/standard-webhooks, libraries/javascript/src/webhook.test.ts, "sign function works").
 */
const SPEC = {
  secret: 'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  id: 'msg_p5jXN8AQM9LWM0D4loKWxJek',
  timestamp: new Date(1614265330 * 1000),
  body: '{"test": 2432232314}',
  signature: 'v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=',
};
/** Test keys only: 32 bytes each, base64. */
const OLD_SECRET = `whsec_${Buffer.alloc(32, 1).toString('base64')}`;
const NEW_SECRET = `whsec_${Buffer.alloc(32, 2).toString('base64')}`;
const NOW = new Date('2026-09-01T12:00:00Z');
const BODY = JSON.stringify({ type: 'restore.finished', timestamp: NOW.toISOString(), data: { outcome: 'COMPLETED' } });

function signed(overrides: { secret?: string | string[]; at?: Date; body?: string } = {}): WebhookHeaders {
  return signWebhook({
    secret: overrides.secret ?? NEW_SECRET,
    id: 'atlas-restore_delivery-1',
    timestamp: overrides.at ?? NOW,
    body: overrides.body ?? BODY,
  });
}

function verificationError(run: () => unknown): WebhookVerificationError {
  try {
    run();
  } catch (err) {
    expect(err).toBeInstanceOf(WebhookVerificationError);
    return err as WebhookVerificationError;
  }
  throw new Error('expected verification to fail');
}

describe('the published test vector', () => {
  test('signWebhook produces the reference signature and headers', () => {
    expect(signWebhook(SPEC)).toEqual({
      'webhook-id': SPEC.id,
      'webhook-timestamp': '1614265330',
      'webhook-signature': SPEC.signature,
    });
  });

  test('verifyWebhook accepts it at its own time and returns the id and timestamp', () => {
    const headers = { 'webhook-id': SPEC.id, 'webhook-timestamp': '1614265330', 'webhook-signature': SPEC.signature };
    expect(verifyWebhook({ secret: SPEC.secret, headers, body: SPEC.body, now: SPEC.timestamp })).toEqual({
      id: SPEC.id,
      timestamp: SPEC.timestamp,
    });
  });
});

describe('verifyWebhook accepts', () => {
  test.each([
    { name: 'a string body', body: BODY },
    { name: 'the same body as bytes', body: Buffer.from(BODY) },
  ])('$name', ({ body }) => {
    expect(verifyWebhook({ secret: NEW_SECRET, headers: signed(), body, now: NOW }).id).toBe(
      'atlas-restore_delivery-1'
    );
  });

  test.each([
    { name: 'Node req.headers (lowercase)', headers: (h: WebhookHeaders) => ({ ...h }) },
    {
      name: 'a plain object with other casing',
      headers: (h: WebhookHeaders) => ({
        'Webhook-Id': h['webhook-id'],
        'WEBHOOK-TIMESTAMP': h['webhook-timestamp'],
        'Webhook-Signature': h['webhook-signature'],
      }),
    },
    { name: 'a Fetch API Headers object', headers: (h: WebhookHeaders) => new Headers({ ...h }) },
  ])('headers as $name', ({ headers }) => {
    expect(() => verifyWebhook({ secret: NEW_SECRET, headers: headers(signed()), body: BODY, now: NOW })).not.toThrow();
  });

  test.each([
    { name: '299 s old', offsetSeconds: -299 },
    { name: '300 s old (the edge)', offsetSeconds: -300 },
    { name: '300 s ahead (clock skew)', offsetSeconds: 300 },
  ])('a timestamp $name', ({ offsetSeconds }) => {
    const headers = signed({ at: new Date(NOW.getTime() + offsetSeconds * 1000) });
    expect(() => verifyWebhook({ secret: NEW_SECRET, headers, body: BODY, now: NOW })).not.toThrow();
  });

  test('a signature list with other versions and garbage, one entry valid', () => {
    const valid = signed()['webhook-signature'];
    const headers = {
      ...signed(),
      'webhook-signature': `v1a,AAAA v2,${valid.slice(3)} v1,not-base64 ${valid} v1,`,
    };
    expect(() => verifyWebhook({ secret: NEW_SECRET, headers, body: BODY, now: NOW })).not.toThrow();
  });
});

describe('key rotation', () => {
  test('signing with two secrets sends two v1 signatures, one per key', () => {
    const both = signed({ secret: [NEW_SECRET, OLD_SECRET] })['webhook-signature'].split(' ');
    expect(both).toEqual([
      signed({ secret: NEW_SECRET })['webhook-signature'],
      signed({ secret: OLD_SECRET })['webhook-signature'],
    ]);
  });

  test.each([
    { receiverHas: 'the old secret only', secrets: [OLD_SECRET] },
    { receiverHas: 'the new secret only', secrets: [NEW_SECRET] },
    { receiverHas: 'both secrets', secrets: [OLD_SECRET, NEW_SECRET] },
  ])('a doubly signed request verifies for a receiver with $receiverHas', ({ secrets }) => {
    const headers = signed({ secret: [NEW_SECRET, OLD_SECRET] });
    expect(() => verifyWebhook({ secrets, headers, body: BODY, now: NOW })).not.toThrow();
  });

  test('a receiver holding both secrets accepts a request signed with either', () => {
    for (const secret of [OLD_SECRET, NEW_SECRET]) {
      const headers = signed({ secret });
      expect(() => verifyWebhook({ secrets: [NEW_SECRET, OLD_SECRET], headers, body: BODY, now: NOW })).not.toThrow();
    }
  });
});

describe('verifyWebhook rejects', () => {
  test.each([
    {
      name: 'a tampered body',
      reason: 'NO_MATCHING_SIGNATURE',
      input: () => ({ secret: NEW_SECRET, headers: signed(), body: BODY.replace('COMPLETED', 'FAILED') }),
    },
    {
      name: 'a body with one added space',
      reason: 'NO_MATCHING_SIGNATURE',
      input: () => ({ secret: NEW_SECRET, headers: signed(), body: `${BODY} ` }),
    },
    {
      name: 'the wrong secret',
      reason: 'NO_MATCHING_SIGNATURE',
      input: () => ({ secret: OLD_SECRET, headers: signed(), body: BODY }),
    },
    {
      name: 'another webhook-id under the same signature',
      reason: 'NO_MATCHING_SIGNATURE',
      input: () => ({
        secret: NEW_SECRET,
        headers: { ...signed(), 'webhook-id': 'atlas-restore_delivery-2' },
        body: BODY,
      }),
    },
    {
      name: 'a replay under a fresh timestamp',
      reason: 'NO_MATCHING_SIGNATURE',
      input: () => ({ secret: NEW_SECRET, headers: { ...signed(), 'webhook-timestamp': '1788264001' }, body: BODY }),
    },
    {
      name: 'a truncated signature',
      reason: 'NO_MATCHING_SIGNATURE',
      input: () => ({
        secret: NEW_SECRET,
        headers: { ...signed(), 'webhook-signature': signed()['webhook-signature'].slice(0, 20) },
        body: BODY,
      }),
    },
    {
      name: 'a signature header without v1 entries',
      reason: 'NO_MATCHING_SIGNATURE',
      input: () => ({
        secret: NEW_SECRET,
        headers: { ...signed(), 'webhook-signature': `v1a,${signed()['webhook-signature'].slice(3)}` },
        body: BODY,
      }),
    },
    {
      name: 'a timestamp 301 s old',
      reason: 'TIMESTAMP_TOO_OLD',
      input: () => ({ secret: NEW_SECRET, headers: signed({ at: new Date(NOW.getTime() - 301_000) }), body: BODY }),
    },
    {
      name: 'a timestamp a day old',
      reason: 'TIMESTAMP_TOO_OLD',
      input: () => ({ secret: NEW_SECRET, headers: signed({ at: new Date(NOW.getTime() - 86_400_000) }), body: BODY }),
    },
    {
      name: 'a timestamp 301 s ahead',
      reason: 'TIMESTAMP_TOO_NEW',
      input: () => ({ secret: NEW_SECRET, headers: signed({ at: new Date(NOW.getTime() + 301_000) }), body: BODY }),
    },
    {
      name: 'a non-numeric timestamp',
      reason: 'INVALID_HEADER',
      input: () => ({ secret: NEW_SECRET, headers: { ...signed(), 'webhook-timestamp': 'hello' }, body: BODY }),
    },
    {
      name: 'a fractional timestamp',
      reason: 'INVALID_HEADER',
      input: () => ({ secret: NEW_SECRET, headers: { ...signed(), 'webhook-timestamp': '1788264000.5' }, body: BODY }),
    },
    {
      name: 'a missing webhook-id',
      reason: 'MISSING_HEADER',
      input: () => ({ secret: NEW_SECRET, headers: { ...signed(), 'webhook-id': undefined }, body: BODY }),
    },
    {
      name: 'a missing webhook-timestamp',
      reason: 'MISSING_HEADER',
      input: () => ({ secret: NEW_SECRET, headers: { ...signed(), 'webhook-timestamp': undefined }, body: BODY }),
    },
    {
      name: 'an empty webhook-signature',
      reason: 'MISSING_HEADER',
      input: () => ({ secret: NEW_SECRET, headers: { ...signed(), 'webhook-signature': '' }, body: BODY }),
    },
    {
      name: 'a repeated header',
      reason: 'INVALID_HEADER',
      input: () => ({ secret: NEW_SECRET, headers: { ...signed(), 'webhook-id': ['a', 'b'] }, body: BODY }),
    },
  ] as const)('$name ($reason)', ({ reason, input }) => {
    const err = verificationError(() => verifyWebhook({ ...input(), now: NOW }));
    expect(err.reason).toBe(reason);
    expect(err.message).not.toContain(NEW_SECRET.slice(6));
    expect(err.message).not.toContain(OLD_SECRET.slice(6));
  });

  test('a tolerance of its own', () => {
    const headers = signed({ at: new Date(NOW.getTime() - 61_000) });
    expect(() =>
      verifyWebhook({ secret: NEW_SECRET, headers, body: BODY, now: NOW, toleranceSeconds: 120 })
    ).not.toThrow();
    const err = verificationError(() =>
      verifyWebhook({ secret: NEW_SECRET, headers, body: BODY, now: NOW, toleranceSeconds: 60 })
    );
    expect(err.message).toBe('webhook-timestamp is 61 s old; at most 60 s is accepted');
  });
});

describe('secrets', () => {
  test('parseWebhookSecret decodes the base64 after whsec_ into the HMAC key', () => {
    expect(parseWebhookSecret(OLD_SECRET)).toEqual(Buffer.alloc(32, 1));
  });

  test.each([
    { name: 'no whsec_ prefix', secret: Buffer.alloc(32, 7).toString('base64'), message: /must start with "whsec_"/ },
    { name: 'nothing after the prefix', secret: 'whsec_', message: /followed by standard base64/ },
    { name: 'base64url characters', secret: `whsec_${'-_'.repeat(16)}`, message: /followed by standard base64/ },
    {
      name: 'unpadded base64',
      secret: `whsec_${Buffer.alloc(32, 7).toString('base64').replace(/=+$/, '')}`,
      message: /followed by standard base64/,
    },
    {
      name: 'whitespace inside',
      secret: `whsec_${Buffer.alloc(24, 7).toString('base64').slice(0, 16)} ${Buffer.alloc(24, 7).toString('base64').slice(16)}`,
      message: /followed by standard base64/,
    },
    {
      name: 'a 16-byte key',
      secret: `whsec_${Buffer.alloc(16, 7).toString('base64')}`,
      message: /24 to 64 random bytes; this one encodes 16/,
    },
    {
      name: 'a 65-byte key',
      secret: `whsec_${Buffer.alloc(65, 7).toString('base64')}`,
      message: /24 to 64 random bytes; this one encodes 65/,
    },
  ])('a secret with $name is refused without being repeated', ({ secret, message }) => {
    let caught: unknown;
    try {
      parseWebhookSecret(secret);
    } catch (err) {
      caught = err;
    }
    expect(caught).toBeInstanceOf(InvalidWebhookSecretError);
    expect((caught as Error).message).toMatch(message);
    const encoded = secret.replace(/^whsec_/, '');
    if (encoded !== '') expect((caught as Error).message).not.toContain(encoded.slice(0, 12));
  });

  test('verifyWebhook refuses a malformed receiver secret before looking at the request', () => {
    expect(() => verifyWebhook({ secret: 'hunter2', headers: signed(), body: BODY, now: NOW })).toThrow(
      InvalidWebhookSecretError
    );
  });

  test.each(['has.dot', 'has space', '', 'tab\tid'])('signWebhook refuses the id %j', (id) => {
    expect(() => signWebhook({ secret: NEW_SECRET, id, timestamp: NOW, body: BODY })).toThrow(
      'A webhook id must be printable ASCII without spaces or dots'
    );
  });
});
