import History from '@mui/icons-material/History';
import type { ResourceProps } from 'react-admin';

import { WebhookDeliveryList } from './WebhookDeliveryList';

/** The webhook delivery log with dead letters and manual replay. */
export const webhookDeliveries: ResourceProps = {
  name: 'webhook-deliveries',
  list: WebhookDeliveryList,
  icon: History,
};
