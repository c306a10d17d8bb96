import { type CanActivate, type ExecutionContext, Inject, Injectable, Logger, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { Response } from 'express';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../../config/index.js';
import { DomainError } from '../errors/index.js';
import { REDIS } from '../redis/redis.module.js';
import type { RequestWithAuth } from './auth-context.js';
import { ROUTE_ACCESS, type RouteAccess } from './route-access.js';

export interface RateLimitRule {
  name: string;
  /** A number, or read from the configuration (so operators can tune it). */
  limit: number | ((config: AppConfig) => number);
  windowSeconds: number;
}

export const RATE_LIMIT = 'hm:rate-limit';
/** Every public route without its own rule gets this one, per client IP. */
export const PUBLIC_DEFAULT: RateLimitRule = { name: 'public', limit: (c) => c.RATE_LIMIT_PUBLIC_PER_MINUTE, windowSeconds: 60 };

export const RateLimit = (rule: RateLimitRule) => SetMetadata(RATE_LIMIT, rule);

/**
 * Fixed-window limits per client IP, counted in Redis so every API process shares them.
 * If Redis is unreachable the request goes through (availability over throttling) and a warning is logged.
 */
@Injectable()
export class RateLimitGuard implements CanActivate {
  private readonly logger = new Logger(RateLimitGuard.name);

  constructor(
    private readonly reflector: Reflector,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    const explicit = this.reflector.getAllAndOverride<RateLimitRule | undefined>(RATE_LIMIT, targets);
    const access = this.reflector.getAllAndOverride<RouteAccess | undefined>(ROUTE_ACCESS, targets);
    const rule = explicit ?? (access?.kind === 'public' ? PUBLIC_DEFAULT : undefined);
    if (!rule) return true;
    const req = context.switchToHttp().getRequest<RequestWithAuth>();
    const window = Math.floor(Date.now() / (rule.windowSeconds * 1000));
    const key = `{${this.config.QUEUE_PREFIX}}:rl:${rule.name}:${req.ip ?? 'unknown'}:${window}`;
    let count: number;
    try {
      const [[, incr]] = (await this.redis
        .multi()
        .incr(key)
        .expire(key, rule.windowSeconds + 1)
        .exec()) as [[Error | null, number], [Error | null, number]];
      count = incr;
    } catch (err) {
      this.logger.warn({ err, rule: rule.name }, 'rate limit not enforced: Redis unavailable');
      return true;
    }
    const limit = typeof rule.limit === 'number' ? rule.limit : rule.limit(this.config);
    const res = context.switchToHttp().getResponse<Response>();
    res.setHeader('RateLimit-Limit', String(limit));
    res.setHeader('RateLimit-Remaining', String(Math.max(0, limit - count)));
    if (count > limit) {
      const retryAfter = rule.windowSeconds - (Math.floor(Date.now() / 1000) % rule.windowSeconds);
      res.setHeader('Retry-After', String(retryAfter));
      throw new DomainError('rate_limited', `Too many requests: try again in ${retryAfter} s`, 429);
    }
    return true;
  }
}
