import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Redis } from 'ioredis';
import { APP_CONFIG, type AppConfig } from '../../config/index.js';
import { REDIS } from '../../platform/redis/redis.module.js';
import { DeliveryService } from '../delivery/index.js';
import { CampaignSender } from './campaign-sender.service.js';
import { CampaignRepository } from './campaign.repository.js';

/**
 * Scheduler side: starts campaigns when due, decides A/B tests, marks finished campaigns sent, and heals what a
 * killed worker or a flushed Redis lost, from Postgres: deliveries stuck in `sending` and overdue ones are queued
 * again, a missing fan-out job is added again, and when Redis has lost its data (a marker key is gone) every
 * pending delivery of a sending campaign is queued again at its own time. Intervals come from CAMPAIGN_* settings.
 */
@Injectable()
export class CampaignSweeperService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(CampaignSweeperService.name);
  private readonly markerKey: string;
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @Inject(REDIS) private readonly redis: Redis,
    private readonly repo: CampaignRepository,
    private readonly sender: CampaignSender,
    private readonly deliveries: DeliveryService,
  ) {
    this.markerKey = `{${config.QUEUE_PREFIX}}:campaigns:redis-marker`;
  }

  onApplicationBootstrap() {
    this.timer = setInterval(() => void this.tick(), this.config.CAMPAIGN_SWEEP_SECONDS * 1000);
    this.timer.unref();
  }

  onApplicationShutdown() {
    clearInterval(this.timer);
  }

  private async tick(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      await this.sweep();
    } catch (err) {
      this.logger.warn({ code: (err as { code?: string }).code }, 'campaign sweep failed');
    } finally {
      this.running = false;
    }
  }

  async sweep(): Promise<{ started: number; requeued: number; redisLost: boolean }> {
    // SET NX succeeds only when the key is missing: on the first sweep ever, or after Redis lost its data.
    const redisLost = (await this.redis.set(this.markerKey, new Date().toISOString(), 'NX')) === 'OK';
    let started = 0;
    let requeued = 0;
    for (const c of await this.repo.active()) {
      if (c.status === 'scheduled') {
        if (c.send_at && c.send_at.getTime() <= Date.now() && (await this.sender.start(c.id))) started++;
        continue;
      }
      if (redisLost) requeued += await this.deliveries.reschedule(c.id);
      requeued += await this.deliveries.requeueOverdue({
        campaignId: c.id,
        stuckAfterSeconds: this.config.CAMPAIGN_STUCK_SENDING_SECONDS,
        overdueAfterSeconds: this.config.CAMPAIGN_REQUEUE_AFTER_SECONDS,
      });
      if (c.status === 'paused') {
        // Re-applied each time: covers rows a fan-out batch wrote while the pause landed, and rows back from a lost worker.
        await this.deliveries.pause(c.id);
        continue;
      }
      const limit = c.fanout_limit ?? c.audience_count;
      if (c.snapshot_at === null || (limit !== null && c.fanout_position < limit)) await this.sender.ensureFanOut(c.id);
      else if (c.ab_phase === 'testing') await this.sender.decideWinner(c.id);
      else await this.sender.completeIfDone(c.id);
    }
    for (const id of await this.repo.recentlyCancelled()) await this.deliveries.cancel(id);
    if (started || requeued || redisLost) this.logger.log({ started, requeued, redisLost }, 'campaign sweep');
    return { started, requeued, redisLost };
  }
}
