import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { DomainError } from '../../platform/errors/index.js';
import { columnsOf } from '../../platform/reports/report-document.js';
import { CryptoService } from '../crypto/index.js';
import { type ComplianceReport, iso, type ReportResult } from './compliance-report.js';
import { CampaignTargetingQueryDto } from './dto/report-query.dto.js';

interface CampaignRow {
  id: string;
  name: string;
  status: string;
  topic: string | null;
  template: string | null;
  template_version: number | null;
  include_segment_ids: number[];
  exclude_segment_ids: number[];
  created_by: string | null;
  approved_by: string | null;
  approved_at: Date | null;
  snapshot_at: Date | null;
  audience_count: number | null;
}

interface SegmentRow {
  id: number;
  name: string;
  kind: string;
  rule_enc: Buffer;
  updated_at: Date;
  deleted_at: Date | null;
  snapshot_id: string | null;
  snapshot_at: Date | null;
  snapshot_rule_enc: Buffer | null;
  snapshot_count: number | null;
}

/**
 * Who a campaign targeted and why: its segments' rules (as used when the audience was frozen), the frozen
 * audience by contact id (never addresses), and who was left out at fan-out or delivery, by reason.
 */
@Injectable()
export class CampaignTargetingReportService implements ComplianceReport<CampaignTargetingQueryDto> {
  readonly id = 'campaign-targeting';
  readonly query = CampaignTargetingQueryDto;

  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly crypto: CryptoService,
  ) {}

  async build(query: CampaignTargetingQueryDto): Promise<ReportResult> {
    const [c] = await this.db.query<[CampaignRow?]>(
      `SELECT c.id::text AS id, c.name, c.status, t.key AS topic, tpl.name AS template, tv.version AS template_version,
              c.include_segment_ids, c.exclude_segment_ids, cu.email AS created_by, au.email AS approved_by, c.approved_at, c.snapshot_at, c.audience_count
         FROM campaigns c
         LEFT JOIN topics t ON t.id = c.topic_id
         LEFT JOIN template_versions tv ON tv.id = c.template_version_id
         LEFT JOIN templates tpl ON tpl.id = tv.template_id
         LEFT JOIN users cu ON cu.id::text = c.created_by
         LEFT JOIN users au ON au.id::text = c.approved_by
        WHERE c.id = $1`,
      [query.campaignId],
    );
    if (!c) throw new DomainError('campaign_not_found', 'Campaign not found', 404, [{ field: 'campaignId', message: 'no such campaign' }]);
    const [segments, recipients, exclusions] = await Promise.all([this.segments(c), this.recipients(c.id), this.exclusions(c.id)]);
    const segmentRows = [];
    for (const s of segments) {
      const role = c.include_segment_ids.includes(s.id) ? 'include' : 'exclude';
      // A snapshot segment contributed the members of its latest snapshot at the freeze, taken with the rule stored beside it.
      const rule = s.snapshot_rule_enc
        ? await this.crypto.decryptText(s.snapshot_rule_enc, CryptoService.aad('segment_snapshots', 'rule_enc', s.snapshot_id ?? ''))
        : await this.crypto.decryptText(s.rule_enc, CryptoService.aad('segments', 'rule_enc', s.id));
      segmentRows.push({
        role,
        segmentId: s.id,
        name: s.name,
        kind: s.kind,
        rule,
        snapshotId: s.snapshot_id,
        snapshotAt: iso(s.snapshot_at),
        snapshotMembers: s.snapshot_count,
        ruleChangedAfterFreeze: c.snapshot_at !== null && s.updated_at > c.snapshot_at,
        deleted: s.deleted_at !== null,
      });
    }
    const skipped = recipients.filter((r) => r.skipped !== null).length;
    return {
      document: {
        id: this.id,
        title: 'Campaign targeting report',
        generatedAt: new Date().toISOString(),
        parameters: { campaignId: c.id },
        summary: [
          { label: 'Campaign', value: c.name },
          { label: 'Status', value: c.status },
          { label: 'Topic', value: c.topic ?? 'none' },
          { label: 'Template', value: c.template ? `${c.template} v${String(c.template_version)}` : 'none' },
          { label: 'Created by', value: c.created_by ?? 'unknown' },
          { label: 'Approved by', value: c.approved_by ?? 'not approved' },
          { label: 'Approved at', value: iso(c.approved_at) ?? 'not approved' },
          { label: 'Included segments', value: c.include_segment_ids.join(', ') || 'none' },
          { label: 'Excluded segments', value: c.exclude_segment_ids.join(', ') || 'none' },
          { label: 'Audience frozen at', value: iso(c.snapshot_at) ?? 'not frozen yet' },
          { label: 'Audience', value: c.audience_count ?? recipients.length },
          { label: 'Skipped at fan-out', value: skipped },
        ],
        sections: [
          {
            title: 'Segments and their rules',
            columns: columnsOf({
              role: 'Role',
              segmentId: 'Segment',
              name: 'Name',
              kind: 'Kind',
              rule: 'Rule (JSON)',
              snapshotId: 'Snapshot',
              snapshotAt: 'Snapshot taken',
              snapshotMembers: 'Snapshot members',
              ruleChangedAfterFreeze: 'Changed after the freeze',
              deleted: 'Deleted',
            }),
            rows: segmentRows,
          },
          {
            title: 'Exclusions by reason',
            columns: columnsOf({ stage: 'Stage', reason: 'Reason', contacts: 'Contacts' }),
            rows: exclusions,
          },
          {
            title: 'Recipients (contact ids)',
            columns: columnsOf({
              position: 'Position',
              contactId: 'Contact id',
              variant: 'Variant',
              skipped: 'Skipped',
              deliveryStatus: 'Delivery status',
              deliveryReason: 'Delivery reason',
            }),
            rows: recipients,
          },
        ],
      },
    };
  }

  /** The campaign's segments, each with the snapshot in force when the audience was frozen (snapshot segments only). */
  private segments(c: CampaignRow): Promise<SegmentRow[]> {
    return this.db.query<SegmentRow[]>(
      `SELECT s.id, s.name, s.kind, s.rule_enc, s.updated_at, s.deleted_at,
              snap.id::text AS snapshot_id, snap.created_at AS snapshot_at, snap.rule_enc AS snapshot_rule_enc, snap.member_count AS snapshot_count
         FROM segments s
         LEFT JOIN LATERAL (
           SELECT id, created_at, rule_enc, member_count FROM segment_snapshots
            WHERE segment_id = s.id AND s.kind = 'snapshot' AND created_at <= coalesce($2, now())
            ORDER BY id DESC LIMIT 1
         ) snap ON true
        WHERE s.id = ANY($1::int[])
        ORDER BY array_position($1::int[], s.id)`,
      [[...c.include_segment_ids, ...c.exclude_segment_ids], c.snapshot_at],
    );
  }

  private async recipients(campaignId: string) {
    const rows = await this.db.query<
      { position: number; contact_id: string; variant: string; skipped: string | null; status: string | null; reason: string | null }[]
    >(
      `SELECT r.position, r.contact_id::text AS contact_id, r.variant, r.skipped, d.status, d.reason
         FROM campaign_recipients r
         LEFT JOIN (
           SELECT DISTINCT ON (contact_id) contact_id, status, reason FROM deliveries WHERE campaign_id = $1 ORDER BY contact_id, id DESC
         ) d ON d.contact_id = r.contact_id
        WHERE r.campaign_id = $1
        ORDER BY r.position`,
      [campaignId],
    );
    return rows.map((r) => ({
      position: r.position,
      contactId: r.contact_id,
      variant: r.variant,
      skipped: r.skipped,
      deliveryStatus: r.status,
      deliveryReason: r.reason,
    }));
  }

  /** Contacts left out after the freeze: skipped at fan-out (erased since), or dropped at delivery (consent, suppression, TLS, frequency). */
  private async exclusions(campaignId: string) {
    const rows = await this.db.query<{ stage: string; reason: string; contacts: number }[]>(
      `SELECT 'fan-out' AS stage, skipped AS reason, count(*)::int AS contacts FROM campaign_recipients WHERE campaign_id = $1 AND skipped IS NOT NULL GROUP BY skipped
       UNION ALL
       SELECT 'delivery', status || coalesce(': ' || reason, ''), count(DISTINCT contact_id)::int FROM deliveries
        WHERE campaign_id = $1 AND status LIKE 'dropped%' GROUP BY status, reason
       ORDER BY 1 DESC, 3 DESC, 2`,
      [campaignId],
    );
    return rows;
  }
}
