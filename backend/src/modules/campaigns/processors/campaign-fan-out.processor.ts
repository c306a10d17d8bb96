import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { JobName, type JobPayloads, QueueName } from '../../../platform/queue/index.js';
import { CampaignSender, type FanOutResult } from '../campaign-sender.service.js';

/** One fan-out per campaign: a short lock so a killed worker's job is picked up again within seconds; the advisory lock keeps it single. */
@Processor(QueueName.Campaigns, { concurrency: 2, lockDuration: 10_000, stalledInterval: 5_000, maxStalledCount: 20 })
export class CampaignFanOutProcessor extends WorkerHost {
  constructor(private readonly sender: CampaignSender) {
    super();
  }

  async process(job: Job<JobPayloads[JobName.CampaignsFanOut]>): Promise<{ result: FanOutResult }> {
    if (job.name !== (JobName.CampaignsFanOut as string)) throw new Error(`no handler for job ${job.name}`);
    return { result: await this.sender.fanOut(job.data.campaignId) };
  }
}
