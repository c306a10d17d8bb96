import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../../config/index.js';
import { DomainError } from '../../platform/errors/index.js';
import { JobName, QueueName } from '../../platform/queue/index.js';
import { ContactsService } from '../contacts/index.js';
import { CryptoService } from '../crypto/index.js';
import { EngagementService, type StoredEngagementEvent } from '../engagement/index.js';
import { TemplatesService } from '../templates/index.js';
import type { DeliveryEvidence, DeliveryStatus, MessageOptions } from './delivery.types.js';

/** One message to send: to a contact, or (test sends) to a seed address that is not a contact. */
export interface DeliveryRequest {
  idempotencyKey: string;
  templateVersionId: number;
  contactId?: string;
  /** Seed-list address for a test send; stored encrypted. */
  seedAddress?: string;
  topicId?: number | null;
  purpose: 'campaign' | 'journey' | 'test' | 'transactional';
  campaignId?: string | null;
  journeyId?: string | null;
  enrollmentId?: string | null;
  stepKey?: string | null;
  /** Extra render data (an appointment from an EHR event…): encrypted at rest, merged into the template context. */
  context?: Record<string, unknown>;
  notBefore?: Date;
  /** Subject and sender overrides (a campaign's A/B variant and sender identity). */
  message?: MessageOptions;
}

export interface DeliveryView {
  id: string;
  status: DeliveryStatus;
  reason: string | null;
  detail: string | null;
  contactId: string | null;
  recipientDomain: string;
  templateVersionId: number;
  topicId: number | null;
  category: string;
  purpose: string;
  campaignId: string | null;
  journeyId: string | null;
  attempts: number;
  evidence: DeliveryEvidence | null;
  createdAt: string;
  sentAt: string | null;
  nextAttemptAt: string | null;
}

interface DeliveryRow {
  id: string;
  status: DeliveryStatus;
  reason: string | null;
  detail: string | null;
  contact_id: string | null;
  recipient_domain: string;
  template_version_id: number;
  topic_id: number | null;
  category: string;
  purpose: string;
  campaign_id: string | null;
  journey_id: string | null;
  attempts: number;
  evidence: DeliveryEvidence | null;
  created_at: Date;
  sent_at: Date | null;
  next_attempt_at: Date;
}

export interface DeliveryFilter {
  status?: string;
  domain?: string;
  campaignId?: string;
  journeyId?: string;
  contactId?: string;
  tlsVersion?: string;
  since?: Date;
}

const VIEW_COLUMNS = `id::text AS id, status, reason, detail, contact_id::text AS contact_id, recipient_domain, template_version_id, topic_id, category, purpose,
  campaign_id::text AS campaign_id, journey_id::text AS journey_id, attempts, evidence, created_at, sent_at, next_attempt_at`;

/**
 * Owns deliveries: one row per intended message, unique by idempotency key, so campaigns, journeys and
 * retries can ask again without sending twice. Jobs carry delivery ids only; the row decides.
 */
@Injectable()
export class DeliveryService {
  constructor(
    @InjectDataSource() private readonly db: DataSource,
    @InjectQueue(QueueName.Delivery) private readonly queue: Queue,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    private readonly crypto: CryptoService,
    private readonly contacts: ContactsService,
    private readonly templates: TemplatesService,
    private readonly engagement: EngagementService,
  ) {}

