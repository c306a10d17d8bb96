import Pause from '@mui/icons-material/Pause';
import PlayArrow from '@mui/icons-material/PlayArrow';
import {
  Alert,
  Button,
  Card,
  CardContent,
  Chip,
  FormControlLabel,
  Stack,
  Switch,
  Table,
  TableBody,
  TableCell,
  TableContainer,
  TableHead,
  TableRow,
  Typography,
} from '@mui/material';
import { useState } from 'react';
import { Title } from 'react-admin';

import { formatNumber } from '../../components/format';
import { usePolled } from '../../components/usePolled';
import { QueueJobs } from './QueueJobs';
import { queuesApi, REFRESH_MS, type QueueCounts, type QueueSummary } from './queuesApi';
import { errorText, useQueueAction } from './useQueueAction';

const COLUMNS: ReadonlyArray<{ key: keyof QueueCounts; label: string }> = [
  { key: 'waiting', label: 'Waiting' },
  { key: 'active', label: 'Active' },
  { key: 'delayed', label: 'Delayed' },
  { key: 'failed', label: 'Failed' },
  { key: 'completed', label: 'Completed' },
  { key: 'paused', label: 'Held by pause' },
];

function PauseButton({ queue, onDone }: { queue: QueueSummary; onDone: () => void }) {
  const [busy, setBusy] = useState(false);
  const act = useQueueAction();
  const toggle = async () => {
    setBusy(true);
    const done = queue.isPaused ? `Queue ${queue.name} resumed.` : `Queue ${queue.name} paused: workers take no new jobs from it.`;
    if (await act(() => queuesApi.setPaused(queue.name, !queue.isPaused), done, 'The queue could not be changed.')) onDone();
    setBusy(false);
  };
  return (
    <Button
      size="small"
      startIcon={queue.isPaused ? <PlayArrow /> : <Pause />}
      disabled={busy}
      onClick={(event) => {
        event.stopPropagation();
        void toggle();
      }}
      data-testid={`queue-${queue.name}-${queue.isPaused ? 'resume' : 'pause'}`}
    >
      {queue.isPaused ? 'Resume' : 'Pause'}
    </Button>
  );
}

/** Every BullMQ queue with its counts, refreshed live; a queue's jobs open below, failed ones first, with retry and remove. */
export function QueuesPage() {
  const [live, setLive] = useState(true);
  const [version, setVersion] = useState(0);
  const [selected, setSelected] = useState<string | undefined>();
  const refresh = () => setVersion((v) => v + 1);
  const { data: queues, error } = usePolled((signal) => queuesApi.list(signal), `queues-${String(version)}`, live ? REFRESH_MS : false);
  const current = queues?.find((q) => q.name === selected);

  return (
    <Stack spacing={2} sx={{ mt: 2, mb: 4 }} data-testid="queues">
      <Title title="Queues" />
      <Card>
        <CardContent>
          <Stack direction="row" sx={{ alignItems: 'center', justifyContent: 'space-between', mb: 1 }}>
            <Typography variant="body2" color="text.secondary">
              The background work queues (BullMQ on Redis). Jobs carry identifiers only, so payloads show as keys and ids. Pausing, resuming, retrying and
              removing are recorded in the audit log.
            </Typography>
            <FormControlLabel
              control={<Switch checked={live} onChange={(e) => setLive(e.target.checked)} data-testid="queues-auto-refresh" />}
              label="Auto-refresh"
              sx={{ flexShrink: 0, ml: 2 }}
            />
          </Stack>
          {error !== undefined && <Alert severity="error">{errorText(error, 'The queues could not be read.')}</Alert>}
          <TableContainer>
            <Table size="small" data-testid="queues-table">
              <TableHead>
                <TableRow>
                  <TableCell>Queue</TableCell>
                  <TableCell>Status</TableCell>
                  {COLUMNS.map((c) => (
                    <TableCell key={c.key} align="right">
                      {c.label}
                    </TableCell>
                  ))}
                  <TableCell />
                </TableRow>
              </TableHead>
              <TableBody>
                {(queues ?? []).map((q) => (
                  <TableRow
                    key={q.name}
                    hover
                    selected={q.name === selected}
                    onClick={() => setSelected(q.name)}
                    sx={{ cursor: 'pointer' }}
                    data-testid={`queue-row-${q.name}`}
                  >
                    <TableCell sx={{ fontWeight: 500 }}>{q.name}</TableCell>
                    <TableCell>{q.isPaused ? <Chip size="small" color="warning" label="Paused" /> : <Chip size="small" label="Running" />}</TableCell>
                    {COLUMNS.map((c) => (
                      <TableCell
                        key={c.key}
                        align="right"
                        data-testid={`queue-${q.name}-${c.key}`}
                        data-value={q.counts[c.key]}
                        sx={c.key === 'failed' && q.counts.failed > 0 ? { color: 'error.main', fontWeight: 600 } : undefined}
                      >
                        {formatNumber(q.counts[c.key])}
                      </TableCell>
                    ))}
                    <TableCell align="right">
                      <PauseButton queue={q} onDone={refresh} />
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </TableContainer>
          {queues && !current && (
            <Typography variant="caption" color="text.secondary">
              Choose a queue to see its jobs.
            </Typography>
          )}
        </CardContent>
      </Card>
      {current && <QueueJobs key={current.name} queue={current} live={live} version={version} onChange={refresh} />}
    </Stack>
  );
}
