/** A delivery's life: queued → sending → sent, or deferred (4xx, retried), paused and resumed, or one of the end states. */
export const DELIVERY_STATUSES = [
  'queued',
  'sending',
  'deferred',
  'sent',
  'bounced',
  'failed',
  'dropped_no_tls',
  'dropped_consent',
  'dropped_suppressed',
  'dropped_frequency',
  // A campaign's pause holds its unsent deliveries (never claimed); a cancel ends them.
  'paused',
  'cancelled',
] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/** Why a message was dropped for lack of strong TLS. Stored as `reason`; the exact server/library text goes to `detail`. */
export type NoTlsReason =
  'starttls_not_offered' | 'tls_handshake_failed' | 'tls_protocol_too_old' | 'weak_cipher' | 'certificate_invalid' | 'mta_sts_mx_mismatch' | 'known_no_tls';

/** RFC 8460 result types, for TLSRPT-shaped failure reports. */
export type TlsRptResultType =
  | 'starttls-not-supported'
  | 'certificate-host-mismatch'
  | 'certificate-expired'
  | 'certificate-not-trusted'
  | 'validation-failure'
  | 'sts-policy-invalid'
  | 'sts-webpki-invalid';

export type MtaStsMode = 'enforce' | 'testing' | 'none';

/** What is kept about each delivery attempt: enough to prove how the message left (or why it did not). Never PHI. */
export interface DeliveryEvidence {
  route: 'mx' | 'relay' | 'transport_map';
  mxHost?: string;
  mxIp?: string;
  port?: number;
  tlsVersion?: string;
  cipher?: string;
  cipherBits?: number;
  certVerified?: boolean;
  certError?: string;
  mtaStsMode?: MtaStsMode;
  smtpCode?: number;
  smtpResponse?: string;
  connectMs?: number;
  sendMs?: number;
  reusedConnection?: boolean;
  attemptedAt: string;
}

/** Per-message overrides a campaign sets (A/B subject, sender identity). Campaign settings, never PHI. */
export interface MessageOptions {
  subject?: string;
  fromName?: string;
  /** A full address whose domain is a sending domain (DKIM-signed when it has a key). */
  fromAddress?: string;
  replyTo?: string;
}