  /** Records the deliveries (existing idempotency keys are left alone) and queues the new ones. Returns the ids of new rows. */
  async enqueue(requests: readonly DeliveryRequest[]): Promise<{ created: string[]; existing: number }> {
    if (requests.length === 0) return { created: [], existing: 0 };
    const versionIds = [...new Set(requests.map((r) => r.templateVersionId))];
    const versions = new Map(await Promise.all(versionIds.map(async (id) => [id, await this.templates.publishedVersion(id)] as const)));
    const contactIds = requests.flatMap((r) => (r.contactId ? [r.contactId] : []));
    const records = await this.contacts.phiForProcessingMany(contactIds);
    const rows: unknown[][] = [[], [], [], [], [], [], [], [], [], [], [], [], [], []];
    const seedIndexes: number[] = [];
    const contexts: (Record<string, unknown> | undefined)[] = [];
    for (const request of requests) {
      const address = request.contactId ? records.get(request.contactId)?.phi.email : request.seedAddress;
      if (!address)
        throw new DomainError('delivery_recipient_missing', 'A delivery needs an active contact or a seed address', 422, [
          { field: 'contactId', message: 'no active contact' },
        ]);
      const version = versions.get(request.templateVersionId);
      if (!version) throw new DomainError('template_version_not_published', 'Template version is not published', 422);
      if (request.seedAddress) seedIndexes.push(rows[0].length);
      contexts.push(request.context);
      const values = [
        request.idempotencyKey,
        request.contactId ?? null,
        address.slice(address.lastIndexOf('@') + 1).toLowerCase(),
        request.templateVersionId,
        request.topicId ?? null,
        version.category,
        request.purpose,
        request.campaignId ?? null,
        request.journeyId ?? null,
        request.enrollmentId ?? null,
        request.stepKey ?? null,
        request.notBefore ?? new Date(),
        request.seedAddress ?? null,
        request.message ? JSON.stringify(request.message) : null,
      ];
      values.forEach((v, i) => rows[i].push(v));
    }
    const inserted = await this.db.transaction(async (tx) => {
      const created = await tx.query<{ id: string; idempotency_key: string }[]>(
        `INSERT INTO deliveries (idempotency_key, contact_id, recipient_domain, template_version_id, topic_id, category, purpose, campaign_id, journey_id, enrollment_id, step_key, next_attempt_at, recipient_enc, message_options)
         SELECT k, c, d, v, t, cat, p, camp, j, e, s, n, CASE WHEN seed IS NULL THEN NULL ELSE '\\x00'::bytea END, mo
           FROM unnest($1::text[], $2::bigint[], $3::text[], $4::int[], $5::int[], $6::text[], $7::text[], $8::bigint[], $9::bigint[], $10::bigint[], $11::text[], $12::timestamptz[], $13::text[], $14::jsonb[])
                AS x(k, c, d, v, t, cat, p, camp, j, e, s, n, seed, mo)
         ON CONFLICT (idempotency_key) DO NOTHING
         RETURNING id::text AS id, idempotency_key`,
        rows,
      );
      // Ciphertexts are bound to their row id, so they are written once the id exists.
      const byKey = new Map(requests.map((r, i) => [r.idempotencyKey, i]));
      const sealed: { id: string; recipient: Buffer | null; context: Buffer | null }[] = [];
      for (const row of created) {
        const i = byKey.get(row.idempotency_key) ?? -1;
        const request = requests[i];
        const seal = (column: string, value: string) => this.crypto.encrypt('phi', value, CryptoService.aad('deliveries', column, row.id));
        if (request.seedAddress || contexts[i]) {
          sealed.push({
            id: row.id,
            recipient: request.seedAddress ? seal('recipient_enc', request.seedAddress) : null,
            context: contexts[i] ? seal('context_enc', JSON.stringify(contexts[i])) : null,
          });
        }
      }
      // One statement for the whole batch (journeys enqueue many deliveries with context at once).
      if (sealed.length) {
        await tx.query(
          `UPDATE deliveries d SET recipient_enc = x.recipient, context_enc = x.context
             FROM unnest($1::bigint[], $2::bytea[], $3::bytea[]) AS x(id, recipient, context) WHERE d.id = x.id`,
          [sealed.map((s) => s.id), sealed.map((s) => s.recipient), sealed.map((s) => s.context)],
        );
      }
      await this.engagement.record(
        created.map((row) => {
          const request = requests[byKey.get(row.idempotency_key) ?? -1];
          return {
            type: 'queued' as const,
            contactId: request.contactId ?? null,
            deliveryId: row.id,
            campaignId: request.campaignId,
            journeyId: request.journeyId,
          };
        }),
        tx,
      );
      return created;
    });
    const due = new Map(requests.map((r) => [r.idempotencyKey, r.notBefore]));
    await this.schedule(
      inserted.map((r) => r.id),
      inserted.map((r) => due.get(r.idempotency_key)),
    );
    return { created: inserted.map((r) => r.id), existing: requests.length - inserted.length };
  }

