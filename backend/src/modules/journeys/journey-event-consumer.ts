import { Inject, Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../../config/index.js';
import { REDIS } from '../../platform/redis/redis.module.js';
import { CryptoService } from '../crypto/index.js';
import { JourneyJobs } from './journey-jobs.js';
import { JourneyTriggers } from './journey-triggers.js';
import type { TriggerEvent } from './journeys.types.js';

const CURSOR = 'contact_events';
const BATCH = 1000;
/** How long an id skipped over is looked for again before it counts as never committed (a rollback, a duplicate). */
const GAP_MS = 60_000;
const MAX_GAPS = 10_000;

interface EventRow {
  id: string;
  contact_id: string;
  type: string;
  occurred_at: Date;
  properties: Buffer | null;
}

/**
 * Feeds contact events (events API, FHIR, HL7) to journeys. The record is the contact_events table, paged by id
 * with a cursor kept in journey_cursors; each batch's effects (enrollments, goals, moves) and the cursor's move
 * commit together, so an event is applied once even if the process dies. The events module's Redis stream only
 * wakes the loop early. One process consumes at a time (the cursor row is locked, SKIP LOCKED for the others).
 */
@Injectable()
export class JourneyEventConsumer implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(JourneyEventConsumer.name);
  private running = false;
  private loop?: Promise<void>;
  private blocking?: Redis;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly crypto: CryptoService,
    private readonly triggers: JourneyTriggers,
    private readonly jobs: JourneyJobs,
  ) {}

  onApplicationBootstrap() {
    this.running = true;
    this.loop = this.run();
  }

  async onApplicationShutdown() {
    this.running = false;
    this.blocking?.disconnect();
    await this.loop;
  }

  private async run(): Promise<void> {
    // contact_events belongs to the events module; without it there is nothing to consume.
    const [exists] = await this.db.query<[{ t: string | null }]>(`SELECT to_regclass('contact_events')::text AS t`).catch(() => [{ t: null }]);
    if (!exists.t) return;
    const stream = `{${this.config.QUEUE_PREFIX}}:contact-events`;
    this.blocking = this.redis.duplicate({ enableOfflineQueue: true, maxRetriesPerRequest: null });
    this.blocking.on('error', () => undefined);
    let last = '$';
    while (this.running) {
      try {
        if ((await this.consume()) >= BATCH) continue;
        const woke = await this.blocking.xread('BLOCK', 250, 'STREAMS', stream, last);
        const entries = woke?.[0]?.[1];
        if (entries?.length) last = entries[entries.length - 1][0];
      } catch (err) {
        if (this.stopped()) return;
        this.logger.warn({ code: (err as { code?: string }).code }, 'journey event consumer failed; retrying');
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  private stopped(): boolean {
    return !this.running;
  }

  /** One batch. Returns how many events were read (0 when another process holds the cursor). */
  async consume(limit = BATCH): Promise<number> {
    const outcome = await this.db.transaction(async (tx) => {
      const [cursor] = await tx.query<[{ position: string; gaps: string[]; gaps_since: Date[] }?]>(
        `SELECT position::text AS position, gaps::text[] AS gaps, gaps_since FROM journey_cursors WHERE name = $1 FOR UPDATE SKIP LOCKED`,
        [CURSOR],
      );
      if (!cursor) return null;
      // contact_events is the events module's table, read here by id only (its service reads one event's properties at a time).
      const rows = await tx.query<EventRow[]>(
        `SELECT id::text AS id, contact_id::text AS contact_id, type, occurred_at, properties FROM contact_events
          WHERE id > $1 OR id = ANY($2::bigint[]) ORDER BY id LIMIT $3`,
        [cursor.position, cursor.gaps, limit],
      );
      if (rows.length === 0) return { read: 0, enrolled: [], moved: [] };
      const types = [...new Set(rows.map((r) => r.type))];
      const used = new Set(
        (
          await tx.query<{ t: string }[]>(
            `SELECT DISTINCT x.t FROM journey_versions v JOIN journeys j ON j.id = v.journey_id AND j.status <> 'archived',
                    jsonb_array_elements(v.graph->'nodes') AS n,
                    LATERAL (SELECT CASE WHEN n->>'type' = 'trigger' THEN n->'trigger'->>'eventType' WHEN n->>'type' IN ('goal', 'wait_for_event') THEN n->>'eventType' END AS t) x
              WHERE x.t = ANY($1::text[])`,
            [types],
          )
        ).map((r) => r.t),
      );
      const events: TriggerEvent[] = [];
      for (const r of rows) {
        if (!used.has(r.type)) continue;
        const properties = r.properties
          ? (JSON.parse(await this.crypto.decryptText(r.properties, CryptoService.aad('contact_events', 'properties', r.id))) as Record<string, unknown>)
          : {};
        events.push({ contactId: r.contact_id, type: r.type, properties, occurredAt: r.occurred_at });
      }
      const applied = await this.triggers.apply(tx, events);
      const { position, gaps, since } = advanceCursor(cursor.position, cursor.gaps, cursor.gaps_since, rows, new Date());
      await tx.query(`UPDATE journey_cursors SET position = $2, gaps = $3::bigint[], gaps_since = $4::timestamptz[], updated_at = now() WHERE name = $1`, [
        CURSOR,
        position,
        gaps,
        since,
      ]);
      return { read: rows.length, enrolled: applied.enrolled, moved: applied.moved };
    });
    if (!outcome) return 0;
    await this.jobs.advance([...outcome.enrolled, ...outcome.moved]);
    return outcome.read;
  }
}

/**
 * The cursor after a batch: the highest id read; ids below it not seen (in flight when read, or never committed)
 * become gaps, looked for again until GAP_MS has passed.
 */
export function advanceCursor(
  position: string,
  gaps: readonly string[],
  since: readonly Date[],
  rows: readonly { id: string }[],
  now: Date,
): { position: string; gaps: string[]; since: Date[] } {
  const seen = new Set(rows.map((r) => r.id));
  const old = BigInt(position);
  const top = rows.reduce((max, r) => (BigInt(r.id) > max ? BigInt(r.id) : max), old);
  const kept: { id: string; at: Date }[] = [];
  gaps.forEach((g, i) => {
    if (!seen.has(g) && now.getTime() - since[i].getTime() < GAP_MS) kept.push({ id: g, at: since[i] });
  });
  // A huge jump in ids (a sequence moved on by thousands of refused duplicates) is not worth remembering id by id.
  if (top - old <= BigInt(MAX_GAPS)) {
    for (let id = old + 1n; id < top; id++) if (!seen.has(id.toString())) kept.push({ id: id.toString(), at: now });
  }
  const last = kept.slice(-MAX_GAPS);
  return { position: top.toString(), gaps: last.map((g) => g.id), since: last.map((g) => g.at) };
}
