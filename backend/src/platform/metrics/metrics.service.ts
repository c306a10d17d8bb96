import { timingSafeEqual } from 'node:crypto';
import { getQueueToken } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import { collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../../config/index.js';
import { QueueName } from '../queue/index.js';

const QUEUE_STATES = ['waiting', 'active', 'delayed', 'failed', 'completed'] as const;

/**
 * Prometheus metrics for operators: process metrics, HTTP latency by route template (never a
 * concrete path: ids stay out of labels), and, read at scrape time from Redis and Postgres so
 * every worker's work counts, queue depths, job failures, send rate and drops by reason.
 */
@Injectable()
export class MetricsService {
  readonly registry = new Registry();
  readonly httpDuration: Histogram<'method' | 'route' | 'status'>;

  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectDataSource() private readonly db: DataSource,
    private readonly moduleRef: ModuleRef,
  ) {
    collectDefaultMetrics({ register: this.registry, prefix: 'hm_' });
    this.httpDuration = new Histogram({
      name: 'hm_http_request_duration_seconds',
      help: 'HTTP request latency by method, route template and status',
      labelNames: ['method', 'route', 'status'],
      buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
      registers: [this.registry],
    });
    const queues = () => Object.values(QueueName).map((name) => [name, this.moduleRef.get<Queue>(getQueueToken(name), { strict: false })] as const);
    new Gauge({
      name: 'hm_queue_jobs',
      help: 'BullMQ jobs by queue and state (failed = job failures kept for inspection)',
      labelNames: ['queue', 'state'],
      registers: [this.registry],
      collect: async function () {
        for (const [name, queue] of queues()) {
          const counts = await queue.getJobCounts(...QUEUE_STATES);
          for (const state of QUEUE_STATES) this.set({ queue: name, state }, counts[state] ?? 0);
        }
      },
    });
    const database = this.db;
    new Gauge({
      name: 'hm_deliveries',
      help: 'Deliveries by status',
      labelNames: ['status'],
      registers: [this.registry],
      collect: async function () {
        this.reset();
        const rows = await database.query<{ status: string; n: number }[]>(`SELECT status, count(*)::int AS n FROM deliveries GROUP BY status`);
        for (const r of rows) this.set({ status: r.status }, r.n);
      },
    });
    new Gauge({
      name: 'hm_deliveries_sent_last_minute',
      help: 'Messages accepted by receiving servers in the last 60 seconds (send rate)',
      registers: [this.registry],
      collect: async function () {
        const [row] = await database.query<[{ n: number }]>(
          `SELECT count(*)::int AS n FROM deliveries WHERE status = 'sent' AND sent_at > now() - interval '1 minute'`,
        );
        this.set(row.n);
      },
    });
    new Gauge({
      name: 'hm_deliveries_dropped_last_day',
      help: 'Messages dropped in the last 24 hours by status and reason (no TLS, consent, suppression, frequency cap)',
      labelNames: ['status', 'reason'],
      registers: [this.registry],
      collect: async function () {
        this.reset();
        const rows = await database.query<{ status: string; reason: string | null; n: number }[]>(
          `SELECT status, reason, count(*)::int AS n FROM deliveries WHERE status LIKE 'dropped%' AND updated_at > now() - interval '1 day' GROUP BY 1, 2`,
        );
        for (const r of rows) this.set({ status: r.status, reason: r.reason ?? 'unknown' }, r.n);
      },
    });
  }

  /** True when the bearer token matches METRICS_TOKEN (compared in constant time). */
  authorized(header: string | undefined): boolean {
    const token = this.config.METRICS_TOKEN;
    if (!token || !header?.startsWith('Bearer ')) return false;
    const given = Buffer.from(header.slice(7));
    const expected = Buffer.from(token);
    return given.length === expected.length && timingSafeEqual(given, expected);
  }
}
