import { type AddressObject, type Attachment, type EmailAddress, simpleParser } from 'mailparser';
import { enhancedStatusOf, identifyingWords, replyCodeOf, shortDiagnostic } from './diagnostic.js';
import { parseFieldGroups } from './report-fields.js';

/** One recipient block of a DSN, without the recipient's address. */
export interface DsnRecipient {
  /** RFC 3464 action: failed, delayed, delivered, relayed, expanded (lower case; anything else as sent). */
  action: string;
  /** Enhanced status code (`5.1.1`), or null when missing or malformed. */
  status: string | null;
  /** SMTP reply code from the Diagnostic-Code, if it has one. */
  smtpCode: number | null;
  /** Short diagnostic with addresses, names and anything after an address removed (see shortDiagnostic). */
  diagnostic: string | null;
  /** hard: permanent failure (failed with 5.x.x); soft: delayed, or failed with 4.x.x; null: not a failure. */
  kind: 'hard' | 'soft' | null;
}

export const UNPARSEABLE_REASONS = ['mime_error', 'not_a_report', 'no_report_part', 'no_recipient_fields', 'no_feedback_type'] as const;
export type UnparseableReason = (typeof UNPARSEABLE_REASONS)[number];

export type InboundReport =
  { type: 'dsn'; recipients: DsnRecipient[] } | { type: 'arf'; feedbackType: string; complaint: boolean } | { type: 'unparseable'; reason: UnparseableReason };

const STATUS_TYPES = new Set(['message/delivery-status', 'message/global-delivery-status']);
const FEEDBACK_TYPE = 'message/feedback-report';
const ORIGINAL_TYPES = new Set(['message/rfc822', 'message/global', 'text/rfc822-headers', 'message/global-headers']);
// Feedback about authentication results or a wrong spam verdict, not the recipient asking to stop (RFC 6591, RFC 6430).
const NOT_COMPLAINTS = new Set(['auth-failure', 'not-spam']);
const PARSE_OPTIONS = { skipHtmlToText: true, skipTextToHtml: true, skipImageLinks: true, checksumAlgo: false } as const;

/**
 * Classifies an inbound message as a delivery status notification (multipart/report; report-type=delivery-status,
 * RFC 3464, or its RFC 6533 global form) or an abuse feedback report (report-type=feedback-report, RFC 5965) and
 * extracts what the bounce handling needs. Nothing that identifies the recipient is returned: addresses are read
 * only to know which words to strip from diagnostics.
 */
export async function parseInboundReport(raw: Buffer): Promise<InboundReport> {
  let parts: Attachment[];
  let reportType: string | undefined;
  try {
    const mail = await simpleParser(raw, { ...PARSE_OPTIONS, keepDeliveryStatus: true });
    parts = mail.attachments;
    const contentType = mail.headers.get('content-type') as { value?: string; params?: Record<string, string> } | undefined;
    if (contentType?.value?.toLowerCase() === 'multipart/report') reportType = contentType.params?.['report-type']?.toLowerCase();
  } catch {
    return { type: 'unparseable', reason: 'mime_error' };
  }
  const statusPart = parts.find((p) => STATUS_TYPES.has(p.contentType.toLowerCase()));
  const feedbackPart = parts.find((p) => p.contentType.toLowerCase() === FEEDBACK_TYPE);
  const wantsFeedback = reportType === 'feedback-report' || (!reportType && !statusPart);
  if (wantsFeedback && feedbackPart) return feedbackReport(feedbackPart.content.toString('utf8'));
  if (!wantsFeedback && statusPart) return deliveryStatusReport(statusPart.content.toString('utf8'), await recipientWords(parts));
  return { type: 'unparseable', reason: reportType ? 'no_report_part' : 'not_a_report' };
}

/** RFC 3464 section 2.3: the per-recipient groups (those with an Action field) after the per-message group. */
export function deliveryStatusReport(text: string, sensitive: readonly string[] = []): InboundReport {
  const groups = parseFieldGroups(text).filter((g) => g.has('action'));
  if (!groups.length) return { type: 'unparseable', reason: 'no_recipient_fields' };
  const words = [...sensitive, ...identifyingWords(groups.flatMap((g) => [g.get('final-recipient') ?? '', g.get('original-recipient') ?? '']))];
  return {
    type: 'dsn',
    recipients: groups.map((g) => {
      const action = (g.get('action') ?? '').toLowerCase().split(/[\s(;]/)[0];
      const diagnosticCode = g.get('diagnostic-code');
      const status = enhancedStatusOf(g.get('status'));
      const smtpCode = replyCodeOf(diagnosticCode);
      return { action, status, smtpCode, diagnostic: shortDiagnostic(diagnosticCode, words), kind: kindOf(action, status, smtpCode) };
    }),
  };
}

/** RFC 5965 section 3.1: Feedback-Type is the one required field; unknown types count as complaints (as `other`). */
export function feedbackReport(text: string): InboundReport {
  const raw = parseFieldGroups(text)
    .at(0)
    ?.get('feedback-type')
    ?.toLowerCase()
    .split(/[\s(;]/)[0];
  if (!raw) return { type: 'unparseable', reason: 'no_feedback_type' };
  const feedbackType = /^[a-z0-9-]{1,32}$/.test(raw) ? raw : 'other';
  return { type: 'arf', feedbackType, complaint: !NOT_COMPLAINTS.has(feedbackType) };
}

/** The failure that decides what happens to the delivery: any permanent one, else any transient one. */
export function decisiveRecipient(recipients: readonly DsnRecipient[]): DsnRecipient | undefined {
  return recipients.find((r) => r.kind === 'hard') ?? recipients.find((r) => r.kind === 'soft');
}

function kindOf(action: string, status: string | null, smtpCode: number | null): DsnRecipient['kind'] {
  if (action === 'delayed') return 'soft';
  if (action !== 'failed') return null;
  const permanence = status?.[0] ?? String(smtpCode ?? 5)[0];
  return permanence === '4' ? 'soft' : 'hard';
}

/** Identifying words from the returned message's recipient headers: display names (decoded) and local parts. */
async function recipientWords(parts: readonly Attachment[]): Promise<string[]> {
  const values: string[] = [];
  for (const part of parts.filter((p) => ORIGINAL_TYPES.has(p.contentType.toLowerCase()))) {
    try {
      const { headers } = await simpleParser(part.content, PARSE_OPTIONS);
      for (const name of ['to', 'cc', 'delivered-to', 'x-original-to']) values.push(...addressValues(headers.get(name)));
    } catch {
      // A returned message that does not parse gives no words; the cut at the first address still applies.
    }
  }
  return identifyingWords(values);
}

/** Names and addresses of a parsed address header (one or several AddressObjects, groups included) or its raw text. */
function addressValues(header: unknown): string[] {
  if (typeof header === 'string') return [header];
  const objects = (Array.isArray(header) ? header : [header]) as (AddressObject | undefined)[];
  const flatten = (a: EmailAddress): EmailAddress[] => [a, ...(a.group ?? []).flatMap(flatten)];
  return objects
    .flatMap((o) => o?.value ?? [])
    .flatMap(flatten)
    .flatMap((a) => [a.name, a.address ?? '']);
}
