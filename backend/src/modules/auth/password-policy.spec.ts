import { describe, expect, it } from 'vitest';
import { passwordProblem } from './password-policy.js';

describe('password policy', () => {
  it('accepts a long uncommon passphrase', () => {
    expect(passwordProblem('granite-otter-lantern-42')).toBeNull();
  });
  it('refuses short, common, repeated and e-mail-based passwords with the reason', () => {
    expect(passwordProblem('Short1!')).toBe('must be at least 12 characters');
    expect(passwordProblem('Password1234')).toBe('is too common');
    expect(passwordProblem('P@ssw0rd')).toBe('must be at least 12 characters');
    expect(passwordProblem('qwerty123456')).toBe('is too common');
    expect(passwordProblem('aaaaaaaaaaaaaa')).toBe('must not be one repeated character');
    expect(passwordProblem('jsmith-rocks-2026', { email: 'jsmith@clinic.org' })).toBe('must not contain your e-mail name');
    expect(passwordProblem('x'.repeat(129))).toBe('must be at most 128 characters');
  });
});
