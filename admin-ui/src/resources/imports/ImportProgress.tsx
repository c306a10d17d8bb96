import Cancel from '@mui/icons-material/Cancel';
import { Alert, AlertTitle, Box, LinearProgress, Stack, Typography } from '@mui/material';
import { useCanAccess, useDataProvider, useNotify } from 'react-admin';

import { ConfirmButton } from '../../components/ConfirmButton';
import { countOf, formatNumber } from '../../components/format';
import type { HipaaDataProvider, ImportRecord } from '../../providers/dataProvider';
import { ImportErrors } from './ImportErrors';
import { hasOutcome, ImportStatusChip, isActive } from './importStatus';

/** `42 s`, `3 min 5 s`, `1 h 12 min`. */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  const minutes = Math.floor(s / 60);
  if (minutes < 60) return `${minutes} min${s % 60 ? ` ${s % 60} s` : ''}`;
  return `${Math.floor(minutes / 60)} h${minutes % 60 ? ` ${minutes % 60} min` : ''}`;
}

function Count({ name, label, value, color }: { name: string; label: string; value: number; color?: string }) {
  return (
    <Box sx={{ minWidth: 110 }} data-testid={`import-count-${name}`} data-value={value}>
      <Typography variant="caption" color="text.secondary">
        {label}
      </Typography>
      <Typography variant="h6" component="p" sx={{ color }}>
        {formatNumber(value)}
      </Typography>
    </Box>
  );
}

function Counts({ job }: { job: ImportRecord }) {
  const would = job.dryRun ? 'Would be ' : '';
  const c = job.counts;
  return (
    <Stack direction="row" spacing={3} useFlexGap sx={{ flexWrap: 'wrap' }} data-testid="import-counts">
      <Count name="created" label={`${would}${would ? 'created' : 'Created'}`} value={c.created} />
      <Count name="updated" label={`${would}${would ? 'updated' : 'Updated'}`} value={c.updated} />
      {!job.dryRun && <Count name="unchanged" label="Unchanged" value={c.unchanged} />}
      {!job.dryRun && <Count name="skipped" label="Skipped (already here)" value={c.skipped} />}
      <Count name="errors" label="Rows with errors" value={c.errors} color={c.errors > 0 ? 'error.main' : undefined} />
    </Stack>
  );
}

/** How far the run has got, its pace and what is left. */
function ProgressLine({ job }: { job: ImportRecord }) {
  const { rowsDone, rowsTotal, rowsTotalEstimate, rowsPerSecond, etaSeconds } = job.progress;
  const total = rowsTotal ?? rowsTotalEstimate;
  const parts = [
    total === null ? `${formatNumber(rowsDone)} rows read` : `${formatNumber(rowsDone)} of ${rowsTotal === null ? 'about ' : ''}${formatNumber(total)} rows`,
  ];
  if (rowsPerSecond !== null && rowsPerSecond > 0) parts.push(`${formatNumber(rowsPerSecond)} rows/s`);
  if (isActive(job.status) && etaSeconds !== null) parts.push(`about ${formatDuration(etaSeconds)} left`);
  return (
    <Typography variant="body2" color="text.secondary" data-testid="import-progress-text">
      {job.progress.percent}% · {parts.join(' · ')}
    </Typography>
  );
}

