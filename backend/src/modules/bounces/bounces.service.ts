import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { DataSource, EntityManager } from 'typeorm';
import { AuditService } from '../audit/index.js';
import { ConsentService, TopicsService } from '../consent/index.js';
import { ContactsService } from '../contacts/index.js';
import { CryptoService } from '../crypto/index.js';
import { type EngagementEvent, EngagementService, type EngagementType } from '../engagement/index.js';
import { enhancedStatusOf, shortDiagnostic } from './diagnostic.js';

export interface Bounce {
  kind: 'hard' | 'soft';
  smtpCode?: number;
  status?: string;
  /** Free text from the SMTP reply or the DSN; reduced to a short reason without addresses before it is stored. */
  diagnostic?: string;
  source: 'smtp' | 'dsn';
}

export interface ComplaintDetail {
  feedbackType: string;
  source: 'arf';
}

export type BounceOutcome = 'bounced' | 'deferred' | 'complained' | 'duplicate' | 'ignored' | 'unknown_delivery';

interface DeliveryRow {
  id: string;
  contact_id: string | null;
  topic_id: number | null;
  campaign_id: string | null;
  journey_id: string | null;
  status: string;
  recipient_enc: Buffer | null;
}

const ACTOR = { type: 'system', id: 'bounces' } as const;
/** Statuses after which a transient failure report changes nothing (the message is not being retried). */
const FINAL_STATUSES = new Set(['bounced', 'failed', 'dropped_no_tls', 'dropped_consent', 'dropped_suppressed', 'dropped_frequency']);

/**
 * What bounces and complaints do to a delivery, its contact's suppression and consent, and the engagement
 * stream. Called by the delivery worker for failures during the SMTP conversation and by the inbound receiver
 * for DSNs and ARF reports. Each report is applied in one transaction that locks the delivery row, so
 * concurrent reports for the same delivery are applied one after the other and duplicates are recognised.
 */
