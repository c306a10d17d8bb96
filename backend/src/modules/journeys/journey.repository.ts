import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { CryptoService } from '../crypto/index.js';
import type { JourneyGraph } from './journey-graph.js';

/** What the engine needs to know about a contact without opening PHI. */
export interface ContactFacts {
  active: boolean;
  timeZone: string | null;
}

export type Db = DataSource | EntityManager;

/**
 * Reads shared by the engine's parts: published graphs (frozen, so cached for the process's life), and a few
 * facts owned by other modules that their services do not offer without decrypting PHI. Those reads are
 * read-only, by primary or unique key, and listed here so they are easy to find.
 */
@Injectable()
export class JourneyRepository {
  private readonly graphs = new Map<string, JourneyGraph>();

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly crypto: CryptoService,
  ) {}

  static contextAad(enrollmentId: string): string {
    return CryptoService.aad('journey_enrollments', 'context_enc', enrollmentId);
  }

  sealContext(enrollmentId: string, properties: Record<string, unknown> | undefined): Buffer | null {
    if (!properties || Object.keys(properties).length === 0) return null;
    return this.crypto.encrypt('phi', JSON.stringify(properties), JourneyRepository.contextAad(enrollmentId));
  }

  async openContext(enrollmentId: string, sealed: Buffer | null): Promise<Record<string, unknown>> {
    if (!sealed) return {};
    return JSON.parse(await this.crypto.decryptText(sealed, JourneyRepository.contextAad(enrollmentId))) as Record<string, unknown>;
  }

  /** Published graphs by `journeyId:version`; missing ones are loaded in one query. */
  async graphsOf(keys: readonly { journeyId: string; version: number }[], db: Db = this.db): Promise<Map<string, JourneyGraph>> {
    const missing = keys.filter((k) => !this.graphs.has(`${k.journeyId}:${String(k.version)}`));
    if (missing.length) {
      const rows = await db.query<{ journey_id: string; version: number; graph: JourneyGraph }[]>(
        `SELECT journey_id::text AS journey_id, version, graph FROM journey_versions v
          WHERE (journey_id, version) IN (SELECT * FROM unnest($1::bigint[], $2::int[]))`,
        [missing.map((k) => k.journeyId), missing.map((k) => k.version)],
      );
      for (const r of rows) this.graphs.set(`${r.journey_id}:${String(r.version)}`, r.graph);
    }
    const out = new Map<string, JourneyGraph>();
    for (const k of keys) {
      const key = `${k.journeyId}:${String(k.version)}`;
      const graph = this.graphs.get(key);
      if (graph) out.set(key, graph);
    }
    return out;
  }

  async graphOf(journeyId: string, version: number, db: Db = this.db): Promise<JourneyGraph | undefined> {
    return (await this.graphsOf([{ journeyId, version }], db)).get(`${journeyId}:${String(version)}`);
  }

  /**
   * Status and time zone of contacts (contacts module's table, non-PHI columns only: ContactsService offers them
   * only together with decrypted PHI, which quiet hours and entry checks do not need).
   */
  async contactFacts(ids: readonly string[], db: Db = this.db): Promise<Map<string, ContactFacts>> {
    if (ids.length === 0) return new Map();
    const rows = await db.query<{ id: string; status: string; time_zone: string | null }[]>(
      `SELECT id::text AS id, status, time_zone FROM contacts WHERE id = ANY($1::bigint[])`,
      [[...new Set(ids)]],
    );
    return new Map(rows.map((r) => [r.id, { active: r.status === 'active', timeZone: r.time_zone }]));
  }

  /**
   * Delivery ids by idempotency key (delivery module's table, its unique key): DeliveryService.enqueue reports new
   * ids without their keys, and a step re-run after a crash finds its delivery already there.
   */
  async deliveryIdsByKey(keys: readonly string[]): Promise<Map<string, string>> {
    if (keys.length === 0) return new Map();
    const rows = await this.db.query<{ id: string; idempotency_key: string }[]>(
      `SELECT id::text AS id, idempotency_key FROM deliveries WHERE idempotency_key = ANY($1::text[])`,
      [keys],
    );
    return new Map(rows.map((r) => [r.idempotency_key, r.id]));
  }
}
