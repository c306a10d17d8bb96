import { Inject, Injectable } from '@nestjs/common';
import { APP_CONFIG, type AppConfig } from '../../config/index.js';
import { DomainError, type FieldProblem } from '../../platform/errors/index.js';
import { type AuditActor, AuditService } from '../audit/index.js';
import { TopicsService } from '../consent/index.js';
import { DeliveryService, SendingDomainsService } from '../delivery/index.js';
import { SavedSegmentsService } from '../segments/index.js';
import { TemplatesService } from '../templates/index.js';
import { CampaignAudience } from './campaign-audience.service.js';
import { earliestLocalInstant, isTimeZone } from './campaign-schedule.js';
import { CampaignSender } from './campaign-sender.service.js';
import { type CampaignRow, CampaignRepository, type DraftColumns, NOW } from './campaign.repository.js';
import type { AbTestSettings, CampaignSchedule, CampaignStatus, SenderIdentity } from './campaigns.types.js';
import type { CampaignDto } from './dto/campaign.dto.js';

export interface CampaignView {
  id: string;
  name: string;
  status: CampaignStatus;
  topic: string | null;
  topicId: number | null;
  includeSegmentIds: number[];
  excludeSegmentIds: number[];
  templateVersionId: number | null;
  sender: SenderIdentity;
  schedule: CampaignSchedule;
  throttlePerHour: number | null;
  abTest: AbTestSettings | null;
  /** Whether approval needs someone other than the author and the submitter. */
  fourEyes: boolean;
  /** Only a draft can change; anything submitted or later is frozen. */
  editable: boolean;
  reviewNote: string | null;
  createdBy: string | null;
  submittedBy: string | null;
  approvedBy: string | null;
  createdAt: string;
  updatedAt: string;
  submittedAt: string | null;
  approvedAt: string | null;
  scheduledAt: string | null;
  sendAt: string | null;
  startedAt: string | null;
  pausedAt: string | null;
  completedAt: string | null;
  cancelledAt: string | null;
  audienceCount: number | null;
  abPhase: 'testing' | 'decided' | null;
  abDecideAt: string | null;
  abWinner: 'a' | 'b' | null;
  abResult: Record<string, unknown> | null;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;
const notFound = () => new DomainError('campaign_not_found', 'Campaign not found', 404);

/**
 * Campaigns and their approval workflow: draft → submitted → approved → scheduled → sending → sent, with pause,
 * resume and cancel. Only a draft can change (anything later is frozen: 409); every transition is audited in the
 * same transaction; with four-eyes, whoever wrote or submitted a campaign cannot approve it.
 */
@Injectable()
export class CampaignsService {
  constructor(
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly repo: CampaignRepository,
    private readonly audit: AuditService,
    private readonly topics: TopicsService,
    private readonly templates: TemplatesService,
    private readonly savedSegments: SavedSegmentsService,
    private readonly sendingDomains: SendingDomainsService,
    private readonly deliveries: DeliveryService,
    private readonly audience: CampaignAudience,
    private readonly sender: CampaignSender,
  ) {}

  async list(filter: { status?: string; q?: string }, page: { offset: number; limit: number }): Promise<{ data: CampaignView[]; total: number }> {
    const { rows, total } = await this.repo.list(filter, page);
    const keys = new Map((await this.topics.list(true)).map((t) => [t.id, t.key]));
    return { data: rows.map((r) => this.view(r, keys)), total };
  }

  async get(id: string): Promise<CampaignView> {
    return this.present(await this.row(id));
  }

  async create(input: CampaignDto, actor: AuditActor): Promise<CampaignView> {
    if (!input.name?.trim()) throw new DomainError('validation', 'name: required', 400, [{ field: 'name', message: 'required' }]);
    const columns = await this.columns(input);
    const id = await this.repo.transaction(async (tx) => {
      const created = await this.repo.insert(tx, {
        four_eyes: this.config.CAMPAIGN_FOUR_EYES,
        ...columns,
        name: input.name?.trim() ?? '',
        created_by: actor.id ?? null,
      });
      await this.audit.record({ actor, action: 'campaign.created', subject: { type: 'campaign', id: created } }, tx);
      return created;
    });
    return this.get(id);
  }

