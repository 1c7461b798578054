import { parseWorkerConfig, WorkerConfigError } from '../../worker/config';

const base = { ATLAS_PUBLIC_KEY: 'abcdefgh', ATLAS_PRIVATE_KEY: 'e6f4b2d0-5a1c-4c9e-9f3e-1b2a3c4d5e6f' };
const noFiles = (path: string): string => {
  throw Object.assign(new Error(`ENOENT ${path}`), { code: 'ENOENT' });
};

describe('parseWorkerConfig', () => {
  test('defaults point at a local Temporal and real Atlas', () => {
    const config = parseWorkerConfig(base, noFiles);
    expect(config.temporal).toMatchObject({
      address: 'localhost:7233',
      namespace: 'default',
      taskQueue: 'atlas-restore',
    });
    expect(config.temporal.tls).toBeUndefined();
    expect(config.atlas).toMatchObject({
      baseUrl: 'https://cloud.mongodb.com',
      credentials: { publicKey: 'abcdefgh' },
    });
  });

  test('an API key turns TLS on for Temporal Cloud', () => {
    const config = parseWorkerConfig(
      { ...base, TEMPORAL_API_KEY: 'k', TEMPORAL_ADDRESS: 'ns.acct.tmprl.cloud:7233' },
      noFiles
    );
    expect(config.temporal.tls).toBeDefined();
    expect(config.temporal.apiKey).toBe('k');
  });

  test('a Service Account is the alternative to an API key, and its secret can come from a file', () => {
    const env = { ATLAS_CLIENT_ID: 'mdb_sa_id_1', ATLAS_CLIENT_SECRET_FILE: '/run/secrets/sa' };
    const config = parseWorkerConfig(env, (p) => (p === '/run/secrets/sa' ? 'mdb_sa_sk_2' : noFiles(p)));
    expect(config.atlas.credentials).toEqual({ clientId: 'mdb_sa_id_1', clientSecret: 'mdb_sa_sk_2' });
  });

  test('the worker-wide Atlas call cap and payload encryption keys are read', () => {
    const config = parseWorkerConfig(
      { ...base, ATLAS_MAX_CALLS_PER_SECOND: '20', PAYLOAD_ENCRYPTION_KEYS: 'k:abc' },
      noFiles
    );
    expect(config.atlas.maxCallsPerSecond).toBe(20);
    expect(config.payloadEncryptionKeys).toBe('k:abc');
  });

  test('the private key can come from a file (Docker and Kubernetes secrets)', () => {
    const env = { ATLAS_PUBLIC_KEY: 'abcdefgh', ATLAS_PRIVATE_KEY_FILE: '/run/secrets/atlas' };
    const config = parseWorkerConfig(env, (p) => (p === '/run/secrets/atlas' ? 'from-file\n' : noFiles(p)));
    expect(config.atlas.credentials).toEqual({ publicKey: 'abcdefgh', privateKey: 'from-file' });
  });

  test.each([
    ['no Atlas credentials', {}, /ATLAS_PUBLIC_KEY and ATLAS_PRIVATE_KEY.*ATLAS_CLIENT_ID and ATLAS_CLIENT_SECRET/],
    ['a public key without a private key', { ATLAS_PUBLIC_KEY: 'abcdefgh' }, /ATLAS_PRIVATE_KEY is required/],
    ['an API key and a Service Account', { ...base, ATLAS_CLIENT_ID: 'id' }, /not both/],
    ['a client id without a secret', { ATLAS_CLIENT_ID: 'mdb_sa_id_1' }, /ATLAS_CLIENT_SECRET is required/],
    ['a non-numeric call cap', { ...base, ATLAS_MAX_CALLS_PER_SECOND: 'fast' }, /ATLAS_MAX_CALLS_PER_SECOND/],
    ['an empty private key', { ...base, ATLAS_PRIVATE_KEY: '' }, /ATLAS_PRIVATE_KEY/],
    [
      'a key and a key file',
      { ...base, ATLAS_PRIVATE_KEY_FILE: '/x' },
      /either ATLAS_PRIVATE_KEY or ATLAS_PRIVATE_KEY_FILE/,
    ],
    [
      'an unreadable key file',
      { ATLAS_PUBLIC_KEY: 'a', ATLAS_PRIVATE_KEY_FILE: '/nope' },
      /cannot read \/nope \(ENOENT\)/,
    ],
    ['plain http to a remote Atlas', { ...base, ATLAS_BASE_URL: 'http://cloud.mongodb.com' }, /plain http/],
    ['an Atlas URL that is not http', { ...base, ATLAS_BASE_URL: 'ftp://x' }, /ATLAS_BASE_URL/],
    ['a zero timeout', { ...base, ATLAS_HEADERS_TIMEOUT_MS: '0' }, /ATLAS_HEADERS_TIMEOUT_MS/],
    ['a cert without a key', { ...base, TEMPORAL_TLS_CERT_PATH: '/c.pem' }, /TEMPORAL_TLS_KEY_PATH/],
    ['an unknown log level', { ...base, LOG_LEVEL: 'LOUD' }, /LOG_LEVEL/],
  ])('refuses %s with a clear message', (_name, env, message) => {
    expect(() => parseWorkerConfig(env, noFiles)).toThrow(WorkerConfigError);
    expect(() => parseWorkerConfig(env, noFiles)).toThrow(message);
  });

  test('errors never echo the secret values', () => {
    const secret = 'super-secret-private-key';
    for (const env of [
      { ATLAS_PRIVATE_KEY: secret },
      { ATLAS_CLIENT_SECRET: secret },
      { ...base, ATLAS_PRIVATE_KEY: secret, ATLAS_BASE_URL: 'http://example.com' },
      { ...base, ATLAS_PRIVATE_KEY: secret, LOG_LEVEL: secret },
    ]) {
      expect(() => parseWorkerConfig(env, noFiles)).toThrow();
      try {
        parseWorkerConfig(env, noFiles);
      } catch (err) {
        expect(String((err as Error).message)).not.toContain(secret);
      }
    }
  });

  test.each(['http://127.0.0.1:8080', 'http://localhost:8080', 'http://[::1]:8080'])(
    'allows plain http to loopback %s',
    (url) => {
      expect(parseWorkerConfig({ ...base, ATLAS_BASE_URL: url }, noFiles).atlas.baseUrl).toBe(url);
    }
  );

  test('plain http to a remote host only when explicitly allowed', () => {
    const env = { ...base, ATLAS_BASE_URL: 'http://atlas-proxy.internal', ATLAS_ALLOW_INSECURE_HTTP: 'true' };
    expect(parseWorkerConfig(env, noFiles).atlas.baseUrl).toBe('http://atlas-proxy.internal');
  });

  test('operations settings: metrics address, log format, identity, search attribute registration, webhooks', () => {
    const config = parseWorkerConfig(
      {
        ...base,
        METRICS_BIND_ADDRESS: '0.0.0.0:9464',
        LOG_FORMAT: 'text',
        WORKER_IDENTITY: 'restore-worker-1',
        TEMPORAL_REGISTER_SEARCH_ATTRIBUTES: 'true',
        WEBHOOK_SECRET_FILE: '/run/secrets/webhook',
        WEBHOOK_ALLOWED_ORIGINS: 'https://ops.example.com, http://127.0.0.1:9000/',
      },
      (p) => (p === '/run/secrets/webhook' ? 'whsec_c2VjcmV0LXNpZ25pbmcta2V5LTEyMzQ1Njc4OTA=\n' : noFiles(p))
    );
    expect(config).toMatchObject({
      metricsBindAddress: '0.0.0.0:9464',
      logFormat: 'text',
      identity: 'restore-worker-1',
      registerSearchAttributes: true,
      webhooks: {
        secret: 'whsec_c2VjcmV0LXNpZ25pbmcta2V5LTEyMzQ1Njc4OTA=',
        allowedOrigins: ['https://ops.example.com', 'http://127.0.0.1:9000'],
      },
    });
  });

  test('operations defaults: JSON logs, no metrics endpoint, no webhooks, search attributes checked not added', () => {
    const config = parseWorkerConfig(base, noFiles);
    expect(config).toMatchObject({ logFormat: 'json', registerSearchAttributes: false, webhooks: { allowedOrigins: [] } });
    expect(config.metricsBindAddress).toBeUndefined();
    expect(config.webhooks.secret).toBeUndefined();
  });

  test.each([
    ['METRICS_BIND_ADDRESS', '9464', 'must be host:port'],
    ['WEBHOOK_ALLOWED_ORIGINS', 'https://ops.example.com/hooks', 'is not an origin'],
    ['WEBHOOK_ALLOWED_ORIGINS', 'ftp://files.example.com', 'is not an origin'],
    ['LOG_FORMAT', 'xml', 'LOG_FORMAT'],
    ['WEBHOOK_SECRET', 'hunter2-not-a-whsec', 'WEBHOOK_SECRET: '],
  ])('%s=%s is refused with a clear message', (name, value, message) => {
    expect(() => parseWorkerConfig({ ...base, [name]: value }, noFiles)).toThrow(message);
  });
});
