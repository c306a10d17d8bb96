import { Box, Typography } from '@mui/material';
import { DataTable, DateTimeInput, FilterButton, List, SelectInput, TextInput, TopToolbar } from 'react-admin';

import { DateTimeField } from '../../components/DateTimeField';
import { scrollableTable } from '../../components/tableStyles';
import type { AuditEventRecord } from '../../providers/dataProvider';
import { AuditActionText, AuditActor, AuditSubject, OUTCOME_CHOICES, OutcomeChip } from './AuditChips';
import { AuditEventDetails } from './AuditEventDetails';
import { AuditExportButton } from './AuditExportButton';
import { ChainStatusBanner } from './ChainStatusBanner';

/** `<input type="datetime-local">` has no time zone: read it in the browser's, send it as UTC ISO. */
const toIso = (value: string | null | undefined): string | undefined => {
  if (!value) return undefined;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? undefined : date.toISOString();
};

const filters = [
  <TextInput key="action" source="action" label="Action starts with" placeholder="e.g. user. or api-key.created" helperText={false} alwaysOn resettable />,
  <SelectInput key="outcome" source="outcome" label="Outcome" choices={OUTCOME_CHOICES} alwaysOn emptyText="Any outcome" />,
  <DateTimeInput key="from" source="from" label="From" parse={toIso} alwaysOn />,
  <DateTimeInput key="to" source="to" label="Until" parse={toIso} alwaysOn />,
  <TextInput key="actorId" source="actorId" label="Actor id" />,
  <SelectInput
    key="subjectType"
    source="subjectType"
    label="Subject type"
    choices={[
      { id: 'user', name: 'User' },
      { id: 'api_key', name: 'API key' },
      { id: 'data_key', name: 'Data key' },
      { id: 'key_rotation', name: 'Key rotation' },
    ]}
  />,
  <TextInput key="subjectId" source="subjectId" label="Subject id" />,
];

function AuditListActions() {
  return (
    <TopToolbar>
      <FilterButton />
      <AuditExportButton />
    </TopToolbar>
  );
}

/**
 * The audit log, newest first and read-only: nobody edits or deletes an entry (the chain would
 * show it). A row expands to its details.
 */
export function AuditEventList() {
  return (
    <Box data-testid="audit-log">
      <ChainStatusBanner />
      <List
        title="Audit log"
        filters={filters}
        actions={<AuditListActions />}
        sort={{ field: 'id', order: 'DESC' }}
        perPage={25}
        exporter={false}
        empty={false}
      >
        <DataTable<AuditEventRecord>
          rowClick="expand"
          sx={scrollableTable}
          expand={<AuditEventDetails />}
          bulkActionButtons={false}
          data-testid="audit-table"
          empty={
            <Typography variant="body2" sx={{ p: 2 }}>
              No audit entries match these filters.
            </Typography>
          }
        >
          <DataTable.Col source="occurredAt" label="When" disableSort>
            <DateTimeField source="occurredAt" seconds />
          </DataTable.Col>
          <DataTable.Col<AuditEventRecord> source="action" label="Action" disableSort render={(event) => <AuditActionText action={event.action} />} />
          <DataTable.Col<AuditEventRecord> source="actorId" label="Actor" disableSort render={(event) => <AuditActor event={event} />} />
          <DataTable.Col<AuditEventRecord> source="subjectId" label="Subject" disableSort render={(event) => <AuditSubject event={event} />} />
          <DataTable.Col<AuditEventRecord> source="outcome" label="Outcome" disableSort render={(event) => <OutcomeChip outcome={event.outcome} />} />
          <DataTable.Col<AuditEventRecord>
            source="ip"
            label="IP address"
            disableSort
            render={(event) => (
              <Typography variant="body2" sx={{ fontFamily: 'monospace' }}>
                {event.ip ?? '—'}
              </Typography>
            )}
          />
        </DataTable>
      </List>
    </Box>
  );
}
