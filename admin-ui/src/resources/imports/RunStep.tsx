import FactCheck from '@mui/icons-material/FactCheck';
import PeopleAlt from '@mui/icons-material/PeopleAlt';
import PlayArrow from '@mui/icons-material/PlayArrow';
import UploadFile from '@mui/icons-material/UploadFile';
import { Alert, Box, Button, CircularProgress, Divider, Stack, Typography } from '@mui/material';
import { useState } from 'react';
import { useCreatePath, useDataProvider, useGetList } from 'react-admin';
import { Link } from 'react-router-dom';

import type { HipaaDataProvider, ImportRecord, TopicRecord } from '../../providers/dataProvider';
import { basisName } from './ConsentStep';
import { ImportProgress } from './ImportProgress';
import { isActive, isConfigurable } from './importStatus';

function Summary({ job }: { job: ImportRecord }) {
  const { data: topics } = useGetList<TopicRecord>('topics', { pagination: { page: 1, perPage: 500 } });
  const mapped = Object.values(job.mapping ?? {}).filter((m) => m.field !== 'ignore').length;
  const topic = topics?.find((t) => t.key === job.consent?.topic);
  const rows: Array<[string, string]> = [
    ['File', job.fileName],
    ['Columns imported', `${mapped} of ${job.headers.length}`],
    ['Topic', topic ? `${topic.name} (${topic.key})` : (job.consent?.topic ?? '—')],
    ['Basis', job.consent ? basisName(job.consent.basis) : '—'],
    ['Contacts already here', job.onExisting === 'update' ? 'Updated with the file’s values' : 'Left unchanged'],
  ];
  return (
    <Box component="dl" sx={{ display: 'grid', gridTemplateColumns: 'max-content 1fr', columnGap: 3, rowGap: 0.5, m: 0 }} data-testid="import-summary">
      {rows.map(([label, value]) => (
        <Box key={label} sx={{ display: 'contents' }}>
          <Typography component="dt" variant="body2" color="text.secondary">
            {label}
          </Typography>
          <Typography component="dd" variant="body2" sx={{ m: 0 }}>
            {value}
          </Typography>
        </Box>
      ))}
    </Box>
  );
}

interface RunStepProps {
  job: ImportRecord;
  /** Reload the import now (after a start, a cancel). */
  onChanged: () => void;
}

/**
 * Step 4: a dry run that writes nothing and reports every bad row, then the import itself,
 * followed live. A dry run can be repeated after changing the mapping; a completed import is final.
 */
export function RunStep({ job, onChanged }: RunStepProps) {
  const dataProvider = useDataProvider<HipaaDataProvider>();
  const createPath = useCreatePath();
  const [busy, setBusy] = useState<'validate' | 'start' | undefined>();
  const [error, setError] = useState<string | undefined>();
  const startable = isConfigurable(job.status) && busy === undefined;

  const run = async (mode: 'validate' | 'start') => {
    setBusy(mode);
    setError(undefined);
    try {
      await dataProvider.runImport(job.id, mode);
      onChanged();
    } catch (cause) {
      setError(cause instanceof Error ? cause.message : 'The import could not start.');
    } finally {
      setBusy(undefined);
    }
  };

  return (
    <Stack spacing={3} data-testid="run-step">
      <Summary job={job} />
      {error && <Alert severity="error">{error}</Alert>}
      {isConfigurable(job.status) && (
        <Stack direction={{ xs: 'column', sm: 'row' }} spacing={1} sx={{ alignItems: { sm: 'center' } }}>
          <Button
            variant="outlined"
            startIcon={busy === 'validate' ? <CircularProgress size={16} /> : <FactCheck />}
            disabled={!startable}
            onClick={() => void run('validate')}
            data-testid="validate-import"
            sx={{ whiteSpace: 'nowrap', flexShrink: 0 }}
          >
            Validate (dry run)
          </Button>
          <Button
            variant="contained"
            startIcon={busy === 'start' ? <CircularProgress size={16} color="inherit" /> : <PlayArrow />}
            disabled={!startable}
            onClick={() => void run('start')}
            data-testid="start-import"
            sx={{ whiteSpace: 'nowrap', flexShrink: 0 }}
          >
            {job.status === 'failed' && !job.dryRun ? 'Resume import' : 'Start import'}
          </Button>
          <Typography variant="caption" color="text.secondary">
            The dry run checks every row and writes nothing. The import skips the rows with errors and imports the others.
          </Typography>
        </Stack>
      )}
      {job.status !== 'uploaded' && (
        <>
          <Divider />
          <ImportProgress job={job} onChanged={onChanged} />
        </>
      )}
      {job.status === 'completed' && (
        <Stack direction="row" spacing={1}>
          <Button
            startIcon={<PeopleAlt />}
            component={Link}
            to={`${createPath({ resource: 'contacts', type: 'list' })}?importId=${encodeURIComponent(job.id)}`}
          >
            View the imported contacts
          </Button>
          <Button startIcon={<UploadFile />} component={Link} to={createPath({ resource: 'imports', type: 'create' })}>
            Import another file
          </Button>
        </Stack>
      )}
      {isActive(job.status) && (
        <Typography variant="caption" color="text.secondary">
          You can leave this page: the import goes on, and its progress is on the Imports page.
        </Typography>
      )}
    </Stack>
  );
}
