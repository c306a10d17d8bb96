import { createDecipheriv, createHmac, randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HEADER, hmacIndex, indexMessage, SealingKeys, TokenMemo } from './sealing.js';

const phiKey = randomBytes(32);
const indexKey = randomBytes(32);
const keys = new SealingKeys({ phi: { id: 7, key: phiKey }, blindIndex: { id: 9, key: indexKey } });

describe('SealingKeys (the import worker’s sealer)', () => {
  it('makes the same blind indexes and segment tokens as the main thread’s OpenSSL path', () => {
    const memo = new TokenMemo();
    const openssl = (message: string) => createHmac('sha256', indexKey).update(message).digest();
    for (const [domain, value] of [
      ['contacts.email', 'zoë.o’brien@example.org'],
      ['contacts.identifier', 'urn:oid:2.16.840.1.113883.3.example|MRN000000042'],
      ['condition', 'ICD-10|E11.9'],
      ['provider', 'dr. tomás herrera'],
      ['birth_year', ''],
    ]) {
      expect(keys.blindIndex(domain, value).equals(hmacIndex(indexKey, domain, value))).toBe(true);
      expect(keys.token64(domain, value)).toBe(memo.token(openssl, domain, value));
      expect(keys.token64(domain, value)).toBe(openssl(indexMessage(domain, value)).readBigInt64BE(0).toString()); // memoised: same again
    }
  });

  it('seals in the envelope format: key id, IV, tag, and the associated data bound', () => {
    const sealed = keys.encrypt('phi', '{"email":"a@example.org"}', 'contacts.phi:42');
    expect(sealed.readUInt8(0)).toBe(1);
    expect(sealed.readUInt32BE(1)).toBe(7);
    const open = (aad: string) => {
      const d = createDecipheriv('aes-256-gcm', phiKey, sealed.subarray(5, 17));
      d.setAAD(Buffer.from(aad));
      d.setAuthTag(sealed.subarray(17, HEADER));
      return Buffer.concat([d.update(sealed.subarray(HEADER)), d.final()]).toString('utf8');
    };
    expect(open('contacts.phi:42')).toBe('{"email":"a@example.org"}');
    expect(() => open('contacts.phi:43')).toThrow();
    expect(
      keys
        .encrypt('phi', 'x', 'a')
        .subarray(5, 17)
        .equals(keys.encrypt('phi', 'x', 'a').subarray(5, 17)),
    ).toBe(false);
  });
});
