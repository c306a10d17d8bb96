import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../../config/index.js';
import { JobName, QueueName } from '../../platform/queue/index.js';
import { AuditService } from '../audit/index.js';
import { type DeliveryRequest, DeliveryService, type MessageOptions } from '../delivery/index.js';
import { assignVariants, pickWinner, type VariantStats } from './ab-test.js';
import { CampaignAudience } from './campaign-audience.service.js';
import { isTimeZone, throttleSlot, zonedInstant } from './campaign-schedule.js';
import { type CampaignRow, CampaignRepository, NOW } from './campaign.repository.js';
import type { Variant } from './campaigns.types.js';

const SYSTEM = { type: 'system' as const };
const FANOUT_LOCK = 727_200;
const LIVE_JOB_STATES = new Set(['active', 'waiting', 'delayed', 'prioritized', 'waiting-children']);

export type FanOutResult = 'done' | 'testing' | 'stopped' | 'busy';

/**
 * Turns a campaign into deliveries. The audience is frozen once (contact ids in send order, with the A/B variant),
 * then fanned out in batches to the delivery tier with idempotency keys `campaign:<id>:<contact>`; the position
 * reached is committed after each batch, so a worker killed mid-fan-out resumes there and a repeated batch creates
 * nothing twice. A Postgres advisory lock keeps one fan-out per campaign however many jobs ask.
 */
