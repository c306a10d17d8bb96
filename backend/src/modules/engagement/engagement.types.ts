/** What can happen to a message after it is queued. Stored in engagement_events and published for journeys and webhooks. */
export const ENGAGEMENT_TYPES = ['queued', 'delivered', 'dropped', 'deferred', 'bounced', 'opened', 'clicked', 'unsubscribed', 'complained'] as const;
export type EngagementType = (typeof ENGAGEMENT_TYPES)[number];

/**
 * One engagement event. `detail` holds only non-PHI facts (SMTP code, reason code, link index, user-agent class):
 * never an address, a name or a URL with contact data.
 */
export interface EngagementEvent {
  type: EngagementType;
  contactId: string | null;
  deliveryId: string | null;
  campaignId?: string | null;
  journeyId?: string | null;
  /** True for machine opens (privacy proxies) and link scanners, so reports can separate them. */
  machine?: boolean;
  detail?: Record<string, string | number | boolean | null>;
  occurredAt?: Date;
}

/** An event as read back, with its id (ids are increasing, so consumers can page by id). */
export interface StoredEngagementEvent extends Required<Omit<EngagementEvent, 'occurredAt'>> {
  id: string;
  occurredAt: string;
}
