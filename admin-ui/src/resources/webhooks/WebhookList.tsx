import Webhook from '@mui/icons-material/Webhook';
import { Chip, Typography } from '@mui/material';
import { CreateButton, DataTable, List } from 'react-admin';

import { DateTimeField } from '../../components/DateTimeField';
import { EmptyState } from '../../components/EmptyState';
import { scrollableTable } from '../../components/tableStyles';

export interface WebhookRecord {
  id: number;
  name: string;
  url: string;
  eventTypes: string[];
  payloadMode: 'identifiers' | 'full';
  status: 'active' | 'paused';
  secretRotatedAt: string;
  createdAt: string;
}

export const WEBHOOK_EVENT_CHOICES = ['delivered', 'dropped', 'bounced', 'opened', 'clicked', 'unsubscribed', 'complained', 'consent.changed'].map((id) => ({
  id,
  name: id,
}));

function NoWebhooks() {
  return (
    <EmptyState icon={<Webhook className="empty-icon" />} title="No webhook yet" action={<CreateButton label="Add a webhook" variant="contained" />}>
      A webhook sends engagement events (delivered, opened, clicked…) and consent changes to your CRM or data platform, signed with HMAC-SHA256.
    </EmptyState>
  );
}

export function WebhookList() {
  return (
    <List title="Webhooks" exporter={false} empty={<NoWebhooks />} pagination={false}>
      <DataTable<WebhookRecord> rowClick="show" bulkActionButtons={false} sx={scrollableTable} data-testid="webhooks-table">
        <DataTable.Col source="name" disableSort />
        <DataTable.Col<WebhookRecord> source="url" label="URL" disableSort render={(w) => <code style={{ fontSize: '0.8rem' }}>{w.url}</code>} />
        <DataTable.Col<WebhookRecord> source="eventTypes" label="Events" disableSort render={(w) => w.eventTypes.join(', ')} />
        <DataTable.Col<WebhookRecord>
          source="payloadMode"
          label="Payload"
          disableSort
          render={(w) => (
            <Chip size="small" color={w.payloadMode === 'full' ? 'warning' : 'default'} label={w.payloadMode === 'full' ? 'Full (PHI)' : 'Identifiers only'} />
          )}
        />
        <DataTable.Col<WebhookRecord> source="status" disableSort render={(w) => <Typography variant="body2">{w.status}</Typography>} />
        <DataTable.Col source="secretRotatedAt" label="Secret since" disableSort>
          <DateTimeField source="secretRotatedAt" />
        </DataTable.Col>
      </DataTable>
    </List>
  );
}
