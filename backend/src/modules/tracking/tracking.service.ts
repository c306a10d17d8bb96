import { Inject, Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { Redis } from 'ioredis';
import type { DataSource } from 'typeorm';
import { APP_CONFIG, type AppConfig } from '../../config/index.js';
import { REDIS } from '../../platform/redis/redis.module.js';
import { AuditService } from '../audit/index.js';
import { ConsentService } from '../consent/index.js';
import { ContactsService } from '../contacts/index.js';
import { OpaqueIdPurpose, OpaqueIds } from '../crypto/index.js';
import { type EngagementEvent, EngagementService } from '../engagement/index.js';
import { LinkTracking } from './link-tracking.service.js';
import { classifyUserAgent, judgeHit, type Verdict } from './machine-heuristics.js';

/** What the public endpoints know of a request. Used to judge it, never stored (only the user-agent class is). */
export interface HitRequest {
  method: string;
  userAgent: string | null;
}

interface DeliveryFacts {
  id: string;
  contactId: string | null;
  campaignId: string | null;
  journeyId: string | null;
  topicId: number | null;
  templateVersionId: number;
  deliveredAt: Date | null;
}

/**
 * The public side of tracking: open pixels, click redirects and one-click unsubscribes, each authorised by an
 * opaque signed token. A forged, altered or unknown token is refused the same way whatever the cause, and counted.
 */
@Injectable()
export class TrackingService {
  private readonly logger = new Logger(TrackingService.name);
  private readonly keyPrefix: string;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    @Inject(REDIS) private readonly redis: Redis,
    @Inject(APP_CONFIG) config: AppConfig,
    private readonly ids: OpaqueIds,
    private readonly links: LinkTracking,
    private readonly engagement: EngagementService,
    private readonly consent: ConsentService,
    private readonly contacts: ContactsService,
    private readonly audit: AuditService,
  ) {
    this.keyPrefix = `{${config.QUEUE_PREFIX}}:tracking`;
  }

  /** Records an open; false when the token is not one of ours. */
  async open(token: string, request: HitRequest): Promise<boolean> {
    const delivery = await this.deliveryOf(OpaqueIdPurpose.Open, token);
    if (!delivery) return this.reject(false);
    const at = new Date();
    const verdict = judgeHit({ kind: 'open', method: request.method, userAgent: request.userAgent, at, deliveredAt: delivery.deliveredAt });
    await this.engagement.record([this.event('opened', delivery, verdict, at)]);
    return true;
  }

  /** Records a click and answers its destination; null when the token is not one of ours or names no link. */
  async click(token: string, request: HitRequest): Promise<string | null> {
    const claim = this.ids.verify(OpaqueIdPurpose.Click, token);
    const delivery = claim ? await this.delivery(claim.id) : null;
    const url = claim && delivery ? await this.links.destination(delivery.templateVersionId, claim.extra) : null;
    if (!claim || !delivery || url === null) return this.reject(null);
    const at = new Date();
    const verdict = judgeHit({
      kind: 'click',
      method: request.method,
      userAgent: request.userAgent,
      at,
      deliveredAt: delivery.deliveredAt,
      linksInLastSecond: await this.linksClickedInLastSecond(delivery.id, claim.extra, at),
    });
    await this.engagement.record([this.event('clicked', delivery, verdict, at, { link: claim.extra })]);
    return url;
  }

  /** Whether an unsubscribe token is valid (the confirmation page is shown only for one). */
  async canUnsubscribe(token: string): Promise<boolean> {
    if (await this.deliveryOf(OpaqueIdPurpose.Unsubscribe, token)) return true;
    return this.reject(false);
  }

  /**
   * One-click unsubscribe (RFC 8058), effective at once: the delivery's topic is revoked in the consent ledger, or,
   * for a message without a topic, the address is suppressed. Repeating it changes nothing and records nothing more.
   */
  async unsubscribe(token: string, request: HitRequest): Promise<boolean> {
    const delivery = await this.deliveryOf(OpaqueIdPurpose.Unsubscribe, token);
    if (!delivery) return this.reject(false);
    const contactId = delivery.contactId;
    // A delivery without a contact (a test send to a typed-in address) has no consent or suppression to change.
    if (contactId === null) return true;
    const at = new Date();
    // An unsubscribe is a POST, which prefetching scanners do not send: it always counts as the reader's.
    const verdict: Verdict = { machine: false, reason: null, userAgentClass: classifyUserAgent(request.userAgent) };
    const topicId = delivery.topicId;
    const changed = await this.dataSource.transaction(async (tx) => {
      // Serialises concurrent unsubscribes of one contact (the mailbox provider's POST and the reader's button).
      await tx.query(`SELECT 1 FROM contacts WHERE id = $1 FOR UPDATE`, [contactId]);
      let moved: boolean;
      if (topicId !== null) {
        const change = {
          contactId,
          topicId,
          status: 'revoked' as const,
          method: 'unsubscribe' as const,
          source: 'list_unsubscribe',
          evidence: { note: 'one-click unsubscribe link of a delivered message (RFC 8058)' },
          actor: { type: 'anonymous' },
        };
        moved = (await this.consent.recordIfChanged(tx, [change])) > 0;
      } else {
        const emailToken = await this.contacts.emailTokenOf(contactId);
        moved = emailToken !== null && (await this.consent.suppress(emailToken, 'unsubscribe', 'list_unsubscribe', { type: 'anonymous' }, tx));
      }
      if (moved) await this.engagement.record([this.event('unsubscribed', delivery, verdict, at, { topic: topicId })], tx);
      return moved;
    });
    if (changed) {
      await this.audit.record({
        actor: { type: 'anonymous' },
        action: 'consent.unsubscribed',
        subject: { type: 'contact', id: contactId },
        details: topicId !== null ? { via: 'list_unsubscribe', topicId } : { via: 'list_unsubscribe', suppressed: true },
      });
    }
    return true;
  }

  /** How many forged, altered or unknown tokens were refused (shown on the dashboard). */
  async rejectedTokens(): Promise<number> {
    return Number((await this.redis.get(`${this.keyPrefix}:rejected`)) ?? 0);
  }

  /** Counts a refused token and answers `outcome` (the caller's "not found"). */
  private async reject<T extends false | null>(outcome: T): Promise<T> {
    try {
      await this.redis.incr(`${this.keyPrefix}:rejected`);
    } catch (err) {
      this.logger.warn({ code: (err as { code?: string }).code }, 'rejected-token counter not updated: Redis unavailable');
    }
    return outcome;
  }

  private async deliveryOf(purpose: number, token: string): Promise<DeliveryFacts | null> {
    const claim = this.ids.verify(purpose, token);
    return claim ? this.delivery(claim.id) : null;
  }

  // A small read-only query on the delivery module's table; it should go through DeliveryService once that exists.
  private async delivery(id: string): Promise<DeliveryFacts | null> {
    const [row] = await this.dataSource.query<
      [
        {
          contact_id: string | null;
          campaign_id: string | null;
          journey_id: string | null;
          topic_id: number | null;
          template_version_id: number;
          sent_at: Date | null;
        }?,
      ]
    >(`SELECT contact_id, campaign_id, journey_id, topic_id, template_version_id, sent_at FROM deliveries WHERE id = $1`, [id]);
    if (!row) return null;
    return {
      id,
      contactId: row.contact_id,
      campaignId: row.campaign_id,
      journeyId: row.journey_id,
      topicId: row.topic_id,
      templateVersionId: row.template_version_id,
      deliveredAt: row.sent_at,
    };
  }

  /** Distinct links of this delivery clicked in the last second, this one included (a sliding window in Redis). */
  private async linksClickedInLastSecond(deliveryId: string, index: number, at: Date): Promise<number | undefined> {
    const key = `${this.keyPrefix}:clicks:${deliveryId}`;
    const now = at.getTime();
    try {
      const results = await this.redis
        .multi()
        .zadd(key, now, String(index))
        .zremrangebyscore(key, 0, now - 1000)
        .zcard(key)
        .pexpire(key, 2000)
        .exec();
      const count = results?.[2]?.[1];
      return typeof count === 'number' ? count : undefined;
    } catch {
      return undefined;
    }
  }

  private event(
    type: EngagementEvent['type'],
    delivery: DeliveryFacts,
    verdict: Verdict,
    at: Date,
    detail: Record<string, string | number | boolean | null> = {},
  ): EngagementEvent {
    return {
      type,
      contactId: delivery.contactId,
      deliveryId: delivery.id,
      campaignId: delivery.campaignId,
      journeyId: delivery.journeyId,
      machine: verdict.machine,
      occurredAt: at,
      detail: { ...detail, ua: verdict.userAgentClass, ...(verdict.reason ? { reason: verdict.reason } : {}) },
    };
  }
}