function Outcome({ job }: { job: ImportRecord }) {
  const c = job.counts;
  const refused = countOf(c.errors, 'row was refused', 'rows were refused');
  switch (job.status) {
    case 'completed':
      return (
        <Alert severity={c.errors > 0 ? 'warning' : 'success'} data-testid="import-outcome">
          <AlertTitle>Import completed</AlertTitle>
          {countOf(c.created, 'contact', 'contacts')} created, {formatNumber(c.updated)} updated, {formatNumber(c.unchanged)} unchanged,{' '}
          {formatNumber(c.skipped)} skipped. {c.errors > 0 ? `${refused}: see below.` : 'Every row was imported.'}
        </Alert>
      );
    case 'validated':
      return (
        <Alert severity={c.errors > 0 ? 'warning' : 'info'} data-testid="import-outcome">
          <AlertTitle>Dry run finished: nothing was written</AlertTitle>
          {countOf(c.created, 'contact', 'contacts')} would be created and {formatNumber(c.updated)} updated.{' '}
          {c.errors > 0 ? `${refused}: fix the file and upload it again, or start the import and these rows are left out.` : 'Every row is valid.'}
        </Alert>
      );
    case 'failed':
      return (
        <Alert severity="error" data-testid="import-outcome">
          <AlertTitle>{job.dryRun ? 'The dry run failed' : 'The import stopped'}</AlertTitle>
          {job.error ?? 'The import could not finish.'} {job.dryRun ? '' : 'Rows saved so far are kept; starting it again resumes after the last saved row.'}
        </Alert>
      );
    case 'cancelled':
      return (
        <Alert severity="warning" data-testid="import-outcome">
          <AlertTitle>Import cancelled</AlertTitle>
          The file was deleted. Contacts saved before the cancellation are kept.
        </Alert>
      );
    case 'uploading':
    case 'uploaded':
    case 'queued':
    case 'running':
      return null;
  }
}

function CancelImportButton({ job, onChanged }: { job: ImportRecord; onChanged: () => void }) {
  const { canAccess } = useCanAccess({ resource: 'imports', action: 'cancel' });
  const dataProvider = useDataProvider<HipaaDataProvider>();
  const notify = useNotify();
  if (!canAccess) return null;
  const cancel = async () => {
    try {
      const { data } = await dataProvider.cancelImport(job.id);
      if (!data.status) return;
      notify('Import cancelled', { type: 'info' });
      onChanged();
    } catch (error) {
      notify(error instanceof Error ? error.message : 'The import could not be cancelled.', { type: 'error' });
    }
  };
  return (
    <ConfirmButton
      label="Cancel import"
      icon={<Cancel />}
      color="warning"
      title="Cancel this import?"
      content="The run stops after the batch in progress and the file is deleted. Contacts already saved stay."
      confirmLabel="Cancel import"
      data-testid="cancel-import"
      onConfirm={cancel}
    />
  );
}

/**
 * A run followed live (the caller polls every second while it is queued or running): progress,
 * pace, counts; then the outcome and the rows refused.
 */
export function ImportProgress({ job, onChanged }: { job: ImportRecord; onChanged: () => void }) {
  const finished = hasOutcome(job.status);
  const color = job.status === 'failed' ? 'error' : job.status === 'completed' || job.status === 'validated' ? 'success' : 'primary';
  return (
    <Stack spacing={2} data-testid="import-run">
      <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
        <Typography variant="subtitle1" component="h3">
          {job.dryRun ? 'Dry run' : 'Import'}
        </Typography>
        <ImportStatusChip status={job.status} dryRun={job.dryRun} />
        <Box sx={{ flex: 1 }} />
        {isActive(job.status) && <CancelImportButton job={job} onChanged={onChanged} />}
      </Stack>
      <Box>
        <LinearProgress
          variant="determinate"
          value={job.progress.percent}
          color={color}
          aria-label={job.dryRun ? 'Dry run progress' : 'Import progress'}
          data-testid="import-progress"
          data-status={job.status}
          sx={{ height: 8, borderRadius: 1 }}
        />
        <Box sx={{ mt: 0.5 }}>
          {job.status === 'queued' ? (
            <Typography variant="body2" color="text.secondary">
              Waiting for a worker…
            </Typography>
          ) : (
            <ProgressLine job={job} />
          )}
        </Box>
      </Box>
      <Counts job={job} />
      <Outcome job={job} />
      {/* Keyed by status: a new run starts the list afresh. */}
      {finished && <ImportErrors key={`${job.status}-${job.finishedAt ?? ''}`} importId={job.id} total={job.counts.errors} />}
    </Stack>
  );
}
