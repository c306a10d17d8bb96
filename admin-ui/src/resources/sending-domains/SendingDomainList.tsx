import AlternateEmail from '@mui/icons-material/AlternateEmail';
import Delete from '@mui/icons-material/Delete';
import { Chip } from '@mui/material';
import { CreateButton, DataTable, List, TopToolbar, useCanAccess, useDelete, useNotify, useRecordContext, useRefresh } from 'react-admin';

import { ConfirmButton } from '../../components/ConfirmButton';
import { DateTimeField } from '../../components/DateTimeField';
import { EmptyState } from '../../components/EmptyState';
import { scrollableTable } from '../../components/tableStyles';
import type { SendingDomainRecord } from '../../providers/dataProvider';

function NoSendingDomains() {
  return (
    <EmptyState
      icon={<AlternateEmail className="empty-icon" />}
      title="No sending domain yet"
      action={<CreateButton label="Add a sending domain" variant="contained" />}
    >
      A sending domain is the domain of your From address. Adding one generates its DKIM key; publish the DNS records shown so that receivers can verify your
      mail and DMARC aligns.
    </EmptyState>
  );
}

/** Deletes a sending domain: its DKIM key is gone, and mail from it leaves unsigned. */
function DeleteSendingDomainButton() {
  const domain = useRecordContext<SendingDomainRecord>();
  const { canAccess } = useCanAccess({ resource: 'sending-domains', action: 'delete', record: domain });
  const [remove] = useDelete<SendingDomainRecord>();
  const notify = useNotify();
  const refresh = useRefresh();
  if (!domain || !canAccess) return null;
  const confirm = () =>
    new Promise<void>((resolve) => {
      void remove(
        'sending-domains',
        { id: domain.id, previousData: domain },
        {
          mutationMode: 'pessimistic',
          onSuccess: () => {
            notify(`Sending domain ${domain.domain} deleted`, { type: 'success' });
            refresh();
            resolve();
          },
          onError: (error) => {
            notify(error instanceof Error ? error.message : 'The sending domain could not be deleted.', { type: 'error' });
            resolve();
          },
        },
      );
    });
  return (
    <ConfirmButton
      label="Delete"
      icon={<Delete />}
      color="warning"
      title={`Delete ${domain.domain}?`}
      content="Its DKIM key is destroyed: mail from this domain leaves unsigned and may fail DMARC. Remove the DKIM record from DNS afterwards."
      confirmLabel="Delete"
      data-testid="delete-sending-domain"
      onConfirm={confirm}
    />
  );
}

/** The domains mail is sent from, each with its DKIM selector. A row opens the DNS records to publish. */
export function SendingDomainList() {
  return (
    <List
      title="Sending domains"
      actions={
        <TopToolbar>
          <CreateButton label="Add a sending domain" />
        </TopToolbar>
      }
      exporter={false}
      pagination={false}
      perPage={500}
      empty={<NoSendingDomains />}
    >
      <DataTable<SendingDomainRecord> rowClick="show" bulkActionButtons={false} sx={scrollableTable} data-testid="sending-domains-table">
        <DataTable.Col source="domain" label="Domain" disableSort />
        <DataTable.Col<SendingDomainRecord>
          source="selector"
          label="DKIM selector"
          disableSort
          render={(d) => <span style={{ fontFamily: 'monospace' }}>{d.selector}</span>}
        />
        <DataTable.Col<SendingDomainRecord>
          source="isDefault"
          label="Default"
          disableSort
          render={(d) => (d.isDefault ? <Chip size="small" color="primary" label="Default" /> : null)}
        />
        <DataTable.Col source="createdAt" label="Added" disableSort>
          <DateTimeField source="createdAt" />
        </DataTable.Col>
        <DataTable.Col label="" disableSort>
          <DeleteSendingDomainButton />
        </DataTable.Col>
      </DataTable>
    </List>
  );
}
