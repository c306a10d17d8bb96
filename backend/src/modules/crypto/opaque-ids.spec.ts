import { createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { CryptoService } from './crypto.service.js';
import { OpaqueIdPurpose, OpaqueIds } from './opaque-ids.js';

function idsWithKey(key: Buffer) {
  const crypto = { blindIndex: (domain: string, value: string) => createHmac('sha256', key).update(domain).update('\0').update(value).digest() };
  return new OpaqueIds(crypto as unknown as CryptoService);
}

describe('OpaqueIds', () => {
  const ids = idsWithKey(randomBytes(32));

  it('round-trips an id and extra value, and hides the id', () => {
    const token = ids.sign(OpaqueIdPurpose.Click, 123456789n, 7);
    expect(token).toMatch(/^[A-Za-z0-9_-]{35}$/);
    expect(token).not.toContain('123456789');
    expect(ids.verify(OpaqueIdPurpose.Click, token)).toEqual({ id: '123456789', extra: 7 });
  });

  it('gives consecutive ids unrelated tokens', () => {
    const a = ids.sign(OpaqueIdPurpose.Open, 1000n);
    const b = ids.sign(OpaqueIdPurpose.Open, 1001n);
    const shared = Array.from(a).filter((ch, i) => b[i] === ch).length;
    expect(shared).toBeLessThan(10);
  });

  it('refuses a token for another purpose, an altered token, and one signed under another key', () => {
    const token = ids.sign(OpaqueIdPurpose.Unsubscribe, 42n);
    expect(ids.verify(OpaqueIdPurpose.Click, token)).toBeNull();
    for (let i = 0; i < token.length; i += 1) {
      const flipped = token.slice(0, i) + (token[i] === 'A' ? 'B' : 'A') + token.slice(i + 1);
      expect(ids.verify(OpaqueIdPurpose.Unsubscribe, flipped)).toBeNull();
    }
    expect(idsWithKey(randomBytes(32)).verify(OpaqueIdPurpose.Unsubscribe, token)).toBeNull();
    expect(ids.verify(OpaqueIdPurpose.Unsubscribe, 'short')).toBeNull();
  });
});
