import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import type { AudienceEntry } from './ab-test.js';
import type { AbTestSettings, CampaignStatus, ScheduleKind, Variant } from './campaigns.types.js';

export interface CampaignRow {
  id: string;
  name: string;
  status: CampaignStatus;
  topic_id: number | null;
  include_segment_ids: number[];
  exclude_segment_ids: number[];
  template_version_id: number | null;
  from_name: string;
  from_local_part: string;
  sending_domain: string | null;
  reply_to: string | null;
  schedule_kind: ScheduleKind;
  send_at: Date | null;
  local_date: string | null;
  local_time: string | null;
  fallback_time_zone: string;
  throttle_per_hour: number | null;
  ab_test: AbTestSettings | null;
  four_eyes: boolean;
  review_note: string | null;
  created_by: string | null;
  submitted_by: string | null;
  approved_by: string | null;
  created_at: Date;
  updated_at: Date;
  submitted_at: Date | null;
  approved_at: Date | null;
  scheduled_at: Date | null;
  started_at: Date | null;
  paused_at: Date | null;
  paused_ms: string;
  completed_at: Date | null;
  cancelled_at: Date | null;
  audience_count: number | null;
  snapshot_at: Date | null;
  fanout_position: number;
  fanout_limit: number | null;
  phase_started_at: Date | null;
  phase_start_position: number;
  fanout_completed_at: Date | null;
  ab_phase: 'testing' | 'decided' | null;
  ab_decide_at: Date | null;
  ab_winner: 'a' | 'b' | null;
  ab_result: Record<string, unknown> | null;
}

/** Columns a draft edit may set (the service validates values). */
export interface DraftColumns {
  name?: string;
  topic_id?: number | null;
  include_segment_ids?: number[];
  exclude_segment_ids?: number[];
  template_version_id?: number | null;
  from_name?: string;
  from_local_part?: string;
  sending_domain?: string | null;
  reply_to?: string | null;
  schedule_kind?: ScheduleKind;
  send_at?: Date | null;
  local_date?: string | null;
  local_time?: string | null;
  fallback_time_zone?: string;
  throttle_per_hour?: number | null;
  ab_test?: AbTestSettings | null;
  four_eyes?: boolean;
}

const JSON_COLUMNS = new Set(['ab_test', 'ab_result']);
const COLUMNS = `*, id::text AS id, to_char(local_date, 'YYYY-MM-DD') AS local_date, paused_ms::text AS paused_ms`;

type Runner = DataSource | EntityManager;

/** SQL for campaigns and their frozen audiences. The service owns the rules; this only reads and writes rows. */
@Injectable()
export class CampaignRepository {
  constructor(@InjectDataSource() private readonly db: DataSource) {}

  transaction<T>(work: (tx: EntityManager) => Promise<T>): Promise<T> {
    return this.db.transaction(work);
  }

  async find(id: string, runner: Runner = this.db, lock = false): Promise<CampaignRow | null> {
    if (!/^\d{1,18}$/.test(id)) return null;
    const [row] = await runner.query<[CampaignRow?]>(`SELECT ${COLUMNS} FROM campaigns WHERE id = $1 ${lock ? 'FOR UPDATE' : ''}`, [id]);
    return row ?? null;
  }

  async list(filter: { status?: string; q?: string }, page: { offset: number; limit: number }): Promise<{ rows: CampaignRow[]; total: number }> {
    const params = [filter.status ?? null, filter.q ? `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%` : null];
    const where = `($1::text IS NULL OR status = $1) AND ($2::text IS NULL OR name ILIKE $2)`;
    const [{ total }] = await this.db.query<[{ total: number }]>(`SELECT count(*)::int AS total FROM campaigns WHERE ${where}`, params);
    const rows = await this.db.query<CampaignRow[]>(
      `SELECT ${COLUMNS} FROM campaigns WHERE ${where} ORDER BY campaigns.created_at DESC, campaigns.id DESC OFFSET $3 LIMIT $4`,
      [...params, page.offset, page.limit],
    );
    return { rows, total };
  }

  async insert(tx: EntityManager, values: DraftColumns & { name: string; created_by: string | null }): Promise<string> {
    const record: Record<string, unknown> = { ...values };
    const entries = Object.entries(record).filter(([, v]) => v !== undefined);
    const [row] = await tx.query<[{ id: string }]>(
      `INSERT INTO campaigns (${entries.map(([k]) => k).join(', ')}) VALUES (${entries.map((_, i) => `$${i + 1}`).join(', ')}) RETURNING id::text AS id`,
      entries.map(([k, v]) => (JSON_COLUMNS.has(k) && v !== null ? JSON.stringify(v) : v)),
    );
    return row.id;
  }

