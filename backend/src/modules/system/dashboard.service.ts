import { getQueueToken } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';

import type { Queue } from 'bullmq';
import { APP_VERSION } from '../../platform/process/process-role.js';
import { QueueName } from '../../platform/queue/index.js';
import { HeartbeatService, type ProcessStatus } from './heartbeat.service.js';

/** A module that has something to count on the dashboard provides one of these. */
export interface DashboardCounter {
  key: string;
  count(): Promise<number>;
}

export interface QueueStatus {
  name: string;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

export interface DashboardSummary {
  version: string;
  counts: Record<string, number>;
  processes: ProcessStatus[];
  queues: QueueStatus[];
}

@Injectable()
export class DashboardService {
  constructor(
    private readonly heartbeats: HeartbeatService,
    private readonly moduleRef: ModuleRef,
  ) {}

  private readonly counters: DashboardCounter[] = [];

  /** Modules register their counters when they initialise. */
  register(counter: DashboardCounter) {
    if (this.counters.some((c) => c.key === counter.key)) throw new Error(`dashboard counter ${counter.key} registered twice`);
    this.counters.push(counter);
  }

  async summary(): Promise<DashboardSummary> {
    const [counts, processes, queues] = await Promise.all([
      Promise.all(this.counters.map(async (c) => [c.key, await c.count()] as const)).then((entries) => Object.fromEntries(entries)),
      this.heartbeats.list(),
      Promise.all(Object.values(QueueName).map((name) => queueStatus(this.moduleRef.get<Queue>(getQueueToken(name), { strict: false })))),
    ]);
    return { version: APP_VERSION, counts, processes, queues };
  }
}

async function queueStatus(queue: Queue): Promise<QueueStatus> {
  const c: Partial<Record<string, number>> = await queue.getJobCounts('waiting', 'active', 'delayed', 'failed');
  return { name: queue.name, waiting: c.waiting ?? 0, active: c.active ?? 0, delayed: c.delayed ?? 0, failed: c.failed ?? 0 };
}