  /** Queues delivery ids in batches (one job per batch); a `notBefore` in the future becomes a delayed job. */
  async schedule(ids: readonly string[], notBefore: readonly (Date | undefined)[] = []): Promise<void> {
    const groups = new Map<number, string[]>();
    ids.forEach((id, i) => {
      const delay = Math.max(0, (notBefore[i]?.getTime() ?? 0) - Date.now());
      const bucket = Math.ceil(delay / 1000) * 1000;
      const list = groups.get(bucket) ?? [];
      list.push(id);
      groups.set(bucket, list);
    });
    const jobs: { name: string; data: { deliveryIds: string[] }; opts: { delay: number; attempts: number } }[] = [];
    for (const [delay, list] of groups) {
      for (let i = 0; i < list.length; i += this.config.DELIVERY_BATCH_SIZE) {
        jobs.push({ name: JobName.DeliverySend, data: { deliveryIds: list.slice(i, i + this.config.DELIVERY_BATCH_SIZE) }, opts: { delay, attempts: 3 } });
      }
    }
    if (jobs.length) await this.queue.addBulk(jobs);
  }

  async get(id: string): Promise<DeliveryView> {
    if (!/^\d{1,18}$/.test(id)) throw new DomainError('delivery_not_found', 'Delivery not found', 404);
    const [row] = await this.db.query<[DeliveryRow?]>(`SELECT ${VIEW_COLUMNS} FROM deliveries WHERE id = $1`, [id]);
    if (!row) throw new DomainError('delivery_not_found', 'Delivery not found', 404);
    return view(row);
  }

  async timeline(id: string): Promise<StoredEngagementEvent[]> {
    await this.get(id);
    return this.engagement.forDelivery(id);
  }

  async list(filter: DeliveryFilter, page: { offset: number; limit: number }): Promise<{ data: DeliveryView[]; total: number }> {
    const where: string[] = [];
    const params: unknown[] = [];
    const add = (sql: string, value: unknown) => {
      params.push(value);
      where.push(sql.replace('?', `$${String(params.length)}`));
    };
    if (filter.status) add('status = ?', filter.status);
    if (filter.domain) add('recipient_domain = ?', filter.domain.toLowerCase());
    if (filter.campaignId) add('campaign_id = ?', filter.campaignId);
    if (filter.journeyId) add('journey_id = ?', filter.journeyId);
    if (filter.contactId) add('contact_id = ?', filter.contactId);
    if (filter.tlsVersion) add(`evidence->>'tlsVersion' = ?`, filter.tlsVersion);
    if (filter.since) add('created_at >= ?', filter.since);
    const clause = where.length ? `WHERE ${where.join(' AND ')}` : '';
    const [{ total }] = await this.db.query<[{ total: number }]>(`SELECT count(*)::int AS total FROM deliveries ${clause}`, params);
    const rows = await this.db.query<DeliveryRow[]>(
      `SELECT ${VIEW_COLUMNS} FROM deliveries ${clause} ORDER BY created_at DESC, id DESC OFFSET $${String(params.length + 1)} LIMIT $${String(params.length + 2)}`,
      [...params, page.offset, page.limit],
    );
    return { data: rows.map(view), total };
  }

  /** Counts by status, for a campaign, a journey or everything. */
  async statusCounts(scope: { campaignId?: string; journeyId?: string } = {}): Promise<Record<string, number>> {
    const rows = await this.db.query<{ status: string; n: number }[]>(
      `SELECT status, count(*)::int AS n FROM deliveries WHERE ($1::bigint IS NULL OR campaign_id = $1) AND ($2::bigint IS NULL OR journey_id = $2) GROUP BY status`,
      [scope.campaignId ?? null, scope.journeyId ?? null],
    );
    return Object.fromEntries(rows.map((r) => [r.status, r.n]));
  }