  /** Edits a draft; 409 once it has been submitted (withdraw it, or have it rejected, to edit again). */
  async update(id: string, input: CampaignDto, actor: AuditActor): Promise<CampaignView> {
    const current = await this.row(id);
    if (current.status !== 'draft') throw frozen(current.status);
    const columns = await this.columns(input);
    const updated = await this.repo.transaction(async (tx) => {
      const row = await this.repo.update(tx, id, { ...columns }, `status = 'draft'`);
      if (!row) throw frozen((await this.row(id)).status);
      const fields = Object.entries(input)
        .filter(([, v]) => v !== undefined)
        .map(([k]) => k);
      await this.audit.record({ actor, action: 'campaign.updated', subject: { type: 'campaign', id }, details: { fields } }, tx);
      return row;
    });
    return this.present(updated);
  }

  /** Hands a complete draft to review; 422 naming what is missing. */
  async submit(id: string, actor: AuditActor): Promise<CampaignView> {
    const problems = await this.readiness(await this.row(id));
    if (problems.length) throw new DomainError('campaign_incomplete', `The campaign is not ready: ${problems.map((p) => p.field).join(', ')}`, 422, problems);
    return this.present(
      await this.move(id, ['draft'], 'submitted', actor, 'submitted', { submitted_by: actor.id ?? null, submitted_at: NOW, review_note: null }),
    );
  }

  async withdraw(id: string, actor: AuditActor): Promise<CampaignView> {
    return this.present(await this.move(id, ['submitted'], 'draft', actor, 'withdrawn', { submitted_at: null, submitted_by: null }));
  }

  async approve(id: string, actor: AuditActor, note?: string): Promise<CampaignView> {
    const row = await this.move(
      id,
      ['submitted'],
      'approved',
      actor,
      'approved',
      { approved_by: actor.id ?? null, approved_at: NOW, review_note: note ?? null },
      (c) => this.checkFourEyes(c, actor),
    );
    return this.present(row);
  }

  /** Sends a submitted campaign back to draft with the reviewer's note. */
  async reject(id: string, actor: AuditActor, note?: string): Promise<CampaignView> {
    const row = await this.move(id, ['submitted'], 'draft', actor, 'rejected', { review_note: note ?? null, submitted_at: null, submitted_by: null }, (c) =>
      this.checkFourEyes(c, actor),
    );
    return this.present(row);
  }

  /** Books an approved campaign; one due now starts at once (the scheduler starts the others when due). */
  async schedule(id: string, actor: AuditActor): Promise<CampaignView> {
    const current = await this.row(id);
    const sendAt = startInstant(current);
    await this.move(id, ['approved'], 'scheduled', actor, 'scheduled', { scheduled_at: NOW, send_at: sendAt }, undefined, { sendAt: sendAt.toISOString() });
    if (sendAt.getTime() <= Date.now()) await this.sender.start(id);
    return this.get(id);
  }

  /** Holds a scheduled or sending campaign: no new message leaves (batches already handed to SMTP finish). */
  async pause(id: string, actor: AuditActor): Promise<CampaignView> {
    await this.move(id, ['scheduled', 'sending'], 'paused', actor, 'paused', { paused_at: NOW });
    const held = await this.deliveries.pause(id);
    await this.audit.record({ actor, action: 'campaign.deliveries_held', subject: { type: 'campaign', id }, details: { deliveries: held } });
    return this.get(id);
  }

  async resume(id: string, actor: AuditActor): Promise<CampaignView> {
    const current = await this.row(id);
    const pausedMs = current.paused_at ? Math.max(0, Date.now() - current.paused_at.getTime()) : 0;
    const to: CampaignStatus = current.started_at ? 'sending' : 'scheduled';
    await this.move(id, ['paused'], to, actor, 'resumed', { paused_at: null, paused_ms: Number(current.paused_ms) + pausedMs }, undefined, { pausedMs });
    if (to === 'sending') {
      await this.deliveries.resume(id, pausedMs);
      await this.sender.ensureFanOut(id);
    } else if ((current.send_at?.getTime() ?? 0) <= Date.now()) await this.sender.start(id);
    return this.get(id);
  }

