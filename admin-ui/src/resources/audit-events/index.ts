import Policy from '@mui/icons-material/Policy';
import type { ResourceProps } from 'react-admin';

import { AuditEventList } from './AuditEventList';

/** Read-only: a list with expandable rows, no show, edit or create page. */
export const auditEvents: ResourceProps = {
  name: 'audit-events',
  list: AuditEventList,
  icon: Policy,
};
