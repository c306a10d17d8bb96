import { Chip, Tooltip } from '@mui/material';

import type { DeliveryEvidence, DeliveryRecord, DeliveryStatus } from '../../providers/dataProvider';

export type ChipColor = 'default' | 'info' | 'success' | 'error' | 'warning' | 'primary';

const STATUS: Readonly<Record<DeliveryStatus, { label: string; color: ChipColor }>> = {
  queued: { label: 'Queued', color: 'info' },
  sending: { label: 'Sending', color: 'primary' },
  deferred: { label: 'Deferred', color: 'warning' },
  sent: { label: 'Sent', color: 'success' },
  bounced: { label: 'Bounced', color: 'error' },
  failed: { label: 'Failed', color: 'error' },
  dropped_no_tls: { label: 'Dropped: no TLS', color: 'error' },
  dropped_consent: { label: 'Dropped: consent', color: 'warning' },
  dropped_suppressed: { label: 'Dropped: suppressed', color: 'warning' },
  dropped_frequency: { label: 'Dropped: frequency cap', color: 'warning' },
};

export const DELIVERY_STATUS_CHOICES = (Object.keys(STATUS) as DeliveryStatus[]).map((id) => ({ id, name: STATUS[id].label }));

export const TLS_VERSION_CHOICES = [
  { id: 'TLSv1.3', name: 'TLS 1.3' },
  { id: 'TLSv1.2', name: 'TLS 1.2' },
];

/** Reason codes as people read them; the code itself stays in the tooltip (and in the API). */
const REASONS: Readonly<Partial<Record<string, string>>> = {
  starttls_not_offered: 'STARTTLS not offered',
  tls_handshake_failed: 'TLS handshake failed',
  tls_protocol_too_old: 'TLS version older than 1.2',
  weak_cipher: 'Cipher weaker than 128 bits',
  certificate_invalid: 'Certificate invalid (MTA-STS enforce)',
  mta_sts_mx_mismatch: 'MX not in the MTA-STS policy',
  known_no_tls: 'Domain known to lack TLS',
  no_consent: 'No consent',
  consent_pending: 'Consent pending',
  consent_revoked: 'Consent revoked',
  contact_erased: 'Contact erased',
  contact_missing: 'Contact missing',
  authorization_missing: 'HIPAA authorization missing',
  suppressed: 'Address suppressed',
  frequency_cap: 'Frequency cap reached',
  hard_bounce: 'Hard bounce',
  render_failed: 'Template could not render',
  retry_window_expired: 'Retry window expired',
  worker_lost: 'Worker stopped mid-send',
};

export const reasonLabel = (reason: string | null | undefined): string | undefined => (reason ? (REASONS[reason] ?? reason) : undefined);

export function DeliveryStatusChip({ status }: { status: DeliveryStatus }) {
  const { label, color } = STATUS[status];
  return (
    <Chip size="small" label={label} color={color} variant={status === 'sent' ? 'filled' : 'outlined'} data-testid="delivery-status" data-status={status} />
  );
}

/** `TLSv1.3 · TLS_AES_256_GCM_SHA384 (256)`, or a dash when the attempt never got to TLS. */
export function TlsSummary({ tlsVersion, cipher, cipherBits }: Pick<DeliveryEvidence, 'tlsVersion' | 'cipher' | 'cipherBits'>) {
  if (!tlsVersion) return <>—</>;
  return (
    <Tooltip title={cipher ? `${cipher}${cipherBits ? ` (${cipherBits} bits)` : ''}` : ''}>
      <Chip size="small" variant="outlined" color="success" label={tlsVersion} />
    </Tooltip>
  );
}

/** Verified, not verified (with the reason), or unknown when TLS never started. */
export function certificateText(verified: boolean | null | undefined, error?: string): string {
  if (verified === undefined || verified === null) return '—';
  return verified ? 'Verified' : `Not verified${error ? ` (${error})` : ''}`;
}

export const PURPOSES: Readonly<Record<DeliveryRecord['purpose'], string>> = {
  campaign: 'Campaign',
  journey: 'Journey',
  test: 'Test send',
  transactional: 'Transactional',
};
