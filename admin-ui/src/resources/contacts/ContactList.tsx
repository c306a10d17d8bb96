import PersonAdd from '@mui/icons-material/PersonAdd';
import UploadFile from '@mui/icons-material/UploadFile';
import { Button, Stack, Typography } from '@mui/material';
import { CanAccess, CreateButton, DataTable, List, SelectInput, TextInput, type TextInputProps, TopToolbar, useCreatePath } from 'react-admin';
import { Link, useSearchParams } from 'react-router-dom';

import { DateTimeField } from '../../components/DateTimeField';
import { EmptyState } from '../../components/EmptyState';
import { scrollableTable } from '../../components/tableStyles';
import type { ContactRecord } from '../../providers/dataProvider';
import { ContactStatusChip, PhiFieldSummary, sourceLabel } from './ContactChips';

/**
 * The e-mail filter, with the reason there is no other search. react-admin strips and hides
 * filters' helper texts, so this wrapper sets its own and shows it.
 */
function EmailFilterInput(props: TextInputProps) {
  return (
    <TextInput
      {...props}
      type="email"
      autoComplete="off"
      resettable
      helperText="Exact address only. Contact details are encrypted, so names and parts of addresses cannot be searched."
      sx={{ width: 380, '&& .MuiFormHelperText-root': { display: 'block' } }}
    />
  );
}

const filters = [
  <EmailFilterInput key="email" source="email" label="E-mail address" alwaysOn />,
  <SelectInput
    key="status"
    source="status"
    label="Status"
    alwaysOn
    emptyText="Any status"
    choices={[
      { id: 'active', name: 'Active' },
      { id: 'erased', name: 'Erased' },
    ]}
  />,
  <TextInput key="importId" source="importId" label="Import #" alwaysOn resettable helperText={false} sx={{ maxWidth: 140 }} />,
];

function ImportButton() {
  const createPath = useCreatePath();
  return (
    <CanAccess resource="imports" action="create">
      <Button size="small" startIcon={<UploadFile />} component={Link} to={createPath({ resource: 'imports', type: 'create' })}>
        Import CSV
      </Button>
    </CanAccess>
  );
}

function ContactListActions() {
  return (
    <TopToolbar>
      <ImportButton />
      <CreateButton label="New contact" />
    </TopToolbar>
  );
}

function NoContacts() {
  return (
    <EmptyState
      icon={<PersonAdd className="empty-icon" />}
      title="No contacts yet"
      action={
        <Stack direction="row" spacing={1} sx={{ justifyContent: 'center' }}>
          <ImportButton />
          <CreateButton label="New contact" variant="contained" />
        </Stack>
      }
    >
      Contacts are the patients and members you write to. Import them from a CSV file with their consent, or add one at a time.
    </EmptyState>
  );
}

/**
 * Contacts, newest first, masked: who they are is shown as initials and a masked address, and
 * which PHI fields hold a value, never the values. The e-mail filter is the one way to find a
 * person; it is kept out of the address bar (PHI never goes in a URL) and out of any store.
 */
export function ContactList() {
  const [searchParams] = useSearchParams();
  // `?importId=` from an import's page: the one filter a link may carry (an id, not PHI).
  const importId = searchParams.get('importId') ?? undefined;
  return (
    <List
      key={importId ?? 'all'}
      title="Contacts"
      filters={filters}
      filterDefaultValues={importId ? { importId } : undefined}
      disableSyncWithLocation
      storeKey={false}
      actions={<ContactListActions />}
      exporter={false}
      sort={{ field: 'createdAt', order: 'DESC' }}
      perPage={25}
      empty={<NoContacts />}
    >
      <DataTable<ContactRecord>
        rowClick="show"
        bulkActionButtons={false}
        sx={scrollableTable}
        data-testid="contacts-table"
        empty={
          <Typography variant="body2" sx={{ p: 2 }}>
            No contact matches these filters.
          </Typography>
        }
      >
        <DataTable.Col<ContactRecord>
          source="emailMasked"
          label="Contact"
          disableSort
          render={(contact) => (
            <Stack>
              <Typography variant="body2" sx={{ fontWeight: 500 }}>
                {contact.initials ?? `Contact #${contact.id}`}
              </Typography>
              <Typography variant="caption" color="text.secondary" data-testid="email-masked">
                {contact.emailMasked ?? '—'}
              </Typography>
            </Stack>
          )}
        />
        <DataTable.Col<ContactRecord> source="phiFields" label="PHI on file" disableSort render={(contact) => <PhiFieldSummary fields={contact.phiFields} />} />
        <DataTable.Col<ContactRecord> source="status" label="Status" disableSort render={(contact) => <ContactStatusChip status={contact.status} />} />
        <DataTable.Col<ContactRecord> source="source" label="Source" disableSort render={(contact) => sourceLabel(contact.source)} />
        <DataTable.Col source="createdAt" label="Added" disableSort>
          <DateTimeField source="createdAt" />
        </DataTable.Col>
      </DataTable>
    </List>
  );
}
