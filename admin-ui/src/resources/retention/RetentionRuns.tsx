import DeleteSweep from '@mui/icons-material/DeleteSweep';
import Preview from '@mui/icons-material/Preview';
import { Alert, Box, Button, Chip, Stack, Table, TableBody, TableCell, TableContainer, TableHead, TableRow, Typography } from '@mui/material';
import { useState } from 'react';
import { useNotify } from 'react-admin';

import { ConfirmButton } from '../../components/ConfirmButton';
import { formatDateTime, formatNumber } from '../../components/format';
import { CATEGORIES, isActive, type RetentionCounts, type RetentionRun, startRun } from './retentionApi';

const STATUS_COLOR = { queued: 'default', running: 'info', succeeded: 'success', failed: 'error' } as const;

/** Counts per category, as a dry run announces them or a run reports them. */
export function CountsTable({ counts, testId }: { counts: RetentionCounts; testId: string }) {
  return (
    <Table size="small" data-testid={testId} sx={{ maxWidth: 720 }}>
      <TableBody>
        {CATEGORIES.map((category) => (
          <TableRow key={category.key} data-testid={`${testId}-${category.key}`}>
            <TableCell>{category.label}</TableCell>
            <TableCell align="right" data-testid={`${testId}-${category.key}-total`}>
              <strong>{formatNumber(category.total(counts))}</strong>
            </TableCell>
            <TableCell>
              <Typography variant="caption" color="text.secondary">
                {category.detail?.(counts)}
              </Typography>
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

/** Dry run, run now (after a confirmation that shows the last dry run's counts), and the runs so far. */
export function RetentionRuns({ runs, blocked, onStarted }: { runs: readonly RetentionRun[]; blocked: string | null; onStarted: () => void }) {
  const notify = useNotify();
  const [dry, setDry] = useState<RetentionRun | null>(null);
  const [busy, setBusy] = useState(false);
  const active = runs.some(isActive);

  const run = async (dryRun: boolean) => {
    setBusy(true);
    try {
      const result = await startRun(dryRun);
      if (dryRun) setDry(result);
      else notify('Retention run started', { type: 'success' });
      onStarted();
    } catch (error) {
      notify(error instanceof Error ? error.message : 'The run could not start.', { type: 'error' });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack spacing={2}>
      <Stack direction="row" spacing={2} sx={{ alignItems: 'center' }}>
        <Button variant="outlined" startIcon={<Preview />} disabled={busy || blocked !== null} onClick={() => void run(true)} data-testid="retention-dry-run">
          Dry run
        </Button>
        <ConfirmButton
          label="Run now"
          icon={<DeleteSweep />}
          color="error"
          variant="contained"
          size="medium"
          disabled={busy || active || blocked !== null}
          title="Dispose of data now?"
          content={
            <Stack spacing={1}>
              <Typography variant="body2">
                Everything the saved policy marks as past its retention period is disposed of. This cannot be undone: erased PHI cannot be recovered from the
                database.
              </Typography>
              {dry ? (
                <>
                  <Typography variant="body2">The last dry run ({formatDateTime(dry.createdAt)}) counted:</Typography>
                  <CountsTable counts={dry.counts} testId="confirm-counts" />
                </>
              ) : (
                <Typography variant="body2">Run a dry run first to see what would go.</Typography>
              )}
            </Stack>
          }
          confirmLabel="Dispose of data"
          data-testid="retention-run-now"
          onConfirm={() => run(false)}
        />
        <Typography variant="body2" color="text.secondary">
          {blocked ?? (active ? 'A run is in progress.' : 'Runs apply the saved policy.')}
        </Typography>
      </Stack>
      {dry && (
        <Box data-testid="dry-run-result">
          <Typography variant="subtitle2">Dry run {formatDateTime(dry.createdAt)}: what a run would dispose of now (nothing was changed)</Typography>
          <CountsTable counts={dry.counts} testId="dry-run-counts" />
        </Box>
      )}
      <TableContainer>
        <Table size="small" aria-label="Retention runs" data-testid="retention-runs">
          <TableHead>
            <TableRow>
              <TableCell>Started</TableCell>
              <TableCell>Kind</TableCell>
              <TableCell>Status</TableCell>
              {CATEGORIES.map((category) => (
                <TableCell key={category.key} align="right">
                  {category.label}
                </TableCell>
              ))}
              <TableCell>Finished</TableCell>
            </TableRow>
          </TableHead>
          <TableBody>
            {runs.length === 0 && (
              <TableRow>
                <TableCell colSpan={CATEGORIES.length + 4}>
                  <Typography variant="body2" color="text.secondary" sx={{ py: 2 }}>
                    No run yet.
                  </Typography>
                </TableCell>
              </TableRow>
            )}
            {runs.map((r) => (
              <TableRow key={r.id} data-testid="retention-run-row" data-dry-run={String(r.dryRun)} data-status={r.status}>
                <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatDateTime(r.startedAt ?? r.createdAt)}</TableCell>
                <TableCell>{`${r.dryRun ? 'Dry run' : 'Disposal'}${r.trigger === 'schedule' ? ' (daily)' : ''}`}</TableCell>
                <TableCell>
                  <Chip size="small" label={r.status} color={STATUS_COLOR[r.status]} />
                  {r.error && (
                    <Typography variant="caption" color="error" component="p">
                      {r.error}
                    </Typography>
                  )}
                </TableCell>
                {CATEGORIES.map((category) => (
                  <TableCell key={category.key} align="right" data-testid={`run-${category.key}`}>
                    {formatNumber(category.total(r.counts))}
                  </TableCell>
                ))}
                <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatDateTime(r.finishedAt) ?? '—'}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </TableContainer>
      {runs.some((r) => r.status === 'failed') && (
        <Alert severity="warning">A failed run stopped part way; what it disposed of is counted. Run again to finish.</Alert>
      )}
    </Stack>
  );
}
