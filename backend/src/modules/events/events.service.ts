import { nextIds } from '../../platform/database/index.js';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Redis } from 'ioredis';
import type { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../../config/index.js';
import { REDIS } from '../../platform/redis/redis.module.js';
import { CryptoService } from '../crypto/index.js';
import type { ContactEventInput, EventProperties, EventSource, RecordedEvent, StoredContactEvent } from './events.types.js';

interface EventRow {
  id: string;
  contact_id: string;
  type: string;
  occurred_at: Date;
  source: EventSource;
  recorded_at: Date;
}

/**
 * Owns contact_events: what happened to a contact outside e-mail (EHR visits, appointments, custom events from the
 * events API). Stores each event once per idempotency key, then publishes ids and types on a Redis stream
 * (`{prefix}:contact-events`) that journeys can consume; Postgres stays the record, consumers page it by id.
 */
@Injectable()
export class EventsService {
  private readonly logger = new Logger(EventsService.name);
  readonly stream: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly crypto: CryptoService,
  ) {
    this.stream = `{${config.QUEUE_PREFIX}}:contact-events`;
  }

  static aad(id: string): string {
    return CryptoService.aad('contact_events', 'properties', id);
  }

  /** The keyed hash an idempotency key is stored as (a client's key may contain an identifier). */
  idempotencyToken(key: string): Buffer {
    return this.crypto.blindIndex('contact_events.idempotency', key);
  }

  /** Stores events, one result per input in order; events whose key was seen before are duplicates with the first id. */
  async record(events: readonly ContactEventInput[], manager?: EntityManager): Promise<RecordedEvent[]> {
    if (events.length === 0) return [];
    const db = manager ?? this.dataSource;
    const tokens = events.map((e) => (e.idempotencyKey ? this.idempotencyToken(e.idempotencyKey) : null));
    // Keys repeated inside one call: the first occurrence wins, the others are duplicates of it.
    const firstOf = new Map<string, number>();
    const insertIdx: number[] = [];
    tokens.forEach((t, i) => {
      const hex = t?.toString('hex');
      if (hex && firstOf.has(hex)) return;
      if (hex) firstOf.set(hex, i);
      insertIdx.push(i);
    });
    const ids = await nextIds(db, 'contact_events_id_seq', insertIdx.length);
    const rows = insertIdx.map((i, n) => {
      const e = events[i];
      const props =
        e.properties && Object.keys(e.properties).length ? this.crypto.encrypt('phi', JSON.stringify(e.properties), EventsService.aad(ids[n])) : null;
      return { i, id: ids[n], e, props, token: tokens[i] };
    });
    const inserted = await db.query<{ id: string }[]>(
      `INSERT INTO contact_events (id, contact_id, type, occurred_at, properties, source, idempotency_token, inbound_message_id)
       SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::text[], $4::timestamptz[], $5::bytea[], $6::text[], $7::bytea[], $8::bigint[])
       ON CONFLICT (idempotency_token) DO NOTHING
       RETURNING id::text AS id`,
      [
        rows.map((r) => r.id),
        rows.map((r) => r.e.contactId),
        rows.map((r) => r.e.type),
        rows.map((r) => r.e.occurredAt),
        rows.map((r) => r.props),
        rows.map((r) => r.e.source),
        rows.map((r) => r.token),
        rows.map((r) => r.e.inboundMessageId ?? null),
      ],
    );
    const created = new Set(inserted.map((r) => r.id));
    const results: RecordedEvent[] = new Array<RecordedEvent>(events.length);
    const missing: Buffer[] = [];
    for (const r of rows) {
      if (created.has(r.id)) results[r.i] = { id: r.id, status: 'created' };
      else if (r.token) missing.push(r.token);
    }
    const existing = new Map<string, string>();
    if (missing.length) {
      const found = await db.query<{ id: string; idempotency_token: Buffer }[]>(
        `SELECT id::text AS id, idempotency_token FROM contact_events WHERE idempotency_token = ANY($1::bytea[])`,
        [missing],
      );
      for (const f of found) existing.set(f.idempotency_token.toString('hex'), f.id);
    }
    events.forEach((_, i) => {
      if (results[i]) return;
      const hex = tokens[i]?.toString('hex') ?? '';
      const first = firstOf.get(hex);
      const id = existing.get(hex) ?? (first !== undefined && first !== i ? results[first]?.id : undefined) ?? '';
      results[i] = { id, status: 'duplicate' };
    });
    const fresh = rows.filter((r) => created.has(r.id));
    if (fresh.length) void this.publish(fresh.map((r) => ({ id: r.id, type: r.e.type, contactId: r.e.contactId })));
    return results;
  }

  /** Events after a cursor, oldest first, for consumers that page through the record (journeys). */
  async after(afterId: string, limit: number, types?: readonly string[]): Promise<StoredContactEvent[]> {
    const rows = await this.dataSource.query<EventRow[]>(
      `SELECT id::text AS id, contact_id::text AS contact_id, type, occurred_at, source, recorded_at FROM contact_events
        WHERE id > $1 AND ($2::text[] IS NULL OR type = ANY($2)) ORDER BY id LIMIT $3`,
      [afterId, types ?? null, limit],
    );
    return rows.map(toView);
  }

  /** A contact's events, newest first. */
  async forContact(contactId: string, limit = 100): Promise<StoredContactEvent[]> {
    const rows = await this.dataSource.query<EventRow[]>(
      `SELECT id::text AS id, contact_id::text AS contact_id, type, occurred_at, source, recorded_at FROM contact_events
        WHERE contact_id = $1 ORDER BY occurred_at DESC, id DESC LIMIT $2`,
      [contactId, limit],
    );
    return rows.map(toView);
  }

  /** The decrypted properties of one event, for processing (a journey step's condition); never shown as is. */
  async propertiesOf(id: string): Promise<EventProperties> {
    const [row] = await this.dataSource.query<[{ properties: Buffer | null }?]>(`SELECT properties FROM contact_events WHERE id = $1`, [id]);
    if (!row?.properties) return {};
    return JSON.parse(await this.crypto.decryptText(row.properties, EventsService.aad(id))) as EventProperties;
  }

  private async publish(events: { id: string; type: string; contactId: string }[]): Promise<void> {
    try {
      const pipeline = this.redis.pipeline();
      for (const e of events) pipeline.xadd(this.stream, 'MAXLEN', '~', '100000', '*', 'id', e.id, 'type', e.type, 'contact', e.contactId);
      await pipeline.exec();
    } catch (err) {
      // The table is the record; consumers catch up from it by id.
      this.logger.warn({ code: (err as { code?: string }).code }, 'contact event publish failed');
    }
  }
}

function toView(r: EventRow): StoredContactEvent {
  return {
    id: r.id,
    contactId: r.contact_id,
    type: r.type,
    occurredAt: r.occurred_at.toISOString(),
    source: r.source,
    recordedAt: r.recorded_at.toISOString(),
  };
}