@Injectable()
export class CampaignSender {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(QueueName.Campaigns) private readonly queue: Queue,
    private readonly repo: CampaignRepository,
    private readonly audit: AuditService,
    private readonly deliveries: DeliveryService,
    private readonly audience: CampaignAudience,
  ) {}

  /** scheduled → sending once due, then the fan-out job. False when it was not (or no longer) due. */
  async start(id: string): Promise<boolean> {
    const started = await this.repo.transaction(async (tx) => {
      const row = await this.repo.find(id, tx, true);
      if (row?.status !== 'scheduled' || (row.send_at && row.send_at.getTime() > Date.now())) return false;
      await this.repo.update(tx, id, { status: 'sending', started_at: NOW, phase_started_at: NOW });
      await this.audit.record(
        { actor: SYSTEM, action: 'campaign.sending_started', subject: { type: 'campaign', id }, details: { from: 'scheduled', to: 'sending' } },
        tx,
      );
      return true;
    });
    if (started) await this.ensureFanOut(id);
    return started;
  }

  /** Queues the campaign's fan-out job unless one is waiting or running (one job id per campaign). */
  async ensureFanOut(id: string): Promise<void> {
    const jobId = `campaign-${id}-fanout`;
    const existing = await this.queue.getJob(jobId);
    if (existing) {
      if (LIVE_JOB_STATES.has(await existing.getState())) return;
      await existing.remove().catch(() => undefined);
    }
    await this.queue.add(
      JobName.CampaignsFanOut,
      { campaignId: id },
      { jobId, attempts: 20, backoff: { type: 'exponential', delay: 2000 }, removeOnComplete: true, removeOnFail: 100 },
    );
  }

  async fanOut(id: string): Promise<FanOutResult> {
    const lock = this.db.createQueryRunner();
    await lock.connect();
    const key = Number(BigInt(id) % 2_000_000_000n);
    try {
      const [{ locked }] = (await lock.query(`SELECT pg_try_advisory_lock($1, $2::int) AS locked`, [FANOUT_LOCK, key])) as [{ locked: boolean }];
      if (!locked) return 'busy';
      try {
        return await this.fanOutLocked(id);
      } finally {
        await lock.query(`SELECT pg_advisory_unlock($1, $2::int)`, [FANOUT_LOCK, key]);
      }
    } finally {
      await lock.release();
    }
  }

  private async fanOutLocked(id: string): Promise<FanOutResult> {
    let c = await this.repo.find(id);
    if (c?.status !== 'sending') return 'stopped';
    if (!c.snapshot_at) c = await this.snapshot(c);
    const zones = new Map<string, Date>();
    for (;;) {
      c = await this.repo.find(id);
      if (c?.status !== 'sending') return this.stop(c);
      const limit = c.fanout_limit ?? c.audience_count ?? 0;
      if (c.fanout_position >= limit) break;
      const to = Math.min(limit, c.fanout_position + this.config.CAMPAIGN_FANOUT_BATCH);
      const batch = await this.repo.recipients(id, c.fanout_position, to);
      const active = await this.repo.activeContacts(batch.map((r) => r.contact_id));
      await this.repo.markSkipped(
        id,
        batch.filter((r) => !active.has(r.contact_id)).map((r) => r.contact_id),
        'contact_inactive',
      );
      const campaign = c;
      const requests = batch
        .filter((r) => active.has(r.contact_id))
        .map((r): DeliveryRequest => {
          const variant = this.variant(campaign, r.variant);
          return {
            idempotencyKey: `campaign:${id}:${r.contact_id}`,
            templateVersionId: variant.templateVersionId,
            contactId: r.contact_id,
            topicId: campaign.topic_id,
            purpose: 'campaign',
            campaignId: id,
            notBefore: this.notBefore(campaign, r.position, active.get(r.contact_id) ?? null, zones),
            ...(variant.message ? { message: variant.message } : {}),
          };
        });
      const { existing } = await this.deliveries.enqueue(requests);
      // Rows of a batch that committed before a crash may have no job: queue them again (a duplicate job finds nothing to claim).
      if (existing > 0)
        await this.deliveries.reschedule(
          id,
          requests.map((r) => r.idempotencyKey),
        );
      await this.repo.update(this.db, id, { fanout_position: to }, 'fanout_position < $2', [to]);
    }
    return this.endPhase(id);
  }

  /** A pause or cancel that landed while a batch was being written also covers that batch. */
  private async stop(c: CampaignRow | null): Promise<FanOutResult> {
    if (c?.status === 'paused') await this.deliveries.pause(c.id);
    if (c?.status === 'cancelled') await this.deliveries.cancel(c.id);
    return 'stopped';
  }

  /** Freezes the audience: who the segments select now, in send order, with A/B variants. Later segment changes do not move it. */
  private async snapshot(c: CampaignRow): Promise<CampaignRow> {
    const ids = await this.audience.members(c.include_segment_ids, c.exclude_segment_ids);
    const { entries, testSize } = assignVariants(c.id, ids, c.ab_test);
    return this.repo.transaction(async (tx) => {
      const row = (await this.repo.find(c.id, tx, true)) as CampaignRow;
      if (row.snapshot_at) return row;
      await this.repo.insertAudience(tx, c.id, entries);
      const updated = (await this.repo.update(tx, c.id, {
        audience_count: entries.length,
        snapshot_at: NOW,
        fanout_limit: c.ab_test ? testSize : entries.length,
        fanout_position: 0,
        phase_start_position: 0,
      })) as CampaignRow;
      await this.audit.record(
        {
          actor: SYSTEM,
          action: 'campaign.audience_frozen',
          subject: { type: 'campaign', id: c.id },
          details: { audience: entries.length, ...(c.ab_test ? { testSize } : {}) },
        },
        tx,
      );
      return updated;
    });
  }

  /** The end of a fan-out phase: an A/B test's groups are out (wait for the winner), or everyone is. */
  private async endPhase(id: string): Promise<FanOutResult> {
    return this.repo.transaction(async (tx) => {
      const c = await this.repo.find(id, tx, true);
      if (c?.status !== 'sending') return 'stopped';
      const everyone = (c.fanout_limit ?? 0) >= (c.audience_count ?? 0);
      if (c.ab_test && c.ab_phase === null) {
        await this.repo.update(tx, id, {
          ab_phase: 'testing',
          ab_decide_at: new Date(Date.now() + c.ab_test.afterHours * 3_600_000),
          fanout_completed_at: everyone ? NOW : null,
        });
        await this.audit.record(
          {
            actor: SYSTEM,
            action: 'campaign.ab_test_sent',
            subject: { type: 'campaign', id },
            details: { testSize: c.fanout_limit, afterHours: c.ab_test.afterHours },
          },
          tx,
        );
        return 'testing';
      }
      if (everyone && !c.fanout_completed_at) {
        await this.repo.update(tx, id, { fanout_completed_at: NOW });
        await this.audit.record(
          { actor: SYSTEM, action: 'campaign.fanned_out', subject: { type: 'campaign', id }, details: { audience: c.audience_count } },
          tx,
        );
      }
      return 'done';
    });
  }

  /** After the test window: the variant with more unique human opens (or clicks) per delivered message wins; the rest get it. */
  async decideWinner(id: string): Promise<boolean> {
    const c = await this.repo.find(id);
    if (!c?.ab_test || c.ab_phase !== 'testing' || c.status !== 'sending' || (c.ab_decide_at && c.ab_decide_at.getTime() > Date.now())) return false;
    const decision = pickWinner(await this.variantStats(id), c.ab_test.metric);
    const remainder = (c.fanout_limit ?? 0) < (c.audience_count ?? 0);
    const decided = await this.repo.transaction(async (tx) => {
      const row = await this.repo.update(
        tx,
        id,
        {
          ab_phase: 'decided',
          ab_winner: decision.winner,
          ab_result: decision,
          fanout_limit: c.audience_count,
          phase_started_at: NOW,
          phase_start_position: c.fanout_position,
          paused_ms: 0,
        },
        `ab_phase = 'testing' AND status = 'sending'`,
      );
      if (!row) return false;
      await this.audit.record(
        {
          actor: SYSTEM,
          action: 'campaign.ab_winner_selected',
          subject: { type: 'campaign', id },
          details: { winner: decision.winner, metric: decision.metric, rateA: decision.rates.a, rateB: decision.rates.b, remainder },
        },
        tx,
      );
      return true;
    });
    if (decided && remainder) await this.ensureFanOut(id);
    return decided;
  }

  /** sending → sent when every delivery has reached an end state and nothing is left to fan out or decide. */
  async completeIfDone(id: string): Promise<boolean> {
    const c = await this.repo.find(id);
    if (c?.status !== 'sending' || !c.fanout_completed_at || c.ab_phase === 'testing') return false;
    const counts = await this.deliveries.statusCounts({ campaignId: id });
    const pending = Object.entries(counts)
      .filter(([status]) => ['queued', 'deferred', 'sending', 'paused'].includes(status))
      .reduce((n, [, count]) => n + count, 0);
    if (pending > 0) return false;
    return this.repo.transaction(async (tx) => {
      const row = await this.repo.update(tx, id, { status: 'sent', completed_at: NOW }, `status = 'sending'`);
      if (!row) return false;
      await this.audit.record(
        { actor: SYSTEM, action: 'campaign.sent', subject: { type: 'campaign', id }, details: { from: 'sending', to: 'sent', deliveries: counts } },
        tx,
      );
      return true;
    });
  }

  /** Per test variant: messages delivered and contacts with a human open or click (machine events excluded). */
  private async variantStats(id: string): Promise<{ a: VariantStats; b: VariantStats }> {
    // Read-only aggregate over the delivery and engagement tables (neither service has a per-variant view).
    const rows = await this.db.query<{ variant: 'a' | 'b'; delivered: number; opens: number; clicks: number }[]>(
      `WITH e AS (
         SELECT delivery_id, bool_or(type = 'opened') AS opened, bool_or(type = 'clicked') AS clicked
           FROM engagement_events WHERE campaign_id = $1 AND type IN ('opened', 'clicked') AND NOT machine GROUP BY delivery_id)
       SELECT r.variant, count(*) FILTER (WHERE d.status = 'sent')::int AS delivered,
              count(*) FILTER (WHERE e.opened)::int AS opens, count(*) FILTER (WHERE e.clicked)::int AS clicks
         FROM campaign_recipients r
         JOIN deliveries d ON d.idempotency_key = 'campaign:' || r.campaign_id || ':' || r.contact_id
         LEFT JOIN e ON e.delivery_id = d.id
        WHERE r.campaign_id = $1 AND r.variant IN ('a', 'b')
        GROUP BY r.variant`,
      [id],
    );
    const of = (v: 'a' | 'b'): VariantStats => {
      const r = rows.find((x) => x.variant === v);
      return { delivered: r?.delivered ?? 0, uniqueOpens: r?.opens ?? 0, uniqueClicks: r?.clicks ?? 0 };
    };
    return { a: of('a'), b: of('b') };
  }

  /** The template and message overrides a recipient gets: A, B, or (the rest) the winner. */
  private variant(c: CampaignRow, variant: Variant): { templateVersionId: number; message?: MessageOptions } {
    const sender = this.senderOptions(c);
    const chosen = variant === 'rest' ? (c.ab_winner ?? 'a') : variant;
    const b = chosen === 'b' ? c.ab_test : null;
    const message: MessageOptions = { ...sender, ...(b?.kind === 'subject' && b.subjectB ? { subject: b.subjectB } : {}) };
    return {
      templateVersionId: b?.kind === 'template' && b.templateVersionIdB ? b.templateVersionIdB : (c.template_version_id as number),
      ...(Object.keys(message).length ? { message } : {}),
    };
  }

  private senderOptions(c: CampaignRow): MessageOptions {
    const configured = (/<([^>]+)>/.exec(this.config.MAIL_FROM)?.[1] ?? this.config.MAIL_FROM).trim();
    const [defaultLocal, defaultDomain] = [configured.slice(0, configured.lastIndexOf('@')), configured.slice(configured.lastIndexOf('@') + 1)];
    const options: MessageOptions = {};
    if (c.from_name) options.fromName = c.from_name;
    if (c.sending_domain || c.from_local_part) options.fromAddress = `${c.from_local_part || defaultLocal}@${c.sending_domain ?? defaultDomain}`;
    if (c.reply_to) options.replyTo = c.reply_to;
    return options;
  }

  /** When one recipient's message may leave: its throttle slot, its local time, whichever is later; undefined for now. */
  private notBefore(c: CampaignRow, position: number, timeZone: string | null, zones: Map<string, Date>): Date | undefined {
    let at = 0;
    if (c.throttle_per_hour) {
      const phaseStart = c.phase_started_at ?? c.started_at ?? new Date();
      at = throttleSlot(phaseStart, Number(c.paused_ms), position - 1 - c.phase_start_position, c.throttle_per_hour).getTime();
    }
    if (c.schedule_kind === 'local_time' && c.local_date && c.local_time && c.ab_phase !== 'decided') {
      const zone = timeZone && isTimeZone(timeZone) ? timeZone : c.fallback_time_zone;
      let local = zones.get(zone);
      if (!local) {
        local = zonedInstant(c.local_date, c.local_time, zone);
        zones.set(zone, local);
      }
      at = Math.max(at, local.getTime());
    }
    return at > Date.now() ? new Date(at) : undefined;
  }
}
