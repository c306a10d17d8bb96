/**
 * Plain-language descriptions of the audit actions the backend records. An action not listed
 * here (a new module's) is still shown, by its code.
 */
export const ACTION_DESCRIPTIONS: Readonly<Partial<Record<string, string>>> = {
  'auth.login': 'Sign-in',
  'auth.password-accepted': 'Password accepted, MFA pending',
  'auth.mfa-enrolled': 'Two-factor authentication set up',
  'auth.mfa-verify': 'Two-factor code checked',
  'auth.mfa-enroll': 'Two-factor setup attempted',
  'auth.recovery-code-used': 'Recovery code used',
  'auth.lockout': 'Account locked after failed attempts',
  'auth.logout': 'Sign-out',
  'auth.logout-everywhere': 'Signed out on every device',
  'user.created': 'User invited',
  'user.updated': 'User details changed',
  'user.role-changed': 'Role changed',
  'user.disabled': 'User disabled',
  'user.enabled': 'User enabled',
  'user.unlocked': 'User unlocked',
  'user.mfa-reset': 'Two-factor authentication reset',
  'user.password-changed': 'Password changed',
  'session.revoked': 'Sessions ended by an administrator',
  'api-key.created': 'API key created',
  'api-key.revoked': 'API key revoked',
  'audit.verify': 'Audit chain verified',
  'audit.export': 'Audit log exported',
  'crypto.key-rotated': 'Encryption key rotated',
  'crypto.reencrypt-finished': 'Re-encryption finished',
  'phi.exported': 'PHI exported',
};