  /**
   * Heals a lost queue: rows due for more than two minutes are queued again, and rows stuck in `sending`
   * (a worker died mid-batch) go back to `deferred` and are queued at once. Returns how many rows were re-queued.
   * A campaign's recovery passes its own, shorter, intervals and scope.
   */
  async requeueOverdue(options: { campaignId?: string; stuckAfterSeconds?: number; overdueAfterSeconds?: number } = {}): Promise<number> {
    const scope = options.campaignId ?? null;
    const [stuck] = await this.db.query<[{ id: string }[], number]>(
      `UPDATE deliveries SET status = 'deferred', reason = 'worker_lost', updated_at = now(), next_attempt_at = now()
        WHERE status = 'sending' AND updated_at < now() - make_interval(secs => $1) AND ($2::bigint IS NULL OR campaign_id = $2)
        RETURNING id::text AS id`,
      [options.stuckAfterSeconds ?? 600, scope],
    );
    const rows = await this.db.query<{ id: string }[]>(
      `SELECT id::text AS id FROM deliveries
        WHERE status IN ('queued', 'deferred') AND next_attempt_at < now() - make_interval(secs => $1) AND ($2::bigint IS NULL OR campaign_id = $2)
        ORDER BY next_attempt_at LIMIT 10000`,
      [options.overdueAfterSeconds ?? 120, scope],
    );
    const ids = [...new Set([...stuck.map((r) => r.id), ...rows.map((r) => r.id)])];
    await this.schedule(ids);
    return ids.length;
  }

  /**
   * Queues again every pending delivery of a campaign at its own time (after Redis lost its queues), or only those
   * with the given idempotency keys (a fan-out batch that committed its rows but died before queueing them).
   */
  async reschedule(campaignId: string, idempotencyKeys?: readonly string[]): Promise<number> {
    const rows = await this.db.query<{ id: string; at: Date }[]>(
      `SELECT id::text AS id, next_attempt_at AS at FROM deliveries
        WHERE campaign_id = $1 AND status IN ('queued', 'deferred') AND ($2::text[] IS NULL OR idempotency_key = ANY($2::text[]))`,
      [campaignId, idempotencyKeys ?? null],
    );
    await this.schedule(
      rows.map((r) => r.id),
      rows.map((r) => r.at),
    );
    return rows.length;
  }

  /** Holds a campaign's unsent deliveries: the pipeline claims only queued and deferred rows. Batches already claimed finish. */
  async pause(campaignId: string): Promise<number> {
    const [, n] = await this.db.query<[unknown, number]>(
      `UPDATE deliveries SET status = 'paused', updated_at = now() WHERE campaign_id = $1 AND status IN ('queued', 'deferred')`,
      [campaignId],
    );
    return n;
  }

  /** Releases a paused campaign: each held delivery keeps its place in the throttle, shifted by the time spent paused. */
  async resume(campaignId: string, pausedMs: number): Promise<number> {
    const [rows] = await this.db.query<[{ id: string; at: Date }[], number]>(
      `UPDATE deliveries SET status = 'queued', updated_at = now(), next_attempt_at = greatest(now(), next_attempt_at + make_interval(secs => $2 / 1000.0))
        WHERE campaign_id = $1 AND status = 'paused'
        RETURNING id::text AS id, next_attempt_at AS at`,
      [campaignId, Math.max(0, pausedMs)],
    );
    await this.schedule(
      rows.map((r) => r.id),
      rows.map((r) => r.at),
    );
    return rows.length;
  }

  /** Ends a campaign's unsent deliveries; jobs still queued for them find nothing to claim. */
  async cancel(campaignId: string): Promise<number> {
    const [, n] = await this.db.query<[unknown, number]>(
      `UPDATE deliveries SET status = 'cancelled', reason = 'campaign_cancelled', updated_at = now()
        WHERE campaign_id = $1 AND status IN ('queued', 'deferred', 'paused')`,
      [campaignId],
    );
    return n;
  }
}

function view(r: DeliveryRow): DeliveryView {
  return {
    id: r.id,
    status: r.status,
    reason: r.reason,
    detail: r.detail,
    contactId: r.contact_id,
    recipientDomain: r.recipient_domain,
    templateVersionId: r.template_version_id,
    topicId: r.topic_id,
    category: r.category,
    purpose: r.purpose,
    campaignId: r.campaign_id,
    journeyId: r.journey_id,
    attempts: r.attempts,
    evidence: r.evidence,
    createdAt: r.created_at.toISOString(),
    sentAt: r.sent_at?.toISOString() ?? null,
    nextAttemptAt: ['queued', 'deferred'].includes(r.status) ? r.next_attempt_at.toISOString() : null,
  };
}
