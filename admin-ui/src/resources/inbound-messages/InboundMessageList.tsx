import { Chip, Typography } from '@mui/material';
import { DataTable, List, SelectInput } from 'react-admin';

import { DateTimeField } from '../../components/DateTimeField';
import { scrollableTable } from '../../components/tableStyles';
import { IntegrationsPanel } from './IntegrationsPanel';

export interface InboundMessageRecord {
  id: string;
  channel: 'fhir' | 'hl7-mllp' | 'hl7-http';
  kind: string;
  status: 'processed' | 'rejected' | 'dead_letter' | 'duplicate';
  reason: string | null;
  problems: { field: string; message: string }[];
  contactIds: string[];
  eventCount: number;
  attempts: number;
  receivedAt: string;
  processedAt: string | null;
  payloadKept: boolean;
}

export const INBOUND_STATUS_CHOICES = [
  { id: 'processed', name: 'Processed' },
  { id: 'dead_letter', name: 'Dead letter' },
  { id: 'rejected', name: 'Rejected' },
];

const COLORS = { processed: 'success', dead_letter: 'warning', rejected: 'error', duplicate: 'default' } as const;

export function InboundStatusChip({ status }: { status: InboundMessageRecord['status'] }) {
  return <Chip size="small" color={COLORS[status]} label={status.replace('_', ' ')} data-testid="inbound-status" />;
}

const filters = [
  <SelectInput key="status" source="status" label="Status" choices={INBOUND_STATUS_CHOICES} alwaysOn emptyText="Any status" />,
  <SelectInput
    key="channel"
    source="channel"
    label="Channel"
    choices={[
      { id: 'fhir', name: 'FHIR' },
      { id: 'hl7-mllp', name: 'HL7 MLLP' },
      { id: 'hl7-http', name: 'HL7 HTTP' },
    ]}
    alwaysOn
    emptyText="Any channel"
  />,
];

/** The integrations page: endpoints, the EHR mapping, and every inbound message with its outcome (never its content). */
export function InboundMessageList() {
  return (
    <>
      <IntegrationsPanel />
      <List title="Integrations" filters={filters} perPage={25} exporter={false} sort={{ field: 'receivedAt', order: 'DESC' }} empty={false}>
        <DataTable<InboundMessageRecord>
          rowClick="show"
          bulkActionButtons={false}
          sx={scrollableTable}
          data-testid="inbound-messages-table"
          empty={
            <Typography variant="body2" sx={{ p: 2 }}>
              No inbound message yet.
            </Typography>
          }
        >
          <DataTable.Col source="receivedAt" label="Received" disableSort>
            <DateTimeField source="receivedAt" />
          </DataTable.Col>
          <DataTable.Col source="channel" label="Channel" disableSort />
          <DataTable.Col source="kind" label="Message" disableSort />
          <DataTable.Col<InboundMessageRecord> source="status" label="Status" disableSort render={(m) => <InboundStatusChip status={m.status} />} />
          <DataTable.Col<InboundMessageRecord> source="reason" label="Reason" disableSort render={(m) => m.reason ?? '—'} />
          <DataTable.Col source="eventCount" label="Events" disableSort />
          <DataTable.Col source="attempts" label="Attempts" disableSort />
        </DataTable>
      </List>
    </>
  );
}
