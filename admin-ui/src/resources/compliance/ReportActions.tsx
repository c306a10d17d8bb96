import Download from '@mui/icons-material/Download';
import Visibility from '@mui/icons-material/Visibility';
import { Button, CircularProgress, Stack } from '@mui/material';

import type { ReportRunner, ReportTask } from './useReportRunner';

function TaskButton({ runner, task, label, onClick }: { runner: ReportRunner; task: ReportTask; label: string; onClick: () => void }) {
  const busy = runner.busy === task;
  return (
    <Button
      size="small"
      variant={task === 'view' ? 'contained' : 'outlined'}
      startIcon={busy ? <CircularProgress size={16} /> : task === 'view' ? <Visibility /> : <Download />}
      disabled={runner.busy !== undefined}
      onClick={onClick}
      data-testid={`report-${task}`}
    >
      {label}
    </Button>
  );
}

/** View in the page, or download as CSV or PDF, with the form's parameters. */
export function ReportActions({ runner, viewLabel = 'View' }: { runner: ReportRunner; viewLabel?: string }) {
  return (
    <Stack direction="row" spacing={1} useFlexGap sx={{ flexWrap: 'wrap' }}>
      <TaskButton runner={runner} task="view" label={viewLabel} onClick={() => void runner.view()} />
      <TaskButton runner={runner} task="csv" label="Download CSV" onClick={() => void runner.download('csv')} />
      <TaskButton runner={runner} task="pdf" label="Download PDF" onClick={() => void runner.download('pdf')} />
    </Stack>
  );
}
