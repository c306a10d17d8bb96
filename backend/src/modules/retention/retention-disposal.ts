import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { DELIVERY_STATUSES, type DeliveryStatus } from '../delivery/index.js';
import { type ContactAction, EVIDENCE_SUMMARY_KEYS } from './retention-policy.js';

/** Delivery statuses after which nothing more happens to a message (no retry, no send): only those lose their detail. */
const UNFINISHED: readonly DeliveryStatus[] = ['queued', 'sending', 'deferred', 'paused'];
export const FINAL_DELIVERY_STATUSES = DELIVERY_STATUSES.filter((s) => !UNFINISHED.includes(s));

/**
 * A contact is inactive since $1 when nothing about it happened since: no change to the record, no message (created or
 * changed), no engagement event, no consent change, no EHR event, no authorization signed or revoked, and no journey
 * running or moved. Every signal has an index led by the contact id.
 */
const INACTIVE_SINCE = `
  c.status = 'active' AND c.created_at < $1 AND c.updated_at < $1
  AND NOT EXISTS (SELECT 1 FROM deliveries d WHERE d.contact_id = c.id AND d.updated_at >= $1)
  AND NOT EXISTS (SELECT 1 FROM engagement_events e WHERE e.contact_id = c.id AND e.occurred_at >= $1)
  AND NOT EXISTS (SELECT 1 FROM consent_events ce WHERE ce.contact_id = c.id AND ce.occurred_at >= $1)
  AND NOT EXISTS (SELECT 1 FROM contact_events x WHERE x.contact_id = c.id AND (x.occurred_at >= $1 OR x.recorded_at >= $1))
  AND NOT EXISTS (SELECT 1 FROM marketing_authorizations a WHERE a.contact_id = c.id AND greatest(a.created_at, a.signed_at, a.revoked_at) >= $1)
  AND NOT EXISTS (SELECT 1 FROM journey_enrollments j WHERE j.contact_id = c.id AND (j.state = 'active' OR j.updated_at >= $1))`;

const DELIVERY_DETAIL = `detail_purged_at IS NULL AND created_at < $1 AND contact_id IS NOT NULL AND status = ANY($2::text[])`;
const TEST_SENDS = `detail_purged_at IS NULL AND created_at < $1 AND contact_id IS NULL AND status = ANY($2::text[])`;
const WEBHOOK_DELIVERIES = `status IN ('succeeded', 'dead') AND created_at < $1`;
const INBOUND_PAYLOADS = `payload_enc IS NOT NULL AND received_at < $1`;
/** Monthly partitions whose whole range ends at or before $1 (the default partition's bound has no `TO`). */
const OLD_PARTITIONS = `
  SELECT c.relname AS name FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid
   WHERE i.inhparent = 'engagement_events'::regclass
     AND (regexp_match(pg_get_expr(c.relpartbound, c.oid), 'TO \\(''([^'']+)''\\)'))[1]::timestamptz <= $1
   ORDER BY c.relname`;

const SUMMARY = `jsonb_strip_nulls(jsonb_build_object(${EVIDENCE_SUMMARY_KEYS.map((k) => `'${k}', evidence -> '${k}'`).join(', ')}))`;

type Db = DataSource | EntityManager;

/** An UPDATE or DELETE answers [rows, affected] through TypeORM. */
async function affected(db: Db, sql: string, params: unknown[]): Promise<number> {
  const [, count] = await db.query<[unknown[], number]>(sql, params);
  return count;
}

async function countOf(db: Db, sql: string, params: unknown[]): Promise<number> {
  const [row] = await db.query<[{ n: string }]>(sql, params);
  return Number(row.n);
}