  /** Stops a campaign for good: unsent deliveries are cancelled at once; what is already in an SMTP session finishes. */
  async cancel(id: string, actor: AuditActor): Promise<CampaignView> {
    await this.move(id, ['draft', 'submitted', 'approved', 'scheduled', 'sending', 'paused'], 'cancelled', actor, 'cancelled', { cancelled_at: NOW });
    const cancelled = await this.deliveries.cancel(id);
    if (cancelled)
      await this.audit.record({ actor, action: 'campaign.deliveries_cancelled', subject: { type: 'campaign', id }, details: { deliveries: cancelled } });
    return this.get(id);
  }

  /** Live audience size for segments being picked (the wizard), before a campaign exists. */
  async audienceCount(include: number[], exclude: number[]) {
    await this.checkSegments([...include, ...exclude], 'includeSegmentIds');
    return this.audience.count(include, exclude);
  }

  /** The four-eyes rule: the reviewer wrote or submitted it → 403. */
  private checkFourEyes(row: CampaignRow, actor: AuditActor): void {
    if (!(this.config.CAMPAIGN_FOUR_EYES || row.four_eyes)) return;
    if (actor.id && (actor.id === row.created_by || actor.id === row.submitted_by))
      throw new DomainError('four_eyes', 'Four-eyes rule: a campaign must be reviewed by someone other than its author and submitter', 403);
  }

  /** A guarded status change and its audit entry, in one transaction; 409 from any other status. */
  private async move(
    id: string,
    from: CampaignStatus[],
    to: CampaignStatus,
    actor: AuditActor,
    action: string,
    set: Record<string, unknown> = {},
    check?: (row: CampaignRow) => void,
    details: Record<string, unknown> = {},
  ): Promise<CampaignRow> {
    return this.repo.transaction(async (tx) => {
      const row = await this.repo.find(id, tx, true);
      if (!row) throw notFound();
      if (!from.includes(row.status))
        throw new DomainError('campaign_status', `A ${row.status} campaign cannot be ${action}`, 409, [{ field: 'status', message: `is ${row.status}` }]);
      check?.(row);
      const updated = (await this.repo.update(tx, id, { status: to, ...set })) as CampaignRow;
      await this.audit.record({ actor, action: `campaign.${action}`, subject: { type: 'campaign', id }, details: { from: row.status, to, ...details } }, tx);
      return updated;
    });
  }

