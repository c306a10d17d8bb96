import Campaign from '@mui/icons-material/Campaign';
import { Typography } from '@mui/material';
import { CreateButton, DataTable, List, SearchInput, SelectInput, TopToolbar } from 'react-admin';

import { EmptyState } from '../../components/EmptyState';
import { formatDateTime, formatNumber } from '../../components/format';
import { scrollableTable } from '../../components/tableStyles';
import type { CampaignRecord } from '../../providers/campaignsApi';
import { CampaignStatusChip, STATUS_CHOICES } from './campaignStatus';

function NoCampaigns() {
  return (
    <EmptyState icon={<Campaign className="empty-icon" />} title="No campaigns yet" action={<CreateButton label="New campaign" variant="contained" />}>
      A campaign sends one template to saved segments, to contacts with consent for its topic, over TLS only. A compliance officer approves it before it leaves.
    </EmptyState>
  );
}

const filters = [<SearchInput key="q" source="q" alwaysOn />, <SelectInput key="status" source="status" label="Status" choices={STATUS_CHOICES} alwaysOn />];

export function CampaignList() {
  return (
    <List
      title="Campaigns"
      filters={filters}
      actions={
        <TopToolbar>
          <CreateButton label="New campaign" />
        </TopToolbar>
      }
      exporter={false}
      empty={<NoCampaigns />}
    >
      <DataTable<CampaignRecord> rowClick="show" bulkActionButtons={false} sx={scrollableTable} data-testid="campaigns-table">
        <DataTable.Col<CampaignRecord>
          source="name"
          label="Campaign"
          disableSort
          render={(c) => (
            <Typography variant="body2" sx={{ fontWeight: 500 }}>
              {c.name}
            </Typography>
          )}
        />
        <DataTable.Col<CampaignRecord> source="status" label="Status" disableSort render={(c) => <CampaignStatusChip status={c.status} />} />
        <DataTable.Col<CampaignRecord> source="topic" label="Topic" disableSort />
        <DataTable.Col<CampaignRecord> label="Audience" disableSort render={(c) => (c.audienceCount === null ? '—' : formatNumber(c.audienceCount))} />
        <DataTable.Col<CampaignRecord> label="Created" disableSort render={(c) => formatDateTime(c.createdAt)} />
        <DataTable.Col<CampaignRecord> label="Started" disableSort render={(c) => formatDateTime(c.startedAt) ?? '—'} />
      </DataTable>
    </List>
  );
}
