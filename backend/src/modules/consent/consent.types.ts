export const CONSENT_STATUSES = ['pending', 'confirmed', 'revoked'] as const;
export const CONSENT_METHODS = ['double_opt_in', 'import_attestation', 'ehr', 'api', 'web_form', 'preference_center', 'unsubscribe', 'admin'] as const;
export const SUPPRESSION_REASONS = ['unsubscribe', 'hard_bounce', 'complaint', 'manual'] as const;

export type ConsentStatus = (typeof CONSENT_STATUSES)[number];
export type ConsentMethod = (typeof CONSENT_METHODS)[number];
export type SuppressionReason = (typeof SUPPRESSION_REASONS)[number];

/** What is kept as proof of a consent action: encrypted at rest (an IP address is PHI for a patient). */
export interface ConsentEvidence {
  ip?: string | null;
  userAgent?: string | null;
  /** Import consent: the attestation the uploader confirmed. */
  attestation?: string;
  uploaderId?: string | null;
  note?: string;
}

export interface ConsentChange {
  contactId: string;
  topicId: number;
  status: ConsentStatus;
  method: ConsentMethod;
  source: string;
  evidence?: ConsentEvidence;
  importId?: string | null;
  actor: { type: string; id?: string | null };
}

export type Eligibility =
  | { allowed: true }
  | {
      allowed: false;
      reason:
        | 'contact_missing'
        | 'contact_erased'
        | 'topic_missing'
        | 'topic_archived'
        | 'no_consent'
        | 'consent_pending'
        | 'consent_revoked'
        | 'suppressed'
        | 'authorization_missing';
    };
