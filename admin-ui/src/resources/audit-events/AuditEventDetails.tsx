import { Box, Stack, Typography } from '@mui/material';
import { useRecordContext } from 'react-admin';

import type { AuditEventRecord } from '../../providers/dataProvider';

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <Stack direction={{ xs: 'column', sm: 'row' }} spacing={{ xs: 0, sm: 2 }}>
      <Typography variant="caption" color="text.secondary" sx={{ minWidth: 120 }}>
        {label}
      </Typography>
      <Typography variant="body2" component="div" sx={{ wordBreak: 'break-all' }}>
        {children}
      </Typography>
    </Stack>
  );
}

/** The expanded row: the entry's details object as recorded, and what identifies it in the chain. */
export function AuditEventDetails() {
  const event = useRecordContext<AuditEventRecord>();
  if (!event) return null;
  const hasDetails = Object.keys(event.details).length > 0;
  return (
    <Box sx={{ py: 1, px: 2 }} data-testid="audit-event-details">
      <Stack spacing={0.5} sx={{ mb: 1.5 }}>
        <Row label="Entry">#{event.id}</Row>
        <Row label="Actor">
          {event.actorType}
          {event.actorId ? ` ${event.actorId}` : ''}
        </Row>
        <Row label="Subject">{event.subjectType ? `${event.subjectType} ${event.subjectId ?? ''}` : '—'}</Row>
        <Row label="User agent">{event.userAgent ?? '—'}</Row>
        <Row label="Hash">
          <Box component="code" sx={{ fontSize: '0.75rem' }}>
            {event.hash}
          </Box>
        </Row>
      </Stack>
      <Typography variant="caption" color="text.secondary">
        Details
      </Typography>
      {hasDetails ? (
        <Box
          component="pre"
          data-testid="audit-details-json"
          sx={{ m: 0, mt: 0.5, p: 1.5, bgcolor: 'action.hover', borderRadius: 1, fontSize: '0.8rem', overflowX: 'auto' }}
        >
          {JSON.stringify(event.details, null, 2)}
        </Box>
      ) : (
        <Typography variant="body2" color="text.secondary">
          No details recorded.
        </Typography>
      )}
    </Box>
  );
}
