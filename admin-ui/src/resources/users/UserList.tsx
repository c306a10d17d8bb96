import { Stack, Typography } from '@mui/material';
import { CreateButton, DataTable, List, SearchInput, SelectInput, TopToolbar } from 'react-admin';

import { DateTimeField } from '../../components/DateTimeField';
import type { UserRecord } from '../../providers/dataProvider';
import { ROLES } from './roles';
import { RoleChip, UserStatusChips } from './UserChips';

const ROLE_FILTER_CHOICES = ROLES.map(({ id, name }) => ({ id, name }));

const filters = [
  <SearchInput key="q" source="q" placeholder="Search by name or e-mail" alwaysOn />,
  <SelectInput key="role" source="role" label="Role" choices={ROLE_FILTER_CHOICES} alwaysOn emptyText="All roles" />,
];

function UserListActions() {
  return (
    <TopToolbar>
      <CreateButton label="Invite user" />
    </TopToolbar>
  );
}

/** The backend lists users oldest first and sorts by nothing else, so columns are not sortable. */
export function UserList() {
  return (
    <List filters={filters} actions={<UserListActions />} exporter={false} sort={{ field: 'createdAt', order: 'ASC' }} perPage={25} title="Users">
      <DataTable<UserRecord> rowClick="show" bulkActionButtons={false} data-testid="users-table">
        <DataTable.Col<UserRecord>
          source="displayName"
          label="Name"
          disableSort
          render={(user) => (
            <Stack>
              <Typography variant="body2" sx={{ fontWeight: 500 }}>
                {user.displayName}
              </Typography>
              <Typography variant="caption" color="text.secondary">
                {user.email}
              </Typography>
            </Stack>
          )}
        />
        <DataTable.Col<UserRecord> source="role" label="Role" disableSort render={(user) => <RoleChip role={user.role} />} />
        <DataTable.Col<UserRecord> label="Status" disableSort render={(user) => <UserStatusChips user={user} />} />
        <DataTable.Col source="lastLoginAt" label="Last sign-in" disableSort>
          <DateTimeField source="lastLoginAt" emptyText="Never" />
        </DataTable.Col>
        <DataTable.Col source="createdAt" label="Added" disableSort>
          <DateTimeField source="createdAt" />
        </DataTable.Col>
      </DataTable>
    </List>
  );
}
