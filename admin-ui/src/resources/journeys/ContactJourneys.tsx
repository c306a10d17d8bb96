import { Box, Chip, Stack, Typography } from '@mui/material';
import { useEffect, useState } from 'react';
import { Link, useCanAccess, useCreatePath, useRecordContext } from 'react-admin';

import { formatDateTime } from '../../components/format';
import type { ContactRecord } from '../../providers/dataProvider';
import { type ContactJourney, contactJourneys } from '../../providers/journeysApi';

/** A contact's journeys on the contact page: each enrollment's state and the steps it ran, newest first. */
export function ContactJourneys() {
  const contact = useRecordContext<ContactRecord>();
  const { canAccess } = useCanAccess({ resource: 'journeys', action: 'list' });
  const createPath = useCreatePath();
  const [items, setItems] = useState<ContactJourney[] | undefined>();
  useEffect(() => {
    if (!contact || canAccess !== true) return;
    const controller = new AbortController();
    contactJourneys(contact.id, controller.signal).then(setItems, () => setItems([]));
    return () => controller.abort();
  }, [contact, canAccess]);
  if (!items) return null;
  return (
    <Box data-testid="contact-journeys">
      <Typography variant="subtitle2" component="h4" sx={{ mb: 1 }}>
        Journeys
      </Typography>
      {items.length === 0 && (
        <Typography variant="body2" color="text.secondary">
          Not in any journey.
        </Typography>
      )}
      <Stack spacing={1.5}>
        {items.map((e) => (
          <Box key={e.id}>
            <Stack direction="row" spacing={1} alignItems="center">
              <Link to={createPath({ resource: 'journeys', id: e.journeyId, type: 'show' })}>{e.journeyName}</Link>
              <Chip size="small" label={e.state === 'active' ? `at ${e.nodeId}` : `${e.state}${e.exitReason ? ` (${e.exitReason})` : ''}`} />
              <Typography variant="caption" color="text.secondary">
                v{e.version}, entered {formatDateTime(e.enteredAt)}
                {e.nextWakeAt ? `, next step ${formatDateTime(e.nextWakeAt) ?? ''}` : ''}
              </Typography>
            </Stack>
            <Typography variant="body2" color="text.secondary" sx={{ mt: 0.5 }}>
              {e.steps.map((s) => `${s.nodeId}: ${s.outcome}`).join(' → ')}
            </Typography>
          </Box>
        ))}
      </Stack>
    </Box>
  );
}
