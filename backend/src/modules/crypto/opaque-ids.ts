import { createCipheriv, createDecipheriv, createHmac, timingSafeEqual } from 'node:crypto';
import { Injectable } from '@nestjs/common';
import { CryptoService } from './crypto.service.js';

const TAG_BYTES = 10;
const TOKEN_LENGTH = Math.ceil(((16 + TAG_BYTES) * 4) / 3);

/**
 * Opaque, HMAC-signed tokens for ids that travel in public URLs and addresses (tracking links, the open
 * pixel, one-click unsubscribe, VERP return paths). A token is one AES-256 block holding (purpose, id,
 * extra) followed by a truncated HMAC-SHA256 tag: it shows no id sequence and cannot be forged or altered.
 * Keys derive from the deployment's blind-index key, so tokens stay valid across data-key rotations.
 * A token is 35 base64url characters.
 */
@Injectable()
export class OpaqueIds {
  private keys?: { aes: Buffer; mac: Buffer };

  constructor(private readonly crypto: CryptoService) {}

  /** `purpose` is a small number per use (so a click token is never accepted as an unsubscribe token); `extra` fits in 32 bits. */
  sign(purpose: number, id: bigint | string, extra = 0): string {
    const block = Buffer.alloc(16);
    block.writeUInt8(purpose, 0);
    block.writeBigUInt64BE(BigInt(id), 1);
    block.writeUInt32BE(extra >>> 0, 9);
    const cipher = createCipheriv('aes-256-ecb', this.key().aes, null).setAutoPadding(false);
    const sealed = Buffer.concat([cipher.update(block), cipher.final()]);
    const tag = createHmac('sha256', this.key().mac).update(sealed).digest().subarray(0, TAG_BYTES);
    return Buffer.concat([sealed, tag]).toString('base64url');
  }

  /** The id and extra a token stands for, or null when forged, altered, malformed or for another purpose. */
  verify(purpose: number, token: string): { id: string; extra: number } | null {
    if (token.length !== TOKEN_LENGTH || !/^[A-Za-z0-9_-]+$/.test(token)) return null;
    const raw = Buffer.from(token, 'base64url');
    // Canonical encoding only: the last character carries two unused bits, and a token that differs there must not verify.
    if (raw.length !== 16 + TAG_BYTES || raw.toString('base64url') !== token) return null;
    const sealed = raw.subarray(0, 16);
    const expected = createHmac('sha256', this.key().mac).update(sealed).digest().subarray(0, TAG_BYTES);
    if (!timingSafeEqual(expected, raw.subarray(16))) return null;
    const decipher = createDecipheriv('aes-256-ecb', this.key().aes, null).setAutoPadding(false);
    const block = Buffer.concat([decipher.update(sealed), decipher.final()]);
    if (block.readUInt8(0) !== purpose || block.readUInt8(13) !== 0 || block.readUInt16BE(14) !== 0) return null;
    return { id: block.readBigUInt64BE(1).toString(), extra: block.readUInt32BE(9) };
  }

  private key() {
    this.keys ??= { aes: this.crypto.blindIndex('opaque-ids', 'aes-256'), mac: this.crypto.blindIndex('opaque-ids', 'hmac-sha256') };
    return this.keys;
  }
}

/** Purposes of opaque ids. Add new ones at the end; never reuse a number. */
export const OpaqueIdPurpose = { Open: 1, Click: 2, Unsubscribe: 3, ReturnPath: 4, Delivery: 5 } as const;
