import AddTask from '@mui/icons-material/AddTask';
import {
  Alert,
  Box,
  Button,
  Card,
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
import { useState } from 'react';
import { useCanAccess, useCreatePath, useGetOne, useRecordContext } from 'react-admin';
import { Link } from 'react-router-dom';

import { formatDateTime } from '../../components/format';
import type { AuthorizationView, ContactConsentsRecord, ContactRecord } from '../../providers/dataProvider';
import { ConsentStatusChip, SuppressionReasonChip } from './ContactChips';
import { CONSENT_METHOD_LABELS, consentMethodLabel } from './contactFields';
import { RecordConsentDialog } from './RecordConsentDialog';

const AUTHORIZATION_STATUS: Readonly<Record<AuthorizationView['status'], { label: string; color: 'success' | 'default' | 'warning' }>> = {
  active: { label: 'Active', color: 'success' },
  expired: { label: 'Expired', color: 'warning' },
  revoked: { label: 'Revoked', color: 'default' },
};

function Section({ title, children }: { title: string; children: React.ReactNode }) {
  return (
    <Box>
      <Typography variant="subtitle2" component="h4" sx={{ mb: 1 }}>
        {title}
      </Typography>
      {children}
    </Box>
  );
}

function Empty({ children }: { children: React.ReactNode }) {
  return (
    <Typography variant="body2" color="text.secondary">
      {children}
    </Typography>
  );
}

function ConsentHistory({ history }: { history: ContactConsentsRecord['history'] }) {
  const createPath = useCreatePath();
  if (history.length === 0) return <Empty>No consent has been recorded for this contact.</Empty>;
  return (
    <TableContainer sx={{ overflowX: 'auto' }}>
      <Table size="small" aria-label="Consent history" data-testid="consent-history">
        <TableHead>
          <TableRow>
            <TableCell>When</TableCell>
            <TableCell>Topic</TableCell>
            <TableCell>Status</TableCell>
            <TableCell>How</TableCell>
            <TableCell>Source</TableCell>
            <TableCell>Evidence</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {/* Newest first: the ledger is read from the latest change back. */}
          {[...history].reverse().map((event) => (
            <TableRow key={event.id}>
              <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatDateTime(event.occurredAt, { seconds: true })}</TableCell>
              <TableCell sx={{ fontFamily: 'monospace' }}>{event.topicKey}</TableCell>
              <TableCell>
                <ConsentStatusChip status={event.status} />
              </TableCell>
              <TableCell>{CONSENT_METHOD_LABELS[event.method]}</TableCell>
              <TableCell sx={{ wordBreak: 'break-word' }}>
                {event.importId ? (
                  <Link to={createPath({ resource: 'imports', type: 'show', id: event.importId })}>Import #{event.importId}</Link>
                ) : (
                  event.source
                )}
              </TableCell>
              <TableCell>{event.evidence ? 'Recorded (in the full export)' : '—'}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </TableContainer>
  );
}

function Authorizations({ authorizations }: { authorizations: AuthorizationView[] }) {
  if (authorizations.length === 0) return <Empty>No HIPAA marketing authorization is on file.</Empty>;
  return (
    <TableContainer sx={{ overflowX: 'auto' }}>
      <Table size="small" aria-label="HIPAA authorizations" data-testid="authorizations">
        <TableHead>
          <TableRow>
            <TableCell>Text</TableCell>
            <TableCell>Purpose</TableCell>
            <TableCell>Signed</TableCell>
            <TableCell>Expires</TableCell>
            <TableCell>Status</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {authorizations.map((authorization) => {
            const status = AUTHORIZATION_STATUS[authorization.status];
            return (
              <TableRow key={authorization.id}>
                <TableCell>v{authorization.version}</TableCell>
                <TableCell>{authorization.purpose}</TableCell>
                <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatDateTime(authorization.signedAt)}</TableCell>
                <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatDateTime(authorization.expiresAt) ?? authorization.expiryEvent ?? 'No end date'}</TableCell>
                <TableCell>
                  <Chip size="small" variant="outlined" label={status.label} color={status.color} />
                </TableCell>
              </TableRow>
            );
          })}
        </TableBody>
      </Table>
    </TableContainer>
  );
}

/**
 * Consent for one contact: the current state per topic, any suppression, HIPAA marketing
 * authorizations and the ledger of every change. Evidence (IP address, user agent) is PHI: the
 * overview only says it exists; the full-record export holds it.
 */
export function ContactConsents() {
  const contact = useRecordContext<ContactRecord>();
  const { data, isPending, error, refetch } = useGetOne<ContactConsentsRecord>('contact-consents', { id: contact?.id ?? '' }, { enabled: Boolean(contact) });
  const { canAccess: canRecord } = useCanAccess({ resource: 'contacts', action: 'consent' });
  const [recording, setRecording] = useState(false);
  if (!contact) return null;

  return (
    <Card variant="outlined" data-testid="consent-section">
      <CardContent>
        <Stack direction="row" spacing={1} sx={{ alignItems: 'center', mb: 2 }}>
          <Typography variant="subtitle1" component="h3" sx={{ flex: 1 }}>
            Consent
          </Typography>
          {canRecord && contact.status === 'active' && (
            <Button size="small" variant="outlined" startIcon={<AddTask />} onClick={() => setRecording(true)} data-testid="record-consent">
              Record consent
            </Button>
          )}
        </Stack>
        {isPending && <LinearProgress aria-label="Loading consent" />}
        {error && <Alert severity="error">{error instanceof Error ? error.message : 'Consent could not be loaded.'}</Alert>}
        {data && (
          <Stack spacing={3}>
            {data.suppression && (
              <Alert severity="warning" data-testid="contact-suppressed">
                <Stack direction="row" spacing={1} sx={{ alignItems: 'center', flexWrap: 'wrap' }}>
                  <span>Suppressed since {formatDateTime(data.suppression.createdAt)}: no marketing e-mail is sent to this address.</span>
                  <SuppressionReasonChip reason={data.suppression.reason} />
                </Stack>
              </Alert>
            )}
            <Section title="Current consent by topic">
              {data.current.length === 0 ? (
                <Empty>None yet: this contact receives no marketing e-mail.</Empty>
              ) : (
                <Stack direction="row" spacing={1} useFlexGap sx={{ flexWrap: 'wrap' }} data-testid="consent-current">
                  {data.current.map((state) => (
                    <Box key={state.topicId} title={`${consentMethodLabel(state.method)}, ${formatDateTime(state.updatedAt) ?? ''}`}>
                      <ConsentStatusChip status={state.status} label={state.topicName} />
                    </Box>
                  ))}
                </Stack>
              )}
            </Section>
            <Section title="HIPAA marketing authorizations">
              <Authorizations authorizations={data.authorizations} />
            </Section>
            <Section title="History">
              <ConsentHistory history={data.history} />
            </Section>
          </Stack>
        )}
      </CardContent>
      {recording && <RecordConsentDialog contactId={contact.id} open onClose={() => setRecording(false)} onRecorded={() => void refetch()} />}
    </Card>
  );
}