@Injectable()
export class BouncesService {
  private readonly logger = new Logger(BouncesService.name);

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly engagement: EngagementService,
    private readonly consent: ConsentService,
    private readonly topics: TopicsService,
    private readonly contacts: ContactsService,
    private readonly crypto: CryptoService,
    private readonly audit: AuditService,
  ) {}

  /**
   * Hard: the delivery becomes `bounced`, a `bounced` event is stored and the address is suppressed (`hard_bounce`).
   * Soft: a `deferred` event only, unless the delivery is already final. Idempotent per (delivery, kind, reply code,
   * enhanced status): a report seen before changes nothing.
   */
  async recordBounce(deliveryId: string, bounce: Bounce): Promise<BounceOutcome> {
    const code =
      bounce.smtpCode !== undefined && Number.isInteger(bounce.smtpCode) && bounce.smtpCode >= 200 && bounce.smtpCode <= 599 ? bounce.smtpCode : null;
    const status = enhancedStatusOf(bounce.status);
    const detail = { kind: bounce.kind, code, status, source: bounce.source };
    const outcome = await this.inDeliveryTransaction(deliveryId, async (tx, delivery): Promise<BounceOutcome> => {
      const type: EngagementType = bounce.kind === 'hard' ? 'bounced' : 'deferred';
      if (await this.seen(tx, delivery.id, type, { kind: bounce.kind, code, status })) return 'duplicate';
      if (bounce.kind === 'soft') {
        if (FINAL_STATUSES.has(delivery.status)) return 'ignored';
        await this.engagement.record([eventOf(delivery, 'deferred', detail)], tx);
        return 'deferred';
      }
      // Delivery rows are owned by the delivery module; the transition to `bounced` is delegated here by design,
      // so that synchronous (SMTP) and asynchronous (DSN) bounces take the same path.
      const reason = shortDiagnostic(bounce.diagnostic);
      const text = `${[code, status].filter(Boolean).join(' ') || 'no code'} (${bounce.source})${reason ? `: ${reason}` : ''}`;
      await tx.query(
        `UPDATE deliveries SET status = 'bounced', reason = 'hard_bounce', detail = $2, updated_at = now()
          WHERE id = $1 AND status <> 'bounced' AND status NOT LIKE 'dropped%'`,
        [delivery.id, text],
      );
      await this.engagement.record([eventOf(delivery, 'bounced', detail)], tx);
      await this.suppress(tx, delivery, 'hard_bounce', `bounce_${bounce.source}`);
      return 'bounced';
    });
    this.logger.log({ deliveryId: logId(deliveryId), outcome, kind: bounce.kind, smtpCode: code, status, source: bounce.source }, 'bounce processed');
    return outcome;
  }

  /**
   * An abuse report: a `complained` event, a `complaint` suppression, and the consent for the delivery's topic
   * revoked (method `unsubscribe`) when it is a marketing topic. One complaint per delivery counts.
   */
  async recordComplaint(deliveryId: string, detail: ComplaintDetail): Promise<BounceOutcome> {
    const outcome = await this.inDeliveryTransaction(deliveryId, async (tx, delivery): Promise<BounceOutcome> => {
      if (await this.seen(tx, delivery.id, 'complained', {})) return 'duplicate';
      await this.engagement.record([eventOf(delivery, 'complained', { feedbackType: detail.feedbackType, source: detail.source })], tx);
      await this.suppress(tx, delivery, 'complaint', detail.source);
      await this.revokeTopic(tx, delivery, detail.feedbackType);
      return 'complained';
    });
    this.logger.log({ deliveryId: logId(deliveryId), outcome, feedbackType: detail.feedbackType }, 'complaint processed');
    return outcome;
  }

  private async inDeliveryTransaction(deliveryId: string, work: (tx: EntityManager, delivery: DeliveryRow) => Promise<BounceOutcome>): Promise<BounceOutcome> {
    if (!/^\d{1,19}$/.test(deliveryId)) return 'unknown_delivery';
    return this.dataSource.transaction(async (tx) => {
      const [delivery] = await tx.query<[DeliveryRow?]>(
        `SELECT id::text AS id, contact_id::text AS contact_id, topic_id, campaign_id::text AS campaign_id, journey_id::text AS journey_id, status, recipient_enc
           FROM deliveries WHERE id = $1 FOR UPDATE`,
        [deliveryId],
      );
      return delivery ? work(tx, delivery) : 'unknown_delivery';
    });
  }

  private async seen(tx: EntityManager, deliveryId: string, type: EngagementType, detail: Record<string, unknown>): Promise<boolean> {
    const rows = await tx.query<unknown[]>(`SELECT 1 FROM engagement_events WHERE delivery_id = $1 AND type = $2 AND detail @> $3::jsonb LIMIT 1`, [
      deliveryId,
      type,
      JSON.stringify(detail),
    ]);
    return rows.length > 0;
  }

  private async suppress(tx: EntityManager, delivery: DeliveryRow, reason: 'hard_bounce' | 'complaint', source: string): Promise<void> {
    const token = await this.emailTokenOf(delivery);
    if (!token) {
      this.logger.warn({ deliveryId: logId(delivery.id), reason }, 'no address to suppress for this delivery');
      return;
    }
    const created = await this.consent.suppress(token, reason, source, ACTOR, tx);
    if (created)
      await this.audit.record({ actor: ACTOR, action: 'suppression.added', subject: { type: 'delivery', id: delivery.id }, details: { reason, source } }, tx);
  }

  /** The contact's e-mail token, or for a delivery to an address without a contact, the token of that address. */
  private async emailTokenOf(delivery: DeliveryRow): Promise<Buffer | null> {
    if (delivery.contact_id) return this.contacts.emailTokenOf(delivery.contact_id);
    if (!delivery.recipient_enc) return null;
    try {
      const address = await this.crypto.decryptText(delivery.recipient_enc, CryptoService.aad('deliveries', 'recipient_enc', delivery.id));
      return this.contacts.emailToken(address);
    } catch {
      return null;
    }
  }

  private async revokeTopic(tx: EntityManager, delivery: DeliveryRow, feedbackType: string): Promise<void> {
    if (!delivery.contact_id || delivery.topic_id === null) return;
    const topic = await this.topics.get(delivery.topic_id);
    if (topic.kind !== 'marketing') return;
    const change = { contactId: delivery.contact_id, topicId: topic.id, status: 'revoked', method: 'unsubscribe', source: 'complaint', actor: ACTOR } as const;
    if ((await this.consent.recordIfChanged(tx, [change])) === 0) return;
    await this.audit.record(
      {
        actor: ACTOR,
        action: 'consent.revoked',
        subject: { type: 'contact', id: delivery.contact_id },
        details: { topic: topic.key, method: 'unsubscribe', source: 'complaint', feedbackType, deliveryId: delivery.id },
      },
      tx,
    );
  }
}

/** Ids as numbers in logs: the redactor masks long digit strings (they may be phone numbers or MRNs), not numbers. */
export function logId(id: string): number | string {
  return /^\d{1,15}$/.test(id) ? Number(id) : 'invalid';
}

function eventOf(delivery: DeliveryRow, type: EngagementType, detail: Record<string, string | number | null>): EngagementEvent {
  return { type, contactId: delivery.contact_id, deliveryId: delivery.id, campaignId: delivery.campaign_id, journeyId: delivery.journey_id, detail };
}