  /** Sets columns on a row; `where` adds conditions (a status guard). Returns the updated row, or null when the guard failed. */
  async update(runner: Runner, id: string, values: Record<string, unknown>, where = 'true', whereParams: unknown[] = []): Promise<CampaignRow | null> {
    const entries = Object.entries(values).filter(([, v]) => v !== undefined);
    const params: unknown[] = [id, ...whereParams];
    const sets = entries.map(([k, v]) => {
      if (v === NOW) return `${k} = now()`;
      params.push(JSON_COLUMNS.has(k) && v !== null ? JSON.stringify(v) : v);
      return `${k} = $${params.length}`;
    });
    const [rows] = await runner.query<[CampaignRow[], number]>(
      `UPDATE campaigns SET ${[...sets, 'updated_at = now()'].join(', ')} WHERE id = $1 AND (${where}) RETURNING ${COLUMNS}`,
      params,
    );
    return rows.at(0) ?? null;
  }

  /** Campaigns the scheduler looks after: due to start, sending or paused. */
  async active(): Promise<CampaignRow[]> {
    return this.db.query<CampaignRow[]>(`SELECT ${COLUMNS} FROM campaigns WHERE status IN ('scheduled', 'sending', 'paused') ORDER BY campaigns.id`);
  }

  /** Recently cancelled campaigns, whose late-arriving deliveries (a fan-out batch in flight) must be cancelled too. */
  async recentlyCancelled(): Promise<string[]> {
    const rows = await this.db.query<{ id: string }[]>(
      `SELECT id::text AS id FROM campaigns WHERE status = 'cancelled' AND started_at IS NOT NULL AND cancelled_at > now() - interval '1 hour'`,
    );
    return rows.map((r) => r.id);
  }

  // ---- the frozen audience ----

  async insertAudience(tx: EntityManager, campaignId: string, entries: readonly AudienceEntry[]): Promise<void> {
    for (let i = 0; i < entries.length; i += 50_000) {
      const chunk = entries.slice(i, i + 50_000);
      await tx.query(
        `INSERT INTO campaign_recipients (campaign_id, position, contact_id, variant)
         SELECT $1, p, c, v FROM unnest($2::int[], $3::bigint[], $4::text[]) AS x(p, c, v)`,
        [campaignId, chunk.map((_, j) => i + j + 1), chunk.map((e) => e.contactId), chunk.map((e) => e.variant)],
      );
    }
  }

  /** Recipients at positions (from, to], in send order. */
  async recipients(campaignId: string, from: number, to: number): Promise<{ position: number; contact_id: string; variant: Variant }[]> {
    return this.db.query<{ position: number; contact_id: string; variant: Variant }[]>(
      `SELECT position, contact_id::text AS contact_id, variant FROM campaign_recipients
        WHERE campaign_id = $1 AND position > $2 AND position <= $3 ORDER BY position`,
      [campaignId, from, to],
    );
  }

  async audienceIds(campaignId: string): Promise<string[]> {
    const rows = await this.db.query<{ id: string }[]>(`SELECT contact_id::text AS id FROM campaign_recipients WHERE campaign_id = $1 ORDER BY position`, [
      campaignId,
    ]);
    return rows.map((r) => r.id);
  }

  async markSkipped(campaignId: string, contactIds: readonly string[], reason: string): Promise<void> {
    if (contactIds.length === 0) return;
    await this.db.query(`UPDATE campaign_recipients SET skipped = $3 WHERE campaign_id = $1 AND contact_id = ANY($2::bigint[])`, [
      campaignId,
      contactIds,
      reason,
    ]);
  }

  async skippedCount(campaignId: string): Promise<number> {
    const [{ n }] = await this.db.query<[{ n: number }]>(`SELECT count(*)::int AS n FROM campaign_recipients WHERE campaign_id = $1 AND skipped IS NOT NULL`, [
      campaignId,
    ]);
    return n;
  }

  /** Which of these contacts can still be sent to, with their time zone (contacts has no such narrow read; a plain column, not PHI). */
  async activeContacts(contactIds: readonly string[]): Promise<Map<string, string | null>> {
    const rows = await this.db.query<{ id: string; time_zone: string | null }[]>(
      `SELECT id::text AS id, time_zone FROM contacts WHERE id = ANY($1::bigint[]) AND status = 'active'`,
      [contactIds],
    );
    return new Map(rows.map((r) => [r.id, r.time_zone]));
  }
}

/** A value for `update` meaning the database's now(). */
export const NOW = Symbol('now');
