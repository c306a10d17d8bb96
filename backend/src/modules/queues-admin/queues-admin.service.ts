import { getQueueToken } from '@nestjs/bullmq';
import { Injectable, type OnModuleInit } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import type { Job, Queue } from 'bullmq';
import { DomainError } from '../../platform/errors/index.js';
import { scrubText } from '../../platform/logging/index.js';
import { QueueName } from '../../platform/queue/index.js';
import { type AuditActor, AuditService } from '../audit/index.js';
import { describeJobData, type JobDataField } from './job-data.js';

/** The states the dashboard lists jobs in. */
export const LISTED_STATES = ['failed', 'delayed', 'waiting', 'active', 'completed'] as const;
export type ListedState = (typeof LISTED_STATES)[number];

export interface QueueCounts {
  /** Ready to run (waiting and prioritized); held while the queue is paused. */
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
  completed: number;
  /** The waiting jobs a pause holds back: BullMQ 6 keeps them in the wait list and flags the queue, so this is `waiting` while paused, else 0. */
  paused: number;
}

export interface QueueSummary {
  name: string;
  isPaused: boolean;
  counts: QueueCounts;
}

export interface JobView {
  id: string;
  name: string;
  state: string;
  attemptsMade: number;
  /** The attempts the job is allowed before it stays failed. */
  maxAttempts: number;
  createdAt: string;
  processedAt: string | null;
  finishedAt: string | null;
  /** When a delayed job becomes due. */
  runAt: string | null;
  /** The last error's message, scrubbed of anything that looks like an address, date or long number. */
  failedReason: string | null;
  data: JobDataField[];
}

const iso = (ms: number | undefined | null): string | null => (ms ? new Date(ms).toISOString() : null);

/**
 * The operator's view of the BullMQ queues the platform defines: counts, jobs by state, and the
 * few interventions an operator needs (retry a failed job, remove a job, pause and resume a
 * queue). Every intervention is audited. Job payloads are shown as keys and ids only.
 */
@Injectable()
export class QueuesAdminService implements OnModuleInit {
  private readonly queues = new Map<string, Queue>();

  constructor(
    private readonly moduleRef: ModuleRef,
    private readonly audit: AuditService,
  ) {}

  onModuleInit() {
    for (const name of Object.values(QueueName)) this.queues.set(name, this.moduleRef.get<Queue>(getQueueToken(name), { strict: false }));
  }

  async list(): Promise<{ data: QueueSummary[]; total: number }> {
    const data = await Promise.all([...this.queues.entries()].map(([name, queue]) => summary(name, queue)));
    return { data, total: data.length };
  }

  async get(name: string): Promise<QueueSummary> {
    return summary(name, this.queue(name));
  }

  async jobs(name: string, state: ListedState, page: { offset: number; limit: number }): Promise<{ data: JobView[]; total: number }> {
    const queue = this.queue(name);
    const [jobs, total] = await Promise.all([
      // Newest first, except for delayed jobs, which read best in the order they fall due.
      queue.getJobs([state], page.offset, page.offset + page.limit - 1, state === 'delayed'),
      queue.getJobCountByTypes(state),
    ]);
    // A job removed between the range read and its hash read comes back undefined, whatever the type says.
    const found = (jobs as (Job | undefined)[]).filter((job): job is Job => job !== undefined);
    return { data: found.map((job) => view(job, state)), total };
  }

  /** Puts a failed job back in the wait list with its attempts reset. */
  async retry(name: string, jobId: string, actor: AuditActor): Promise<JobView> {
    const job = await this.job(name, jobId);
    const state = await job.getState();
    if (state !== 'failed') throw new DomainError('job_not_failed', `Only a failed job can be retried; this one is ${state}.`, 409);
    try {
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
    } catch {
      throw new DomainError('job_not_failed', 'The job changed state before it could be retried.', 409);
    }
    await this.audit.record({ actor, action: 'queue.job-retried', subject: { type: 'queue', id: name }, details: { jobId, jobName: job.name } });
    return view(job, 'waiting');
  }

  async remove(name: string, jobId: string, actor: AuditActor): Promise<void> {
    const job = await this.job(name, jobId);
    const state = await job.getState();
    if (state === 'active') throw new DomainError('job_active', 'The job is running; it can be removed once it has finished or failed.', 409);
    try {
      await job.remove();
    } catch {
      // The only refusal left is a lock: a worker picked the job up in the meantime.
      throw new DomainError('job_active', 'The job is running; it can be removed once it has finished or failed.', 409);
    }
    await this.audit.record({ actor, action: 'queue.job-removed', subject: { type: 'queue', id: name }, details: { jobId, jobName: job.name, state } });
  }

  /** Workers stop taking new jobs from the queue (the running ones finish); delayed jobs keep falling due into the wait list. */
  async pause(name: string, actor: AuditActor): Promise<QueueSummary> {
    const queue = this.queue(name);
    await queue.pause();
    await this.audit.record({ actor, action: 'queue.paused', subject: { type: 'queue', id: name } });
    return summary(name, queue);
  }

  async resume(name: string, actor: AuditActor): Promise<QueueSummary> {
    const queue = this.queue(name);
    await queue.resume();
    await this.audit.record({ actor, action: 'queue.resumed', subject: { type: 'queue', id: name } });
    return summary(name, queue);
  }

  private queue(name: string): Queue {
    const queue = this.queues.get(name);
    if (queue) return queue;
    // The name came from the URL: it is echoed only when it is a plausible queue name.
    const shown = /^[a-z0-9-]{1,40}$/.test(name) ? `"${name}"` : 'of that name';
    throw new DomainError('queue_not_found', `There is no queue ${shown}. Queues: ${[...this.queues.keys()].join(', ')}.`, 404);
  }

  private async job(name: string, jobId: string): Promise<Job> {
    const job = await this.queue(name).getJob(jobId);
    if (!job) throw new DomainError('job_not_found', `Queue "${name}" has no job with that id.`, 404);
    return job;
  }
}

async function summary(name: string, queue: Queue): Promise<QueueSummary> {
  const [c, isPaused] = await Promise.all([queue.getJobCounts('waiting', 'prioritized', 'active', 'delayed', 'failed', 'completed'), queue.isPaused()]);
  const n = (key: string) => c[key] ?? 0;
  const waiting = n('waiting') + n('prioritized');
  return {
    name,
    isPaused,
    counts: { waiting, active: n('active'), delayed: n('delayed'), failed: n('failed'), completed: n('completed'), paused: isPaused ? waiting : 0 },
  };
}

function view(job: Job, state: string): JobView {
  return {
    id: String(job.id),
    name: job.name,
    state,
    attemptsMade: job.attemptsMade,
    maxAttempts: job.opts.attempts ?? 1,
    createdAt: new Date(job.timestamp).toISOString(),
    processedAt: iso(job.processedOn),
    finishedAt: iso(job.finishedOn),
    runAt: job.delay ? iso(job.timestamp + job.delay) : null,
    failedReason: job.failedReason ? scrubText(job.failedReason).slice(0, 500) : null,
    data: describeJobData(job.data),
  };
}