const quoteIdent = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * The statements of each disposal category: one to count what would go, one to dispose of the next batch. Both share
 * one predicate, so a dry run counts exactly what a real run with the same cut-off disposes. Batches are short
 * transactions of their own (the caller's manager), so a large disposal never holds locks for long.
 */
@Injectable()
export class RetentionDisposal {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  countInactiveContacts(cutoff: string): Promise<number> {
    return countOf(this.db, `SELECT count(*) AS n FROM contacts c WHERE ${INACTIVE_SINCE}`, [cutoff]);
  }

  async inactiveContacts(cutoff: string, afterId: string, limit: number): Promise<string[]> {
    const rows = await this.db.query<{ id: string }[]>(`SELECT c.id::text AS id FROM contacts c WHERE ${INACTIVE_SINCE} AND c.id > $2 ORDER BY c.id LIMIT $3`, [
      cutoff,
      afterId,
      limit,
    ]);
    return rows.map((r) => r.id);
  }

  /**
   * What the contacts module's erasure does not reach: encrypted copies of the contact's data held by messages,
   * journeys and EHR events go (`anonymize`); `delete` also removes the EHR events and journey entry records and
   * unlinks the contact's engagement events, which stay as anonymous figures for campaign reports. Answers false (and
   * changes nothing) when the contact is no longer inactive.
   */
  async stripContactTraces(tx: EntityManager, contactId: string, cutoff: string, action: ContactAction): Promise<boolean> {
    // Checked again under the row's lock: a contact that came back to life since the batch was read is left alone.
    const still = await tx.query<unknown[]>(`SELECT 1 FROM contacts c WHERE ${INACTIVE_SINCE} AND c.id = $2 FOR UPDATE OF c`, [cutoff, contactId]);
    if (still.length === 0) return false;
    await tx.query(
      `UPDATE deliveries SET recipient_enc = NULL, context_enc = NULL WHERE contact_id = $1 AND (recipient_enc IS NOT NULL OR context_enc IS NOT NULL)`,
      [contactId],
    );
    await tx.query(`UPDATE journey_enrollments SET context_enc = NULL WHERE contact_id = $1 AND context_enc IS NOT NULL`, [contactId]);
    switch (action) {
      case 'anonymize':
        await tx.query(`UPDATE contact_events SET properties = NULL WHERE contact_id = $1 AND properties IS NOT NULL`, [contactId]);
        return true;
      case 'delete':
        await tx.query(`DELETE FROM contact_events WHERE contact_id = $1`, [contactId]);
        await tx.query(`DELETE FROM journey_contacts WHERE contact_id = $1`, [contactId]);
        await tx.query(`UPDATE engagement_events SET contact_id = NULL WHERE contact_id = $1`, [contactId]);
        await tx.query(`DELETE FROM contact_engagement WHERE contact_id = $1`, [contactId]);
        return true;
    }
  }

  countDeliveryDetail(cutoff: string): Promise<number> {
    return countOf(this.db, `SELECT count(*) AS n FROM deliveries WHERE ${DELIVERY_DETAIL}`, [cutoff, FINAL_DELIVERY_STATUSES]);
  }

  /** The row, its status, reason, campaign, journey and the TLS summary stay: reports count them. */
  purgeDeliveryDetail(tx: EntityManager, cutoff: string, limit: number): Promise<number> {
    return affected(
      tx,
      `UPDATE deliveries SET recipient_enc = NULL, context_enc = NULL, detail = NULL, detail_purged_at = now(),
              evidence = CASE WHEN evidence IS NULL THEN NULL ELSE ${SUMMARY} END
        WHERE id IN (SELECT id FROM deliveries WHERE ${DELIVERY_DETAIL} ORDER BY created_at LIMIT $3 FOR UPDATE SKIP LOCKED)`,
      [cutoff, FINAL_DELIVERY_STATUSES, limit],
    );
  }

  countTestSends(cutoff: string): Promise<number> {
    return countOf(this.db, `SELECT count(*) AS n FROM deliveries WHERE ${TEST_SENDS}`, [cutoff, FINAL_DELIVERY_STATUSES]);
  }

  /** A test send has no contact: its encrypted seed address is all its recipient is, so the message goes whole. */
  deleteTestSends(tx: EntityManager, cutoff: string, limit: number): Promise<number> {
    return affected(
      tx,
      `DELETE FROM deliveries WHERE id IN (SELECT id FROM deliveries WHERE ${TEST_SENDS} ORDER BY created_at LIMIT $3 FOR UPDATE SKIP LOCKED)`,
      [cutoff, FINAL_DELIVERY_STATUSES, limit],
    );
  }

  countWebhookDeliveries(cutoff: string): Promise<number> {
    return countOf(this.db, `SELECT count(*) AS n FROM webhook_deliveries WHERE ${WEBHOOK_DELIVERIES}`, [cutoff]);
  }

  /** Finished webhook deliveries (their encrypted payload and attempts, by cascade); pending and retrying ones stay. */
  deleteWebhookDeliveries(tx: EntityManager, cutoff: string, limit: number): Promise<number> {
    return affected(
      tx,
      `DELETE FROM webhook_deliveries WHERE id IN (SELECT id FROM webhook_deliveries WHERE ${WEBHOOK_DELIVERIES} ORDER BY id LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [cutoff, limit],
    );
  }

  countEngagementEvents(cutoff: string): Promise<number> {
    return countOf(this.db, `SELECT count(*) AS n FROM engagement_events WHERE occurred_at < $1`, [cutoff]);
  }

  async oldEngagementPartitions(cutoff: string): Promise<string[]> {
    const rows = await this.db.query<{ name: string }[]>(OLD_PARTITIONS, [cutoff]);
    return rows.map((r) => r.name);
  }

  /**
   * Drops one monthly partition whose whole range is older than the cut-off, answering the rows it held. Waits at
   * most `lockTimeoutMs` for the parent's lock (writers keep inserting); the caller falls back to batched deletes.
   */
  async dropPartition(tx: EntityManager, name: string, lockTimeoutMs: number): Promise<number> {
    await tx.query(`SELECT set_config('lock_timeout', $1, true)`, [`${String(lockTimeoutMs)}ms`]);
    const rows = await countOf(tx, `SELECT count(*) AS n FROM ${quoteIdent(name)}`, []);
    await tx.query(`DROP TABLE ${quoteIdent(name)}`);
    return rows;
  }

  deleteEngagementEvents(tx: EntityManager, cutoff: string, limit: number): Promise<number> {
    return affected(
      tx,
      `WITH doomed AS (SELECT id, occurred_at FROM engagement_events WHERE occurred_at < $1 LIMIT $2)
       DELETE FROM engagement_events e USING doomed d WHERE e.id = d.id AND e.occurred_at = d.occurred_at`,
      [cutoff, limit],
    );
  }

  /**
   * Keeps `contact_engagement` (segments' "opened in the last N days") true to the events left: a latest time before
   * the cut-off belonged to events that are gone, and no later event of that kind exists, so it becomes NULL; rows
   * left with nothing go. Answers the contacts adjusted and the last contact id seen (the next batch starts after it).
   */
  async adjustEngagementSummaries(tx: EntityManager, cutoff: string, afterId: string, limit: number): Promise<{ adjusted: number; lastId: string | null }> {
    const rows = await tx.query<{ contact_id: string }[]>(
      `WITH batch AS (
         SELECT contact_id FROM contact_engagement
          WHERE contact_id > $2 AND (last_delivered_at < $1 OR last_opened_at < $1 OR last_clicked_at < $1)
          ORDER BY contact_id LIMIT $3)
       UPDATE contact_engagement s
          SET last_delivered_at = CASE WHEN s.last_delivered_at < $1 THEN NULL ELSE s.last_delivered_at END,
              last_opened_at = CASE WHEN s.last_opened_at < $1 THEN NULL ELSE s.last_opened_at END,
              last_clicked_at = CASE WHEN s.last_clicked_at < $1 THEN NULL ELSE s.last_clicked_at END
         FROM batch b WHERE s.contact_id = b.contact_id
       RETURNING s.contact_id::text AS contact_id`,
      [cutoff, afterId, limit],
    );
    // UPDATE … RETURNING answers [rows, affected].
    const updated = (rows as unknown as [{ contact_id: string }[], number])[0];
    if (updated.length === 0) return { adjusted: 0, lastId: null };
    const ids = updated.map((r) => r.contact_id);
    await tx.query(
      `DELETE FROM contact_engagement WHERE contact_id = ANY($1::bigint[]) AND last_delivered_at IS NULL AND last_opened_at IS NULL AND last_clicked_at IS NULL`,
      [ids],
    );
    const lastId = ids.reduce((max, id) => (BigInt(id) > BigInt(max) ? id : max));
    return { adjusted: ids.length, lastId };
  }

  countInboundPayloads(cutoff: string): Promise<number> {
    return countOf(this.db, `SELECT count(*) AS n FROM inbound_messages WHERE ${INBOUND_PAYLOADS}`, [cutoff]);
  }

  /** The raw payload goes; the message's record (channel, kind, outcome, problems, contacts, times) stays. */
  purgeInboundPayloads(tx: EntityManager, cutoff: string, limit: number): Promise<number> {
    return affected(
      tx,
      `UPDATE inbound_messages SET payload_enc = NULL, purged_at = now()
        WHERE id IN (SELECT id FROM inbound_messages WHERE ${INBOUND_PAYLOADS} ORDER BY received_at LIMIT $2 FOR UPDATE SKIP LOCKED)`,
      [cutoff, limit],
    );
  }
}
