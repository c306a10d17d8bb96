import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { JobName, type JobPayloads, QueueName } from '../../../platform/queue/index.js';
import { WebhooksService } from '../webhooks.service.js';

/** One delivery attempt per job; the row decides whether there is anything to do, so a duplicate job is harmless. */
@Processor(QueueName.Webhooks, { concurrency: 8 })
export class WebhooksDeliverProcessor extends WorkerHost {
  constructor(private readonly webhooks: WebhooksService) {
    super();
  }

  async process(job: Job<JobPayloads[JobName.WebhooksDeliver]>): Promise<unknown> {
    if (job.name !== (JobName.WebhooksDeliver as string)) throw new Error(`no handler for job ${job.name}`);
    return { status: await this.webhooks.attempt(job.data.deliveryId) };
  }
}
