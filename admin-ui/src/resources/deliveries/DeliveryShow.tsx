import { Alert, Box, Divider, Stack, Table, TableBody, TableCell, TableRow, Typography } from '@mui/material';
import type { ReactNode } from 'react';
import { CanAccess, Labeled, Show, useCreatePath, useRecordContext } from 'react-admin';
import { Link } from 'react-router-dom';

import { formatDateTime } from '../../components/format';
import type { DeliveryEvidence, DeliveryRecord } from '../../providers/dataProvider';
import { certificateText, DeliveryStatusChip, PURPOSES, reasonLabel } from './DeliveryChips';
import { DeliveryTimeline } from './DeliveryTimeline';

const grid = {
  display: 'grid',
  gridTemplateColumns: { xs: '1fr', sm: 'repeat(2, minmax(0, 1fr))', md: 'repeat(4, minmax(0, 1fr))' },
  gap: 2,
} as const;

const ROUTES: Readonly<Record<DeliveryEvidence['route'], string>> = {
  mx: 'Recipient MX (DNS)',
  relay: 'Smart host',
  transport_map: 'Transport map',
};

/** The server's last answer; most already start with their code. */
function smtpText({ smtpCode, smtpResponse }: DeliveryEvidence): string | undefined {
  if (smtpCode === undefined) return smtpResponse;
  return smtpResponse?.startsWith(String(smtpCode)) ? smtpResponse : `${smtpCode} ${smtpResponse ?? ''}`.trim();
}

const ms = (value: number | undefined) => (value === undefined ? undefined : `${value} ms`);

/** The evidence of the last attempt, as label → value rows; facts the attempt never reached are left out. */
function evidenceRows(e: DeliveryEvidence): [string, ReactNode][] {
  const rows: [string, ReactNode | undefined][] = [
    ['Route', ROUTES[e.route]],
    ['Mail server', e.mxHost],
    ['Server address', e.mxIp === undefined ? undefined : `${e.mxIp}${e.port ? `:${e.port}` : ''}`],
    ['TLS version', e.tlsVersion],
    ['Cipher', e.cipher === undefined ? undefined : `${e.cipher}${e.cipherBits ? ` (${e.cipherBits} bits)` : ''}`],
    ['Certificate', e.certVerified === undefined ? undefined : certificateText(e.certVerified, e.certError)],
    ['MTA-STS policy', e.mtaStsMode],
    ['SMTP response', smtpText(e)],
    ['Connect time', ms(e.connectMs)],
    ['Send time', ms(e.sendMs)],
    ['Connection', e.reusedConnection === undefined ? undefined : e.reusedConnection ? 'Reused from the pool' : 'New'],
    ['Attempted', formatDateTime(e.attemptedAt, { seconds: true })],
  ];
  return rows.filter((row): row is [string, ReactNode] => row[1] !== undefined && row[1] !== '');
}

function Evidence({ evidence }: { evidence: DeliveryEvidence | null }) {
  if (!evidence) {
    return (
      <Typography variant="body2" color="text.secondary">
        No connection was made for this message.
      </Typography>
    );
  }
  return (
    <Table size="small" aria-label="TLS evidence" data-testid="delivery-evidence" sx={{ maxWidth: 760 }}>
      <TableBody>
        {evidenceRows(evidence).map(([label, value]) => (
          <TableRow key={label}>
            <TableCell component="th" scope="row" sx={{ width: 200, color: 'text.secondary' }}>
              {label}
            </TableCell>
            <TableCell sx={{ fontFamily: 'monospace', fontSize: '0.8rem', wordBreak: 'break-word' }}>{value}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

function ContactLink({ contactId }: { contactId: string | null }) {
  const createPath = useCreatePath();
  if (!contactId) return <>Seed address (test send)</>;
  const label = `Contact #${contactId}`;
  return (
    <CanAccess resource="contacts" action="show" accessDenied={label}>
      <Link to={createPath({ resource: 'contacts', type: 'show', id: contactId })}>{label}</Link>
    </CanAccess>
  );
}

function Field({ label, children }: { label: string; children: ReactNode }) {
  return (
    <Labeled label={label}>
      <Typography component="span" variant="body2">
        {children}
      </Typography>
    </Labeled>
  );
}

function DeliveryDetails() {
  const d = useRecordContext<DeliveryRecord>();
  if (!d) return null;
  return (
    <Box sx={{ p: 2 }} data-testid="delivery-details">
      <Stack direction="row" spacing={1} sx={{ alignItems: 'center', mb: 2, flexWrap: 'wrap' }} useFlexGap>
        <Typography variant="h6" component="h2">
          Message #{d.id}
        </Typography>
        <DeliveryStatusChip status={d.status} />
      </Stack>
      {d.reason && (
        <Alert severity={d.status === 'sent' ? 'info' : 'warning'} sx={{ mb: 2 }} data-testid="delivery-reason-detail">
          <strong>{reasonLabel(d.reason)}</strong> ({d.reason}){d.detail ? ` — ${d.detail}` : ''}
        </Alert>
      )}
      <Box sx={grid}>
        <Field label="Recipient domain">{d.recipientDomain}</Field>
        <Field label="Recipient">
          <ContactLink contactId={d.contactId} />
        </Field>
        <Field label="Purpose">{PURPOSES[d.purpose]}</Field>
        <Field label="Template version">#{d.templateVersionId}</Field>
        {d.campaignId && <Field label="Campaign">#{d.campaignId}</Field>}
        {d.journeyId && <Field label="Journey">#{d.journeyId}</Field>}
        <Field label="Attempts">{d.attempts}</Field>
        <Field label="Queued">{formatDateTime(d.createdAt, { seconds: true })}</Field>
        <Field label="Sent">{formatDateTime(d.sentAt, { seconds: true }) ?? '—'}</Field>
        {d.nextAttemptAt && <Field label="Next attempt">{formatDateTime(d.nextAttemptAt, { seconds: true })}</Field>}
      </Box>
      <Divider sx={{ my: 2 }} />
      <Typography variant="subtitle1" component="h3" gutterBottom>
        TLS evidence (last attempt)
      </Typography>
      <Evidence evidence={d.evidence} />
      <Divider sx={{ my: 2 }} />
      <Typography variant="subtitle1" component="h3" gutterBottom>
        Timeline
      </Typography>
      <DeliveryTimeline deliveryId={d.id} />
    </Box>
  );
}

function DeliveryTitle() {
  const d = useRecordContext<DeliveryRecord>();
  return <>{d ? `Message #${d.id}` : 'Message'}</>;
}

/** One message: how it left (or why it did not), with the evidence and everything that happened to it since. */
export function DeliveryShow() {
  return (
    <Show title={<DeliveryTitle />} actions={false}>
      <DeliveryDetails />
    </Show>
  );
}
