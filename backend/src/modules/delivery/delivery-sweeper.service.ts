import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { JobName, QueueName } from '../../platform/queue/index.js';
import { EngagementService } from '../engagement/index.js';
import { DeliveryService } from './delivery.service.js';
import { DomainTlsService } from './domain-tls.service.js';

const EVERY_MS = 60_000;

/** Scheduler side: re-queues deliveries whose job was lost, queues due domain probes, and keeps engagement partitions ahead. */
@Injectable()
export class DeliverySweeperService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(DeliverySweeperService.name);
  private timer?: NodeJS.Timeout;

  constructor(
    private readonly deliveries: DeliveryService,
    private readonly domains: DomainTlsService,
    private readonly engagement: EngagementService,
    @InjectQueue(QueueName.Delivery) private readonly queue: Queue,
  ) {}

  onApplicationBootstrap() {
    this.timer = setInterval(() => {
      this.sweep().catch((err: unknown) => {
        this.logger.warn({ code: (err as { code?: string }).code }, 'delivery sweep failed');
      });
    }, EVERY_MS);
    this.timer.unref();
  }

  async sweep(): Promise<{ requeued: number; probes: number }> {
    const requeued = await this.deliveries.requeueOverdue();
    const due = await this.domains.dueForProbe();
    // One probe job per domain and hour at most: the job id deduplicates across schedulers.
    const hour = new Date().toISOString().slice(0, 13);
    await this.queue.addBulk(
      due.map((domain) => ({ name: JobName.DeliveryProbeDomain, data: { domain }, opts: { jobId: `probe:${domain}:${hour}`, attempts: 1 } })),
    );
    await this.engagement.ensurePartitions();
    if (requeued) this.logger.log({ requeued }, 'overdue deliveries re-queued');
    return { requeued, probes: due.length };
  }

  onApplicationShutdown() {
    clearInterval(this.timer);
  }
}
