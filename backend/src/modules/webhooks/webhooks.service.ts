import { nextIds } from '../../platform/database/index.js';
import { randomBytes } from 'node:crypto';
import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Queue } from 'bullmq';
import type { DataSource, EntityManager } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../../config/index.js';
import { DomainError, type FieldProblem } from '../../platform/errors/index.js';
import { JobName, type JobPayloads, QueueName } from '../../platform/queue/index.js';
import { type AuditActor, AuditService } from '../audit/index.js';
import { CryptoService } from '../crypto/index.js';
import { allowedUrl } from '../events/index.js';
import { signWebhook } from './webhook-signature.js';
import {
  PAYLOAD_MODES,
  type PayloadMode,
  WEBHOOK_EVENT_TYPES,
  type WebhookDeliveryView,
  type WebhookEventType,
  type WebhookPayload,
  type WebhookSubscriptionView,
} from './webhooks.types.js';

interface SubscriptionRow {
  id: number;
  name: string;
  url: string;
  event_types: WebhookEventType[];
  payload_mode: PayloadMode;
  status: 'active' | 'paused';
  secret_rotated_at: Date;
  created_at: Date;
}

interface DeliveryRow {
  id: string;
  subscription_id: number;
  event_key: string;
  event_type: string;
  status: WebhookDeliveryView['status'];
  attempts: number;
  last_status: number | null;
  last_error: string | null;
  next_attempt_at: Date;
  created_at: Date;
  delivered_at: Date | null;
}

const SUB_COLUMNS = `id, name, url, event_types, payload_mode, status, secret_rotated_at, created_at`;
const DELIVERY_COLUMNS = `id::text AS id, subscription_id, event_key, event_type, status, attempts, last_status, last_error, next_attempt_at, created_at, delivered_at`;

/**
 * Owns webhook subscriptions and deliveries. Each delivery is POSTed with an HMAC-SHA256 signature over
 * `<timestamp>.<body>` (header `X-HM-Signature: t=…,v1=…`), retried with exponential backoff until
 * WEBHOOK_RETRY_WINDOW_SECONDS (24 h by default) have passed, then dead-lettered for a manual replay. Secrets are
 * shown once (at creation and rotation) and stored encrypted; payloads are stored encrypted too.
 */
@Injectable()
export class WebhooksService {
  private readonly logger = new Logger(WebhooksService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(APP_CONFIG) private readonly config: AppConfig,
    @InjectQueue(QueueName.Webhooks) private readonly queue: Queue<JobPayloads[JobName.WebhooksDeliver]>,
    private readonly crypto: CryptoService,
    private readonly audit: AuditService,
  ) {}

  static secretAad(id: number | string): string {
    return CryptoService.aad('webhook_subscriptions', 'secret_enc', id);
  }

  static payloadAad(id: string): string {
    return CryptoService.aad('webhook_deliveries', 'payload_enc', id);
  }

  // ---- subscriptions ----

