import { createHmac, timingSafeEqual } from 'node:crypto';

/** The header carrying the signature: `t=<unix seconds>,v1=<hex HMAC-SHA256 of "<t>.<raw body>">`. */
export const SIGNATURE_HEADER = 'x-hm-signature';
/** How far a receiver should accept the timestamp from its own clock, in seconds (replay window). */
export const DEFAULT_TOLERANCE_SECONDS = 300;

export function signWebhook(secret: string, body: string, timestamp = Math.floor(Date.now() / 1000)): string {
  const mac = createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex');
  return `t=${timestamp},v1=${mac}`;
}

/**
 * What a receiver does: parse the header, refuse a timestamp outside the tolerance (a replayed request), recompute the
 * HMAC over `<t>.<raw body>` and compare in constant time. Any `v1` may match (several during a secret rotation).
 */
export function verifyWebhook(
  secret: string,
  header: string | undefined,
  body: string,
  now = Math.floor(Date.now() / 1000),
  tolerance = DEFAULT_TOLERANCE_SECONDS,
): 'ok' | 'malformed' | 'expired' | 'mismatch' {
  if (!header) return 'malformed';
  const parts = header.split(',').map((p) => p.trim().split('='));
  const t = Number(parts.find(([k]) => k === 't')?.[1]);
  const signatures = parts.filter(([k]) => k === 'v1').map(([, v]) => v);
  if (!Number.isInteger(t) || signatures.length === 0) return 'malformed';
  if (Math.abs(now - t) > tolerance) return 'expired';
  const expected = Buffer.from(createHmac('sha256', secret).update(`${t}.${body}`).digest('hex'));
  return signatures.some((s) => s.length === expected.length && timingSafeEqual(Buffer.from(s), expected)) ? 'ok' : 'mismatch';
}
