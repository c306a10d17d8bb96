import { fetchFile, httpClient } from '../../providers/httpClient';
import { saveBlob } from '../../components/saveFile';

/**
 * The compliance reports: `GET /api/v1/compliance/reports/:id?format=json|csv|pdf&…`. Every report
 * answers one shape (a ReportDocument) as JSON, and the same content as CSV or PDF; each call is
 * audited by the backend.
 */

export type ReportCell = string | number | boolean | null;

export interface ReportDocument {
  id: string;
  title: string;
  generatedAt: string;
  parameters: Record<string, string | number | null>;
  summary: { label: string; value: string | number }[];
  sections: { title: string; columns: { key: string; label: string }[]; rows: Record<string, ReportCell>[] }[];
}

export type DownloadFormat = 'csv' | 'pdf';

/**
 * How a parameter is picked: a day (`end`: the day is included), an instant, a number, an id from a
 * list, or `phi`: a yes/no that prints PHI, offered only to those who may reveal it (`true` or empty).
 */
export type ParamKind = 'date' | 'datetime' | 'number' | 'user' | 'apiKey' | 'campaign' | 'contact' | 'ip' | 'phi';

export interface ReportParam {
  name: string;
  label: string;
  kind: ParamKind;
  required?: boolean;
  /** For a `date`: the period's end, so the chosen day is included (sent as the next day's midnight). */
  end?: boolean;
  /** The form's starting value, as the input holds it. */
  initial?: () => string;
  helperText?: string;
}

export interface ReportDefinition {
  id: string;
  title: string;
  description: string;
  params: ReportParam[];
  /** A rule across parameters (one of two, at least one of three); the message says what is missing. */
  check?: (values: Readonly<Record<string, string>>) => string | undefined;
}

/** Form values, as the inputs hold them (empty string: not given). */
export type ParamValues = Record<string, string>;

const DAY_MS = 86_400_000;
const pad = (n: number) => String(n).padStart(2, '0');
/** A local day as an `<input type="date">` holds it. */
export const dayInput = (d: Date) => `${String(d.getFullYear())}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
/** A local instant as an `<input type="datetime-local">` holds it. */
export const instantInput = (d: Date) => `${dayInput(d)}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY_MS);

const periodParams = (kind: 'date' | 'datetime', days: number): ReportParam[] =>
  kind === 'date'
    ? [
        { name: 'from', label: 'From', kind, initial: () => dayInput(daysAgo(days)) },
        { name: 'to', label: 'To (included)', kind, end: true, initial: () => dayInput(new Date()) },
      ]
    : [
        { name: 'from', label: 'From', kind, initial: () => instantInput(daysAgo(days)) },
        { name: 'to', label: 'To', kind, initial: () => instantInput(new Date()) },
      ];

const whoParams: ReportParam[] = [
  { name: 'userId', label: 'User', kind: 'user' },
  { name: 'apiKeyId', label: 'API key', kind: 'apiKey' },
  { name: 'ip', label: 'IP address', kind: 'ip' },
];

const atLeastOneOf = (values: Readonly<ParamValues>) =>
  values.userId || values.apiKeyId || values.ip ? undefined : 'Choose a user, an API key or an IP address.';

