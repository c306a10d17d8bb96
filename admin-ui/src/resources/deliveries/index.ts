import Outbox from '@mui/icons-material/Outbox';
import type { ResourceProps } from 'react-admin';

import { DeliveryList } from './DeliveryList';
import { DeliveryShow } from './DeliveryShow';

/** The delivery log: read-only, a list with TLS evidence and a page per message with its timeline. */
export const deliveries: ResourceProps = {
  name: 'deliveries',
  list: DeliveryList,
  show: DeliveryShow,
  icon: Outbox,
};
