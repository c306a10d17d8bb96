import Webhook from '@mui/icons-material/Webhook';
import type { ResourceProps } from 'react-admin';

import { WebhookCreate } from './WebhookCreate';
import { WebhookList } from './WebhookList';
import { WebhookShow } from './WebhookShow';

/** Outbound webhooks: subscriptions by event type, secret shown once and rotatable. */
export const webhooks: ResourceProps = {
  name: 'webhooks',
  list: WebhookList,
  create: WebhookCreate,
  show: WebhookShow,
  icon: Webhook,
  recordRepresentation: 'name',
};
