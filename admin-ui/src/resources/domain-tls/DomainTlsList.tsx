import Lock from '@mui/icons-material/Lock';
import { Typography } from '@mui/material';
import { DataTable, List, SelectInput, TopToolbar } from 'react-admin';

import { DateTimeField } from '../../components/DateTimeField';
import { EmptyState } from '../../components/EmptyState';
import { scrollableTable } from '../../components/tableStyles';
import type { DomainTlsRecord } from '../../providers/dataProvider';
import { certificateText, reasonLabel, TlsSummary } from '../deliveries/DeliveryChips';
import { DOMAIN_STATUS_CHOICES, DomainTlsStatusChip } from './DomainTlsChips';
import { ProbeDomainButton } from './ProbeDomainButton';
import { TlsReportButton } from './TlsReportButton';

const filters = [<SelectInput key="status" source="status" label="Status" choices={DOMAIN_STATUS_CHOICES} alwaysOn emptyText="Any status" />];

function DomainTlsActions() {
  return (
    <TopToolbar>
      <ProbeDomainButton />
      <TlsReportButton />
    </TopToolbar>
  );
}

function NoDomains() {
  return (
    <EmptyState
      icon={<Lock className="empty-icon" />}
      title="No recipient domain checked yet"
      action={
        <>
          <ProbeDomainButton />
          <TlsReportButton />
        </>
      }
    >
      Each recipient domain&apos;s mail servers are checked for STARTTLS with TLS 1.2 or later, by every send and on a schedule. Domains without it are listed
      here, and mail to them is dropped before connecting.
    </EmptyState>
  );
}

const mono = { fontFamily: 'monospace', fontSize: '0.8rem' } as const;

/** Recipient domains by TLS capability: what their mail servers offered at the last send or probe. */
export function DomainTlsList() {
  return (
    <List
      title="Domain TLS"
      filters={filters}
      actions={<DomainTlsActions />}
      sort={{ field: 'domain', order: 'ASC' }}
      perPage={50}
      exporter={false}
      empty={<NoDomains />}
    >
      <DataTable<DomainTlsRecord>
        rowClick={false}
        bulkActionButtons={false}
        sx={scrollableTable}
        data-testid="domain-tls-table"
        empty={
          <Typography variant="body2" sx={{ p: 2 }}>
            No domain matches this filter.
          </Typography>
        }
      >
        <DataTable.Col<DomainTlsRecord> source="domain" label="Domain" disableSort render={(d) => <span style={mono}>{d.domain}</span>} />
        <DataTable.Col<DomainTlsRecord> source="status" label="TLS" disableSort render={(d) => <DomainTlsStatusChip status={d.status} />} />
        <DataTable.Col<DomainTlsRecord>
          source="reason"
          label="Reason"
          disableSort
          render={(d) => (
            <Typography component="span" variant="body2" title={d.reason ?? undefined}>
              {reasonLabel(d.reason) ?? '—'}
            </Typography>
          )}
        />
        <DataTable.Col<DomainTlsRecord>
          source="mxHost"
          label="Mail server"
          disableSort
          render={(d) => <span style={mono}>{[d.mxHost, d.mxIp].filter(Boolean).join(' · ') || '—'}</span>}
        />
        <DataTable.Col<DomainTlsRecord>
          source="tlsVersion"
          label="Version"
          disableSort
          render={(d) => <TlsSummary tlsVersion={d.tlsVersion ?? undefined} cipher={d.cipher ?? undefined} />}
        />
        <DataTable.Col<DomainTlsRecord> source="certVerified" label="Certificate" disableSort render={(d) => certificateText(d.certVerified)} />
        <DataTable.Col<DomainTlsRecord> source="mtaStsMode" label="MTA-STS" disableSort render={(d) => d.mtaStsMode ?? '—'} />
        <DataTable.Col source="probedAt" label="Checked" disableSort>
          <DateTimeField source="probedAt" />
        </DataTable.Col>
      </DataTable>
    </List>
  );
}
