import { Box, Stack, Typography } from '@mui/material';
import { EditButton, FunctionField, Labeled, Show, TopToolbar, useGetList, useRecordContext, WithRecord } from 'react-admin';

import { DateTimeField } from '../../components/DateTimeField';
import type { AttributeRecord, ContactRecord } from '../../providers/dataProvider';
import { EraseContactButton, ExportContactButton } from './ContactActions';
import { ContactStatusChip, sourceLabel } from './ContactChips';
import { ContactJourneys } from '../journeys/ContactJourneys';
import { ContactConsents } from './ContactConsents';
import { ContactPhiPanel, formatAttributeValue } from './ContactPhiPanel';

export const contactName = (contact: Pick<ContactRecord, 'id' | 'initials'>): string => contact.initials ?? `Contact #${contact.id}`;

function ContactShowActions() {
  const contact = useRecordContext<ContactRecord>();
  return (
    <TopToolbar>
      {contact?.status === 'active' && <EditButton />}
      <ExportContactButton />
      <EraseContactButton />
    </TopToolbar>
  );
}

function ContactTitle() {
  const contact = useRecordContext<ContactRecord>();
  return <>{contact ? contactName(contact) : 'Contact'}</>;
}

const grid = {
  display: 'grid',
  gridTemplateColumns: { xs: '1fr', sm: 'repeat(2, minmax(0, 1fr))', md: 'repeat(4, minmax(0, 1fr))' },
  gap: 2,
} as const;

/** Custom attributes not marked PHI, by their labels. */
function PlainAttributes() {
  const contact = useRecordContext<ContactRecord>();
  const { data: definitions } = useGetList<AttributeRecord>('attributes', { pagination: { page: 1, perPage: 500 } });
  const entries = Object.entries(contact?.attributes ?? {});
  if (entries.length === 0) return null;
  return (
    <Box sx={grid} data-testid="contact-attributes">
      {entries.map(([key, value]) => (
        <Labeled key={key} label={definitions?.find((d) => d.key === key)?.label ?? key}>
          <Typography variant="body2">{formatAttributeValue(value)}</Typography>
        </Labeled>
      ))}
    </Box>
  );
}

function ContactDetails() {
  return (
    <Box sx={{ p: 2 }} data-testid="contact-details">
      <WithRecord<ContactRecord>
        render={(contact) => (
          <Stack direction="row" spacing={1} sx={{ alignItems: 'center', mb: 2 }}>
            <Typography variant="h6" component="h2">
              {contactName(contact)}
            </Typography>
            <ContactStatusChip status={contact.status} />
          </Stack>
        )}
      />
      <Stack spacing={2}>
        <Box sx={grid}>
          <Labeled label="E-mail address">
            <FunctionField<ContactRecord> render={(contact) => contact.emailMasked ?? '—'} data-testid="contact-email-masked" />
          </Labeled>
          <Labeled label="Source">
            <FunctionField<ContactRecord> render={(contact) => sourceLabel(contact.source)} />
          </Labeled>
          <Labeled label="Time zone">
            <FunctionField<ContactRecord> render={(contact) => contact.timeZone ?? '—'} />
          </Labeled>
          <Labeled label="Language">
            <FunctionField<ContactRecord> render={(contact) => contact.language ?? '—'} />
          </Labeled>
          <Labeled label="Added">
            <DateTimeField source="createdAt" />
          </Labeled>
          <Labeled label="Last changed">
            <DateTimeField source="updatedAt" />
          </Labeled>
        </Box>
        <PlainAttributes />
        <ContactPhiPanel />
        <ContactConsents />
        <ContactJourneys />
      </Stack>
    </Box>
  );
}

export function ContactShow() {
  return (
    <Show actions={<ContactShowActions />} title={<ContactTitle />}>
      <ContactDetails />
    </Show>
  );
}
