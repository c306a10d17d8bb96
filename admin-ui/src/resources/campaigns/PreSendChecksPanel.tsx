import { Alert, AlertTitle, Box, Card, CardContent, CircularProgress, List, ListItem, ListItemText, Stack, Typography } from '@mui/material';

import { formatNumber } from '../../components/format';
import { campaignsApi, type PreSendChecks } from '../../providers/campaignsApi';
import { Figure } from './Figure';
import { usePolled } from '../../components/usePolled';

const REASON: Record<string, string> = {
  no_consent: 'No consent for the topic',
  consent_pending: 'Consent not yet confirmed',
  consent_revoked: 'Consent revoked',
  authorization_missing: 'No HIPAA marketing authorization',
  suppressed: 'Suppressed (bounce, complaint or unsubscribe)',
  contact_inactive: 'Contact erased',
  frequency_cap: 'Over the weekly frequency cap',
  no_tls_domain: 'Recipient domain known to lack TLS (dropped, never sent in plain text)',
};

function Check({ name, label, value }: { name: string; label: string; value: number }) {
  return <Figure testId={`check-${name}`} label={label} value={value} minWidth={120} />;
}

export function ChecksView({ checks }: { checks: PreSendChecks }) {
  const a = checks.audience;
  return (
    <Stack spacing={2} data-testid="pre-send-checks">
      {checks.problems.length > 0 && (
        <Alert severity="error">
          <AlertTitle>Not ready to send</AlertTitle>
          {checks.problems.map((p) => `${p.field}: ${p.message}`).join('; ')}
        </Alert>
      )}
      <Stack direction="row" spacing={3} useFlexGap sx={{ flexWrap: 'wrap' }}>
        <Check name="included" label="In the included segments" value={a.included} />
        <Check name="excluded-segments" label="Removed by excluded segments" value={a.excludedBySegments} />
        <Check name="audience" label={a.frozen ? 'Audience (frozen)' : 'Audience'} value={a.total} />
        <Check name="eligible" label="Expected to receive it" value={a.eligible} />
      </Stack>
      <Box>
        <Typography variant="subtitle2">Excluded at send time</Typography>
        {checks.exclusions.length === 0 ? (
          <Typography variant="body2" color="text.secondary">
            Nobody: every recipient has consent, is not suppressed and is reachable over TLS as far as is known.
          </Typography>
        ) : (
          <List dense data-testid="exclusions">
            {checks.exclusions.map((e) => (
              <ListItem key={e.reason} data-reason={e.reason} disableGutters>
                <ListItemText primary={`${formatNumber(e.count)} · ${REASON[e.reason] ?? e.reason}`} />
              </ListItem>
            ))}
          </List>
        )}
        {checks.domains.noTls.length > 0 && (
          <Typography variant="body2" color="text.secondary" data-testid="no-tls-domains">
            Domains without usable TLS: {checks.domains.noTls.map((d) => `${d.domain} (${formatNumber(d.recipients)})`).join(', ')}
          </Typography>
        )}
        {checks.domains.unknown > 0 && (
          <Typography variant="body2" color="text.secondary">
            {formatNumber(checks.domains.unknown)} recipient domain(s) not probed yet: their TLS is checked on the first attempt.
          </Typography>
        )}
      </Box>
      <Box>
        <Typography variant="subtitle2">Template</Typography>
        {checks.template.warnings.length === 0 ? (
          <Typography variant="body2" color="text.secondary">
            No lint warnings.
          </Typography>
        ) : (
          checks.template.warnings.map((w, i) => (
            <Alert key={i} severity="warning" sx={{ mb: 1 }} data-testid="lint-warning">
              {checks.template.warnings.some((x) => x.variant === 'b') ? `Variant ${w.variant.toUpperCase()}: ` : ''}
              {w.message}
              {w.detail ? ` (${w.detail})` : ''}
            </Alert>
          ))
        )}
      </Box>
      <Box data-testid="dkim-status" data-dkim={checks.sendingDomain.dkim}>
        <Typography variant="subtitle2">Sending domain</Typography>
        <Typography variant="body2">
          {checks.sendingDomain.domain}:{' '}
          {checks.sendingDomain.dkim === 'configured'
            ? `DKIM key configured (selector ${checks.sendingDomain.selector ?? ''})`
            : 'no DKIM key: messages go out unsigned'}
        </Typography>
      </Box>
    </Stack>
  );
}

/** The checks a reviewer reads before approving, recomputed when the campaign changes. */
export function PreSendChecksPanel({ id, version }: { id: string; version: string }) {
  const { data, error } = usePolled((signal) => campaignsApi.checks(id, signal), `${id}:${version}`, false);
  return (
    <Card variant="outlined">
      <CardContent>
        <Typography variant="h6" gutterBottom>
          Pre-send checks
        </Typography>
        {error ? (
          <Alert severity="error">{error instanceof Error ? error.message : 'The checks could not be loaded'}</Alert>
        ) : data ? (
          <ChecksView checks={data} />
        ) : (
          <CircularProgress size={24} />
        )}
      </CardContent>
    </Card>
  );
}
