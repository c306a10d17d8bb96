import { generateSecret, generateSync, generateURI, verifySync } from 'otplib';

export const TOTP_ISSUER = 'HIPAA Mail';
const PERIOD = 30;

export function newTotpSecret(): string {
  return generateSecret({ length: 20 });
}

export function totpUri(secret: string, account: string): string {
  return generateURI({ issuer: TOTP_ISSUER, label: account, secret });
}

/** The current code for a secret (tests and operators' tooling). */
export function totpCode(secret: string, epochSeconds = Math.floor(Date.now() / 1000)): string {
  return generateSync({ secret, epoch: epochSeconds });
}

/**
 * Checks a code with one step of clock drift either way. A code is accepted once: the time step
 * it matched must be later than the last one accepted (replay protection).
 */
export function checkTotp(secret: string, code: string, lastTimeStep: number | null, epochSeconds = Math.floor(Date.now() / 1000)): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const result = verifySync({ secret, token: code, epoch: epochSeconds, epochTolerance: PERIOD, afterTimeStep: lastTimeStep ?? undefined });
  return result.valid && 'timeStep' in result ? result.timeStep : null;
}
