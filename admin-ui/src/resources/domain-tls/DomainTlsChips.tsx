import { Chip } from '@mui/material';

import type { DomainTlsStatus } from '../../providers/dataProvider';
import type { ChipColor } from '../deliveries/DeliveryChips';

const DOMAIN_STATUS: Readonly<Record<DomainTlsStatus, { label: string; color: ChipColor }>> = {
  tls_ok: { label: 'TLS OK', color: 'success' },
  no_tls: { label: 'No TLS', color: 'error' },
  tls_failed: { label: 'TLS failed', color: 'error' },
  unreachable: { label: 'Unreachable', color: 'warning' },
  unknown: { label: 'Unknown', color: 'default' },
};

export const DOMAIN_STATUS_CHOICES = (Object.keys(DOMAIN_STATUS) as DomainTlsStatus[]).map((id) => ({ id, name: DOMAIN_STATUS[id].label }));

export function DomainTlsStatusChip({ status }: { status: DomainTlsStatus }) {
  const { label, color } = DOMAIN_STATUS[status];
  return <Chip size="small" label={label} color={color} variant="outlined" data-testid="domain-tls-status" data-status={status} />;
}
