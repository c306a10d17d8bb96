import Gavel from '@mui/icons-material/Gavel';
import Topic from '@mui/icons-material/Topic';
import { Box, Button, Stack, Typography } from '@mui/material';
import { CanAccess, CreateButton, DataTable, List, TopToolbar, useCanAccess, useCreatePath } from 'react-admin';
import { Link } from 'react-router-dom';

import { DateTimeField } from '../../components/DateTimeField';
import { EmptyState } from '../../components/EmptyState';
import { scrollableTable } from '../../components/tableStyles';
import type { TopicRecord } from '../../providers/dataProvider';
import { TopicFlags, TopicKindChip } from './TopicChips';

function AuthorizationTextsButton() {
  const createPath = useCreatePath();
  return (
    <CanAccess resource="authorization-texts" action="list">
      <Button size="small" startIcon={<Gavel />} component={Link} to={createPath({ resource: 'authorization-texts', type: 'list' })}>
        HIPAA authorization texts
      </Button>
    </CanAccess>
  );
}

function TopicListActions() {
  return (
    <TopToolbar>
      <AuthorizationTextsButton />
      <CreateButton label="New topic" />
    </TopToolbar>
  );
}

function NoTopics() {
  return (
    <EmptyState
      icon={<Topic className="empty-icon" />}
      title="No topics yet"
      action={
        <Stack direction="row" spacing={1} sx={{ justifyContent: 'center' }}>
          <AuthorizationTextsButton />
          <CreateButton label="New topic" variant="contained" />
        </Stack>
      }
    >
      Topics are what contacts subscribe to (a newsletter, appointment reminders, a wellness program). Consent is recorded per topic, and every message is sent
      on one.
    </EmptyState>
  );
}

/** Every topic, archived ones included (the consent ledger still refers to them). */
export function TopicList() {
  const { canAccess: canEdit } = useCanAccess({ resource: 'topics', action: 'edit' });
  return (
    <List title="Topics" actions={<TopicListActions />} exporter={false} pagination={false} perPage={500} empty={<NoTopics />}>
      <DataTable<TopicRecord> rowClick={canEdit ? 'edit' : false} bulkActionButtons={false} sx={scrollableTable} data-testid="topics-table">
        <DataTable.Col<TopicRecord>
          source="name"
          label="Topic"
          disableSort
          render={(topic) => (
            <Stack>
              <Typography variant="body2" sx={{ fontWeight: 500 }}>
                {topic.name}
              </Typography>
              <Box component="code" sx={{ fontSize: '0.8rem', color: 'text.secondary' }}>
                {topic.key}
              </Box>
            </Stack>
          )}
        />
        <DataTable.Col<TopicRecord> source="kind" label="Kind" disableSort render={(topic) => <TopicKindChip kind={topic.kind} />} />
        <DataTable.Col<TopicRecord>
          source="description"
          label="Description"
          disableSort
          render={(topic) => (
            <Typography variant="body2" color="text.secondary" sx={{ maxWidth: 420 }}>
              {topic.description || '—'}
            </Typography>
          )}
        />
        <DataTable.Col<TopicRecord> label="Rules" disableSort render={(topic) => <TopicFlags topic={topic} />} />
        <DataTable.Col source="createdAt" label="Created" disableSort>
          <DateTimeField source="createdAt" />
        </DataTable.Col>
      </DataTable>
    </List>
  );
}
