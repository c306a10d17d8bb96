import {
  Alert,
  Box,
  Card,
  CardActionArea,
  CardContent,
  Chip,
  LinearProgress,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableContainer,
  TableHead,
  TableRow,
  Typography,
} from '@mui/material';
import { type ReactNode, useEffect, useState } from 'react';
import { Title, useCanAccess, useCreatePath, useDataProvider } from 'react-admin';
import { Link } from 'react-router-dom';

import type { DashboardSummary, HipaaDataProvider, ProcessStatus, QueueStatus } from '../providers/dataProvider';

/** Process liveness changes by the heartbeat, so the page follows it without a reload. */
const REFRESH_MS = 15_000;

/**
 * The counts the backend may report, in display order, with the list each one opens. A count the
 * backend does not send (its module is not built yet) is not shown; one it sends that is not
 * listed here comes last, under its key.
 */
const COUNTS: ReadonlyArray<{ key: string; label: string; resource?: string }> = [
  { key: 'contacts', label: 'Contacts', resource: 'contacts' },
  { key: 'campaigns', label: 'Campaigns' },
  { key: 'journeys', label: 'Journeys' },
  { key: 'users', label: 'Users', resource: 'users' },
  { key: 'auditEvents', label: 'Audit events', resource: 'audit-events' },
];

function countsToShow(counts: DashboardSummary['counts']): { key: string; label: string; resource?: string; value: number }[] {
  const known = COUNTS.flatMap((count) => {
    const value = counts[count.key];
    return value === undefined ? [] : [{ ...count, value }];
  });
  const others = Object.entries(counts).flatMap(([key, value]) =>
    value === undefined || COUNTS.some((count) => count.key === key) ? [] : [{ key, label: key, value }],
  );
  return [...known, ...others];
}

const numberFormat = new Intl.NumberFormat();
const dateTimeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });

function useDashboard() {
  const dataProvider = useDataProvider<HipaaDataProvider>();
  const [summary, setSummary] = useState<DashboardSummary | undefined>();
  const [error, setError] = useState<string | undefined>();

  useEffect(() => {
    const controller = new AbortController();
    const load = () => {
      // The dataProvider proxy sends failures to authProvider.checkError (401 → login page).
      dataProvider.getDashboard({ signal: controller.signal }).then(
        (result) => {
          // After a 401/403 the proxy resolves `{ data: {} }` instead of rejecting.
          if (!('counts' in result.data)) {
            setError('The dashboard is not available.');
            window.clearInterval(timer);
            return;
          }
          setSummary(result.data);
          setError(undefined);
        },
        (cause: unknown) => {
          if (controller.signal.aborted) return;
          setError(cause instanceof Error ? cause.message : 'The dashboard could not be loaded.');
        },
      );
    };
    load();
    const timer = window.setInterval(load, REFRESH_MS);
    return () => {
      window.clearInterval(timer);
      controller.abort();
    };
  }, [dataProvider]);

  return { summary, error };
}

/** A count; it opens its list for those who may see it. */
function CountCard({ label, value, name, resource }: { label: string; value: number; name: string; resource?: string }) {
  const content = (
    <CardContent>
      <Typography variant="body2" color="text.secondary">
        {label}
      </Typography>
      <Typography variant="h4" component="p">
        {numberFormat.format(value)}
      </Typography>
    </CardContent>
  );
  return (
    <Card sx={{ flex: '1 1 160px' }} data-testid={`count-${name}`}>
      {/* useCanAccess throws without a resource, so a count without a list never asks. */}
      {resource ? <ListLink resource={resource}>{content}</ListLink> : content}
    </Card>
  );
}

function ListLink({ resource, children }: { resource: string; children: ReactNode }) {
  const { canAccess } = useCanAccess({ resource, action: 'list' });
  const createPath = useCreatePath();
  if (!canAccess) return <>{children}</>;
  return (
    <CardActionArea component={Link} to={createPath({ resource, type: 'list' })}>
      {children}
    </CardActionArea>
  );
}

function ProcessesTable({ processes }: { processes: ProcessStatus[] }) {
  return (
    <TableContainer component={Card}>
      <Typography component="h2" variant="h6" sx={{ px: 2, pt: 2 }}>
        Processes
      </Typography>
      <Table size="small" aria-label="Processes">
        <TableHead>
          <TableRow>
            <TableCell>Role</TableCell>
            <TableCell>Host</TableCell>
            <TableCell align="right">PID</TableCell>
            <TableCell>Last seen</TableCell>
            <TableCell>Status</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {processes.length === 0 && (
            <TableRow>
              <TableCell colSpan={5}>No process has reported in.</TableCell>
            </TableRow>
          )}
          {processes.map((process) => (
            <TableRow key={`${process.host}:${process.pid}:${process.role}`} data-testid="process-row">
              <TableCell>{process.role}</TableCell>
              <TableCell>{process.host}</TableCell>
              <TableCell align="right">{process.pid}</TableCell>
              <TableCell>{dateTimeFormat.format(new Date(process.lastSeenAt))}</TableCell>
              <TableCell>
                <Chip size="small" label={process.alive ? 'alive' : 'down'} color={process.alive ? 'success' : 'error'} data-alive={process.alive} />
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </TableContainer>
  );
}

function QueuesTable({ queues }: { queues: QueueStatus[] }) {
  return (
    <TableContainer component={Card}>
      <Typography component="h2" variant="h6" sx={{ px: 2, pt: 2 }}>
        Queues
      </Typography>
      <Table size="small" aria-label="Queues">
        <TableHead>
          <TableRow>
            <TableCell>Queue</TableCell>
            <TableCell align="right">Waiting</TableCell>
            <TableCell align="right">Active</TableCell>
            <TableCell align="right">Delayed</TableCell>
            <TableCell align="right">Failed</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {queues.length === 0 && (
            <TableRow>
              <TableCell colSpan={5}>No queues.</TableCell>
            </TableRow>
          )}
          {queues.map((queue) => (
            <TableRow key={queue.name} data-testid="queue-row">
              <TableCell>{queue.name}</TableCell>
              <TableCell align="right">{numberFormat.format(queue.waiting)}</TableCell>
              <TableCell align="right">{numberFormat.format(queue.active)}</TableCell>
              <TableCell align="right">{numberFormat.format(queue.delayed)}</TableCell>
              <TableCell align="right" sx={queue.failed > 0 ? { color: 'error.main', fontWeight: 600 } : undefined}>
                {numberFormat.format(queue.failed)}
              </TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </TableContainer>
  );
}

export function Dashboard() {
  const { summary, error } = useDashboard();

  return (
    <Box data-testid="dashboard" sx={{ mt: 2, mb: 4 }}>
      <Title title="Dashboard" />
      {error && (
        <Alert severity="error" sx={{ mb: 2 }}>
          {error}
        </Alert>
      )}
      {!summary && !error && <LinearProgress aria-label="Loading the dashboard" />}
      {summary && (
        <Stack spacing={3}>
          <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 2 }}>
            {countsToShow(summary.counts).map((count) => (
              <CountCard key={count.key} name={count.key} label={count.label} value={count.value} resource={count.resource} />
            ))}
          </Box>
          <ProcessesTable processes={summary.processes} />
          <QueuesTable queues={summary.queues} />
          <Typography variant="caption" color="text.secondary" data-testid="version">
            Version {summary.version}
          </Typography>
        </Stack>
      )}
    </Box>
  );
}
