import Assessment from '@mui/icons-material/Assessment';
import { Alert, Box, Button, CircularProgress, Dialog, DialogActions, DialogContent, DialogContentText, DialogTitle } from '@mui/material';
import { useEffect, useState } from 'react';
import { useCanAccess, useDataProvider } from 'react-admin';

import { CopyButton } from '../../components/CopyButton';
import type { HipaaDataProvider, TlsReport } from '../../providers/dataProvider';

function ReportDialog({ onClose }: { onClose: () => void }) {
  const dataProvider = useDataProvider<HipaaDataProvider>();
  const [report, setReport] = useState<Partial<TlsReport> | null>(null);
  const [error, setError] = useState<string>();
  useEffect(() => {
    const controller = new AbortController();
    // The server's default period: the last 24 hours.
    dataProvider
      .getTlsReport({ signal: controller.signal })
      .then(({ data }) => setReport(data))
      .catch((e: unknown) => {
        if (!controller.signal.aborted) setError(e instanceof Error ? e.message : 'The report could not be loaded.');
      });
    return () => controller.abort();
  }, [dataProvider]);
  const json = report ? JSON.stringify(report, null, 2) : '';
  return (
    <Dialog open onClose={onClose} maxWidth="md" fullWidth aria-labelledby="tls-report-title">
      <DialogTitle id="tls-report-title">TLS report, last 24 hours</DialogTitle>
      <DialogContent>
        <DialogContentText sx={{ mb: 2 }}>
          Sessions that succeeded and failed per recipient domain, in the SMTP TLS Reporting (RFC 8460) JSON format, ready to share with a receiving
          domain&apos;s postmaster.
        </DialogContentText>
        {error && <Alert severity="error">{error}</Alert>}
        {!report && !error && <CircularProgress />}
        {report && (
          <Box
            component="pre"
            data-testid="tls-report"
            sx={{ m: 0, p: 1, maxHeight: 480, overflow: 'auto', fontSize: '0.8rem', bgcolor: 'grey.100', borderRadius: 1, whiteSpace: 'pre-wrap' }}
          >
            {json}
          </Box>
        )}
      </DialogContent>
      <DialogActions>
        {report && <CopyButton value={json} label="Copy JSON" />}
        <Button onClick={onClose}>Close</Button>
      </DialogActions>
    </Dialog>
  );
}

/** Opens the TLSRPT-shaped report of the last 24 hours. */
export function TlsReportButton() {
  const { canAccess } = useCanAccess({ resource: 'domain-tls', action: 'report' });
  const [open, setOpen] = useState(false);
  if (!canAccess) return null;
  return (
    <>
      <Button size="small" startIcon={<Assessment />} onClick={() => setOpen(true)} data-testid="tls-report-button">
        TLS report (24 h)
      </Button>
      {open && <ReportDialog onClose={() => setOpen(false)} />}
    </>
  );
}
