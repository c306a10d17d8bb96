import History from '@mui/icons-material/History';
import Replay from '@mui/icons-material/Replay';
import { Button, Chip, Typography } from '@mui/material';
import { useState } from 'react';
import { DataTable, List, SelectInput, TextInput, useCanAccess, useNotify, useRecordContext, useRefresh } from 'react-admin';

import { DateTimeField } from '../../components/DateTimeField';
import { EmptyState } from '../../components/EmptyState';
import { scrollableTable } from '../../components/tableStyles';
import { httpClient } from '../../providers/httpClient';

export interface WebhookDeliveryRecord {
  id: string;
  subscriptionId: number;
  eventKey: string;
  eventType: string;
  status: 'pending' | 'retrying' | 'succeeded' | 'dead';
  attempts: number;
  lastStatus: number | null;
  lastError: string | null;
  nextAttemptAt: string;
  createdAt: string;
  deliveredAt: string | null;
}

const COLORS = { pending: 'default', retrying: 'warning', succeeded: 'success', dead: 'error' } as const;

/** Sends a dead (or delivered) delivery again, with a fresh retry series. */
function ReplayButton() {
  const delivery = useRecordContext<WebhookDeliveryRecord>();
  const { canAccess } = useCanAccess({ resource: 'webhook-deliveries', action: 'replay', record: delivery });
  const notify = useNotify();
  const refresh = useRefresh();
  const [busy, setBusy] = useState(false);
  if (!delivery || !canAccess || delivery.status === 'pending' || delivery.status === 'retrying') return null;
  const replay = async () => {
    setBusy(true);
    try {
      await httpClient(`/webhook-deliveries/${delivery.id}/replay`, { method: 'POST' });
      notify('Replay queued', { type: 'success' });
      refresh();
    } catch (error) {
      notify(error instanceof Error ? error.message : 'The delivery could not be replayed.', { type: 'error' });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Button size="small" startIcon={<Replay />} onClick={() => void replay()} disabled={busy} data-testid="replay-delivery">
      Replay
    </Button>
  );
}

function NoDeliveries() {
  return (
    <EmptyState icon={<History className="empty-icon" />} title="No webhook delivery yet">
      Each event a webhook subscribes to becomes a delivery here: signed, retried with exponential backoff for up to 24 hours, then kept as a dead letter that
      can be replayed.
    </EmptyState>
  );
}

const filters = [
  <SelectInput
    key="status"
    source="status"
    choices={[
      { id: 'dead', name: 'Dead letter' },
      { id: 'retrying', name: 'Retrying' },
      { id: 'succeeded', name: 'Delivered' },
      { id: 'pending', name: 'Pending' },
    ]}
    alwaysOn
    emptyText="Any status"
  />,
  <TextInput key="subscriptionId" source="subscriptionId" label="Webhook id" parse={(v: string) => (v ? Number(v) : undefined)} alwaysOn />,
];

/** The webhook delivery log: status, attempts and the receiver's last answer; dead letters can be replayed. */
export function WebhookDeliveryList() {
  return (
    <List title="Webhook deliveries" filters={filters} perPage={25} exporter={false} empty={<NoDeliveries />}>
      <DataTable<WebhookDeliveryRecord>
        bulkActionButtons={false}
        sx={scrollableTable}
        data-testid="webhook-deliveries-table"
        empty={
          <Typography variant="body2" sx={{ p: 2 }}>
            No delivery matches.
          </Typography>
        }
      >
        <DataTable.Col source="createdAt" label="Created" disableSort>
          <DateTimeField source="createdAt" />
        </DataTable.Col>
        <DataTable.Col source="subscriptionId" label="Webhook" disableSort />
        <DataTable.Col source="eventType" label="Event" disableSort />
        <DataTable.Col<WebhookDeliveryRecord> source="status" disableSort render={(d) => <Chip size="small" color={COLORS[d.status]} label={d.status} />} />
        <DataTable.Col source="attempts" disableSort />
        <DataTable.Col<WebhookDeliveryRecord> source="lastStatus" label="Last answer" disableSort render={(d) => d.lastError ?? d.lastStatus ?? '—'} />
        <DataTable.Col label="" disableSort>
          <ReplayButton />
        </DataTable.Col>
      </DataTable>
    </List>
  );
}
