import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { LocalKeyProvider } from './key-provider.js';

describe('LocalKeyProvider', () => {
  it('wraps and unwraps a data key', async () => {
    const provider = new LocalKeyProvider(randomBytes(32));
    const dataKey = randomBytes(32);
    const wrapped = await provider.wrap(dataKey);
    expect(wrapped.includes(dataKey)).toBe(false);
    expect(await provider.unwrap(wrapped)).toEqual(dataKey);
  });

  it('fails to unwrap under another master key or after tampering', async () => {
    const a = new LocalKeyProvider(randomBytes(32));
    const b = new LocalKeyProvider(randomBytes(32));
    const wrapped = await a.wrap(randomBytes(32));
    await expect(b.unwrap(wrapped)).rejects.toThrow();
    wrapped[wrapped.length - 1] ^= 1;
    await expect(a.unwrap(wrapped)).rejects.toThrow();
    expect(a.id).not.toBe(b.id);
  });

  it('refuses a master key that is not 32 bytes', () => {
    expect(() => new LocalKeyProvider(randomBytes(16))).toThrow('master key must be 32 bytes');
  });
});
