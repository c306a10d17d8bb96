import { createCipheriv, createHmac, randomBytes } from 'node:crypto';
import { HmacSha256 } from './hmac-sha256.js';

export const FORMAT_V1 = 1;
/** version, key id, iv, tag */
export const HEADER = 1 + 4 + 12 + 16;

/** AES-256-GCM under one data key: [1 byte format][4 bytes key id][12 bytes IV][16 bytes tag][ciphertext]. */
export function sealGcm(keyId: number, key: Buffer, iv: Buffer, plaintext: Buffer | string, aad: string): Buffer {
  const cipher = createCipheriv('aes-256-gcm', key, iv);
  cipher.setAAD(Buffer.from(aad));
  const body = typeof plaintext === 'string' ? cipher.update(plaintext, 'utf8') : cipher.update(plaintext);
  cipher.final(); // GCM is a stream mode: nothing is held back
  const sealed = Buffer.allocUnsafe(HEADER + body.length);
  sealed.writeUInt8(FORMAT_V1, 0);
  sealed.writeUInt32BE(keyId, 1);
  iv.copy(sealed, 5);
  cipher.getAuthTag().copy(sealed, 17);
  body.copy(sealed, HEADER);
  return sealed;
}

/** HMAC-SHA256 of a normalised value under the blind-index key, scoped by a domain such as `contacts.email`. */
export function hmacIndex(key: Buffer, domain: string, normalizedValue: string): Buffer {
  return createHmac('sha256', key).update(indexMessage(domain, normalizedValue)).digest();
}

/** What a blind index signs: the domain, a NUL, the value. */
export function indexMessage(domain: string, normalizedValue: string): string {
  return `${domain}\0${normalizedValue}`;
}

/** Fresh random IVs, cut from a pooled random buffer (one getrandom call per 5,000 IVs). */
export class IvPool {
  private pool = Buffer.alloc(0);
  private offset = 0;

  next(): Buffer {
    if (this.offset + 12 > this.pool.length) {
      this.pool = randomBytes(12 * 5000);
      this.offset = 0;
    }
    // A view: callers copy it (the cipher and the sealed value), and the pool is never reused.
    const iv = this.pool.subarray(this.offset, this.offset + 12);
    this.offset += 12;
    return iv;
  }
}

/**
 * 64-bit blind-index tokens (signed, as Postgres bigint text) for segment columns. Values repeat a
 * lot across contacts (codes, plans, years), so tokens are memoised.
 */
export class TokenMemo {
  /** Per domain, value to token (no key strings to build on each look-up). */
  private readonly memo = new Map<string, Map<string, string>>();
  private size = 0;

  /** `sign` is HMAC-SHA256 under the blind-index key of an indexMessage. */
  token(sign: (message: string) => Buffer, domain: string, normalizedValue: string): string {
    let byValue = this.memo.get(domain);
    if (!byValue) this.memo.set(domain, (byValue = new Map<string, string>()));
    let token = byValue.get(normalizedValue);
    if (token === undefined) {
      token = sign(indexMessage(domain, normalizedValue)).readBigInt64BE(0).toString();
      if (++this.size > 200_000) {
        this.memo.clear();
        this.memo.set(domain, (byValue = new Map<string, string>()));
        this.size = 1;
      }
      byValue.set(normalizedValue, token);
    }
    return token;
  }
}

/** What contact tokens need: the blind index and the 64-bit segment tokens. */
export interface Tokenizer {
  blindIndex(domain: string, normalizedValue: string): Buffer;
  token64(domain: string, normalizedValue: string): string;
}

/** What preparing a contact needs: its tokens and its PHI sealed under the active key. */
export interface ContactSealer extends Tokenizer {
  encrypt(purpose: 'phi', plaintext: Buffer | string, aad: string): Buffer;
}

/** The active PHI and blind-index keys, handed to a worker thread (in memory only) so it can seal without the database. */
export interface SealingKeyMaterial {
  phi: { id: number; key: Uint8Array };
  blindIndex: { id: number; key: Uint8Array };
}

/** A ContactSealer over fixed key material: what an import worker thread seals with (blind indexes through HmacSha256). */
export class SealingKeys implements ContactSealer {
  private readonly phiKey: Buffer;
  private readonly index: HmacSha256;
  private readonly sign = (message: string) => this.index.digest(message);
  private readonly ivs = new IvPool();
  private readonly tokens = new TokenMemo();

  constructor(private readonly material: SealingKeyMaterial) {
    this.phiKey = Buffer.from(material.phi.key);
    this.index = new HmacSha256(material.blindIndex.key);
  }

  encrypt(_purpose: 'phi', plaintext: Buffer | string, aad: string): Buffer {
    return sealGcm(this.material.phi.id, this.phiKey, this.ivs.next(), plaintext, aad);
  }

  blindIndex(domain: string, normalizedValue: string): Buffer {
    return this.index.digest(indexMessage(domain, normalizedValue));
  }

  token64(domain: string, normalizedValue: string): string {
    return this.tokens.token(this.sign, domain, normalizedValue);
  }
}