/** The reports, in the order the Reports page lists them. */
export const REPORTS: readonly ReportDefinition[] = [
  {
    id: 'transmission-security',
    title: 'Transmission security',
    description: 'How every message of a period left (TLS version, cipher, certificate, MTA-STS) or why it was dropped for lack of TLS.',
    params: periodParams('date', 30),
  },
  {
    id: 'consent-evidence',
    title: 'Consent evidence',
    description: "The consent history and its evidence for one contact, or for every recipient of a campaign's frozen audience.",
    params: [
      { name: 'contactId', label: 'Contact id', kind: 'contact', helperText: 'The number in the contact page’s address' },
      { name: 'campaignId', label: 'Campaign', kind: 'campaign' },
      { name: 'includePhi', label: 'Include names and e-mail addresses (audited as a PHI export)', kind: 'phi' },
    ],
    check: (v) => (Boolean(v.contactId) === Boolean(v.campaignId) ? 'Choose either a contact or a campaign.' : undefined),
  },
  {
    id: 'phi-access',
    title: 'PHI access',
    description: 'Every view, reveal and export of PHI in a period, optionally for one user, API key or IP address.',
    params: [...periodParams('date', 30), ...whoParams],
  },
  {
    id: 'breach-response',
    title: 'Breach response',
    description: 'Everything one account, API key or IP address did in a time window, and the contacts whose PHI it reached.',
    params: [...periodParams('datetime', 7), ...whoParams],
    check: atLeastOneOf,
  },
  {
    id: 'user-access-review',
    title: 'User access review',
    description: 'Every user with role, MFA, last sign-in and status, and every live API key with scopes and last use; dormant ones flagged.',
    params: [{ name: 'dormantDays', label: 'Dormant after (days)', kind: 'number', initial: () => '90' }],
  },
  {
    id: 'audit-chain',
    title: 'Audit log integrity',
    description: 'Verifies the hash chain of the whole audit log and reports its head and any break.',
    params: [],
  },
  {
    id: 'campaign-targeting',
    title: 'Campaign targeting',
    description: 'Who a campaign was aimed at and why: segments, consent topic, exclusions and the frozen audience.',
    params: [{ name: 'campaignId', label: 'Campaign', kind: 'campaign', required: true }],
  },
];

export function reportDefinition(id: string): ReportDefinition {
  const found = REPORTS.find((r) => r.id === id);
  if (!found) throw new Error(`unknown report ${id}`);
  return found;
}

export const initialValues = (def: ReportDefinition): ParamValues => Object.fromEntries(def.params.map((p) => [p.name, p.initial?.() ?? '']));

/** What is missing or wrong in the form, or undefined when it can be sent. */
export function problemOf(def: ReportDefinition, values: Readonly<ParamValues>): string | undefined {
  const missing = def.params.find((p) => p.required && !values[p.name]);
  if (missing) return `${missing.label} is required.`;
  return def.check?.(values);
}

/** The query string: days and local instants become UTC instants; empty values are left out. */
export function queryOf(def: ReportDefinition, values: Readonly<ParamValues>): Record<string, string> {
  const query: Record<string, string> = {};
  for (const p of def.params) {
    const value = Object.hasOwn(values, p.name) ? values[p.name].trim() : '';
    if (!value) continue;
    if (p.kind === 'date') {
      const [y, m, d] = value.split('-').map(Number);
      query[p.name] = new Date(y, m - 1, d + (p.end ? 1 : 0)).toISOString();
    } else if (p.kind === 'datetime') {
      query[p.name] = new Date(value).toISOString();
    } else {
      query[p.name] = value;
    }
  }
  return query;
}

const path = (id: string) => `/compliance/reports/${encodeURIComponent(id)}`;

function isReportDocument(body: unknown): body is ReportDocument {
  return typeof body === 'object' && body !== null && 'title' in body && Array.isArray((body as { sections?: unknown }).sections);
}

export async function fetchReport(id: string, query: Record<string, string>, signal?: AbortSignal): Promise<ReportDocument> {
  const { body } = await httpClient(path(id), { query: { ...query, format: 'json' }, signal });
  if (!isReportDocument(body)) throw new Error('This report cannot be shown in this version of the server; download it instead.');
  return body;
}

/** Downloads the report through the signed-in session and saves it under the name the server gives. */
export async function downloadReport(id: string, format: DownloadFormat, query: Record<string, string>): Promise<string> {
  const { blob, fileName } = await fetchFile(path(id), { query: { ...query, format } });
  const name = fileName ?? `${id}.${format}`;
  saveBlob(blob, name);
  return name;
}
