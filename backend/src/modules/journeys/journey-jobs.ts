import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import type { Queue } from 'bullmq';
import { JobName, type JobPayloads, QueueName } from '../../platform/queue/index.js';
import { JourneyClock } from './journey-clock.js';

/** Enrollments per advance job: small enough that several workers share a burst. */
export const ADVANCE_BATCH = 100;

/**
 * The journeys queue. `advance` carries enrollment ids that are due now (new enrollments, an event that moved
 * them); `wake` carries nothing but a time: at that second the worker runs every enrollment then due, so
 * thousands of waits ending together cost one delayed job, not one each. Wake jobs are deduplicated per second
 * and removed once done, so a later wake for the same second can be queued again.
 */
@Injectable()
export class JourneyJobs {
  constructor(
    @InjectQueue(QueueName.Journeys) private readonly queue: Queue,
    private readonly clock: JourneyClock,
  ) {}

  async advance(enrollmentIds: readonly string[]): Promise<void> {
    if (enrollmentIds.length === 0) return;
    const jobs: { name: string; data: JobPayloads[JobName.JourneysAdvance]; opts: { attempts: number; removeOnComplete: boolean } }[] = [];
    for (let i = 0; i < enrollmentIds.length; i += ADVANCE_BATCH) {
      jobs.push({
        name: JobName.JourneysAdvance,
        data: { enrollmentIds: enrollmentIds.slice(i, i + ADVANCE_BATCH) },
        opts: { attempts: 5, removeOnComplete: true },
      });
    }
    await this.queue.addBulk(jobs);
  }

  /** One delayed wake job per distinct second among `times` (journey time). */
  async wakeAt(times: readonly Date[]): Promise<void> {
    const seconds = new Set(times.map((t) => Math.ceil(t.getTime() / 1000)));
    if (seconds.size === 0) return;
    await this.queue.addBulk(
      [...seconds].map((s) => ({
        name: JobName.JourneysWake,
        data: { at: new Date(s * 1000).toISOString() },
        opts: { jobId: `wake-${String(s)}`, delay: this.clock.delayUntil(new Date(s * 1000)), attempts: 5, removeOnComplete: true, removeOnFail: 1000 },
      })),
    );
  }

  async wakeNow(): Promise<void> {
    await this.wakeAt([this.clock.now()]);
  }
}
