import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { AppConfig } from '../../config/index.js';
import { type CryptoService, OpaqueIdPurpose, OpaqueIds } from '../crypto/index.js';
import { base32Decode, base32Encode, ReturnPaths } from './return-paths.js';

// OpaqueIds needs only CryptoService.blindIndex (an HMAC under the deployment's key): the same HMAC here.
function opaqueIds(key: Buffer) {
  const crypto = { blindIndex: (domain: string, value: string) => createHmac('sha256', key).update(domain).update('\0').update(value).digest() };
  return new OpaqueIds(crypto as unknown as CryptoService);
}

const key = randomBytes(32);
const paths = (domain = 'bounces.clinic.example', k = key) => new ReturnPaths(opaqueIds(k), { BOUNCE_DOMAIN: domain } as AppConfig);

describe('ReturnPaths', () => {
  it('round-trips a delivery id through a lower-case VERP address that hides it', () => {
    const address = paths().forDelivery('9007199254740993');
    expect(address).toMatch(/^b-[a-z2-7]{42}@bounces\.clinic\.example$/);
    expect(address.split('@')[0].length).toBeLessThanOrEqual(64);
    expect(address).not.toContain('9007199254740993');
    expect(paths().parse(address)).toBe('9007199254740993');
    expect(paths().forDelivery('1')).not.toBe(paths().forDelivery('2'));
  });

  it('survives case folding by MTAs, angle brackets and a mixed-case domain', () => {
    const address = paths().forDelivery('42');
    expect(paths().parse(address.toUpperCase())).toBe('42');
    expect(paths().parse(`<${address}>`)).toBe('42');
    expect(paths().parse(address.replace('bounces.clinic.example', 'Bounces.Clinic.Example'))).toBe('42');
  });

  it('refuses forged, altered, foreign and malformed addresses', () => {
    const address = paths().forDelivery('42');
    const [local, domain] = address.split('@');
    for (let i = 2; i < local.length; i += 1) {
      const altered = local.slice(0, i) + (local[i] === 'a' ? 'b' : 'a') + local.slice(i + 1);
      expect(paths().parse(`${altered}@${domain}`), `character ${i}`).toBeNull();
    }
    expect(paths().parse(`${local}@other.example`)).toBeNull();
    expect(paths('bounces.clinic.example', randomBytes(32)).parse(address)).toBeNull();
    // A valid signed id for another purpose (a click token) is no return path.
    const click = base32Encode(Buffer.from(opaqueIds(key).sign(OpaqueIdPurpose.Click, 42n), 'base64url'));
    expect(paths().parse(`b-${click}@${domain}`)).toBeNull();
    for (const bad of [
      '',
      '@',
      'postmaster@bounces.clinic.example',
      `x-${local.slice(2)}@${domain}`,
      `${local}x@${domain}`,
      `${local.slice(0, -1)}@${domain}`,
      'b-@bounces.clinic.example',
    ]) {
      expect(paths().parse(bad), bad).toBeNull();
    }
  });

  it('encodes base32 as RFC 4648 does (lower case, unpadded) and accepts only canonical tokens', () => {
    const vectors: [string, string][] = [
      ['f', 'my'],
      ['fo', 'mzxq'],
      ['foo', 'mzxw6'],
      ['foob', 'mzxw6yq'],
      ['fooba', 'mzxw6ytb'],
      ['foobar', 'mzxw6ytboi'],
    ];
    for (const [plain, encoded] of vectors) expect(base32Encode(Buffer.from(plain))).toBe(encoded);
    const bytes = randomBytes(26);
    const text = base32Encode(bytes);
    expect(text).toHaveLength(42);
    expect(base32Decode(text)).toEqual(bytes);
    // The last character carries 3 data bits and 2 padding bits: a non-zero padding is another spelling.
    const last = 'abcdefghijklmnopqrstuvwxyz234567'.indexOf(text[41]);
    expect(base32Decode(text.slice(0, 41) + 'abcdefghijklmnopqrstuvwxyz234567'[last | 1])).toBeNull();
    expect(base32Decode(text.slice(0, 41) + '1')).toBeNull();
  });
});
