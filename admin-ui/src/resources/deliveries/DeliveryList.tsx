import Outbox from '@mui/icons-material/Outbox';
import { Typography } from '@mui/material';
import { DataTable, FilterButton, List, SelectInput, TextInput, TopToolbar } from 'react-admin';

import { DateTimeField } from '../../components/DateTimeField';
import { EmptyState } from '../../components/EmptyState';
import { scrollableTable } from '../../components/tableStyles';
import type { DeliveryRecord } from '../../providers/dataProvider';
import { certificateText, DELIVERY_STATUS_CHOICES, DeliveryStatusChip, PURPOSES, reasonLabel, TLS_VERSION_CHOICES, TlsSummary } from './DeliveryChips';

/** The recipient domain is matched exactly; typed in any case. */
const lowerCase = (value: string | null | undefined) => value?.trim().toLowerCase() ?? '';

const filters = [
  <SelectInput key="status" source="status" label="Status" choices={DELIVERY_STATUS_CHOICES} alwaysOn emptyText="Any status" />,
  <TextInput key="domain" source="domain" label="Recipient domain" placeholder="e.g. example.org" parse={lowerCase} helperText={false} alwaysOn resettable />,
  <SelectInput key="tlsVersion" source="tlsVersion" label="TLS version" choices={TLS_VERSION_CHOICES} alwaysOn emptyText="Any version" />,
  <TextInput key="campaignId" source="campaignId" label="Campaign id" helperText={false} />,
  <TextInput key="journeyId" source="journeyId" label="Journey id" helperText={false} />,
];

function DeliveryListActions() {
  return (
    <TopToolbar>
      <FilterButton />
    </TopToolbar>
  );
}

function NoDeliveries() {
  return (
    <EmptyState icon={<Outbox className="empty-icon" />} title="No message sent yet">
      Every message campaigns, journeys and test sends queue shows here, with how it left: the mail server, the TLS version and cipher, the certificate check
      and the server&apos;s answer. A message that cannot leave over TLS 1.2 or later is dropped, never sent in clear, and the reason is shown.
    </EmptyState>
  );
}

const mono = { fontFamily: 'monospace', fontSize: '0.8rem' } as const;

/**
 * The delivery log, newest first: one row per message with its TLS evidence. Recipients appear by domain
 * only (an address is PHI); a row opens the message's evidence and timeline.
 */
export function DeliveryList() {
  return (
    <List
      title="Delivery log"
      filters={filters}
      actions={<DeliveryListActions />}
      sort={{ field: 'createdAt', order: 'DESC' }}
      perPage={25}
      exporter={false}
      empty={<NoDeliveries />}
    >
      <DataTable<DeliveryRecord>
        rowClick="show"
        bulkActionButtons={false}
        sx={scrollableTable}
        data-testid="deliveries-table"
        empty={
          <Typography variant="body2" sx={{ p: 2 }}>
            No message matches these filters.
          </Typography>
        }
      >
        <DataTable.Col source="createdAt" label="Queued" disableSort>
          <DateTimeField source="createdAt" />
        </DataTable.Col>
        <DataTable.Col<DeliveryRecord> source="status" label="Status" disableSort render={(d) => <DeliveryStatusChip status={d.status} />} />
        <DataTable.Col<DeliveryRecord>
          source="reason"
          label="Reason"
          disableSort
          render={(d) => (
            <Typography component="span" variant="body2" title={d.reason ?? undefined} data-testid="delivery-reason">
              {reasonLabel(d.reason) ?? '—'}
            </Typography>
          )}
        />
        <DataTable.Col<DeliveryRecord> source="recipientDomain" label="Domain" disableSort render={(d) => <span style={mono}>{d.recipientDomain}</span>} />
        <DataTable.Col<DeliveryRecord>
          source="evidence.tlsVersion"
          label="TLS"
          disableSort
          render={(d) => <TlsSummary tlsVersion={d.evidence?.tlsVersion} cipher={d.evidence?.cipher} cipherBits={d.evidence?.cipherBits} />}
        />
        <DataTable.Col<DeliveryRecord>
          source="evidence.certVerified"
          label="Certificate"
          disableSort
          render={(d) => certificateText(d.evidence?.certVerified)}
        />
        <DataTable.Col<DeliveryRecord>
          source="evidence.mxHost"
          label="Mail server"
          disableSort
          render={(d) => <span style={mono}>{d.evidence?.mxHost ?? d.evidence?.mxIp ?? '—'}</span>}
        />
        <DataTable.Col<DeliveryRecord> source="evidence.smtpCode" label="SMTP" disableSort render={(d) => d.evidence?.smtpCode ?? '—'} />
        <DataTable.Col<DeliveryRecord> source="purpose" label="Purpose" disableSort render={(d) => PURPOSES[d.purpose]} />
      </DataTable>
    </List>
  );
}
