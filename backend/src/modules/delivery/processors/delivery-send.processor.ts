import { Processor, WorkerHost } from '@nestjs/bullmq';
import { Inject, type OnApplicationBootstrap } from '@nestjs/common';
import type { Job } from 'bullmq';
import { APP_CONFIG, type AppConfig } from '../../../config/index.js';
import { JobName, type JobPayloads, QueueName } from '../../../platform/queue/index.js';
import { DeliveryPipeline } from '../delivery-pipeline.js';
import { DeliveryService } from '../delivery.service.js';
import { DomainTlsService } from '../domain-tls.service.js';

/** Delivery jobs: a batch of delivery ids to send, or a domain to probe. Retries are safe: the rows decide. */
// Started by hand once DELIVERY_CONCURRENCY is applied: a worker that ran at once would take more batches than configured.
@Processor(QueueName.Delivery, { concurrency: 1, lockDuration: 120_000, autorun: false })
export class DeliverySendProcessor extends WorkerHost implements OnApplicationBootstrap {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly pipeline: DeliveryPipeline,
    private readonly deliveries: DeliveryService,
    private readonly domains: DomainTlsService,
  ) {
    super();
  }

  onApplicationBootstrap() {
    this.worker.concurrency = this.config.DELIVERY_CONCURRENCY;
    this.worker.run().catch((err: unknown) => this.worker.emit('error', err instanceof Error ? err : new Error(String(err))));
  }

  async process(job: Job<JobPayloads[JobName.DeliverySend] | JobPayloads[JobName.DeliveryProbeDomain]>): Promise<unknown> {
    if (job.name === (JobName.DeliveryProbeDomain as string)) {
      const { domain } = job.data as JobPayloads[JobName.DeliveryProbeDomain];
      return { status: (await this.domains.probe(domain)).status };
    }
    if (job.name !== (JobName.DeliverySend as string)) throw new Error(`no handler for job ${job.name}`);
    const { deliveryIds } = job.data as JobPayloads[JobName.DeliverySend];
    const result = await this.pipeline.process(deliveryIds);
    for (const { id, at } of result.retry) await this.deliveries.schedule([id], [at]);
    return { processed: result.processed, retry: result.retry.length };
  }
}
