/** A small list of passwords seen most in breaches; long enough to stop the obvious ones. Kept packed: it is a word list. */
// prettier-ignore
const COMMON = new Set([
  'password', 'password1', 'password123', 'password1234', 'passw0rd', 'p@ssw0rd', 'p@ssword', '123456', '1234567', '12345678',
  '123456789', '1234567890', '12345678910', '123123123', '111111111111', '000000000000', 'qwerty', 'qwertyuiop', 'qwerty123',
  'qwerty123456', '1q2w3e4r5t6y', 'abc123', 'abcdef123456', 'letmein', 'letmein123', 'welcome', 'welcome1', 'welcome123',
  'welcome12345', 'iloveyou', 'iloveyou123', 'admin', 'admin123', 'admin12345', 'administrator', 'changeme', 'changeme123',
  'trustno1', 'sunshine', 'princess', 'football', 'baseball', 'dragon', 'monkey', 'master', 'shadow', 'superman', 'michael',
  'hospital', 'hospital123', 'healthcare', 'healthcare1', 'nurse', 'doctor', 'medical', 'patient', 'hipaa', 'hipaa123',
  'summer2024', 'summer2025', 'summer2026', 'winter2024', 'winter2025', 'winter2026', 'spring2025', 'spring2026', 'autumn2026',
  'fall2026', 'january2026', 'december2026', 'november2026', 'company123', 'secret', 'secret123', 'login', 'login123',
  'starwars', 'whatever', 'computer', 'internet', 'freedom', 'passwordpassword', 'correcthorsebatterystaple',
]);

export const PASSWORD_MIN_LENGTH = 12;
export const PASSWORD_MAX_LENGTH = 128;

/** Returns the reason a password is refused, or null when it is acceptable (NIST 800-63B style: length and a blocklist). */
export function passwordProblem(password: string, context: { email?: string } = {}): string | null {
  if (password.length < PASSWORD_MIN_LENGTH) return `must be at least ${PASSWORD_MIN_LENGTH} characters`;
  if (password.length > PASSWORD_MAX_LENGTH) return `must be at most ${PASSWORD_MAX_LENGTH} characters`;
  const lowered = password.toLowerCase();
  if (COMMON.has(lowered) || COMMON.has(lowered.replace(/[^a-z0-9@]/g, ''))) return 'is too common';
  if (/^(.)\1+$/.test(password)) return 'must not be one repeated character';
  const local = context.email?.split('@')[0]?.toLowerCase();
  if (local && local.length >= 4 && lowered.includes(local)) return 'must not contain your e-mail name';
  return null;
}
