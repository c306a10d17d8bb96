import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { JobName, type JobPayloads, QueueName } from '../../../platform/queue/index.js';
import { KeyRotationService } from '../key-rotation.service.js';

@Processor(QueueName.Crypto)
export class CryptoReencryptProcessor extends WorkerHost {
  constructor(private readonly rotation: KeyRotationService) {
    super();
  }

  async process(job: Job<JobPayloads[JobName.CryptoReencrypt]>): Promise<void> {
    if (job.name !== (JobName.CryptoReencrypt as string)) throw new Error(`no handler for job ${job.name}`);
    await this.rotation.run(job.data.rotationId);
  }
}