  /** Turns the API's shape into columns, checking each reference (422 naming the field). */
  private async columns(input: CampaignDto): Promise<DraftColumns> {
    const c: DraftColumns = {};
    if (input.name !== undefined) c.name = input.name.trim();
    if (input.topic !== undefined) c.topic_id = input.topic === null ? null : await this.topicId(input.topic);
    if (input.includeSegmentIds !== undefined) {
      await this.checkSegments(input.includeSegmentIds, 'includeSegmentIds');
      c.include_segment_ids = [...new Set(input.includeSegmentIds)];
    }
    if (input.excludeSegmentIds !== undefined) {
      await this.checkSegments(input.excludeSegmentIds, 'excludeSegmentIds');
      c.exclude_segment_ids = [...new Set(input.excludeSegmentIds)];
    }
    if (input.templateVersionId !== undefined) {
      if (input.templateVersionId !== null) await this.checkVersion(input.templateVersionId, 'templateVersionId');
      c.template_version_id = input.templateVersionId;
    }
    if (input.sender) {
      const s = input.sender;
      if (s.fromName !== undefined) c.from_name = s.fromName.trim();
      if (s.fromLocalPart !== undefined) c.from_local_part = s.fromLocalPart.toLowerCase();
      if (s.sendingDomain !== undefined) {
        if (s.sendingDomain !== null) await this.checkSendingDomain(s.sendingDomain.toLowerCase());
        c.sending_domain = s.sendingDomain?.toLowerCase() ?? null;
      }
      if (s.replyTo !== undefined) c.reply_to = s.replyTo;
    }
    if (input.schedule) {
      const s = input.schedule;
      const problems: FieldProblem[] = [];
      if (s.kind === 'at' && !s.sendAt) problems.push({ field: 'schedule.sendAt', message: 'required for a send at a time' });
      if (s.kind === 'local_time' && (!s.date || !s.time))
        problems.push({ field: 'schedule.date', message: 'date and time are required for a local-time send' });
      if (s.date && Number.isNaN(Date.parse(s.date))) problems.push({ field: 'schedule.date', message: 'not a date' });
      if (s.fallbackTimeZone !== undefined && !isTimeZone(s.fallbackTimeZone))
        problems.push({ field: 'schedule.fallbackTimeZone', message: 'not an IANA time zone' });
      if (problems.length) throw invalid(problems);
      c.schedule_kind = s.kind;
      c.send_at = s.kind === 'at' && s.sendAt ? new Date(s.sendAt) : null;
      c.local_date = s.kind === 'local_time' ? (s.date ?? null) : null;
      c.local_time = s.kind === 'local_time' ? (s.time ?? null) : null;
      if (s.fallbackTimeZone !== undefined) c.fallback_time_zone = s.fallbackTimeZone;
    }
    if (input.throttlePerHour !== undefined) c.throttle_per_hour = input.throttlePerHour;
    if (input.abTest !== undefined) {
      const ab = input.abTest;
      if (ab) {
        if (ab.kind === 'subject' && !ab.subjectB?.trim()) throw invalid([{ field: 'abTest.subjectB', message: 'required for a subject test' }]);
        if (ab.kind === 'template') {
          if (!ab.templateVersionIdB) throw invalid([{ field: 'abTest.templateVersionIdB', message: 'required for a template test' }]);
          await this.checkVersion(ab.templateVersionIdB, 'abTest.templateVersionIdB');
        }
      }
      c.ab_test = ab
        ? {
            kind: ab.kind,
            subjectB: ab.kind === 'subject' ? (ab.subjectB?.trim() ?? null) : null,
            templateVersionIdB: ab.kind === 'template' ? (ab.templateVersionIdB ?? null) : null,
            splitPercent: ab.splitPercent,
            metric: ab.metric,
            afterHours: ab.afterHours,
          }
        : null;
    }
    // With CAMPAIGN_FOUR_EYES on, a campaign cannot opt out.
    if (input.fourEyes !== undefined) c.four_eyes = this.config.CAMPAIGN_FOUR_EYES || input.fourEyes;
    return c;
  }

  /** What a campaign still lacks before review. Each problem names its field. */
  async readiness(row: CampaignRow): Promise<FieldProblem[]> {
    const problems: FieldProblem[] = [];
    const need = (ok: unknown, field: string, message: string) => {
      if (!ok) problems.push({ field, message });
    };
    need(row.name.trim(), 'name', 'required');
    need(row.topic_id, 'topic', 'a consent topic is required');
    need(row.include_segment_ids.length, 'includeSegmentIds', 'at least one segment is required');
    need(row.template_version_id, 'templateVersionId', 'a published template version is required');
    if (row.topic_id) {
      const topic = await this.topics.get(row.topic_id).catch(() => null);
      need(topic && !topic.archivedAt, 'topic', 'the topic is archived');
    }
    const segments = [...row.include_segment_ids, ...row.exclude_segment_ids];
    if (segments.length) {
      const found = new Set((await this.savedSegments.list({ ids: segments }, { offset: 0, limit: 100, order: 'ASC' })).data.map((s) => s.id));
      need(
        segments.every((s) => found.has(s)),
        'includeSegmentIds',
        'a segment no longer exists',
      );
    }
    if (row.template_version_id) {
      const version = await this.templates.publishedVersion(row.template_version_id).catch(() => null);
      need(version, 'templateVersionId', 'not a published version');
    }
    if (row.schedule_kind === 'at') need(row.send_at, 'schedule.sendAt', 'required');
    if (row.schedule_kind === 'local_time') need(row.local_date && row.local_time, 'schedule.date', 'date and time are required');
    if (row.sending_domain) {
      const domains = new Set((await this.sendingDomains.list()).map((d) => d.domain));
      need(domains.has(row.sending_domain), 'sender.sendingDomain', 'not a sending domain');
    }
    return problems;
  }

  private async topicId(key: string): Promise<number> {
    const topic = await this.topics.byKey(key).catch(() => null);
    if (!topic) throw invalid([{ field: 'topic', message: 'no such topic' }]);
    if (topic.archivedAt) throw invalid([{ field: 'topic', message: 'the topic is archived' }]);
    return topic.id;
  }

