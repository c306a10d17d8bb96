import ArrowBack from '@mui/icons-material/ArrowBack';
import Gavel from '@mui/icons-material/Gavel';
import { Box, Button, Typography } from '@mui/material';
import { CreateButton, DataTable, List, TopToolbar, useCreatePath, useRecordContext } from 'react-admin';
import { Link } from 'react-router-dom';

import { DateTimeField } from '../../components/DateTimeField';
import { EmptyState } from '../../components/EmptyState';
import { scrollableTable } from '../../components/tableStyles';
import type { AuthorizationTextRecord } from '../../providers/dataProvider';

function BackToTopics() {
  const createPath = useCreatePath();
  return (
    <Button size="small" startIcon={<ArrowBack />} component={Link} to={createPath({ resource: 'topics', type: 'list' })}>
      Topics
    </Button>
  );
}

function AuthorizationTextActions() {
  return (
    <TopToolbar sx={{ justifyContent: 'space-between', width: '100%' }}>
      <BackToTopics />
      <CreateButton label="Publish a version" />
    </TopToolbar>
  );
}

function NoTexts() {
  return (
    <EmptyState
      icon={<Gavel className="empty-icon" />}
      title="No authorization text yet"
      action={<CreateButton label="Publish a version" variant="contained" />}
    >
      Topics that require a HIPAA marketing authorization need the text contacts sign. Each signature refers to the exact version signed, so published texts
      never change: a new wording is a new version.
    </EmptyState>
  );
}

function AuthorizationTextBody() {
  const text = useRecordContext<AuthorizationTextRecord>();
  if (!text) return null;
  return (
    <Box sx={{ px: 2, py: 1.5 }} data-testid="authorization-text-body">
      <Typography variant="subtitle2">{text.title}</Typography>
      <Typography variant="body2" sx={{ whiteSpace: 'pre-wrap', mt: 1 }}>
        {text.body}
      </Typography>
    </Box>
  );
}

/** Published texts, newest first; a row expands to the full text. */
export function AuthorizationTextList() {
  return (
    <List title="HIPAA authorization texts" actions={<AuthorizationTextActions />} exporter={false} pagination={false} perPage={500} empty={<NoTexts />}>
      <DataTable<AuthorizationTextRecord>
        rowClick="expand"
        expand={<AuthorizationTextBody />}
        bulkActionButtons={false}
        sx={scrollableTable}
        data-testid="authorization-texts-table"
      >
        <DataTable.Col<AuthorizationTextRecord> source="version" label="Version" disableSort render={(text) => <code>{text.version}</code>} />
        <DataTable.Col source="title" label="Title" disableSort />
        <DataTable.Col source="purpose" label="Purpose" disableSort />
        <DataTable.Col source="createdAt" label="Published" disableSort>
          <DateTimeField source="createdAt" />
        </DataTable.Col>
      </DataTable>
    </List>
  );
}
