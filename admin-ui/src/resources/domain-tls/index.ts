import Lock from '@mui/icons-material/Lock';
import type { ResourceProps } from 'react-admin';

import { DomainTlsList } from './DomainTlsList';

/** The domain TLS report: one list, with a probe and the TLSRPT-shaped report as actions. */
export const domainTls: ResourceProps = {
  name: 'domain-tls',
  list: DomainTlsList,
  icon: Lock,
};
