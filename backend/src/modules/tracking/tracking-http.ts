import type { Request } from 'express';
import type { RateLimitRule } from '../../platform/http/index.js';
import type { HitRequest } from './tracking.service.js';

/**
 * Opens and clicks arrive through mailbox providers' image proxies and security gateways, where one IP address
 * stands for thousands of readers: the per-IP limit of public pages would drop real events.
 */
export const TRACKING_RATE_LIMIT: RateLimitRule = { name: 'tracking', limit: (c) => c.RATE_LIMIT_PUBLIC_PER_MINUTE * 20, windowSeconds: 60 };

/** The facts a hit is judged on. The user agent is classified and dropped; the IP address is never read. */
export function hitOf(req: Request): HitRequest {
  return { method: req.method, userAgent: req.get('user-agent')?.slice(0, 400) ?? null };
}
