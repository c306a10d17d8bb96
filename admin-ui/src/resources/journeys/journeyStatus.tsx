import { Chip } from '@mui/material';

import type { JourneyStatus } from '../../providers/journeysApi';

const COLOR: Record<JourneyStatus, 'default' | 'success' | 'warning'> = { draft: 'default', active: 'success', paused: 'warning', archived: 'default' };

export const STATUS_CHOICES = (['draft', 'active', 'paused', 'archived'] as const).map((id) => ({ id, name: id[0].toUpperCase() + id.slice(1) }));

export function JourneyStatusChip({ status }: { status: JourneyStatus }) {
  return <Chip size="small" color={COLOR[status]} label={status[0].toUpperCase() + status.slice(1)} data-testid="journey-status" />;
}
