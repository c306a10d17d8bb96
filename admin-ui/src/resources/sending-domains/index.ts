import AlternateEmail from '@mui/icons-material/AlternateEmail';
import type { ResourceProps } from 'react-admin';

import { SendingDomainCreate } from './SendingDomainCreate';
import { SendingDomainList } from './SendingDomainList';
import { SendingDomainShow } from './SendingDomainShow';

/** From domains with their DKIM keys: listed, added (the key is generated), shown with the DNS records, deleted. Never edited. */
export const sendingDomains: ResourceProps = {
  name: 'sending-domains',
  list: SendingDomainList,
  create: SendingDomainCreate,
  show: SendingDomainShow,
  icon: AlternateEmail,
  recordRepresentation: 'domain',
};
