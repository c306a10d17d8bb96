import Replay from '@mui/icons-material/Replay';
import { Button, List as MuiList, ListItem, ListItemText, Typography } from '@mui/material';
import { useState } from 'react';
import {
  DateField,
  Labeled,
  NumberField,
  Show,
  SimpleShowLayout,
  TextField,
  TopToolbar,
  useCanAccess,
  useNotify,
  useRecordContext,
  useRefresh,
} from 'react-admin';

import { httpClient } from '../../providers/httpClient';
import { InboundStatusChip, type InboundMessageRecord } from './InboundMessageList';

/** Runs a dead letter (or a rejected message) again, with the current mapping. */
function ReprocessButton() {
  const message = useRecordContext<InboundMessageRecord>();
  const { canAccess } = useCanAccess({ resource: 'inbound-messages', action: 'reprocess', record: message });
  const notify = useNotify();
  const refresh = useRefresh();
  const [busy, setBusy] = useState(false);
  if (!message || !canAccess || message.status === 'processed' || message.status === 'duplicate' || !message.payloadKept) return null;
  const run = async () => {
    setBusy(true);
    try {
      const { body } = await httpClient<InboundMessageRecord>(`/integrations/inbound-messages/${message.id}/reprocess`, { method: 'POST' });
      notify(body.status === 'processed' ? 'Reprocessed: the message is now processed' : `Reprocessed: still ${body.status.replace('_', ' ')}`, {
        type: body.status === 'processed' ? 'success' : 'warning',
      });
      refresh();
    } catch (error) {
      notify(error instanceof Error ? error.message : 'The message could not be reprocessed.', { type: 'error' });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Button startIcon={<Replay />} onClick={() => void run()} disabled={busy} data-testid="reprocess">
      Reprocess
    </Button>
  );
}

function Problems() {
  const message = useRecordContext<InboundMessageRecord>();
  if (!message?.problems.length) return <Typography variant="body2">None</Typography>;
  return (
    <MuiList dense>
      {message.problems.map((p, i) => (
        <ListItem key={i} disableGutters>
          <ListItemText primary={p.field} secondary={p.message} />
        </ListItem>
      ))}
    </MuiList>
  );
}

export function InboundMessageShow() {
  return (
    <Show
      actions={
        <TopToolbar>
          <ReprocessButton />
        </TopToolbar>
      }
    >
      <SimpleShowLayout>
        <TextField source="id" label="Inbound message" />
        <TextField source="channel" />
        <TextField source="kind" label="Message" />
        <Labeled label="Status">
          <StatusField />
        </Labeled>
        <TextField source="reason" emptyText="—" />
        <Labeled label="Problems and warnings">
          <Problems />
        </Labeled>
        <NumberField source="eventCount" label="Events recorded" />
        <NumberField source="attempts" />
        <DateField source="receivedAt" showTime />
        <DateField source="processedAt" showTime emptyText="—" />
        <Labeled label="Raw payload">
          <PayloadKept />
        </Labeled>
      </SimpleShowLayout>
    </Show>
  );
}

function StatusField() {
  const message = useRecordContext<InboundMessageRecord>();
  return message ? <InboundStatusChip status={message.status} /> : null;
}

function PayloadKept() {
  const message = useRecordContext<InboundMessageRecord>();
  return (
    <Typography variant="body2">{message?.payloadKept ? 'Kept encrypted until the retention period ends' : 'Deleted (past the retention period)'}</Typography>
  );
}