  private async checkSegments(ids: number[], field: string): Promise<void> {
    if (ids.length === 0) return;
    const found = new Set((await this.savedSegments.list({ ids }, { offset: 0, limit: 100, order: 'ASC' })).data.map((s) => s.id));
    const missing = ids.filter((id) => !found.has(id));
    if (missing.length) throw invalid([{ field, message: `no such segment: ${missing.join(', ')}` }]);
  }

  private async checkVersion(id: number, field: string): Promise<void> {
    const ok = await this.templates.publishedVersion(id).then(
      () => true,
      () => false,
    );
    if (!ok) throw invalid([{ field, message: 'not a published template version' }]);
  }

  private async checkSendingDomain(domain: string): Promise<void> {
    const domains = new Set((await this.sendingDomains.list()).map((d) => d.domain));
    if (!domains.has(domain)) throw invalid([{ field: 'sender.sendingDomain', message: 'not a sending domain: add it under Delivery first' }]);
  }

  private async row(id: string): Promise<CampaignRow> {
    const row = await this.repo.find(id);
    if (!row) throw notFound();
    return row;
  }

  private async present(r: CampaignRow): Promise<CampaignView> {
    const topic = r.topic_id === null ? null : await this.topics.get(r.topic_id).catch(() => null);
    return this.view(r, new Map(topic ? [[topic.id, topic.key]] : []));
  }

  private view(r: CampaignRow, topicKeys: Map<number, string>): CampaignView {
    return {
      id: r.id,
      name: r.name,
      status: r.status,
      topic: r.topic_id === null ? null : (topicKeys.get(r.topic_id) ?? null),
      topicId: r.topic_id,
      includeSegmentIds: r.include_segment_ids,
      excludeSegmentIds: r.exclude_segment_ids,
      templateVersionId: r.template_version_id,
      sender: { fromName: r.from_name, fromLocalPart: r.from_local_part, sendingDomain: r.sending_domain, replyTo: r.reply_to },
      schedule: {
        kind: r.schedule_kind,
        sendAt: r.schedule_kind === 'at' ? iso(r.send_at) : null,
        date: r.local_date,
        time: r.local_time,
        fallbackTimeZone: r.fallback_time_zone,
      },
      throttlePerHour: r.throttle_per_hour,
      abTest: r.ab_test,
      fourEyes: this.config.CAMPAIGN_FOUR_EYES || r.four_eyes,
      editable: r.status === 'draft',
      reviewNote: r.review_note,
      createdBy: r.created_by,
      submittedBy: r.submitted_by,
      approvedBy: r.approved_by,
      createdAt: r.created_at.toISOString(),
      updatedAt: r.updated_at.toISOString(),
      submittedAt: iso(r.submitted_at),
      approvedAt: iso(r.approved_at),
      scheduledAt: iso(r.scheduled_at),
      sendAt: iso(r.send_at),
      startedAt: iso(r.started_at),
      pausedAt: iso(r.paused_at),
      completedAt: iso(r.completed_at),
      cancelledAt: iso(r.cancelled_at),
      audienceCount: r.audience_count,
      abPhase: r.ab_phase,
      abDecideAt: iso(r.ab_decide_at),
      abWinner: r.ab_winner,
      abResult: r.ab_result,
    };
  }
}

/** When a campaign's fan-out starts: now, at its instant, or when the first time zone reaches its local time. */
function startInstant(row: CampaignRow): Date {
  if (row.schedule_kind === 'at' && row.send_at) return row.send_at;
  if (row.schedule_kind === 'local_time' && row.local_date && row.local_time) return earliestLocalInstant(row.local_date, row.local_time);
  return new Date();
}

function frozen(status: CampaignStatus): DomainError {
  return new DomainError('campaign_frozen', `A ${status} campaign cannot be edited`, 409, [{ field: 'status', message: `is ${status}` }]);
}

function invalid(problems: FieldProblem[]): DomainError {
  return new DomainError('validation', problems.map((p) => `${p.field}: ${p.message}`).join('; '), 422, problems);
}
