import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';

/**
 * Wraps and unwraps data keys. The default keeps the master key in the process (from an env
 * variable or a key file); a KMS (AWS KMS, GCP KMS, Vault transit) implements the same two calls.
 */
export interface KeyProvider {
  /** Stable identifier of the master key, stored beside each wrapped key. */
  readonly id: string;
  wrap(dataKey: Buffer): Promise<Buffer>;
  unwrap(wrapped: Buffer): Promise<Buffer>;
}

export const KEY_PROVIDER = Symbol('KEY_PROVIDER');

const WRAP_AAD = Buffer.from('hipaa-mail:data-key:v1');

export class LocalKeyProvider implements KeyProvider {
  readonly id: string;

  constructor(private readonly masterKey: Buffer) {
    if (masterKey.length !== 32) throw new Error('master key must be 32 bytes');
    // A fingerprint, not the key: lets an operator see which master key wrapped a data key.
    this.id = `local:${createHash('sha256').update(masterKey).digest('hex').slice(0, 16)}`;
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- KeyProvider is async (a KMS call); `async` keeps a local failure a rejection
  async wrap(dataKey: Buffer): Promise<Buffer> {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.masterKey, iv);
    cipher.setAAD(WRAP_AAD);
    const body = Buffer.concat([cipher.update(dataKey), cipher.final()]);
    return Buffer.concat([iv, cipher.getAuthTag(), body]);
  }

  // eslint-disable-next-line @typescript-eslint/require-await -- as for wrap: a wrong key or tag must reject, not throw synchronously
  async unwrap(wrapped: Buffer): Promise<Buffer> {
    const decipher = createDecipheriv('aes-256-gcm', this.masterKey, wrapped.subarray(0, 12));
    decipher.setAAD(WRAP_AAD);
    decipher.setAuthTag(wrapped.subarray(12, 28));
    return Buffer.concat([decipher.update(wrapped.subarray(28)), decipher.final()]);
  }
}
