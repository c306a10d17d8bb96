import { InjectQueue } from '@nestjs/bullmq';
import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import { QueueName } from '../queue/index.js';

export interface CheckResult {
  status: 'ok' | 'fail';
  ms: number;
  detail?: string;
}

export interface Readiness {
  status: 'ok' | 'fail';
  checks: { postgres: CheckResult; migrations: CheckResult; redis: CheckResult };
}

const TIMEOUT_MS = 2000;

@Injectable()
export class HealthService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @InjectQueue(QueueName.Maintenance) private readonly queue: Queue,
  ) {}

  async readiness(): Promise<Readiness> {
    const [postgres, migrations, redis] = await Promise.all([
      check(async () => {
        await this.dataSource.query('SELECT 1');
      }),
      check(async () => {
        if (await this.dataSource.showMigrations()) throw new Error('pending migrations');
      }),
      check(async () => {
        await this.queue.getJobCounts('waiting');
      }),
    ]);
    const status = [postgres, migrations, redis].every((c) => c.status === 'ok') ? 'ok' : 'fail';
    return { status, checks: { postgres, migrations, redis } };
  }
}

async function check(fn: () => Promise<void>): Promise<CheckResult> {
  const started = performance.now();
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      fn(),
      new Promise((_, reject) => {
        timer = setTimeout(() => reject(new Error(`timed out after ${TIMEOUT_MS} ms`)), TIMEOUT_MS);
      }),
    ]);
    return { status: 'ok', ms: Math.round(performance.now() - started) };
  } catch (err) {
    // Only the error class and its message: these come from drivers, never from PHI.
    return { status: 'fail', ms: Math.round(performance.now() - started), detail: err instanceof Error ? err.message : 'failed' };
  } finally {
    clearTimeout(timer);
  }
}
