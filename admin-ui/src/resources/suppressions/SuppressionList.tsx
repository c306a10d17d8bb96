import Block from '@mui/icons-material/Block';
import { Alert, Typography } from '@mui/material';
import { CanAccess, DataTable, List, TopToolbar, useCreatePath, useRecordContext } from 'react-admin';
import { Link } from 'react-router-dom';

import { DateTimeField } from '../../components/DateTimeField';
import { EmptyState } from '../../components/EmptyState';
import { scrollableTable } from '../../components/tableStyles';
import type { SuppressionRecord } from '../../providers/dataProvider';
import { SuppressionReasonChip } from '../contacts/ContactChips';
import { AddSuppressionButton } from './AddSuppressionButton';
import { RemoveSuppressionButton } from './RemoveSuppressionButton';

const SOURCES: Readonly<Partial<Record<string, string>>> = {
  admin: 'Staff',
  unsubscribe: 'Unsubscribe link',
  bounce: 'Bounce',
  complaint: 'Complaint feedback',
  import: 'Import',
  api: 'API',
};

function SuppressionListActions() {
  return (
    <TopToolbar>
      <AddSuppressionButton />
    </TopToolbar>
  );
}

function NoSuppressions() {
  return (
    <EmptyState icon={<Block className="empty-icon" />} title="No suppressed address" action={<AddSuppressionButton />}>
      Unsubscribes, hard bounces and spam complaints land here automatically, so that no marketing e-mail goes to those addresses again.
    </EmptyState>
  );
}

function ContactLink() {
  const suppression = useRecordContext<SuppressionRecord>();
  const createPath = useCreatePath();
  if (!suppression?.contactId) {
    return (
      <Typography variant="body2" color="text.secondary">
        No contact
      </Typography>
    );
  }
  const label = `Contact #${suppression.contactId}`;
  return (
    <CanAccess resource="contacts" action="show" accessDenied={label}>
      <Link to={createPath({ resource: 'contacts', type: 'show', id: suppression.contactId })} onClick={(event) => event.stopPropagation()}>
        {label}
      </Link>
    </CanAccess>
  );
}

/** Suppressions newest first: why, and which contact it matches. Addresses are PHI: by design, they are not listed. */
export function SuppressionList() {
  return (
    <>
      <Alert severity="info" variant="outlined" sx={{ mt: 2 }}>
        Suppressed addresses are not shown: they are protected health information. Each suppression links to its contact when the address belongs to one.
      </Alert>
      <List
        title="Suppressions"
        actions={<SuppressionListActions />}
        exporter={false}
        sort={{ field: 'id', order: 'DESC' }}
        perPage={25}
        empty={<NoSuppressions />}
      >
        <DataTable<SuppressionRecord> rowClick={false} bulkActionButtons={false} sx={scrollableTable} data-testid="suppressions-table">
          <DataTable.Col<SuppressionRecord>
            source="reason"
            label="Reason"
            disableSort
            render={(suppression) => <SuppressionReasonChip reason={suppression.reason} />}
          />
          <DataTable.Col source="contactId" label="Contact" disableSort>
            <ContactLink />
          </DataTable.Col>
          <DataTable.Col<SuppressionRecord>
            source="source"
            label="Source"
            disableSort
            render={(suppression) => SOURCES[suppression.source] ?? suppression.source}
          />
          <DataTable.Col source="createdAt" label="Since" disableSort>
            <DateTimeField source="createdAt" />
          </DataTable.Col>
          <DataTable.Col label="" disableSort>
            <RemoveSuppressionButton />
          </DataTable.Col>
        </DataTable>
      </List>
    </>
  );
}
