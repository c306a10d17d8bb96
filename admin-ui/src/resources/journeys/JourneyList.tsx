import Route from '@mui/icons-material/Route';
import { Typography } from '@mui/material';
import { CreateButton, DataTable, List, SelectInput, TopToolbar } from 'react-admin';

import { EmptyState } from '../../components/EmptyState';
import { formatDateTime, formatNumber } from '../../components/format';
import { scrollableTable } from '../../components/tableStyles';
import type { JourneyRecord } from '../../providers/journeysApi';
import { JourneyStatusChip, STATUS_CHOICES } from './journeyStatus';

function NoJourneys() {
  return (
    <EmptyState icon={<Route className="empty-icon" />} title="No journeys yet" action={<CreateButton label="New journey" variant="contained" />}>
      A journey follows each patient from an event (an appointment booked, a discharge) through messages, waits and branches: a confirmation, a reminder two
      days before, another only if the first was not opened, and a stop if they cancel.
    </EmptyState>
  );
}

const filters = [<SelectInput key="status" source="status" label="Status" choices={STATUS_CHOICES} alwaysOn />];

function triggerText(j: JourneyRecord): string {
  if (j.triggerKind === 'event') return `Event ${j.triggerEventType ?? ''}`;
  if (j.triggerKind === 'segment') return 'Entering a segment';
  if (j.triggerKind === 'date_attribute') return 'A date';
  if (j.triggerKind === 'api') return 'API call';
  return '—';
}

export function JourneyList() {
  return (
    <List
      title="Journeys"
      filters={filters}
      actions={
        <TopToolbar>
          <CreateButton label="New journey" />
        </TopToolbar>
      }
      exporter={false}
      empty={<NoJourneys />}
    >
      <DataTable<JourneyRecord> rowClick="show" bulkActionButtons={false} sx={scrollableTable} data-testid="journeys-table">
        <DataTable.Col<JourneyRecord>
          source="name"
          label="Journey"
          disableSort
          render={(j) => (
            <Typography variant="body2" sx={{ fontWeight: 500 }}>
              {j.name}
            </Typography>
          )}
        />
        <DataTable.Col<JourneyRecord> source="status" label="Status" disableSort render={(j) => <JourneyStatusChip status={j.status} />} />
        <DataTable.Col<JourneyRecord> label="Trigger" disableSort render={triggerText} />
        <DataTable.Col<JourneyRecord> label="Version" disableSort render={(j) => (j.currentVersion === null ? '—' : String(j.currentVersion))} />
        <DataTable.Col<JourneyRecord> label="On their way" disableSort render={(j) => formatNumber(j.enrollments.active)} />
        <DataTable.Col<JourneyRecord> label="Enrolled" disableSort render={(j) => formatNumber(j.enrollments.total)} />
        <DataTable.Col<JourneyRecord> label="Updated" disableSort render={(j) => formatDateTime(j.updatedAt)} />
      </DataTable>
    </List>
  );
}
