import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource } from 'typeorm';
import { DeliveryService } from '../delivery/index.js';
import { type EngagementCounts, TrackingStatsService } from '../tracking/index.js';
import { type CampaignRow, CampaignRepository } from './campaign.repository.js';
import { CampaignsService } from './campaigns.service.js';
import type { CampaignStatus } from './campaigns.types.js';

export interface CampaignProgress {
  campaignId: string;
  status: CampaignStatus;
  /** The frozen audience, less contacts erased before their turn; null until sending starts. */
  total: number | null;
  /** Recipients not yet turned into deliveries (fan-out still running, or the rest of an A/B test). */
  notQueued: number;
  queued: number;
  sending: number;
  paused: number;
  sent: number;
  dropped: number;
  bounced: number;
  failed: number;
  cancelled: number;
  /** Share of the total that reached an end state. */
  done: number;
  /** Messages sent in the last minute. */
  ratePerMinute: number;
  etaSeconds: number | null;
  abPhase: 'testing' | 'decided' | null;
  abDecideAt: string | null;
}

export interface CampaignReport {
  campaignId: string;
  name: string;
  status: CampaignStatus;
  generatedAt: string;
  totals: {
    audience: number | null;
    deliveries: number;
    delivered: number;
    dropped: number;
    droppedNoTls: number;
    droppedConsent: number;
    droppedSuppressed: number;
    droppedFrequency: number;
    bounced: number;
    failed: number;
    cancelled: number;
    pending: number;
    opens: EngagementCounts;
    clicks: EngagementCounts;
    unsubscribes: number;
    complaints: number;
    /** Unique human openers per delivered message. */
    openRate: number;
    /** Unique human clickers per delivered message (click-through rate). */
    clickThroughRate: number;
    /** Unique human clickers per unique human opener. */
    clickToOpenRate: number;
  };
  /** Deliveries by status and reason, as the delivery log holds them. */
  statuses: { status: string; reason: string | null; count: number }[];
  hourly: {
    hour: string;
    delivered: number;
    dropped: number;
    bounced: number;
    opens: number;
    machineOpens: number;
    clicks: number;
    machineClicks: number;
    unsubscribes: number;
    complaints: number;
  }[];
  links: { linkIndex: number; url: string | null; clicks: number; humanClicks: number; uniqueHumanClickers: number }[];
  domains: {
    domain: string;
    deliveries: number;
    delivered: number;
    droppedNoTls: number;
    bounced: number;
    uniqueHumanOpens: number;
    uniqueHumanClicks: number;
  }[];
  variants: { variant: string; deliveries: number; delivered: number; uniqueHumanOpens: number; uniqueHumanClicks: number }[];
}

const PENDING = ['queued', 'deferred', 'sending', 'paused'];
const DOMAIN_ROWS = 100;
const rate = (n: number, d: number) => (d ? Number((n / d).toFixed(4)) : 0);

/**
 * Live progress and the report of a campaign. Delivery counts come from the deliveries themselves (so the report
 * matches the delivery log); opens, clicks, unsubscribes and complaints from the engagement events, human and
 * machine apart. Aggregates only: no contact, no address.
 */
