import type { FieldProblem } from '../../platform/errors/index.js';
import { AUDIT_MIN_RETENTION_DAYS } from '../audit/index.js';
import type { DeliveryEvidence } from '../delivery/index.js';

export const CONTACT_ACTIONS = ['anonymize', 'delete'] as const;
export type ContactAction = (typeof CONTACT_ACTIONS)[number];

/** Six years: the HIPAA documentation retention period (45 CFR 164.316(b)(2)); the audit trail is never kept shorter. */
export const AUDIT_MIN_DAYS = AUDIT_MIN_RETENTION_DAYS;

/** What the policy keeps, and for how long. `null` keeps that kind of data for ever (the category is off). */
export interface RetentionSettings {
  /** Contacts with no activity of any kind for this many months are disposed of. */
  contactInactiveMonths: number | null;
  /** `anonymize`: the contact's PHI is erased, its activity stays as anonymous statistics; `delete` also unlinks that activity. */
  contactAction: ContactAction;
  /** Per-message detail (encrypted recipient and render context, SMTP text, connection evidence) after this many days. */
  messageDetailDays: number | null;
  /** Engagement events (opens, clicks, deliveries…) after this many days. */
  engagementDays: number | null;
  /** Raw inbound EHR payloads (FHIR, HL7 v2) after this many days; the message's record and outcome stay. */
  inboundPayloadDays: number | null;
  /** The audit trail is kept at least this long: six years or more, never less. */
  auditDays: number;
  /** The daily run applies the policy. */
  scheduleEnabled: boolean;
}

export interface RetentionPolicyView extends RetentionSettings {
  updatedAt: string;
  updatedBy: string | null;
  /** The bounds of each setting, so that forms check what the API will. */
  limits: typeof LIMITS;
}

/** Bounds of each setting. The lower ones keep late bounces, retries and recent segments working. */
export const LIMITS = {
  contactInactiveMonths: { min: 6, max: 1200 },
  messageDetailDays: { min: 30, max: 36_500 },
  engagementDays: { min: 30, max: 36_500 },
  inboundPayloadDays: { min: 1, max: 36_500 },
  auditDays: { min: AUDIT_MIN_DAYS, max: 36_500 },
} as const;

type Limited = keyof typeof LIMITS;

/** The service's own check of a whole policy (the DTO checks the request first; this holds for every caller). */
export function policyProblems(s: RetentionSettings): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const field of Object.keys(LIMITS) as Limited[]) {
    const value = s[field];
    if (value === null && field !== 'auditDays') continue;
    const { min, max } = LIMITS[field];
    if (value === null || !Number.isInteger(value) || value < min || value > max) {
      problems.push({
        field,
        message:
          field === 'auditDays'
            ? `auditDays must be at least ${String(min)} (six years) and at most ${String(max)}`
            : `${field} must be an integer from ${String(min)} to ${String(max)}`,
      });
    }
  }
  if (!(CONTACT_ACTIONS as readonly string[]).includes(s.contactAction))
    problems.push({ field: 'contactAction', message: 'contactAction must be anonymize or delete' });
  return problems;
}

/** The instants before which each category's data goes; fixed when a run starts, so its batches and its dry run agree. */
export interface RetentionCutoffs {
  contacts: string | null;
  messageDetail: string | null;
  engagement: string | null;
  inboundPayloads: string | null;
  audit: string;
}

const DAY_MS = 86_400_000;

/** Calendar months back in UTC; a day that does not exist in the target month (31 March − 1 month) becomes its last day. */
export function monthsBefore(now: Date, months: number): Date {
  const target = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - months, 1));
  const lastDay = new Date(Date.UTC(target.getUTCFullYear(), target.getUTCMonth() + 1, 0)).getUTCDate();
  target.setUTCDate(Math.min(now.getUTCDate(), lastDay));
  target.setUTCHours(now.getUTCHours(), now.getUTCMinutes(), now.getUTCSeconds(), now.getUTCMilliseconds());
  return target;
}

export function cutoffsOf(s: RetentionSettings, now: Date): RetentionCutoffs {
  const daysBack = (days: number | null) => (days === null ? null : new Date(now.getTime() - days * DAY_MS).toISOString());
  return {
    contacts: s.contactInactiveMonths === null ? null : monthsBefore(now, s.contactInactiveMonths).toISOString(),
    messageDetail: daysBack(s.messageDetailDays),
    engagement: daysBack(s.engagementDays),
    inboundPayloads: daysBack(s.inboundPayloadDays),
    audit: new Date(now.getTime() - s.auditDays * DAY_MS).toISOString(),
  };
}

/**
 * What a run disposed (or, dry, would dispose). `deliveries`: messages whose detail was purged (the row and its
 * status, reason, campaign and TLS summary stay for reports); `testSends`: test-send messages deleted (their only
 * recipient is the encrypted seed address); `engagementPartitions`: whole monthly partitions dropped (their rows
 * are counted in `engagementEvents`); `auditEntries`: audit entries older than `auditDays` purged behind an anchor.
 */
export interface RetentionCounts {
  contacts: number;
  deliveries: number;
  testSends: number;
  webhookDeliveries: number;
  engagementEvents: number;
  engagementPartitions: number;
  inboundPayloads: number;
  auditEntries: number;
}

export const COUNT_KEYS: readonly (keyof RetentionCounts)[] = [
  'contacts',
  'deliveries',
  'testSends',
  'webhookDeliveries',
  'engagementEvents',
  'engagementPartitions',
  'inboundPayloads',
  'auditEntries',
];

export function emptyCounts(): RetentionCounts {
  return { contacts: 0, deliveries: 0, testSends: 0, webhookDeliveries: 0, engagementEvents: 0, engagementPartitions: 0, inboundPayloads: 0, auditEntries: 0 };
}

/** Counts as stored (jsonb, possibly partial from a run that stopped) completed with zeros. */
export function countsOf(stored: Partial<Record<string, unknown>> | null): RetentionCounts {
  const out = emptyCounts();
  for (const key of COUNT_KEYS) {
    const value = Number(stored?.[key] ?? 0);
    out[key] = Number.isFinite(value) ? value : 0;
  }
  return out;
}

/** The keys a delivery's TLS evidence keeps after its detail is purged: what the transmission-security report counts. */
export const EVIDENCE_SUMMARY_KEYS: readonly (keyof DeliveryEvidence)[] = ['route', 'tlsVersion', 'cipher', 'cipherBits', 'certVerified', 'mtaStsMode'];
