import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Redis } from 'ioredis';
import type { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../../config/index.js';
import { REDIS } from '../../platform/redis/redis.module.js';
import type { EngagementEvent, EngagementType, StoredEngagementEvent } from './engagement.types.js';

interface EventRow {
  id: string;
  occurred_at: Date;
  type: EngagementType;
  contact_id: string | null;
  delivery_id: string | null;
  campaign_id: string | null;
  journey_id: string | null;
  machine: boolean;
  detail: Record<string, string | number | boolean | null>;
}

/**
 * Owns engagement_events: stores every event and publishes it on a Redis stream (ids and types only) that
 * journeys and webhooks consume. Postgres stays the source of truth; the stream is a wake-up signal.
 */
@Injectable()
export class EngagementService {
  private readonly logger = new Logger(EngagementService.name);
  private readonly stream: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) config: AppConfig,
  ) {
    this.stream = `{${config.QUEUE_PREFIX}}:engagement`;
  }

  /** Stores events (in the caller's transaction when given) and publishes them once stored. */
  async record(events: readonly EngagementEvent[], manager?: EntityManager): Promise<string[]> {
    if (events.length === 0) return [];
    const rows = await (manager ?? this.dataSource).query<{ id: string }[]>(
      `INSERT INTO engagement_events (occurred_at, type, contact_id, delivery_id, campaign_id, journey_id, machine, detail)
       SELECT * FROM unnest($1::timestamptz[], $2::text[], $3::bigint[], $4::bigint[], $5::bigint[], $6::bigint[], $7::boolean[], $8::jsonb[])
       RETURNING id`,
      [
        events.map((e) => e.occurredAt ?? new Date()),
        events.map((e) => e.type),
        events.map((e) => e.contactId),
        events.map((e) => e.deliveryId),
        events.map((e) => e.campaignId ?? null),
        events.map((e) => e.journeyId ?? null),
        events.map((e) => e.machine ?? false),
        events.map((e) => JSON.stringify(e.detail ?? {})),
      ],
    );
    const ids = rows.map((r) => r.id);
    void this.publish(events, ids);
    return ids;
  }

  /** Events of one delivery, oldest first: the per-message timeline. */
  async forDelivery(deliveryId: string): Promise<StoredEngagementEvent[]> {
    const rows = await this.dataSource.query<EventRow[]>(`SELECT * FROM engagement_events WHERE delivery_id = $1 ORDER BY occurred_at, id`, [deliveryId]);
    return rows.map(toView);
  }

  /** Events after a cursor, for consumers that page through the stream of record. */
  async after(afterId: string, limit: number, types?: readonly EngagementType[]): Promise<StoredEngagementEvent[]> {
    const sql = `SELECT * FROM engagement_events WHERE id > $1 AND ($2::text[] IS NULL OR type = ANY($2)) ORDER BY id LIMIT $3`;
    const rows = await this.dataSource.query<EventRow[]>(sql, [afterId, types ?? null, limit]);
    return rows.map(toView);
  }

  /** Creates this month's and the next two months' partitions (called by the maintenance sweep). */
  async ensurePartitions(now = new Date()): Promise<void> {
    await this.dataSource.query(
      `SELECT ensure_engagement_partition((date_trunc('month', $1::timestamptz) + make_interval(months => m))::date) FROM generate_series(0, 2) AS m`,
      [now],
    );
  }

  private async publish(events: readonly EngagementEvent[], ids: string[]): Promise<void> {
    try {
      const pipeline = this.redis.pipeline();
      events.forEach((e, i) => {
        pipeline.xadd(
          this.stream,
          'MAXLEN',
          '~',
          '100000',
          '*',
          'id',
          ids[i] ?? '',
          'type',
          e.type,
          'contact',
          e.contactId ?? '',
          'delivery',
          e.deliveryId ?? '',
        );
      });
      await pipeline.exec();
    } catch (err) {
      // The table is the record; consumers catch up from it by id.
      this.logger.warn({ code: (err as { code?: string }).code }, 'engagement publish failed');
    }
  }
}

function toView(r: EventRow): StoredEngagementEvent {
  return {
    id: r.id,
    occurredAt: r.occurred_at.toISOString(),
    type: r.type,
    contactId: r.contact_id,
    deliveryId: r.delivery_id,
    campaignId: r.campaign_id,
    journeyId: r.journey_id,
    machine: r.machine,
    detail: r.detail,
  };
}
