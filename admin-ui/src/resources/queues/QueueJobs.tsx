import Delete from '@mui/icons-material/Delete';
import Replay from '@mui/icons-material/Replay';
import {
  Alert,
  Button,
  Card,
  CardContent,
  Stack,
  Tab,
  Table,
  TableBody,
  TableCell,
  TableContainer,
  TableHead,
  TablePagination,
  TableRow,
  Tabs,
  Typography,
} from '@mui/material';
import { useState } from 'react';

import { ConfirmButton } from '../../components/ConfirmButton';
import { formatDateTime, formatNumber } from '../../components/format';
import { usePolled } from '../../components/usePolled';
import { JOB_STATES, type JobDataField, type JobRecord, type JobState, queuesApi, type QueueSummary, REFRESH_MS } from './queuesApi';
import { errorText, useQueueAction } from './useQueueAction';

const PER_PAGE = 25;
const STATE_LABELS: Record<JobState, string> = { failed: 'Failed', delayed: 'Delayed', waiting: 'Waiting', active: 'Active', completed: 'Completed' };

/** A payload as keys and ids; a value that is not an identifier is never sent by the server, only its key. */
function Payload({ data }: { data: JobDataField[] }) {
  if (data.length === 0) return <>—</>;
  return (
    <Stack spacing={0.25}>
      {data.map((f) => (
        <Typography key={f.key} variant="caption" sx={{ fontFamily: 'monospace' }}>
          {f.key}: {f.ids === null ? <em>not shown</em> : `${f.ids.join(', ')}${f.count !== undefined ? ` … (${formatNumber(f.count)} in all)` : ''}`}
        </Typography>
      ))}
    </Stack>
  );
}

function When({ value }: { value: string | null }) {
  return value ? <span title={value}>{formatDateTime(value, { seconds: true })}</span> : <>—</>;
}

/** One queue's jobs by state, newest first (delayed: soonest due first), with retry for failed jobs and remove for any job not running. */
export function QueueJobs({ queue, live, version, onChange }: { queue: QueueSummary; live: boolean; version: number; onChange: () => void }) {
  const [state, setState] = useState<JobState>('failed');
  const [page, setPage] = useState(0);
  const act = useQueueAction();
  const { data, error } = usePolled(
    (signal) => queuesApi.jobs(queue.name, state, page + 1, PER_PAGE, signal),
    `${queue.name}-${state}-${String(page)}-${String(version)}`,
    live ? REFRESH_MS : false,
  );

  const run = async (work: () => Promise<void>, done: string, failed: string) => {
    if (await act(work, done, failed)) onChange();
  };
  const retry = (job: JobRecord) => run(() => queuesApi.retry(queue.name, job.id), `Job ${job.id} queued again.`, 'The job could not be retried.');
  const remove = (job: JobRecord) => run(() => queuesApi.remove(queue.name, job.id), `Job ${job.id} removed.`, 'The job could not be removed.');

  return (
    <Card data-testid={`queue-jobs-${queue.name}`}>
      <CardContent>
        <Typography variant="h6" component="h2">
          Jobs in {queue.name}
        </Typography>
        <Tabs
          value={state}
          onChange={(_, value: JobState) => {
            setState(value);
            setPage(0);
          }}
          sx={{ mb: 1 }}
        >
          {JOB_STATES.map((s) => (
            <Tab key={s} value={s} label={`${STATE_LABELS[s]} (${formatNumber(queue.counts[s])})`} data-testid={`jobs-tab-${s}`} />
          ))}
        </Tabs>
        {error !== undefined && <Alert severity="error">{errorText(error, 'The jobs could not be read.')}</Alert>}
        {data?.total === 0 && (
          <Typography variant="body2" color="text.secondary" sx={{ py: 2 }} data-testid="jobs-empty">
            No {STATE_LABELS[state].toLowerCase()} jobs.
          </Typography>
        )}
        {data && data.total > 0 && (
          <>
            <TableContainer>
              <Table size="small" data-testid="jobs-table">
                <TableHead>
                  <TableRow>
                    <TableCell>Job</TableCell>
                    <TableCell>Payload</TableCell>
                    <TableCell align="right">Attempts</TableCell>
                    <TableCell>Created</TableCell>
                    <TableCell>{state === 'delayed' ? 'Due' : 'Finished'}</TableCell>
                    {state === 'failed' && <TableCell>Reason</TableCell>}
                    <TableCell />
                  </TableRow>
                </TableHead>
                <TableBody>
                  {data.data.map((job) => (
                    <TableRow key={job.id} data-testid="job-row" data-job-id={job.id}>
                      <TableCell>
                        <Typography variant="body2">{job.name}</Typography>
                        <Typography variant="caption" color="text.secondary" sx={{ fontFamily: 'monospace' }}>
                          {job.id}
                        </Typography>
                      </TableCell>
                      <TableCell>
                        <Payload data={job.data} />
                      </TableCell>
                      <TableCell align="right">
                        {job.attemptsMade} / {job.maxAttempts}
                      </TableCell>
                      <TableCell>
                        <When value={job.createdAt} />
                      </TableCell>
                      <TableCell>
                        <When value={state === 'delayed' ? job.runAt : job.finishedAt} />
                      </TableCell>
                      {state === 'failed' && (
                        <TableCell sx={{ maxWidth: 360, color: 'error.main' }} data-testid="job-failed-reason">
                          {job.failedReason ?? '—'}
                        </TableCell>
                      )}
                      <TableCell align="right" sx={{ whiteSpace: 'nowrap' }}>
                        {state === 'failed' && (
                          <Button size="small" startIcon={<Replay />} onClick={() => void retry(job)} data-testid="job-retry">
                            Retry
                          </Button>
                        )}
                        {state !== 'active' && (
                          <ConfirmButton
                            label="Remove"
                            icon={<Delete />}
                            color="error"
                            title={`Remove job ${job.id}?`}
                            content="The job is deleted from the queue and will not run."
                            confirmLabel="Remove job"
                            onConfirm={() => remove(job)}
                            data-testid="job-remove"
                          />
                        )}
                      </TableCell>
                    </TableRow>
                  ))}
                </TableBody>
              </Table>
            </TableContainer>
            <TablePagination
              component="div"
              count={data.total}
              page={page}
              rowsPerPage={PER_PAGE}
              rowsPerPageOptions={[PER_PAGE]}
              onPageChange={(_, next) => setPage(next)}
            />
          </>
        )}
      </CardContent>
    </Card>
  );
}