@Injectable()
export class CampaignReports {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    private readonly repo: CampaignRepository,
    private readonly campaigns: CampaignsService,
    private readonly deliveries: DeliveryService,
    private readonly tracking: TrackingStatsService,
  ) {}

  async progress(id: string): Promise<CampaignProgress> {
    await this.campaigns.get(id);
    const c = (await this.repo.find(id)) as CampaignRow;
    const counts = await this.deliveries.statusCounts({ campaignId: id });
    const n = (...statuses: string[]) => statuses.reduce((sum, s) => sum + (counts[s] ?? 0), 0);
    const created = Object.values(counts).reduce((a, b) => a + b, 0);
    const total = c.audience_count === null ? null : c.audience_count - (await this.repo.skippedCount(id));
    // Read-only: the delivery service counts by status but has no time window.
    const [{ recent }] = await this.db.query<[{ recent: number }]>(
      `SELECT count(*)::int AS recent FROM deliveries WHERE campaign_id = $1 AND sent_at > now() - interval '60 seconds'`,
      [id],
    );
    const finished = created - n(...PENDING);
    const remaining = total === null ? 0 : Math.max(0, total - finished);
    return {
      campaignId: id,
      status: c.status,
      total,
      notQueued: total === null ? 0 : Math.max(0, total - created),
      queued: n('queued', 'deferred'),
      sending: n('sending'),
      paused: n('paused'),
      sent: n('sent'),
      dropped: n('dropped_no_tls', 'dropped_consent', 'dropped_suppressed', 'dropped_frequency'),
      bounced: n('bounced'),
      failed: n('failed'),
      cancelled: n('cancelled'),
      done: total ? rate(finished, total) : 0,
      ratePerMinute: recent,
      etaSeconds: c.status === 'sending' && recent > 0 ? Math.ceil((remaining / recent) * 60) : null,
      abPhase: c.ab_phase,
      abDecideAt: c.ab_decide_at?.toISOString() ?? null,
    };
  }

  async report(id: string): Promise<CampaignReport> {
    const view = await this.campaigns.get(id);
    // Read-only aggregates over the delivery, engagement and tracked-link tables: a report joins what three modules own.
    const statuses = await this.db.query<{ status: string; reason: string | null; count: number }[]>(
      `SELECT status, reason, count(*)::int AS count FROM deliveries WHERE campaign_id = $1 GROUP BY status, reason ORDER BY status, reason`,
      [id],
    );
    const by = (...s: string[]) => statuses.filter((r) => s.includes(r.status)).reduce((n, r) => n + r.count, 0);
    const summary = await this.tracking.summary(id);
    const [{ complaints }] = await this.db.query<[{ complaints: number }]>(
      `SELECT count(*)::int AS complaints FROM engagement_events WHERE campaign_id = $1 AND type = 'complained'`,
      [id],
    );
    const hourly = await this.db.query<CampaignReport['hourly']>(
      `SELECT to_char(date_trunc('hour', occurred_at) AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:00:00"Z"') AS hour,
              count(*) FILTER (WHERE type = 'delivered')::int AS delivered,
              count(*) FILTER (WHERE type = 'dropped')::int AS dropped,
              count(*) FILTER (WHERE type = 'bounced')::int AS bounced,
              count(*) FILTER (WHERE type = 'opened' AND NOT machine)::int AS "opens",
              count(*) FILTER (WHERE type = 'opened' AND machine)::int AS "machineOpens",
              count(*) FILTER (WHERE type = 'clicked' AND NOT machine)::int AS clicks,
              count(*) FILTER (WHERE type = 'clicked' AND machine)::int AS "machineClicks",
              count(*) FILTER (WHERE type = 'unsubscribed')::int AS unsubscribes,
              count(*) FILTER (WHERE type = 'complained')::int AS complaints
         FROM engagement_events WHERE campaign_id = $1 AND type <> 'queued' AND type <> 'deferred'
        GROUP BY 1 ORDER BY 1`,
      [id],
    );
    const links = await this.db.query<CampaignReport['links']>(
      `SELECT (e.detail->>'link')::int AS "linkIndex", min(l.url) AS url, count(*)::int AS clicks,
              count(*) FILTER (WHERE NOT e.machine)::int AS "humanClicks",
              count(DISTINCT e.contact_id) FILTER (WHERE NOT e.machine)::int AS "uniqueHumanClickers"
         FROM engagement_events e
         JOIN deliveries d ON d.id = e.delivery_id
         LEFT JOIN tracked_links l ON l.template_version_id = d.template_version_id AND l.link_index = (e.detail->>'link')::int
        WHERE e.campaign_id = $1 AND e.type = 'clicked' AND e.detail ? 'link'
        GROUP BY 1 ORDER BY clicks DESC, 1`,
      [id],
    );
    const perDelivery = `WITH e AS (
         SELECT delivery_id, bool_or(type = 'opened') AS opened, bool_or(type = 'clicked') AS clicked
           FROM engagement_events WHERE campaign_id = $1 AND type IN ('opened', 'clicked') AND NOT machine GROUP BY delivery_id)`;
    const domains = await this.db.query<CampaignReport['domains']>(
      `${perDelivery}
       SELECT d.recipient_domain AS domain, count(*)::int AS deliveries,
              count(*) FILTER (WHERE d.status = 'sent')::int AS delivered,
              count(*) FILTER (WHERE d.status = 'dropped_no_tls')::int AS "droppedNoTls",
              count(*) FILTER (WHERE d.status = 'bounced')::int AS bounced,
              count(*) FILTER (WHERE e.opened)::int AS "uniqueHumanOpens",
              count(*) FILTER (WHERE e.clicked)::int AS "uniqueHumanClicks"
         FROM deliveries d LEFT JOIN e ON e.delivery_id = d.id
        WHERE d.campaign_id = $1
        GROUP BY 1 ORDER BY 2 DESC, 1 LIMIT ${DOMAIN_ROWS}`,
      [id],
    );
    const variants = view.abTest
      ? await this.db.query<CampaignReport['variants']>(
          `${perDelivery}
           SELECT r.variant, count(*)::int AS deliveries, count(*) FILTER (WHERE d.status = 'sent')::int AS delivered,
                  count(*) FILTER (WHERE e.opened)::int AS "uniqueHumanOpens", count(*) FILTER (WHERE e.clicked)::int AS "uniqueHumanClicks"
             FROM campaign_recipients r
             JOIN deliveries d ON d.idempotency_key = 'campaign:' || r.campaign_id || ':' || r.contact_id
             LEFT JOIN e ON e.delivery_id = d.id
            WHERE r.campaign_id = $1
            GROUP BY 1 ORDER BY 1`,
          [id],
        )
      : [];
    const delivered = by('sent');
    return {
      campaignId: id,
      name: view.name,
      status: view.status,
      generatedAt: new Date().toISOString(),
      totals: {
        audience: view.audienceCount,
        deliveries: statuses.reduce((n, r) => n + r.count, 0),
        delivered,
        dropped: by('dropped_no_tls', 'dropped_consent', 'dropped_suppressed', 'dropped_frequency'),
        droppedNoTls: by('dropped_no_tls'),
        droppedConsent: by('dropped_consent'),
        droppedSuppressed: by('dropped_suppressed'),
        droppedFrequency: by('dropped_frequency'),
        bounced: by('bounced'),
        failed: by('failed'),
        cancelled: by('cancelled'),
        pending: by(...PENDING),
        opens: summary.opens,
        clicks: summary.clicks,
        unsubscribes: summary.unsubscribes.total,
        complaints,
        openRate: rate(summary.opens.uniqueHumanContacts, delivered),
        clickThroughRate: rate(summary.clicks.uniqueHumanContacts, delivered),
        clickToOpenRate: rate(summary.clicks.uniqueHumanContacts, summary.opens.uniqueHumanContacts),
      },
      statuses,
      hourly,
      links,
      domains,
      variants,
    };
  }

  /** The report as CSV: one section per table, each with its own header row. */
  async csv(id: string): Promise<string> {
    const r = await this.report(id);
    const t = r.totals;
    const sections: (string | number | null)[][][] = [
      [
        ['metric', 'value'],
        ['campaign', r.name],
        ['status', r.status],
        ['generated_at', r.generatedAt],
        ['audience', t.audience],
        ['deliveries', t.deliveries],
        ['delivered', t.delivered],
        ['dropped', t.dropped],
        ['dropped_no_tls', t.droppedNoTls],
        ['dropped_consent', t.droppedConsent],
        ['dropped_suppressed', t.droppedSuppressed],
        ['dropped_frequency', t.droppedFrequency],
        ['bounced', t.bounced],
        ['failed', t.failed],
        ['cancelled', t.cancelled],
        ['pending', t.pending],
        ['opens_total', t.opens.total],
        ['opens_human', t.opens.human],
        ['opens_machine', t.opens.machine],
        ['unique_opens', t.opens.uniqueContacts],
        ['unique_human_opens', t.opens.uniqueHumanContacts],
        ['clicks_total', t.clicks.total],
        ['clicks_human', t.clicks.human],
        ['clicks_machine', t.clicks.machine],
        ['unique_clicks', t.clicks.uniqueContacts],
        ['unique_human_clicks', t.clicks.uniqueHumanContacts],
        ['open_rate', t.openRate],
        ['click_through_rate', t.clickThroughRate],
        ['click_to_open_rate', t.clickToOpenRate],
        ['unsubscribes', t.unsubscribes],
        ['complaints', t.complaints],
      ],
      [['status', 'reason', 'count'], ...r.statuses.map((s) => [s.status, s.reason, s.count])],
      [
        ['hour', 'delivered', 'dropped', 'bounced', 'opens_human', 'opens_machine', 'clicks_human', 'clicks_machine', 'unsubscribes', 'complaints'],
        ...r.hourly.map((h) => [h.hour, h.delivered, h.dropped, h.bounced, h.opens, h.machineOpens, h.clicks, h.machineClicks, h.unsubscribes, h.complaints]),
      ],
      [
        ['link_index', 'url', 'clicks', 'human_clicks', 'unique_human_clickers'],
        ...r.links.map((l) => [l.linkIndex, l.url, l.clicks, l.humanClicks, l.uniqueHumanClickers]),
      ],
      [
        ['domain', 'deliveries', 'delivered', 'dropped_no_tls', 'bounced', 'unique_human_opens', 'unique_human_clicks'],
        ...r.domains.map((d) => [d.domain, d.deliveries, d.delivered, d.droppedNoTls, d.bounced, d.uniqueHumanOpens, d.uniqueHumanClicks]),
      ],
    ];
    if (r.variants.length)
      sections.push([
        ['variant', 'deliveries', 'delivered', 'unique_human_opens', 'unique_human_clicks'],
        ...r.variants.map((v) => [v.variant, v.deliveries, v.delivered, v.uniqueHumanOpens, v.uniqueHumanClicks]),
      ]);
    return sections.map((rows) => rows.map((row) => row.map(csvCell).join(',')).join('\r\n')).join('\r\n\r\n') + '\r\n';
  }
}

/** One CSV cell: quoted when needed, and a leading = + - @ neutralised so a spreadsheet never runs it as a formula. */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  if (typeof value === 'number') return String(value);
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replace(/"/g, '""')}"` : safe;
}