  async create(input: Record<string, unknown>, actor: AuditActor): Promise<WebhookSubscriptionView & { secret: string }> {
    const v = validate(input, true);
    const secret = newSecret();
    const [{ id }] = await this.dataSource.query<[{ id: number }]>(`SELECT nextval('webhook_subscriptions_id_seq')::int AS id`);
    await this.dataSource.query(
      `INSERT INTO webhook_subscriptions (id, name, url, event_types, payload_mode, status, secret_enc) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
      [
        id,
        v.name,
        v.url,
        v.eventTypes,
        v.payloadMode ?? 'identifiers',
        v.status ?? 'active',
        this.crypto.encrypt('secrets', secret, WebhooksService.secretAad(id)),
      ],
    );
    await this.audit.record({
      actor,
      action: 'webhook.created',
      subject: { type: 'webhook', id: String(id) },
      details: { eventTypes: v.eventTypes, payloadMode: v.payloadMode ?? 'identifiers' },
    });
    return { ...(await this.get(id)), secret };
  }

  async update(id: number, input: Record<string, unknown>, actor: AuditActor): Promise<WebhookSubscriptionView> {
    const current = await this.get(id);
    const v = validate(input, false);
    await this.dataSource.query(
      `UPDATE webhook_subscriptions SET name = $2, url = $3, event_types = $4, payload_mode = $5, status = $6, updated_at = now() WHERE id = $1`,
      [id, v.name ?? current.name, v.url ?? current.url, v.eventTypes ?? current.eventTypes, v.payloadMode ?? current.payloadMode, v.status ?? current.status],
    );
    await this.audit.record({ actor, action: 'webhook.updated', subject: { type: 'webhook', id: String(id) }, details: { fields: Object.keys(input) } });
    return this.get(id);
  }

  /** A new signing secret, shown once; the old one stops working at once. */
  async rotateSecret(id: number, actor: AuditActor): Promise<{ id: number; secret: string; secretRotatedAt: string }> {
    await this.get(id);
    const secret = newSecret();
    await this.dataSource.query(`UPDATE webhook_subscriptions SET secret_enc = $2, secret_rotated_at = now(), updated_at = now() WHERE id = $1`, [
      id,
      this.crypto.encrypt('secrets', secret, WebhooksService.secretAad(id)),
    ]);
    await this.audit.record({ actor, action: 'webhook.secret-rotated', subject: { type: 'webhook', id: String(id) } });
    return { id, secret, secretRotatedAt: (await this.get(id)).secretRotatedAt };
  }

  async remove(id: number, actor: AuditActor): Promise<void> {
    await this.get(id);
    await this.dataSource.query(`DELETE FROM webhook_subscriptions WHERE id = $1`, [id]);
    await this.audit.record({ actor, action: 'webhook.deleted', subject: { type: 'webhook', id: String(id) } });
  }

  async list(): Promise<{ data: WebhookSubscriptionView[]; total: number }> {
    const rows = await this.dataSource.query<SubscriptionRow[]>(`SELECT ${SUB_COLUMNS} FROM webhook_subscriptions ORDER BY id`);
    return { data: rows.map(toSubscription), total: rows.length };
  }

  async get(id: number): Promise<WebhookSubscriptionView> {
    if (!Number.isInteger(id) || id < 1 || id > 2 ** 31 - 1) throw new DomainError('webhook_not_found', 'No such webhook subscription', 404);
    const [row] = await this.dataSource.query<[SubscriptionRow?]>(`SELECT ${SUB_COLUMNS} FROM webhook_subscriptions WHERE id = $1`, [id]);
    if (!row) throw new DomainError('webhook_not_found', 'No such webhook subscription', 404);
    return toSubscription(row);
  }

  /** Active subscriptions per event type, for the dispatcher. */
  async activeByType(): Promise<Map<WebhookEventType, { id: number; payloadMode: PayloadMode }[]>> {
    const rows = await this.dataSource.query<SubscriptionRow[]>(`SELECT ${SUB_COLUMNS} FROM webhook_subscriptions WHERE status = 'active'`);
    const out = new Map<WebhookEventType, { id: number; payloadMode: PayloadMode }[]>();
    for (const r of rows) for (const t of r.event_types) out.set(t, [...(out.get(t) ?? []), { id: r.id, payloadMode: r.payload_mode }]);
    return out;
  }

  // ---- deliveries ----

  /** Creates one delivery per (subscription, event) in the caller's transaction; returns the new ids to enqueue after commit. */
  async createDeliveries(tx: EntityManager, items: { subscriptionId: number; eventKey: string; payload: WebhookPayload }[]): Promise<string[]> {
    if (!items.length) return [];
    const ids = await nextIds(tx, 'webhook_deliveries_id_seq', items.length);
    const inserted = await tx.query<{ id: string }[]>(
      `INSERT INTO webhook_deliveries (id, subscription_id, event_key, event_type, payload_enc)
       SELECT * FROM unnest($1::bigint[], $2::int[], $3::text[], $4::text[], $5::bytea[])
       ON CONFLICT (subscription_id, event_key) DO NOTHING RETURNING id::text AS id`,
      [
        ids,
        items.map((i) => i.subscriptionId),
        items.map((i) => i.eventKey),
        items.map((i) => i.payload.type),
        items.map((i, n) => this.crypto.encrypt('phi', JSON.stringify(i.payload), WebhooksService.payloadAad(ids[n]))),
      ],
    );
    return inserted.map((r) => r.id);
  }

  async enqueue(ids: readonly string[], delayMs = 0, attempt = 0): Promise<void> {
    if (!ids.length) return;
    await this.queue.addBulk(
      ids.map((deliveryId) => ({
        name: JobName.WebhooksDeliver,
        data: { deliveryId },
        opts: { jobId: `wh-${deliveryId}-${attempt}`, delay: delayMs, attempts: 1, removeOnComplete: 1000, removeOnFail: 1000 },
      })),
    );
  }

  /** One attempt: POST, log it, then succeeded, retrying (with a delayed job) or dead. Safe to run twice: the row decides. */
  async attempt(deliveryId: string): Promise<WebhookDeliveryView['status'] | 'skipped'> {
    const [row] = await this.dataSource.query<
      [
        {
          id: string;
          status: string;
          attempts: number;
          payload_enc: Buffer;
          series_started_at: Date;
          url: string;
          secret_enc: Buffer;
          subscription_id: number;
        }?,
      ]
    >(
      `SELECT d.id::text AS id, d.status, d.attempts, d.payload_enc, d.series_started_at, s.url, s.secret_enc, s.id AS subscription_id
         FROM webhook_deliveries d JOIN webhook_subscriptions s ON s.id = d.subscription_id WHERE d.id = $1`,
      [deliveryId],
    );
    if (!row || (row.status !== 'pending' && row.status !== 'retrying')) return 'skipped';
    const body = (await this.crypto.decrypt(row.payload_enc, WebhooksService.payloadAad(row.id))).toString('utf8');
    const secret = await this.crypto.decryptText(row.secret_enc, WebhooksService.secretAad(row.subscription_id));
    const payload = JSON.parse(body) as WebhookPayload;
    const attempt = row.attempts + 1;
    const started = performance.now();
    let statusCode: number | null = null;
    let error: string | null = null;
    if (!allowedUrl(row.url)) error = 'url_not_allowed';
    else {
      try {
        const res = await fetch(row.url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json',
            'user-agent': 'HIPAA-Mail-Webhooks/1',
            'x-hm-signature': signWebhook(secret, body),
            'x-hm-event-id': payload.id,
            'x-hm-event-type': payload.type,
            'x-hm-delivery-id': row.id,
            'x-hm-attempt': String(attempt),
          },
          body,
          redirect: 'manual',
          signal: AbortSignal.timeout(this.config.WEBHOOK_TIMEOUT_SECONDS * 1000),
        });
        statusCode = res.status;
        await res.body?.cancel();
        if (res.status < 200 || res.status >= 300) error = `http_${res.status}`;
      } catch (err) {
        error = (err as Error).name === 'TimeoutError' ? 'timeout' : ((err as { cause?: { code?: string } }).cause?.code ?? 'network_error').toLowerCase();
      }
    }
    const durationMs = Math.round(performance.now() - started);
    await this.dataSource.query(`INSERT INTO webhook_attempts (delivery_id, status_code, error, duration_ms) VALUES ($1, $2, $3, $4)`, [
      row.id,
      statusCode,
      error,
      durationMs,
    ]);
    if (!error) {
      await this.dataSource.query(
        `UPDATE webhook_deliveries SET status = 'succeeded', attempts = $2, last_status = $3, last_error = NULL, delivered_at = now() WHERE id = $1`,
        [row.id, attempt, statusCode],
      );
      return 'succeeded';
    }
    const delayMs = this.config.WEBHOOK_RETRY_BASE_SECONDS * 1000 * 2 ** (attempt - 1);
    const deadline = row.series_started_at.getTime() + this.config.WEBHOOK_RETRY_WINDOW_SECONDS * 1000;
    if (Date.now() + delayMs > deadline) {
      await this.dataSource.query(`UPDATE webhook_deliveries SET status = 'dead', attempts = $2, last_status = $3, last_error = $4 WHERE id = $1`, [
        row.id,
        attempt,
        statusCode,
        error,
      ]);
      this.logger.warn({ deliveryId: row.id, attempts: attempt, error }, 'webhook delivery dead-lettered');
      return 'dead';
    }
    await this.dataSource.query(
      `UPDATE webhook_deliveries SET status = 'retrying', attempts = $2, last_status = $3, last_error = $4, next_attempt_at = now() + make_interval(secs => $5) WHERE id = $1`,
      [row.id, attempt, statusCode, error, delayMs / 1000],
    );
    await this.enqueue([row.id], delayMs, attempt);
    return 'retrying';
  }

  /** A manual replay of a dead (or delivered) delivery: a fresh retry series from now. */
  async replay(id: string, actor: AuditActor): Promise<WebhookDeliveryView> {
    const delivery = await this.delivery(id);
    if (delivery.status === 'pending' || delivery.status === 'retrying')
      throw new DomainError('webhook_in_progress', 'This delivery is still being retried', 409);
    await this.dataSource.query(`UPDATE webhook_deliveries SET status = 'pending', next_attempt_at = now(), series_started_at = now() WHERE id = $1`, [id]);
    await this.enqueue([id], 0, delivery.attempts);
    await this.audit.record({ actor, action: 'webhook.replayed', subject: { type: 'webhook_delivery', id } });
    return this.delivery(id);
  }

  async delivery(
    id: string,
  ): Promise<WebhookDeliveryView & { attemptLog: { at: string; statusCode: number | null; error: string | null; durationMs: number }[] }> {
    if (!/^\d{1,18}$/.test(id)) throw new DomainError('webhook_delivery_not_found', 'No such webhook delivery', 404);
    const [row] = await this.dataSource.query<[DeliveryRow?]>(`SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries WHERE id = $1`, [id]);
    if (!row) throw new DomainError('webhook_delivery_not_found', 'No such webhook delivery', 404);
    const attempts = await this.dataSource.query<{ attempted_at: Date; status_code: number | null; error: string | null; duration_ms: number }[]>(
      `SELECT attempted_at, status_code, error, duration_ms FROM webhook_attempts WHERE delivery_id = $1 ORDER BY id`,
      [id],
    );
    return {
      ...toDelivery(row),
      attemptLog: attempts.map((a) => ({ at: a.attempted_at.toISOString(), statusCode: a.status_code, error: a.error, durationMs: a.duration_ms })),
    };
  }

  /** The delivery log, newest first (payloads are never listed). */
  async deliveries(
    filter: { subscriptionId?: number; status?: string },
    page: { offset: number; limit: number },
  ): Promise<{ data: WebhookDeliveryView[]; total: number }> {
    const params = [filter.subscriptionId ?? null, filter.status ?? null];
    const where = `WHERE ($1::int IS NULL OR subscription_id = $1) AND ($2::text IS NULL OR status = $2)`;
    const [{ total }] = await this.dataSource.query<[{ total: number }]>(`SELECT count(*)::int AS total FROM webhook_deliveries ${where}`, params);
    const rows = await this.dataSource.query<DeliveryRow[]>(
      `SELECT ${DELIVERY_COLUMNS} FROM webhook_deliveries ${where} ORDER BY id DESC OFFSET ${page.offset} LIMIT ${page.limit}`,
      params,
    );
    return { data: rows.map(toDelivery), total };
  }
}

function newSecret(): string {
  return `whsec_${randomBytes(32).toString('base64url')}`;
}

function validate(
  input: Record<string, unknown>,
  creating: boolean,
): { name?: string; url?: string; eventTypes?: WebhookEventType[]; payloadMode?: PayloadMode; status?: 'active' | 'paused' } {
  const problems: FieldProblem[] = [];
  const out: ReturnType<typeof validate> = {};
  for (const key of Object.keys(input))
    if (!['name', 'url', 'eventTypes', 'payloadMode', 'status'].includes(key)) problems.push({ field: key, message: 'unknown field' });
  if (input.name !== undefined || creating) {
    if (typeof input.name !== 'string' || !input.name.trim() || input.name.length > 100)
      problems.push({ field: 'name', message: 'required, at most 100 characters' });
    else out.name = input.name.trim();
  }
  if (input.url !== undefined || creating) {
    if (typeof input.url !== 'string' || input.url.length > 2000 || !allowedUrl(input.url))
      problems.push({ field: 'url', message: 'must be an https:// URL (http:// only to the loopback interface), without credentials' });
    else out.url = input.url;
  }
  if (input.eventTypes !== undefined || creating) {
    const v = input.eventTypes;
    if (!Array.isArray(v) || v.length === 0 || v.some((t) => !(WEBHOOK_EVENT_TYPES as readonly unknown[]).includes(t)))
      problems.push({ field: 'eventTypes', message: `must be a non-empty list of ${WEBHOOK_EVENT_TYPES.join(', ')}` });
    else out.eventTypes = [...new Set(v as WebhookEventType[])];
  }
  if (input.payloadMode !== undefined) {
    if (!(PAYLOAD_MODES as readonly unknown[]).includes(input.payloadMode)) problems.push({ field: 'payloadMode', message: 'must be identifiers or full' });
    else out.payloadMode = input.payloadMode as PayloadMode;
  }
  if (input.status !== undefined) {
    if (input.status !== 'active' && input.status !== 'paused') problems.push({ field: 'status', message: 'must be active or paused' });
    else out.status = input.status;
  }
  if (problems.length) throw new DomainError('validation', problems.map((p) => `${p.field}: ${p.message}`).join('; '), 400, problems);
  return out;
}

function toSubscription(r: SubscriptionRow): WebhookSubscriptionView {
  return {
    id: r.id,
    name: r.name,
    url: r.url,
    eventTypes: r.event_types,
    payloadMode: r.payload_mode,
    status: r.status,
    secretRotatedAt: r.secret_rotated_at.toISOString(),
    createdAt: r.created_at.toISOString(),
  };
}

function toDelivery(r: DeliveryRow): WebhookDeliveryView {
  return {
    id: r.id,
    subscriptionId: r.subscription_id,
    eventKey: r.event_key,
    eventType: r.event_type,
    status: r.status,
    attempts: r.attempts,
    lastStatus: r.last_status,
    lastError: r.last_error,
    nextAttemptAt: r.next_attempt_at.toISOString(),
    createdAt: r.created_at.toISOString(),
    deliveredAt: r.delivered_at?.toISOString() ?? null,
  };
}
