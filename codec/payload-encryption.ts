import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Payload, PayloadCodec } from '@temporalio/common';
import { temporal } from '@temporalio/proto';

/**
 * Optional end-to-end encryption of everything the restore puts into Temporal (inputs, results, signals, failure
 * details), so history holds ciphertext only: useful when the Temporal service is shared or hosted, and required
 * for DOWNLOAD deliveries, whose result carries a secret link. Worker, client library and CLI use the same codec.
 */

/** Payload metadata `encoding` of an encrypted payload. */
export const ENCRYPTED_ENCODING = 'binary/encrypted';
/** Metadata key naming the key that encrypted a payload, so old payloads stay readable after a rotation. */
export const KEY_ID_METADATA = 'encryption-key-id';

const IV_BYTES = 12;
const TAG_BYTES = 16;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** A named 256-bit key. */
export interface EncryptionKey {
  id: string;
  key: Buffer;
}

/** Thrown when keys are malformed, or a payload cannot be decrypted (unknown key id, tampered data). */
export class PayloadEncryptionError extends Error {
  override readonly name = 'PayloadEncryptionError';
}

/**
 * AES-256-GCM payload codec. The first key encrypts; every key decrypts (rotation: put the new key first and keep
 * the old ones until histories written with them have expired). The key id is authenticated as associated data.
 */
export class AesGcmPayloadCodec implements PayloadCodec {
  readonly #keys: Map<string, Buffer>;
  readonly #active: EncryptionKey;

  constructor(keys: EncryptionKey[]) {
    const [active] = keys;
    if (active === undefined) throw new PayloadEncryptionError('at least one encryption key is required');
    for (const { id, key } of keys) {
      if (key.length !== 32) throw new PayloadEncryptionError(`key "${id}" must be 32 bytes (got ${key.length})`);
    }
    this.#active = active;
    this.#keys = new Map(keys.map(({ id, key }) => [id, key]));
    if (this.#keys.size !== keys.length) throw new PayloadEncryptionError('encryption key ids must be unique');
  }

  /** Encrypts each payload whole (metadata included) with the active key. */
  async encode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const iv = randomBytes(IV_BYTES);
      const cipher = createCipheriv('aes-256-gcm', this.#active.key, iv);
      cipher.setAAD(Buffer.from(this.#active.id));
      const plain = temporal.api.common.v1.Payload.encode(payload).finish();
      const data = Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]);
      return {
        metadata: { encoding: encoder.encode(ENCRYPTED_ENCODING), [KEY_ID_METADATA]: encoder.encode(this.#active.id) },
        data,
      };
    });
  }

  /** Decrypts payloads this codec (or an earlier key) encrypted; passes others through unchanged. */
  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      const encoding = payload.metadata?.encoding;
      if (encoding === undefined || encoding === null || decoder.decode(encoding) !== ENCRYPTED_ENCODING)
        return payload;
      const idBytes = payload.metadata?.[KEY_ID_METADATA];
      const id = idBytes ? decoder.decode(idBytes) : '';
      const key = this.#keys.get(id);
      if (key === undefined) throw new PayloadEncryptionError(`payload was encrypted with unknown key id "${id}"`);
      const data = Buffer.from(payload.data ?? new Uint8Array());
      if (data.length < IV_BYTES + TAG_BYTES) throw new PayloadEncryptionError('encrypted payload is truncated');
      const decipher = createDecipheriv('aes-256-gcm', key, data.subarray(0, IV_BYTES));
      decipher.setAAD(Buffer.from(id));
      decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
      let plain: Buffer;
      try {
        plain = Buffer.concat([decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)), decipher.final()]);
      } catch {
        throw new PayloadEncryptionError(`payload encrypted with key "${id}" failed authentication`);
      }
      return temporal.api.common.v1.Payload.decode(plain);
    });
  }
}

/**
 * Parses `PAYLOAD_ENCRYPTION_KEYS`: comma-separated `id:base64key` pairs, the active key first. The message of an
 * error names the entry but never echoes key material.
 */
export function parseEncryptionKeys(spec: string): EncryptionKey[] {
  const entries = spec
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry.length > 0);
  if (entries.length === 0) throw new PayloadEncryptionError('PAYLOAD_ENCRYPTION_KEYS is empty');
  return entries.map((entry, index) => {
    const colon = entry.indexOf(':');
    const id = colon > 0 ? entry.slice(0, colon) : '';
    if (!/^[A-Za-z0-9._-]{1,64}$/.test(id)) {
      throw new PayloadEncryptionError(
        `PAYLOAD_ENCRYPTION_KEYS entry ${index + 1}: expected "id:base64key" with a plain id`
      );
    }
    const key = Buffer.from(entry.slice(colon + 1), 'base64');
    if (key.length !== 32) {
      throw new PayloadEncryptionError(`PAYLOAD_ENCRYPTION_KEYS key "${id}" must be 32 bytes, base64-encoded`);
    }
    return { id, key };
  });
}

/** The data converter for workers and clients: encrypting when keys are configured, Temporal's default otherwise. */
export function dataConverterFor(keysSpec: string | undefined): { payloadCodecs: PayloadCodec[] } | undefined {
  return keysSpec === undefined
    ? undefined
    : { payloadCodecs: [new AesGcmPayloadCodec(parseEncryptionKeys(keysSpec))] };
}
