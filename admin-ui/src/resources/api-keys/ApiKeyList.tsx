import VpnKey from '@mui/icons-material/VpnKey';
import { Box, Stack, Typography } from '@mui/material';
import { CanAccess, CreateButton, DataTable, List, ReferenceField, TextField, TopToolbar } from 'react-admin';

import { DateTimeField } from '../../components/DateTimeField';
import { EmptyState } from '../../components/EmptyState';
import { scrollableTable } from '../../components/tableStyles';
import type { ApiKeyRecord } from '../../providers/dataProvider';
import { ApiKeyStatusChip, ScopeChips } from './ApiKeyChips';
import { RevokeApiKeyButton } from './RevokeApiKeyButton';

function ApiKeyListActions() {
  return (
    <TopToolbar>
      <CreateButton label="New API key" />
    </TopToolbar>
  );
}

function NoApiKeys() {
  return (
    <EmptyState icon={<VpnKey className="empty-icon" />} title="No API keys yet" action={<CreateButton label="New API key" variant="contained" />}>
      API keys let other systems call HIPAA Mail on their own behalf, with only the permissions you give them. Each key is shown once, when it is created.
    </EmptyState>
  );
}

function CreatedBy() {
  return (
    <CanAccess resource="users" action="show" accessDenied="—">
      <ReferenceField source="createdBy" reference="users" link="show" empty="—">
        <TextField source="displayName" variant="caption" />
      </ReferenceField>
    </CanAccess>
  );
}

/** Every key ever issued, newest first: active ones, and expired or revoked ones for the record. */
export function ApiKeyList() {
  return (
    <List title="API keys" actions={<ApiKeyListActions />} exporter={false} pagination={false} perPage={500} empty={<NoApiKeys />}>
      <DataTable<ApiKeyRecord> rowClick={false} bulkActionButtons={false} sx={scrollableTable} data-testid="api-keys-table">
        <DataTable.Col<ApiKeyRecord>
          source="name"
          label="Name"
          disableSort
          render={(apiKey) => (
            <Stack>
              <Typography variant="body2" sx={{ fontWeight: 500 }}>
                {apiKey.name}
              </Typography>
              <Box
                component="code"
                title="The first characters of the key, to recognise it"
                sx={{ fontSize: '0.8rem', color: 'text.secondary' }}
                data-testid="api-key-prefix"
              >
                {apiKey.prefix}…
              </Box>
            </Stack>
          )}
        />
        <DataTable.Col<ApiKeyRecord> source="scopes" label="Scopes" disableSort render={(apiKey) => <ScopeChips scopes={apiKey.scopes} />} />
        <DataTable.Col<ApiKeyRecord> source="status" label="Status" disableSort render={(apiKey) => <ApiKeyStatusChip status={apiKey.status} />} />
        <DataTable.Col source="createdAt" label="Created" disableSort>
          <Stack>
            <DateTimeField source="createdAt" />
            <Typography variant="caption" color="text.secondary" component="span">
              by <CreatedBy />
            </Typography>
          </Stack>
        </DataTable.Col>
        <DataTable.Col source="expiresAt" label="Expires" disableSort>
          <DateTimeField source="expiresAt" emptyText="Never" />
        </DataTable.Col>
        <DataTable.Col source="lastUsedAt" label="Last used" disableSort>
          <DateTimeField source="lastUsedAt" emptyText="Never used" />
        </DataTable.Col>
        <DataTable.Col label="" disableSort>
          <RevokeApiKeyButton />
        </DataTable.Col>
      </DataTable>
    </List>
  );
}
