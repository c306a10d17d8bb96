import NetworkCheck from '@mui/icons-material/NetworkCheck';
import {
  Alert,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableRow,
  TextField,
} from '@mui/material';
import { useState } from 'react';
import { useCanAccess, useDataProvider, useRefresh } from 'react-admin';

import { formatDateTime } from '../../components/format';
import type { DomainTlsRecord, HipaaDataProvider } from '../../providers/dataProvider';
import { fieldError } from '../../providers/httpClient';
import { certificateText } from '../deliveries/DeliveryChips';
import { DomainTlsStatusChip } from './DomainTlsChips';

function ProbeResult({ result }: { result: DomainTlsRecord }) {
  const rows: [string, string][] = [
    ['Mail server', [result.mxHost, result.mxIp].filter(Boolean).join(' · ') || '—'],
    ['TLS version', result.tlsVersion ?? '—'],
    ['Cipher', result.cipher ?? '—'],
    ['Certificate', certificateText(result.certVerified)],
    ['MTA-STS policy', result.mtaStsMode ?? '—'],
    ['Next probe', formatDateTime(result.nextProbeAt) ?? '—'],
  ];
  return (
    <Stack spacing={1} data-testid="probe-result">
      <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
        <strong>{result.domain}</strong>
        <DomainTlsStatusChip status={result.status} />
        {result.reason && <span>({result.reason})</span>}
      </Stack>
      <Table size="small">
        <TableBody>
          {rows.map(([label, value]) => (
            <TableRow key={label}>
              <TableCell component="th" scope="row" sx={{ width: 160, color: 'text.secondary' }}>
                {label}
              </TableCell>
              <TableCell sx={{ fontFamily: 'monospace', fontSize: '0.8rem' }}>{value}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </Stack>
  );
}

/**
 * Probes a domain now: connects to its mail servers, says EHLO, tries STARTTLS and judges the session,
 * without sending anything. The answer is kept, so the domain joins the report.
 */
export function ProbeDomainButton() {
  const { canAccess } = useCanAccess({ resource: 'domain-tls', action: 'probe' });
  const dataProvider = useDataProvider<HipaaDataProvider>();
  const refresh = useRefresh();
  const [open, setOpen] = useState(false);
  const [domain, setDomain] = useState('');
  const [result, setResult] = useState<DomainTlsRecord | null>(null);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  if (!canAccess) return null;

  const close = () => {
    setOpen(false);
    setDomain('');
    setResult(null);
    setError(undefined);
  };

  const probe = async () => {
    setBusy(true);
    setError(undefined);
    setResult(null);
    try {
      const { data } = await dataProvider.probeDomain(domain.trim().toLowerCase());
      if (data.status === undefined) return;
      setResult(data as DomainTlsRecord);
      refresh();
    } catch (cause) {
      setError(cause);
    } finally {
      setBusy(false);
    }
  };

  const domainProblem = fieldError(error, 'domain');
  const general = error instanceof Error && !domainProblem ? error.message : undefined;

  return (
    <>
      <Button size="small" startIcon={<NetworkCheck />} onClick={() => setOpen(true)} data-testid="probe-domain">
        Probe a domain
      </Button>
      <Dialog open={open} onClose={busy ? undefined : close} maxWidth="sm" fullWidth aria-labelledby="probe-domain-title">
        <DialogTitle id="probe-domain-title">Probe a domain</DialogTitle>
        <DialogContent>
          <Stack spacing={2}>
            <DialogContentText>
              Connects to the domain&apos;s mail servers and tries STARTTLS, without sending a message. Mail to a domain without TLS 1.2 or later is dropped.
            </DialogContentText>
            {general && <Alert severity="error">{general}</Alert>}
            <TextField
              label="Domain"
              value={domain}
              onChange={(event) => setDomain(event.target.value)}
              onKeyDown={(event) => {
                if (event.key === 'Enter' && domain.trim() && !busy) void probe();
              }}
              error={Boolean(domainProblem)}
              helperText={domainProblem ?? 'e.g. example.org'}
              autoComplete="off"
              autoFocus
              slotProps={{ htmlInput: { maxLength: 253, 'data-testid': 'probe-domain-input' } }}
            />
            {result && <ProbeResult result={result} />}
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={close} disabled={busy}>
            Close
          </Button>
          <Button variant="contained" onClick={() => void probe()} disabled={busy || !domain.trim()}>
            {busy ? 'Probing…' : 'Probe'}
          </Button>
        </DialogActions>
      </Dialog>
    </>
  );
}
