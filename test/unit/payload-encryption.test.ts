import { randomBytes } from 'node:crypto';
import { defaultPayloadConverter } from '@temporalio/common';
import {
  AesGcmPayloadCodec,
  ENCRYPTED_ENCODING,
  parseEncryptionKeys,
  PayloadEncryptionError,
} from '../../codec/payload-encryption';

const key = (id: string) => ({ id, key: randomBytes(32) });
const secret = { snapshotUrl: 'https://restore.example/download?token=very-secret-token' };

describe('AesGcmPayloadCodec', () => {
  test('round-trips payloads and leaves no plaintext in the encoded bytes', async () => {
    const codec = new AesGcmPayloadCodec([key('k1')]);
    const payload = defaultPayloadConverter.toPayload(secret);
    const [encoded] = await codec.encode([payload]);
    expect(Buffer.from(encoded!.metadata!.encoding!).toString()).toBe(ENCRYPTED_ENCODING);
    expect(Buffer.from(encoded!.data!).toString('latin1')).not.toContain('very-secret-token');
    const [decoded] = await codec.decode([encoded!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual(secret);
  });

  test('a rotated codec still reads payloads written with the old key, and writes with the new one', async () => {
    const oldKey = key('2025-01');
    const newKey = key('2026-11');
    const [old] = await new AesGcmPayloadCodec([oldKey]).encode([defaultPayloadConverter.toPayload(secret)]);
    const rotated = new AesGcmPayloadCodec([newKey, oldKey]);
    expect(defaultPayloadConverter.fromPayload((await rotated.decode([old!]))[0]!)).toEqual(secret);
    const [fresh] = await rotated.encode([defaultPayloadConverter.toPayload(1)]);
    expect(Buffer.from(fresh!.metadata!['encryption-key-id']!).toString()).toBe('2026-11');
  });

  test('unencrypted payloads pass through decode unchanged', async () => {
    const plain = defaultPayloadConverter.toPayload('hello');
    expect(await new AesGcmPayloadCodec([key('k')]).decode([plain])).toEqual([plain]);
  });

  test.each([
    ['an unknown key id', (p: { data?: Uint8Array | null }) => p, [key('other')], /unknown key id "k1"/],
    [
      'tampered data',
      (p: { data?: Uint8Array | null }) => {
        const data = Buffer.from(p.data!);
        data[20] = (data[20] ?? 0) ^ 0xff;
        return { ...p, data };
      },
      undefined,
      /failed authentication/,
    ],
  ])('refuses %s', async (_name, mutate, decodeKeys, message) => {
    const k1 = key('k1');
    const [encoded] = await new AesGcmPayloadCodec([k1]).encode([defaultPayloadConverter.toPayload(secret)]);
    const codec = new AesGcmPayloadCodec(decodeKeys ?? [k1]);
    await expect(codec.decode([mutate(encoded!) as typeof encoded & object])).rejects.toThrow(message);
  });
});

describe('parseEncryptionKeys', () => {
  const b64 = randomBytes(32).toString('base64');
  test('reads id:base64 pairs, active key first', () => {
    const keys = parseEncryptionKeys(`new:${b64}, old:${randomBytes(32).toString('base64')}`);
    expect(keys.map((k) => k.id)).toEqual(['new', 'old']);
  });
  test.each([
    ['empty', ''],
    ['no id', b64],
    ['a short key', `k:${randomBytes(16).toString('base64')}`],
    ['an id with spaces', `my key:${b64}`],
  ])('refuses %s without echoing key material', (_name, spec) => {
    expect(() => parseEncryptionKeys(spec)).toThrow(PayloadEncryptionError);
    try {
      parseEncryptionKeys(spec);
    } catch (err) {
      expect((err as Error).message).not.toContain(b64);
    }
  });
  test('duplicate ids are refused', () => {
    expect(() => new AesGcmPayloadCodec(parseEncryptionKeys(`a:${b64},a:${b64}`))).toThrow(/unique/);
  });
});
