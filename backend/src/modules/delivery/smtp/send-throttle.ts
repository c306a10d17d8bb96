import { Inject, Injectable } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../../../config/index.js';
import { REDIS } from '../../../platform/redis/redis.module.js';

/**
 * Sending rates shared by every worker process through Redis fixed windows: a global messages-per-second
 * ceiling and a per-recipient-domain messages-per-minute ceiling (large mailbox providers throttle senders
 * that burst). A limit of 0 means none, and then no Redis round trip is made.
 */
@Injectable()
export class SendThrottle {
  private readonly prefix: string;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: Redis,
  ) {
    this.prefix = `{${config.QUEUE_PREFIX}}:rate`;
  }

  get active(): boolean {
    return this.config.DELIVERY_RATE_PER_SECOND > 0 || this.config.DELIVERY_DOMAIN_RATE_PER_MINUTE > 0;
  }

  /** Waits until one more message may go to `domain`. */
  async take(domain: string): Promise<void> {
    if (this.config.DELIVERY_DOMAIN_RATE_PER_MINUTE > 0) await this.window(`${this.prefix}:d:${domain}`, 60_000, this.config.DELIVERY_DOMAIN_RATE_PER_MINUTE);
    if (this.config.DELIVERY_RATE_PER_SECOND > 0) await this.window(`${this.prefix}:g`, 1_000, this.config.DELIVERY_RATE_PER_SECOND);
  }

  private async window(base: string, sizeMs: number, limit: number): Promise<void> {
    for (;;) {
      const now = Date.now();
      const slot = Math.floor(now / sizeMs);
      const key = `${base}:${String(slot)}`;
      const [[, count]] = (await this.redis
        .multi()
        .incr(key)
        .pexpire(key, sizeMs * 2)
        .exec()) as [[Error | null, number], unknown];
      if (count <= limit) return;
      await new Promise((resolve) => setTimeout(resolve, (slot + 1) * sizeMs - now + 5));
    }
  }
}
