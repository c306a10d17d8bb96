import { Chip, type ChipProps } from '@mui/material';

import type { CampaignStatus } from '../../providers/campaignsApi';

const LOOK: Record<CampaignStatus, { label: string; color: ChipProps['color'] }> = {
  draft: { label: 'Draft', color: 'default' },
  submitted: { label: 'Awaiting approval', color: 'warning' },
  approved: { label: 'Approved', color: 'info' },
  scheduled: { label: 'Scheduled', color: 'info' },
  sending: { label: 'Sending', color: 'primary' },
  paused: { label: 'Paused', color: 'warning' },
  sent: { label: 'Sent', color: 'success' },
  cancelled: { label: 'Cancelled', color: 'default' },
};

export const STATUS_CHOICES = (Object.keys(LOOK) as CampaignStatus[]).map((id) => ({ id, name: LOOK[id].label }));

/** Sending, or about to: progress is followed live. */
export const isLive = (status: CampaignStatus | undefined) => status === 'scheduled' || status === 'sending' || status === 'paused';

/** Anything has left (or was meant to): the report has something to show. */
export const hasReport = (status: CampaignStatus | undefined) => status === 'sending' || status === 'paused' || status === 'sent' || status === 'cancelled';

export function CampaignStatusChip({ status }: { status: CampaignStatus }) {
  const look = LOOK[status];
  return <Chip size="small" label={look.label} color={look.color} data-testid="campaign-status" data-status={status} />;
}
