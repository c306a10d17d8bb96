import { describe, expect, it } from 'vitest';
import { checkTotp, newTotpSecret, totpCode, totpUri } from './totp.js';

describe('TOTP', () => {
  const secret = newTotpSecret();
  const now = 1_800_000_000;

  it('accepts the current code and one step of drift, not more', () => {
    expect(checkTotp(secret, totpCode(secret, now), null, now)).toBe(now / 30);
    expect(checkTotp(secret, totpCode(secret, now - 30), null, now)).not.toBeNull();
    expect(checkTotp(secret, totpCode(secret, now + 30), null, now)).not.toBeNull();
    expect(checkTotp(secret, totpCode(secret, now - 90), null, now)).toBeNull();
  });

  it('refuses a replayed code (same time step as the last accepted)', () => {
    const step = checkTotp(secret, totpCode(secret, now), null, now);
    expect(step).not.toBeNull();
    expect(checkTotp(secret, totpCode(secret, now), step, now)).toBeNull();
    expect(checkTotp(secret, totpCode(secret, now + 30), step, now)).toBe(step! + 1);
  });

  it('refuses malformed codes', () => {
    expect(checkTotp(secret, '12345', null, now)).toBeNull();
    expect(checkTotp(secret, 'abcdef', null, now)).toBeNull();
  });

  it('builds an otpauth URI with issuer and account', () => {
    expect(totpUri(secret, 'a@b.org')).toMatch(/^otpauth:\/\/totp\/HIPAA%20Mail:a%40b\.org\?secret=[A-Z2-7]+&issuer=HIPAA%20Mail/);
  });
});
