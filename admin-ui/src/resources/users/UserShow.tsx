import { Box, Divider, Typography } from '@mui/material';
import {
  CanAccess,
  DataTable,
  EditButton,
  FunctionField,
  Labeled,
  Pagination,
  ReferenceManyField,
  Show,
  TextField,
  TopToolbar,
  useRecordContext,
  WithRecord,
} from 'react-admin';

import { DateTimeField } from '../../components/DateTimeField';
import type { AuditEventRecord, UserRecord } from '../../providers/dataProvider';
import { AuditActionText, OutcomeChip } from '../audit-events/AuditChips';
import { UserAdminActions } from './UserAdminActions';
import { RoleChip, UserStatusChips } from './UserChips';

function UserShowActions() {
  return (
    <TopToolbar>
      <UserAdminActions />
      <EditButton />
    </TopToolbar>
  );
}

function UserTitle() {
  const user = useRecordContext<UserRecord>();
  return <>{user ? user.displayName : 'User'}</>;
}

const grid = {
  display: 'grid',
  gridTemplateColumns: { xs: '1fr', sm: 'repeat(2, minmax(0, 1fr))', md: 'repeat(3, minmax(0, 1fr))' },
  gap: 2,
} as const;

function UserDetails() {
  return (
    <Box sx={{ p: 2 }} data-testid="user-details">
      <WithRecord<UserRecord>
        render={(user) => (
          <Typography variant="h6" component="h2" gutterBottom>
            {user.displayName}
          </Typography>
        )}
      />
      <Box sx={grid}>
        <Labeled label="E-mail address">
          <TextField source="email" />
        </Labeled>
        <Labeled label="Role">
          <FunctionField<UserRecord> render={(user) => <RoleChip role={user.role} />} />
        </Labeled>
        <Labeled label="Status">
          <FunctionField<UserRecord> render={(user) => <UserStatusChips user={user} />} />
        </Labeled>
        <Labeled label="Two-factor authentication">
          <FunctionField<UserRecord> render={(user) => (user.mfaEnrolled ? 'Set up' : 'Not set up yet')} />
        </Labeled>
        <Labeled label="Last sign-in">
          <DateTimeField source="lastLoginAt" emptyText="Never" />
        </Labeled>
        <Labeled label="Added">
          <DateTimeField source="createdAt" />
        </Labeled>
        <FunctionField<UserRecord>
          render={(user) =>
            user.locked ? (
              <Labeled label="Locked until">
                <DateTimeField source="lockedUntil" />
              </Labeled>
            ) : null
          }
        />
      </Box>
    </Box>
  );
}

/** What happened to this account, from the audit log (for those who may read it). */
function UserActivity() {
  return (
    <CanAccess resource="audit-events" action="list">
      <Divider />
      <Box sx={{ p: 2 }}>
        <Typography variant="subtitle1" component="h3" gutterBottom>
          Recent activity on this account
        </Typography>
        <ReferenceManyField
          reference="audit-events"
          target="subjectId"
          filter={{ subjectType: 'user' }}
          sort={{ field: 'id', order: 'DESC' }}
          perPage={10}
          pagination={<Pagination rowsPerPageOptions={[10]} />}
        >
          <DataTable<AuditEventRecord> bulkActionButtons={false} rowClick={false} empty={<Typography variant="body2">No activity recorded yet.</Typography>}>
            <DataTable.Col source="occurredAt" label="When" disableSort>
              <DateTimeField source="occurredAt" seconds />
            </DataTable.Col>
            <DataTable.Col<AuditEventRecord> source="action" label="Action" disableSort render={(event) => <AuditActionText action={event.action} />} />
            <DataTable.Col<AuditEventRecord> source="outcome" label="Outcome" disableSort render={(event) => <OutcomeChip outcome={event.outcome} />} />
          </DataTable>
        </ReferenceManyField>
      </Box>
    </CanAccess>
  );
}

export function UserShow() {
  return (
    <Show actions={<UserShowActions />} title={<UserTitle />}>
      <UserDetails />
      <UserActivity />
    </Show>
  );
}
