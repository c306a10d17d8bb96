import { Alert, Chip, Table, TableBody, TableCell, TableContainer, TableHead, TableRow, Typography } from '@mui/material';
import { useGetList } from 'react-admin';

import { formatDateTime } from '../../components/format';
import type { DeliveryEventRecord } from '../../providers/dataProvider';
import { reasonLabel } from './DeliveryChips';

const EVENT_LABELS: Readonly<Record<DeliveryEventRecord['type'], string>> = {
  queued: 'Queued',
  delivered: 'Delivered',
  dropped: 'Dropped',
  deferred: 'Deferred',
  bounced: 'Bounced',
  opened: 'Opened',
  clicked: 'Clicked',
  unsubscribed: 'Unsubscribed',
  complained: 'Complaint',
};

/** `status dropped_no_tls · reason STARTTLS not offered · smtpCode 550`: the event's facts (never PHI), nulls left out. */
function detailText(detail: DeliveryEventRecord['detail']): string {
  return Object.entries(detail)
    .filter(([, value]) => value !== null && value !== '')
    .map(([key, value]) => `${key} ${key === 'reason' ? (reasonLabel(String(value)) ?? '') : String(value)}`)
    .join(' · ');
}

/** Everything that happened to one message, oldest first: queued, each attempt's outcome, then opens, clicks, bounces. */
export function DeliveryTimeline({ deliveryId }: { deliveryId: string }) {
  const { data, isPending, error } = useGetList<DeliveryEventRecord>('delivery-events', {
    filter: { deliveryId },
    pagination: { page: 1, perPage: 500 },
    sort: { field: 'occurredAt', order: 'ASC' },
  });
  if (error) return <Alert severity="error">{error instanceof Error ? error.message : 'The timeline could not be loaded.'}</Alert>;
  if (isPending) return null;
  if (!data.length) {
    return (
      <Typography variant="body2" color="text.secondary">
        Nothing recorded yet.
      </Typography>
    );
  }
  return (
    <TableContainer sx={{ overflowX: 'auto' }}>
      <Table size="small" aria-label="Timeline" data-testid="delivery-timeline">
        <TableHead>
          <TableRow>
            <TableCell sx={{ width: 220 }}>When</TableCell>
            <TableCell sx={{ width: 160 }}>Event</TableCell>
            <TableCell>Detail</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {data.map((event) => (
            <TableRow key={event.id} data-testid={`timeline-${event.type}`}>
              <TableCell sx={{ whiteSpace: 'nowrap' }} title={event.occurredAt}>
                {formatDateTime(event.occurredAt, { seconds: true })}
              </TableCell>
              <TableCell>
                {EVENT_LABELS[event.type]}
                {event.machine && (
                  <Chip size="small" variant="outlined" label="Machine" sx={{ ml: 1 }} title="A privacy proxy or a link scanner, not a person" />
                )}
              </TableCell>
              <TableCell sx={{ fontSize: '0.8rem' }}>{detailText(event.detail) || '—'}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </TableContainer>
  );
}
