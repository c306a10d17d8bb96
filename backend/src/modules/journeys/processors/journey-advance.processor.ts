import { Processor, WorkerHost } from '@nestjs/bullmq';
import type { Job } from 'bullmq';
import { JobName, type JobPayloads, QueueName } from '../../../platform/queue/index.js';
import { JourneyRunner } from '../journey-runner.js';

/** Journey jobs: enrollment ids due now, or a wake-up at which every due enrollment runs. Re-runs are safe: the rows decide. */
@Processor(QueueName.Journeys, { concurrency: 4, lockDuration: 60_000 })
export class JourneyAdvanceProcessor extends WorkerHost {
  constructor(private readonly runner: JourneyRunner) {
    super();
  }

  async process(job: Job<JobPayloads[JobName.JourneysAdvance] | JobPayloads[JobName.JourneysWake]>): Promise<{ ran: number }> {
    if (job.name === (JobName.JourneysAdvance as string))
      return { ran: await this.runner.advance((job.data as JobPayloads[JobName.JourneysAdvance]).enrollmentIds) };
    if (job.name === (JobName.JourneysWake as string)) return { ran: await this.runner.runDue() };
    throw new Error(`no handler for job ${job.name}`);
  }
}
