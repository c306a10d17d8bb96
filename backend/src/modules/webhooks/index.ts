export { WebhooksModule } from './webhooks.module.js';
export { WebhooksService } from './webhooks.service.js';
export { WebhookDispatcher } from './webhook-dispatcher.service.js';
export { signWebhook, verifyWebhook, SIGNATURE_HEADER, DEFAULT_TOLERANCE_SECONDS } from './webhook-signature.js';
export { WEBHOOK_EVENT_TYPES, PAYLOAD_MODES } from './webhooks.types.js';
export type { PayloadMode, WebhookDeliveryView, WebhookEventType, WebhookPayload, WebhookSubscriptionView } from './webhooks.types.js';
