import UploadFile from '@mui/icons-material/UploadFile';
import { Box, LinearProgress, Stack, Typography } from '@mui/material';
import { CreateButton, DataTable, List, TopToolbar } from 'react-admin';

import { DateTimeField } from '../../components/DateTimeField';
import { EmptyState } from '../../components/EmptyState';
import { formatNumber } from '../../components/format';
import { scrollableTable } from '../../components/tableStyles';
import type { ImportRecord } from '../../providers/dataProvider';
import { ImportStatusChip, isActive } from './importStatus';
import { formatBytes } from './importFormat';

/** While an import in the list runs, the list refreshes at this pace. */
const POLL_MS = 2_000;

function ImportListActions() {
  return (
    <TopToolbar>
      <CreateButton label="New import" icon={<UploadFile />} />
    </TopToolbar>
  );
}

function NoImports() {
  return (
    <EmptyState
      icon={<UploadFile className="empty-icon" />}
      title="No import yet"
      action={<CreateButton label="New import" variant="contained" icon={<UploadFile />} />}
    >
      Import contacts from a CSV export of your EHR, practice management system or CRM: map its columns, attest the consent they gave, check it with a dry run,
      then import. Any size; bad rows are reported, never guessed.
    </EmptyState>
  );
}

function Progress({ job }: { job: ImportRecord }) {
  if (job.status === 'uploaded' || job.status === 'uploading') {
    return (
      <Typography variant="caption" color="text.secondary">
        Not started
      </Typography>
    );
  }
  return (
    <Box sx={{ minWidth: 160 }}>
      <LinearProgress
        variant="determinate"
        value={job.progress.percent}
        color={job.status === 'failed' ? 'error' : job.status === 'completed' || job.status === 'validated' ? 'success' : 'primary'}
        aria-label={`Progress of import ${job.id}`}
      />
      <Typography variant="caption" color="text.secondary">
        {job.progress.percent}% · {formatNumber(job.progress.rowsDone)} rows
      </Typography>
    </Box>
  );
}

function Counts({ job }: { job: ImportRecord }) {
  const c = job.counts;
  if (job.status === 'uploaded' || job.status === 'uploading') return null;
  return (
    <Typography variant="body2" sx={{ whiteSpace: 'nowrap' }}>
      {job.dryRun ? 'would create ' : ''}
      {formatNumber(c.created)} new · {formatNumber(c.updated)} updated
      {c.errors > 0 && (
        <Typography component="span" variant="body2" color="error">
          {' '}
          · {formatNumber(c.errors)} errors
        </Typography>
      )}
    </Typography>
  );
}

/** Every import, newest first, each opening its progress page. */
export function ImportList() {
  return (
    <List
      title="Imports"
      actions={<ImportListActions />}
      exporter={false}
      sort={{ field: 'id', order: 'DESC' }}
      perPage={25}
      empty={<NoImports />}
      queryOptions={{
        refetchInterval: (query) => ((query.state.data as { data?: ImportRecord[] } | undefined)?.data?.some((job) => isActive(job.status)) ? POLL_MS : false),
      }}
    >
      <DataTable<ImportRecord> rowClick="show" bulkActionButtons={false} sx={scrollableTable} data-testid="imports-table">
        <DataTable.Col<ImportRecord>
          source="fileName"
          label="File"
          disableSort
          render={(job) => (
            <Stack>
              <Typography variant="body2" sx={{ fontWeight: 500 }}>
                {job.fileName}
              </Typography>
              <Typography variant="caption" color="text.secondary">
                #{job.id} · {formatBytes(job.bytes)}
              </Typography>
            </Stack>
          )}
        />
        <DataTable.Col<ImportRecord>
          source="status"
          label="Status"
          disableSort
          render={(job) => <ImportStatusChip status={job.status} dryRun={job.dryRun} />}
        />
        <DataTable.Col<ImportRecord> label="Progress" disableSort render={(job) => <Progress job={job} />} />
        <DataTable.Col<ImportRecord> label="Result" disableSort render={(job) => <Counts job={job} />} />
        <DataTable.Col source="createdAt" label="Uploaded" disableSort>
          <DateTimeField source="createdAt" />
        </DataTable.Col>
      </DataTable>
    </List>
  );
}
