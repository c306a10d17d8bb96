import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/index.js';
import { OpaqueIdPurpose, OpaqueIds } from '../crypto/index.js';

const PREFIX = 'b-';
const ALPHABET = 'abcdefghijklmnopqrstuvwxyz234567';
// An opaque id is 26 bytes: 208 bits, 42 base32 characters (the last one carries 3 bits and 2 zero bits).
const TOKEN_BYTES = 26;
const TOKEN_CHARS = Math.ceil((TOKEN_BYTES * 8) / 5);

/**
 * VERP return paths: each delivery's envelope sender is `b-<token>@BOUNCE_DOMAIN`, so a bounce or complaint
 * sent back to it names the delivery without quoting the recipient. The token is an opaque signed id
 * (OpaqueIds, purpose ReturnPath) re-encoded in lower-case base32: the signed id itself is base64url, whose
 * meaning depends on letter case, and MTAs and mailbox providers do fold the case of local parts (RFC 5321
 * lets them treat local parts as case-sensitive, but many lower-case them, and some upper-case them).
 * Base32 survives any folding, and the address stays under the 64-character limit of a local part (44).
 */
@Injectable()
export class ReturnPaths {
  private readonly domain: string;

  constructor(
    private readonly opaqueIds: OpaqueIds,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.domain = config.BOUNCE_DOMAIN;
  }

  /** VERP envelope sender for a delivery. */
  forDelivery(deliveryId: string): string {
    const raw = Buffer.from(this.opaqueIds.sign(OpaqueIdPurpose.ReturnPath, deliveryId), 'base64url');
    return `${PREFIX}${base32Encode(raw)}@${this.domain}`;
  }

  /** The delivery id a recipient address of an inbound message stands for, or null (forged, unknown, other domain). */
  parse(address: string): string | null {
    const bare = address.trim().replace(/^<(.*)>$/, '$1');
    const at = bare.lastIndexOf('@');
    if (at < 0 || bare.slice(at + 1).toLowerCase() !== this.domain) return null;
    const local = bare.slice(0, at).toLowerCase();
    if (!local.startsWith(PREFIX)) return null;
    const raw = base32Decode(local.slice(PREFIX.length));
    if (!raw || raw.length !== TOKEN_BYTES) return null;
    return this.opaqueIds.verify(OpaqueIdPurpose.ReturnPath, raw.toString('base64url'))?.id ?? null;
  }
}

/** RFC 4648 base32, lower case, no padding. */
export function base32Encode(bytes: Buffer): string {
  let out = '';
  let bits = 0;
  let value = 0;
  for (const byte of bytes) {
    value = ((value << 8) | byte) & 0xfff;
    bits += 8;
    while (bits >= 5) {
      out += ALPHABET[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += ALPHABET[(value << (5 - bits)) & 31];
  return out;
}

/** The bytes of a canonical lower-case base32 string of a token's length, or null (wrong length or alphabet, non-zero padding bits). */
export function base32Decode(text: string): Buffer | null {
  if (text.length !== TOKEN_CHARS) return null;
  const out: number[] = [];
  let bits = 0;
  let value = 0;
  for (const char of text) {
    const digit = ALPHABET.indexOf(char);
    if (digit < 0) return null;
    value = ((value << 5) | digit) & 0xfff;
    bits += 5;
    if (bits >= 8) {
      out.push((value >>> (bits - 8)) & 0xff);
      bits -= 8;
    }
  }
  // Left-over bits must be zero, so every token has exactly one spelling.
  if ((value & ((1 << bits) - 1)) !== 0) return null;
  return Buffer.from(out);
}
