import { createHmac, randomBytes, randomInt } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { HmacSha256 } from './hmac-sha256.js';

const ALPHABET = ['a', 'Z', '0', '|', '\0', ' ', 'é', 'ß', '中', '🩺', '\n'];
const randomText = (length: number) => Array.from({ length }, () => ALPHABET[randomInt(ALPHABET.length)]).join('');

describe('HmacSha256', () => {
  it('matches OpenSSL for random keys and messages of every padding case', () => {
    for (const keyLength of [1, 32, 63, 64, 65, 200]) {
      const key = randomBytes(keyLength);
      const hmac = new HmacSha256(key);
      // 0..300 characters crosses the one-, two- and many-block paddings, with multi-byte UTF-8.
      for (let length = 0; length <= 300; length++) {
        const message = randomText(length);
        expect(hmac.digest(message).toString('hex'), `key ${keyLength} bytes, message ${length} chars`).toBe(
          createHmac('sha256', key).update(message, 'utf8').digest('hex'),
        );
      }
    }
  });

  it('gives the RFC 4231 test vector', () => {
    // Test case 2: key "Jefe", data "what do ya want for nothing?".
    expect(new HmacSha256(Buffer.from('Jefe')).digest('what do ya want for nothing?').toString('hex')).toBe(
      '5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843',
    );
  });

  it('keeps no state between values, and a long value after short ones is still right', () => {
    const key = randomBytes(32);
    const hmac = new HmacSha256(key);
    const long = randomText(5000);
    for (const message of ['a', long, 'a', '']) {
      expect(hmac.digest(message).equals(createHmac('sha256', key).update(message).digest())).toBe(true);
    }
  });
});
