import { ENGAGEMENT_TYPES } from '../engagement/index.js';

/** Engagement types a subscription may take (the delivery-internal `queued` and `deferred` are not offered), and consent changes. */
export const WEBHOOK_EVENT_TYPES = ['delivered', 'dropped', 'bounced', 'opened', 'clicked', 'unsubscribed', 'complained', 'consent.changed'] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];
export const ENGAGEMENT_WEBHOOK_TYPES = WEBHOOK_EVENT_TYPES.filter((t): t is Exclude<WebhookEventType, 'consent.changed'> =>
  (ENGAGEMENT_TYPES as readonly string[]).includes(t),
);

export const PAYLOAD_MODES = ['identifiers', 'full'] as const;
export type PayloadMode = (typeof PAYLOAD_MODES)[number];

/** What is POSTed: identifiers only by default; `full` adds the contact's e-mail and name (PHI: HTTPS receivers only). */
export interface WebhookPayload {
  id: string;
  type: WebhookEventType;
  occurredAt: string;
  data: Record<string, string | number | boolean | null | Record<string, string | number | boolean | null>>;
}

export interface WebhookSubscriptionView {
  id: number;
  name: string;
  url: string;
  eventTypes: WebhookEventType[];
  payloadMode: PayloadMode;
  status: 'active' | 'paused';
  secretRotatedAt: string;
  createdAt: string;
}

export interface WebhookDeliveryView {
  id: string;
  subscriptionId: number;
  eventKey: string;
  eventType: string;
  status: 'pending' | 'retrying' | 'succeeded' | 'dead';
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: string;
  createdAt: string;
  deliveredAt: string | null;
}
