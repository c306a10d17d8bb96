import { Injectable, Logger, type OnApplicationBootstrap, type OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { ContactsService, type ProcessingRecord } from '../contacts/index.js';
import { EngagementService } from '../engagement/index.js';
import { WebhooksService } from './webhooks.service.js';
import { ENGAGEMENT_WEBHOOK_TYPES, type PayloadMode, type WebhookEventType, type WebhookPayload } from './webhooks.types.js';

const POLL_MS = 1000;
const PAGE = 500;
const LOCK = 727_101;

interface SourceEvent {
  key: string;
  type: WebhookEventType;
  occurredAt: string;
  contactId: string | null;
  data: WebhookPayload['data'];
}

/**
 * Turns engagement events (EngagementService.after) and consent changes into webhook deliveries, in scheduler
 * processes. Each source has a stored cursor; a page of events, its deliveries and the cursor move commit together
 * (one dispatcher at a time, by an advisory lock), and the delivery jobs are queued after the commit.
 */
@Injectable()
export class WebhookDispatcher implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookDispatcher.name);
  private timer?: NodeJS.Timeout;
  private running = false;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly engagement: EngagementService,
    private readonly webhooks: WebhooksService,
    private readonly contacts: ContactsService,
  ) {}

  onApplicationBootstrap() {
    this.timer = setInterval(() => void this.tick(), POLL_MS);
    this.timer.unref();
  }

  onApplicationShutdown() {
    if (this.timer) clearInterval(this.timer);
  }

  private async tick() {
    if (this.running) return;
    this.running = true;
    try {
      while ((await this.dispatchOnce()) === PAGE);
    } catch (err) {
      this.logger.warn({ code: (err as { code?: string }).code, name: (err as Error).name }, 'webhook dispatch failed');
    } finally {
      this.running = false;
    }
  }

  /** One page from each source; returns the larger page size (PAGE means: there may be more). */
  async dispatchOnce(): Promise<number> {
    const subscribers = await this.webhooks.activeByType();
    const queued: string[] = [];
    const seen = await this.dataSource.transaction(async (tx) => {
      const [{ locked }] = await tx.query<[{ locked: boolean }]>(`SELECT pg_try_advisory_xact_lock($1) AS locked`, [LOCK]);
      if (!locked) return 0;
      const engagementCursor = await this.cursor(tx, 'engagement', `SELECT coalesce(max(id), 0)::text AS id FROM engagement_events`);
      const consentCursor = await this.cursor(tx, 'consent', `SELECT coalesce(max(id), 0)::text AS id FROM consent_events`);
      const engagement = await this.engagement.after(engagementCursor, PAGE, ENGAGEMENT_WEBHOOK_TYPES);
      // Consent changes: the consent ledger is append-only and ordered by id.
      const consent = await tx.query<{ id: string; contact_id: string; topic_id: number; status: string; method: string; occurred_at: Date }[]>(
        `SELECT id::text AS id, contact_id::text AS contact_id, topic_id, status, method, occurred_at FROM consent_events WHERE id > $1 ORDER BY id LIMIT $2`,
        [consentCursor, PAGE],
      );
      const events: SourceEvent[] = [
        ...engagement.map((e) => ({
          key: `engagement:${e.id}`,
          type: e.type as WebhookEventType,
          occurredAt: e.occurredAt,
          contactId: e.contactId,
          data: {
            contactId: e.contactId,
            deliveryId: e.deliveryId,
            campaignId: e.campaignId,
            journeyId: e.journeyId,
            machine: e.machine,
            detail: e.detail,
          },
        })),
        ...consent.map((c) => ({
          key: `consent:${c.id}`,
          type: 'consent.changed' as const,
          occurredAt: c.occurred_at.toISOString(),
          contactId: c.contact_id,
          data: { contactId: c.contact_id, topicId: c.topic_id, status: c.status, method: c.method },
        })),
      ];
      const full = new Set(
        events.filter((e) => subscribers.get(e.type)?.some((s) => s.payloadMode === 'full')).flatMap((e) => (e.contactId ? [e.contactId] : [])),
      );
      const people = full.size ? await this.contacts.phiForProcessingMany([...full]) : new Map<string, ProcessingRecord>();
      const items = events.flatMap((e) =>
        (subscribers.get(e.type) ?? []).map((s) => ({ subscriptionId: s.id, eventKey: e.key, payload: this.payload(e, s.payloadMode, people) })),
      );
      queued.push(...(await this.webhooks.createDeliveries(tx, items)));
      if (engagement.length) await this.move(tx, 'engagement', engagement[engagement.length - 1].id);
      if (consent.length) await this.move(tx, 'consent', consent[consent.length - 1].id);
      return Math.max(engagement.length, consent.length);
    });
    await this.webhooks.enqueue(queued);
    return seen;
  }

  private payload(e: SourceEvent, mode: PayloadMode, people: Map<string, ProcessingRecord>): WebhookPayload {
    const payload: WebhookPayload = { id: `evt_${e.key.replace(':', '_')}`, type: e.type, occurredAt: e.occurredAt, data: { ...e.data } };
    const person = mode === 'full' && e.contactId ? people.get(e.contactId) : undefined;
    if (person) payload.data.contact = { email: person.phi.email, firstName: person.phi.firstName ?? null, lastName: person.phi.lastName ?? null };
    return payload;
  }

  /** The source's cursor; the first time, the current end (subscriptions get what happens from now on). */
  private async cursor(tx: EntityManager, source: string, end: string): Promise<string> {
    const [row] = await tx.query<[{ last_id: string }?]>(`SELECT last_id::text AS last_id FROM webhook_cursors WHERE source = $1`, [source]);
    if (row) return row.last_id;
    const [{ id }] = await tx.query<[{ id: string }]>(end);
    await tx.query(`INSERT INTO webhook_cursors (source, last_id) VALUES ($1, $2)`, [source, id]);
    return id;
  }

  private async move(tx: EntityManager, source: string, id: string) {
    await tx.query(`UPDATE webhook_cursors SET last_id = $2, updated_at = now() WHERE source = $1`, [source, id]);
  }
}
