import {
  HttpError,
  type CreateParams,
  type CreateResult,
  type DataProvider,
  type DeleteParams,
  type DeleteResult,
  type GetListParams,
  type GetListResult,
  type GetManyParams,
  type GetManyReferenceParams,
  type GetManyReferenceResult,
  type GetManyResult,
  type GetOneParams,
  type GetOneResult,
  type Identifier,
  type RaRecord,
  type UpdateParams,
  type UpdateResult,
} from 'react-admin';

import { API_PREFIX, httpClient, uploadFile } from './httpClient';

/** `GET /api/v1/dashboard`. */
export interface DashboardSummary {
  /** One entry per module that counts something (`users`, `contacts`, `auditEvents`…); modules not yet built have none. */
  counts: Partial<Record<string, number>>;
  processes: ProcessStatus[];
  queues: QueueStatus[];
  version: string;
}

export interface ProcessStatus {
  role: 'api' | 'worker' | 'scheduler';
  host: string;
  pid: number;
  lastSeenAt: string;
  alive: boolean;
}

export interface QueueStatus {
  name: string;
  waiting: number;
  active: number;
  delayed: number;
  failed: number;
}

export type Role = 'admin' | 'marketer' | 'compliance_officer' | 'analyst';

/** `GET /api/v1/users/:id`. */
export interface UserRecord {
  id: string;
  email: string;
  displayName: string;
  role: Role;
  mfaEnrolled: boolean;
  locked: boolean;
  lockedUntil: string | null;
  disabled: boolean;
  lastLoginAt: string | null;
  createdAt: string;
}

/** `POST /api/v1/users` answers the new user and, this once, its temporary password. */
export interface InvitedUser extends UserRecord {
  temporaryPassword: string;
}

export type UserAction = 'unlock' | 'reset-mfa' | 'revoke-sessions';

/** `GET /api/v1/api-keys`. */
export interface ApiKeyRecord {
  id: string;
  name: string;
  prefix: string;
  scopes: string[];
  createdBy: string | null;
  createdAt: string;
  expiresAt: string | null;
  lastUsedAt: string | null;
  revokedAt: string | null;
  status: 'active' | 'expired' | 'revoked';
}

/** `POST /api/v1/api-keys` answers the new key and, this once, its secret. */
export interface CreatedApiKey extends ApiKeyRecord {
  key: string;
}

export type AuditOutcome = 'success' | 'failure' | 'denied';

/** `GET /api/v1/audit-events`. */
export interface AuditEventRecord {
  id: number;
  occurredAt: string;
  actorType: 'user' | 'api_key' | 'system' | 'anonymous';
  actorId: string | null;
  action: string;
  subjectType: string | null;
  subjectId: string | null;
  outcome: AuditOutcome;
  ip: string | null;
  userAgent: string | null;
  details: Record<string, unknown>;
  hash: string;
}

/** The filters `GET /api/v1/audit-events` and its CSV export take. */
export interface AuditFilter {
  actorId?: string;
  action?: string;
  subjectType?: string;
  subjectId?: string;
  outcome?: AuditOutcome;
  from?: string;
  to?: string;
}

/** `GET /api/v1/audit-events/verify`. */
export interface ChainVerification {
  valid: boolean;
  rowsChecked: number;
  headId: number | null;
  headHash: string | null;
  problems: { id: number; kind: string; message: string }[];
  checkedAt: string;
  /** The purge anchor verification started from (entries through `throughId` were purged by retention), or null from the first entry. */
  anchoredAt?: { throughId: number; hash: string; createdAt: string } | null;
}

export type KeyPurpose = 'phi' | 'secrets';

/** `GET /api/v1/key-rotations`. */
export interface KeyRotationRecord {
  id: number;
  purpose: KeyPurpose;
  toKeyId: number;
  status: 'running' | 'completed' | 'failed';
  total: number;
  done: number;
  percent: number;
  error: string | null;
  startedAt: string;
  finishedAt: string | null;
}

export type AttributeValue = string | number | boolean | string[];

/** `GET /api/v1/contacts/:id`: what anyone who may read contacts sees, without a PHI value. */
export interface ContactRecord {
  id: string;
  status: 'active' | 'erased';
  /** `j•••@e•••.org`; null once erased. */
  emailMasked: string | null;
  initials: string | null;
  /** The names of the PHI fields that hold a value, never the values. */
  phiFields: string[];
  timeZone: string | null;
  language: string | null;
  /** Custom attributes not marked PHI. */
  attributes: Record<string, AttributeValue>;
  source: string;
  createdAt: string;
  updatedAt: string;
}

export type Sex = 'female' | 'male' | 'other' | 'unknown';
export type InsuranceStatus = 'commercial' | 'medicare' | 'medicaid' | 'tricare' | 'uninsured' | 'other';
export type IdentifierKind = 'mrn' | 'member' | 'patient' | 'other';
export type CodeSystem = 'ICD-10' | 'SNOMED-CT' | 'other';

/** Every PHI field of a contact, as `POST /contacts/:id/reveal` answers it. */
export interface ContactPhi {
  email: string;
  firstName?: string;
  lastName?: string;
  birthDate?: string;
  sex?: Sex;
  phone?: string;
  postalCode?: string;
  state?: string;
  identifiers?: { kind: IdentifierKind; system: string; value: string }[];
  conditions?: { system: CodeSystem; code: string; display?: string }[];
  lastVisitDate?: string;
  nextVisitDate?: string;
  visitCount12m?: number;
  visitSummary?: string;
  insuranceStatus?: InsuranceStatus;
  insurancePlan?: string;
  primaryProvider?: string;
  attributes?: Record<string, AttributeValue>;
}

export interface RevealedContact extends ContactRecord {
  phi: ContactPhi;
}

export type ConsentStatus = 'pending' | 'confirmed' | 'revoked';
export type ConsentMethod = 'double_opt_in' | 'import_attestation' | 'ehr' | 'api' | 'web_form' | 'preference_center' | 'unsubscribe' | 'admin';
/** The methods an operator may record by hand (`POST /contacts/:id/consents`). */
export type RecordableConsentMethod = 'double_opt_in' | 'ehr' | 'api' | 'web_form' | 'admin';
export type SuppressionReason = 'unsubscribe' | 'hard_bounce' | 'complaint' | 'manual';

export interface ConsentStateView {
  topicId: number;
  topicKey: string;
  topicName: string;
  kind: TopicKind;
  status: ConsentStatus;
  method: string;
  updatedAt: string;
}

export interface ConsentEventView {
  id: string;
  topicId: number;
  topicKey: string;
  status: ConsentStatus;
  method: ConsentMethod;
  source: string;
  importId: string | null;
  actorType: string;
  actorId: string | null;
  occurredAt: string;
  /** Evidence is PHI: the overview only says whether there is some. */
  evidence: { recorded: true } | null;
}

export interface AuthorizationView {
  id: string;
  textId: number;
  version: string;
  purpose: string;
  signedAt: string;
  expiresAt: string | null;
  expiryEvent: string | null;
  revokedAt: string | null;
  status: 'active' | 'expired' | 'revoked';
}

/** `GET /api/v1/contacts/:id/consents`, read as the `contact-consents` record of the contact's id. */
export interface ContactConsentsRecord {
  id: string;
  current: ConsentStateView[];
  history: ConsentEventView[];
  authorizations: AuthorizationView[];
  suppression: { id: string; reason: SuppressionReason; createdAt: string } | null;
}

export interface ConsentChange {
  topic: string;
  status: ConsentStatus;
  method: RecordableConsentMethod;
  source: string;
}

export type AttributeType = 'text' | 'enum' | 'number' | 'date' | 'boolean' | 'list';

/** `GET /api/v1/attributes`: an administrator-defined custom contact attribute. */
export interface AttributeRecord {
  id: number;
  key: string;
  label: string;
  type: AttributeType;
  options: string[];
  isPhi: boolean;
  archived: boolean;
  createdAt: string;
}

export type TopicKind = 'marketing' | 'transactional';

/** `GET /api/v1/topics`; `archived` is derived here from `archivedAt`, as the PATCH takes it. */
export interface TopicRecord {
  id: number;
  key: string;
  name: string;
  description: string;
  kind: TopicKind;
  requiresAuthorization: boolean;
  doubleOptIn: boolean;
  createdAt: string;
  archivedAt: string | null;
  archived: boolean;
}

/** `GET /api/v1/authorization-texts`: a published (immutable) HIPAA marketing authorization text. */
export interface AuthorizationTextRecord {
  id: number;
  version: string;
  title: string;
  purpose: string;
  body: string;
  createdAt: string;
}

/** `GET /api/v1/suppressions`: the reason and the contact, never the address. */
export interface SuppressionRecord {
  id: string;
  reason: SuppressionReason;
  source: string;
  actorType: string;
  actorId: string | null;
  createdAt: string;
  contactId: string | null;
}

export type ImportStatus = 'uploading' | 'uploaded' | 'queued' | 'running' | 'validated' | 'completed' | 'failed' | 'cancelled';

export type ScalarField =
  | 'email'
  | 'firstName'
  | 'lastName'
  | 'birthDate'
  | 'sex'
  | 'phone'
  | 'postalCode'
  | 'state'
  | 'timeZone'
  | 'language'
  | 'lastVisitDate'
  | 'nextVisitDate'
  | 'visitCount12m'
  | 'visitSummary'
  | 'insuranceStatus'
  | 'insurancePlan'
  | 'primaryProvider';

/** Where one CSV column goes. */
export type ColumnMapping =
  | { field: 'ignore' }
  | { field: ScalarField }
  | { field: 'identifier'; kind: IdentifierKind; system: string }
  | { field: 'condition'; system: CodeSystem }
  | { field: 'attribute'; key: string };

export type ImportBasis = 'prior_express_consent' | 'hipaa_authorization_on_file' | 'existing_relationship_transactional';

export interface ImportConsent {
  topic: string;
  basis: ImportBasis;
  attestation: string;
}

/** `PUT /api/v1/imports/:id/configuration`. */
export interface ImportConfiguration {
  mapping: Record<string, ColumnMapping>;
  onExisting: 'update' | 'skip';
  consent: ImportConsent;
}

/** `GET /api/v1/imports/:id`. */
export interface ImportRecord {
  id: string;
  status: ImportStatus;
  dryRun: boolean;
  fileName: string;
  bytes: number;
  sha256: string | null;
  encoding: string | null;
  delimiter: string | null;
  headers: string[];
  /** Suggested at upload, then as configured. */
  mapping: Record<string, ColumnMapping> | null;
  onExisting: 'update' | 'skip';
  consent: (ImportConsent & { attestedBy: string; attestedAt: string }) | null;
  progress: {
    rowsDone: number;
    rowsTotal: number | null;
    rowsTotalEstimate: number | null;
    percent: number;
    rowsPerSecond: number | null;
    etaSeconds: number | null;
  };
  counts: { created: number; updated: number; unchanged: number; skipped: number; errors: number };
  error: string | null;
  createdBy: string | null;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
}

/** `GET /api/v1/imports/:id/errors`, read as the `import-errors` list filtered by `importId`. */
export interface ImportErrorRecord {
  id: string;
  /** The line of the file, the header being line 1. */
  row: number;
  /** The CSV column, or `*` for the whole row. */
  column: string;
  reason: string;
}

/** `GET /api/v1/imports/:id/preview`: the first rows of the file, PHI. */
export interface ImportPreview {
  headers: string[];
  rows: string[][];
}

/** A segment rule, as `POST /api/v1/segments/preview` takes it. */
export type SegmentRule =
  | { op: 'and' | 'or'; rules: SegmentRule[] }
  | { op: 'not'; rule: SegmentRule }
  | { field: 'condition'; codes: string[]; system?: 'ICD-10' | 'SNOMED-CT' }
  | { field: 'sex' | 'state' | 'insuranceStatus' | 'insurancePlan' | 'primaryProvider' | 'postalCode' | 'zip3'; in: string[] }
  | { field: 'age'; min: number; max: number }
  | { field: 'lastVisit' | 'nextVisit'; withinDays?: number; before?: string; after?: string }
  | { field: 'attribute'; key: string; in: string[] }
  | { field: 'attribute'; key: string; min?: number; max?: number }
  | { field: 'attribute'; key: string; from?: string; to?: string }
  | { field: 'consent'; topic: string }
  | { field: 'suppressed'; value: boolean }
  | { field: 'engagement'; event: 'received' | 'opened' | 'clicked'; campaignId?: string; withinDays?: number; never?: boolean }
  | { field: 'segment'; segmentId: number };

/** `POST /api/v1/segments/preview`: how many contacts a rule selects, and a masked sample (PHI-free). */
export interface SegmentPreview {
  count: number;
  exactChecks: number;
  sample: ContactRecord[];
}

/** A frozen member list of a segment (contact ids only, kept for audits of who was targeted). */
export interface SegmentSnapshot {
  id: string;
  segmentId: number;
  count: number;
  exactChecks: number;
  actorType: string;
  actorId: string | null;
  createdAt: string;
}

/** `GET /api/v1/segments/:id` (the list omits `rule`). */
export interface SegmentRecord {
  id: number;
  name: string;
  description: string;
  /** dynamic: members evaluated at use; snapshot: the latest snapshot's members. */
  kind: 'dynamic' | 'snapshot';
  rule?: SegmentRule;
  dependsOn: number[];
  createdBy: string | null;
  createdAt: string;
  updatedAt: string;
  lastSnapshot: SegmentSnapshot | null;
}

/** `GET /api/v1/segments/:id/count`. */
export interface SegmentCount {
  id: number;
  kind: 'dynamic' | 'snapshot';
  count: number;
  liveCount: number;
  exactChecks: number;
  snapshot: SegmentSnapshot | null;
}

export type TemplateCategory = 'marketing' | 'transactional';

export interface TemplateWarning {
  code: string;
  field: 'subject' | 'preheader' | 'fromName' | 'mjml';
  message: string;
  detail?: string;
  line?: number;
}

export interface TemplateVersionSummary {
  id: number;
  version: number;
  status: 'draft' | 'published';
  subject: string;
  publishedAt: string | null;
  publishedBy: string | null;
  createdAt: string;
}

/** `GET /api/v1/templates/:id/versions/:version`. */
export interface TemplateVersion extends TemplateVersionSummary {
  templateId: number;
  preheader: string;
  fromName: string;
  mjml: string;
  compiledHtml: string | null;
  warnings: TemplateWarning[];
}

/** `GET /api/v1/templates/:id`. */
export interface TemplateRecord {
  id: number;
  name: string;
  category: TemplateCategory;
  createdAt: string;
  archivedAt: string | null;
  publishedVersion: number | null;
  draftVersion: number | null;
  versions: TemplateVersionSummary[];
}

export interface TemplateContent {
  subject?: string;
  preheader?: string;
  fromName?: string;
  mjml?: string;
}

/** What saving a draft or publishing answers. */
export interface TemplateSaveResult {
  template: TemplateRecord;
  version: TemplateVersion;
  warnings: TemplateWarning[];
}

/** `POST /api/v1/templates/:id/versions/:version/preview`, rendered with the built-in sample patient. */
export interface RenderedTemplate {
  subject: string;
  preheader: string;
  html: string;
  text: string;
  warnings: TemplateWarning[];
}

export type DeliveryStatus =
  'queued' | 'sending' | 'deferred' | 'sent' | 'bounced' | 'failed' | 'dropped_no_tls' | 'dropped_consent' | 'dropped_suppressed' | 'dropped_frequency';

/** How one attempt left (or why it did not): the proof of TLS kept per message. Never PHI. */
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
  mtaStsMode?: 'enforce' | 'testing' | 'none';
  smtpCode?: number;
  smtpResponse?: string;
  connectMs?: number;
  sendMs?: number;
  reusedConnection?: boolean;
  attemptedAt: string;
}

/** `GET /api/v1/delivery/messages/:id`: one message, by recipient domain only (the address is PHI). */
export interface DeliveryRecord {
  id: string;
  status: DeliveryStatus;
  reason: string | null;
  detail: string | null;
  contactId: string | null;
  recipientDomain: string;
  templateVersionId: number;
  topicId: number | null;
  category: string;
  purpose: 'campaign' | 'journey' | 'test' | 'transactional';
  campaignId: string | null;
  journeyId: string | null;
  attempts: number;
  evidence: DeliveryEvidence | null;
  createdAt: string;
  sentAt: string | null;
  nextAttemptAt: string | null;
}

/** `GET /api/v1/delivery/messages/:id/timeline`, read as the `delivery-events` list filtered by `deliveryId`. */
export interface DeliveryEventRecord {
  id: string;
  occurredAt: string;
  type: 'queued' | 'delivered' | 'dropped' | 'deferred' | 'bounced' | 'opened' | 'clicked' | 'unsubscribed' | 'complained';
  /** Machine opens (privacy proxies) and link scanners. */
  machine: boolean;
  detail: Record<string, string | number | boolean | null>;
}

export type DomainTlsStatus = 'tls_ok' | 'no_tls' | 'tls_failed' | 'unreachable' | 'unknown';

/** `GET /api/v1/delivery/domains`: a recipient domain's last known TLS capability; `id` is the domain. */
export interface DomainTlsRecord {
  id: string;
  domain: string;
  status: DomainTlsStatus;
  reason: string | null;
  mxHost: string | null;
  mxIp: string | null;
  tlsVersion: string | null;
  cipher: string | null;
  certVerified: boolean | null;
  mtaStsMode: string | null;
  probedAt: string;
  nextProbeAt: string;
}

/** `GET /api/v1/delivery/sending-domains`: a domain mail is sent from, with the DNS records to publish. */
export interface SendingDomainRecord {
  id: number;
  domain: string;
  selector: string;
  isDefault: boolean;
  createdAt: string;
  dns: { type: 'TXT'; name: string; value: string; purpose: string }[];
}

/** `GET /api/v1/delivery/tls-report`: failures and successes per recipient domain, shaped as an RFC 8460 report. */
export interface TlsReport {
  'organization-name': string;
  'date-range': { 'start-datetime': string; 'end-datetime': string };
  'contact-info': string;
  'report-id': string;
  policies: {
    policy: { 'policy-type': string; 'policy-domain': string };
    summary: { 'total-successful-session-count': number; 'total-failure-session-count': number };
    'failure-details': {
      'result-type': string;
      'receiving-mx-hostname': string | null;
      'receiving-ip': string | null;
      'failed-session-count': number;
      'failure-reason-code': string | null;
    }[];
  }[];
}

/**
 * Calls outside react-admin's CRUD vocabulary. Through `useDataProvider`, a 401/403 resolves
 * with `{ data: {} }` once the auth provider has handled it, so callers check the shape.
 */
export interface HipaaDataProvider extends DataProvider {
  getDashboard(params?: { signal?: AbortSignal }): Promise<{ data: DashboardSummary }>;
  /** `POST /users/:id/unlock`, `/reset-mfa`, `/revoke-sessions`. */
  userAction(id: Identifier, action: UserAction): Promise<{ data: Partial<UserRecord> & { revoked?: number } }>;
  /** `DELETE /api-keys/:id`: the key stays listed, with status `revoked`. */
  revokeApiKey(id: Identifier): Promise<{ data: Partial<ApiKeyRecord> }>;
  verifyAuditChain(params?: { signal?: AbortSignal }): Promise<{ data: Partial<ChainVerification> }>;
  /** `POST /contacts/:id/reveal`: every PHI value, audited. Keep the answer in component state only. */
  revealContact(id: Identifier): Promise<{ data: Partial<RevealedContact> }>;
  /** `GET /contacts/:id/export`: the full record (PHI, consent ledger with evidence), audited. */
  exportContact(id: Identifier): Promise<{ data: unknown }>;
  /** `DELETE /contacts/:id`: PHI removed for good; the record stays, marked erased. */
  eraseContact(id: Identifier): Promise<{ data: Partial<ContactRecord> }>;
  recordConsent(id: Identifier, change: ConsentChange): Promise<{ data: { topic?: string; status?: ConsentStatus; confirmationSent?: boolean } }>;
  /** `POST /suppressions`; `created` is false when the address was already suppressed. */
  addSuppression(params: { email: string; reason: SuppressionReason }): Promise<{ data: { created?: boolean } }>;
  /** `POST /imports` with the file as the raw body; answers the import with its detected format. */
  uploadImport(file: File, options?: { onProgress?: (sent: number, total: number) => void; signal?: AbortSignal }): Promise<{ data: Partial<ImportRecord> }>;
  /** The first rows of the file: PHI, audited. Keep the answer in component state only. */
  previewImport(id: Identifier, params?: { signal?: AbortSignal }): Promise<{ data: Partial<ImportPreview> }>;
  configureImport(id: Identifier, configuration: ImportConfiguration): Promise<{ data: Partial<ImportRecord> }>;
  /** `POST /imports/:id/validate` (a dry run that writes nothing) or `/start`. */
  runImport(id: Identifier, mode: 'validate' | 'start'): Promise<{ data: Partial<ImportRecord> }>;
  cancelImport(id: Identifier): Promise<{ data: Partial<ImportRecord> }>;
  /** Count and masked sample of a rule being edited. Keep the answer in component state only. */
  previewSegment(rule: SegmentRule, params?: { signal?: AbortSignal }): Promise<{ data: Partial<SegmentPreview> }>;
  countSegment(id: Identifier, params?: { signal?: AbortSignal }): Promise<{ data: Partial<SegmentCount> }>;
  /** `POST /segments/:id/snapshots`: freezes the member list now (audited). */
  takeSegmentSnapshot(id: Identifier): Promise<{ data: Partial<SegmentSnapshot> }>;
  segmentSnapshots(id: Identifier, params?: { signal?: AbortSignal }): Promise<{ data: SegmentSnapshot[]; total: number }>;
  /** Renders with one real contact's data: needs phi:reveal, audited. Keep the answer in component state only. */
  previewTemplateAsContact(id: Identifier, version: number, contactId: string): Promise<{ data: Partial<RenderedTemplate> }>;
  getTemplateVersion(id: Identifier, version: number, params?: { signal?: AbortSignal }): Promise<{ data: Partial<TemplateVersion> }>;
  /** `PATCH /templates/:id/draft`: edits the draft, or starts the next one after a publication. */
  saveTemplateDraft(id: Identifier, content: TemplateContent): Promise<{ data: Partial<TemplateSaveResult> }>;
  publishTemplate(id: Identifier): Promise<{ data: Partial<TemplateSaveResult> }>;
  previewTemplate(id: Identifier, version: number, params?: { signal?: AbortSignal }): Promise<{ data: Partial<RenderedTemplate> }>;
  /** `POST /templates/:id/versions/:version/test-send`: one delivery per seed address. */
  sendTemplateTest(id: Identifier, version: number, addresses: string[]): Promise<{ data: Partial<{ deliveryIds: string[] }> }>;
  /** `POST /delivery/domains/probe`: EHLO + STARTTLS to the domain's MX, no message; the answer is kept. */
  probeDomain(domain: string): Promise<{ data: Partial<DomainTlsRecord> }>;
  getTlsReport(params?: { from?: string; to?: string; signal?: AbortSignal }): Promise<{ data: Partial<TlsReport> }>;
}

interface ListBody<T> {
  data: T[];
  total: number;
}

/** The backend caps a page; getMany asks for ids in batches no larger than this. */
const MAX_PER_PAGE = 100;

/**
 * Resources whose list endpoint takes no `ids` filter: getMany reads them one at a time. The
 * pages that reference them (audit actors, API key creators) show a handful of distinct ids.
 */
const FETCHED_ONE_BY_ONE = new Set(['users']);

/**
 * Short, unpaginated collections the backend answers whole, with no `GET /:id` for some of them:
 * getOne and getMany pick from the list.
 */
const FETCHED_WHOLE = new Set(['attributes', 'topics', 'authorization-texts', 'sending-domains']);

/**
 * Nested collections read as resources of their own, so that pages use react-admin's hooks
 * (cache, refetch, polling): the consent overview of a contact, the error rows of an import.
 */
const CONTACT_CONSENTS = 'contact-consents';
const IMPORT_ERRORS = 'import-errors';
const DELIVERY_EVENTS = 'delivery-events';

/** Resources whose API lives under another path. */
const API_PATHS: Readonly<Partial<Record<string, string>>> = {
  deliveries: '/delivery/messages',
  'domain-tls': '/delivery/domains',
  'sending-domains': '/delivery/sending-domains',
  'inbound-messages': '/integrations/inbound-messages',
};

/** A list answer as `{ data, total }`, whether the endpoint answers that, a bare array, or `{ items, total }`. */
function listBody<T>(body: ListBody<T> | T[] | { items: T[]; total: number }): ListBody<T> {
  if (Array.isArray(body)) return { data: body, total: body.length };
  if ('items' in body) return { data: body.items, total: body.total };
  return body;
}

/** What the API answers, as the UI reads it: a topic's `archived` flag is what its PATCH takes. */
function fromApi<R>(resource: string, record: R): R {
  if (resource === 'topics') {
    const topic = record as unknown as TopicRecord;
    return { ...topic, archived: topic.archivedAt !== null } as R;
  }
  // A domain's TLS record is identified by the domain itself.
  if (resource === 'domain-tls') return { ...record, id: (record as unknown as DomainTlsRecord).domain };
  return record;
}

function notFound(resource: string): HttpError {
  return new HttpError(`No such ${resource.replace(/s$/, '')}`, 404, { statusCode: 404, code: 'not_found' });
}

const collection = (resource: string): string => API_PATHS[resource] ?? `/${encodeURIComponent(resource)}`;
const item = (resource: string, id: Identifier): string => `${collection(resource)}/${encodeURIComponent(String(id))}`;

interface ListQuery {
  page?: number;
  perPage?: number;
  sort?: string;
  order?: string;
  filter?: unknown;
}

function listQuery({ page, perPage, sort, order, filter }: ListQuery): Record<string, string | number | undefined> {
  const hasFilter = typeof filter === 'object' && filter !== null && Object.keys(filter).length > 0;
  return {
    page,
    perPage,
    sort,
    order,
    filter: hasFilter ? JSON.stringify(filter) : undefined,
  };
}

async function fetchList<T extends RaRecord>(resource: string, query: ListQuery, signal?: AbortSignal): Promise<ListBody<T>> {
  const { body } = await httpClient<ListBody<T> | T[] | { items: T[]; total: number }>(collection(resource), { query: listQuery(query), signal });
  const { data, total } = listBody(body);
  return { data: data.map((record) => fromApi(resource, record)), total };
}

async function fetchWhole<T extends RaRecord>(resource: string, signal?: AbortSignal): Promise<T[]> {
  return (await fetchList<T>(resource, { page: 1, perPage: 500 }, signal)).data;
}

/**
 * Contacts by exact e-mail address. The address is PHI, so it travels in a POST body
 * (`/contacts/lookup`), never in a URL; the other filters then apply to the one id found.
 */
async function contactsByEmail<R extends RaRecord>(query: ListQuery & { filter: Record<string, unknown> }, signal?: AbortSignal): Promise<ListBody<R>> {
  const { email, ...rest } = query.filter;
  let id: string;
  try {
    const { body } = await httpClient<ContactRecord>('/contacts/lookup', { method: 'POST', body: { email }, signal });
    id = body.id;
  } catch (error) {
    if (error instanceof HttpError && error.status === 404) return { data: [], total: 0 };
    throw error;
  }
  return fetchList<R>('contacts', { ...query, filter: { ...rest, ids: [id] } }, signal);
}

/** Only the fields that differ from the record as loaded, so a PATCH never rewrites untouched data. */
function changedFields(data: Record<string, unknown>, previous: Record<string, unknown> | undefined) {
  const changes: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    if (key === 'id') continue;
    if (!previous || JSON.stringify(value) !== JSON.stringify(previous[key])) changes[key] = value;
  }
  return changes;
}

function chunks<T>(values: T[], size: number): T[][] {
  const result: T[][] = [];
  for (let i = 0; i < values.length; i += size) result.push(values.slice(i, i + size));
  return result;
}

/**
 * The backend's REST conventions: `GET /api/v1/<resource>?page&perPage&sort&order&filter=<json>`
 * answers `{ data, total }`; one record is `/api/v1/<resource>/<id>` (GET, PATCH, DELETE);
 * `POST /api/v1/<resource>` creates. getMany is a list filtered by `ids`.
 */
export const dataProvider: HipaaDataProvider = {
  supportAbortSignal: true,

  async getList<R extends RaRecord>(resource: string, { pagination, sort, filter, signal }: GetListParams): Promise<GetListResult<R>> {
    const query: ListQuery = { page: pagination?.page, perPage: pagination?.perPage, sort: sort?.field, order: sort?.order, filter };
    if (resource === DELIVERY_EVENTS) {
      const { deliveryId } = filter as { deliveryId?: Identifier };
      if (deliveryId === undefined) return { data: [], total: 0 };
      const { body } = await httpClient<R[]>(`${item('deliveries', deliveryId)}/timeline`, { signal });
      return { data: body, total: body.length };
    }
    if (resource === IMPORT_ERRORS) {
      const { importId, ...rest } = filter as { importId?: Identifier };
      if (importId === undefined) return { data: [], total: 0 };
      const { body } = await httpClient<ListBody<R>>(`${item('imports', importId)}/errors`, { query: listQuery({ ...query, filter: rest }), signal });
      return body;
    }
    if (resource === 'contacts' && typeof filter === 'object' && filter !== null && typeof (filter as { email?: unknown }).email === 'string') {
      return contactsByEmail<R>({ ...query, filter: filter as Record<string, unknown> }, signal);
    }
    const { data, total } = await fetchList<R>(resource, query, signal);
    return { data, total };
  },

  async getOne<R extends RaRecord>(resource: string, { id, signal }: GetOneParams<R>): Promise<GetOneResult<R>> {
    if (resource === CONTACT_CONSENTS) {
      const { body } = await httpClient<Omit<ContactConsentsRecord, 'id'>>(`${item('contacts', id)}/consents`, { signal });
      return { data: { ...body, id } as unknown as R };
    }
    if (FETCHED_WHOLE.has(resource)) {
      const found = (await fetchWhole<R>(resource, signal)).find((record) => String(record.id) === String(id));
      if (!found) throw notFound(resource);
      return { data: found };
    }
    const { body } = await httpClient<R>(item(resource, id), { signal });
    return { data: fromApi(resource, body) };
  },

  async getMany<R extends RaRecord>(resource: string, { ids, signal }: GetManyParams<R>): Promise<GetManyResult<R>> {
    if (FETCHED_WHOLE.has(resource)) {
      const wanted = new Set(ids.map(String));
      return { data: (await fetchWhole<R>(resource, signal)).filter((record) => wanted.has(String(record.id))) };
    }
    if (FETCHED_ONE_BY_ONE.has(resource)) {
      // A record that no longer exists (or was never one of these, e.g. an audit actor id) is left out.
      const settled = await Promise.allSettled(ids.map((id) => httpClient<R>(item(resource, id), { signal })));
      return { data: settled.flatMap((result) => (result.status === 'fulfilled' ? [result.value.body] : [])) };
    }
    const data: R[] = [];
    for (const batch of chunks(ids, MAX_PER_PAGE)) {
      const page = await fetchList<R>(resource, { page: 1, perPage: batch.length, filter: { ids: batch } }, signal);
      data.push(...page.data);
    }
    return { data };
  },

  async getManyReference<R extends RaRecord>(
    resource: string,
    { target, id, pagination, sort, filter, signal }: GetManyReferenceParams,
  ): Promise<GetManyReferenceResult<R>> {
    const { data, total } = await fetchList<R>(
      resource,
      {
        page: pagination.page,
        perPage: pagination.perPage,
        sort: sort.field,
        order: sort.order,
        filter: { ...filter, [target]: id },
      },
      signal,
    );
    return { data, total };
  },

  async create<R extends Omit<RaRecord, 'id'>, Result extends RaRecord = R & { id: Identifier }>(
    resource: string,
    { data }: CreateParams<R>,
  ): Promise<CreateResult<Result>> {
    const { body } = await httpClient<Result>(collection(resource), { method: 'POST', body: data });
    // A template is created with its first draft: `{ template, version, warnings }`.
    if (resource === 'templates') return { data: (body as unknown as TemplateSaveResult).template as unknown as Result };
    return { data: fromApi(resource, body) };
  },

  async update<R extends RaRecord>(resource: string, { id, data, previousData }: UpdateParams<R>): Promise<UpdateResult<R>> {
    const { body } = await httpClient<R>(item(resource, id), {
      method: 'PATCH',
      body: changedFields(data, previousData),
    });
    return { data: fromApi(resource, body) };
  },

  async updateMany(resource, { ids, data }) {
    // Sequential on purpose: each call writes its own audit event and may fail on its own.
    for (const id of ids) {
      await httpClient(item(resource, id), { method: 'PATCH', body: changedFields(data as Record<string, unknown>, undefined) });
    }
    return { data: ids };
  },

  async delete<R extends RaRecord>(resource: string, { id, previousData }: DeleteParams<R>): Promise<DeleteResult<R>> {
    await httpClient(item(resource, id), { method: 'DELETE' });
    // The backend answers 204; react-admin only needs the record's id back.
    return { data: previousData ?? ({ id } as R) };
  },

  async deleteMany(resource, { ids }) {
    for (const id of ids) {
      await httpClient(item(resource, id), { method: 'DELETE' });
    }
    return { data: ids };
  },

  async getDashboard({ signal } = {}) {
    const { body } = await httpClient<DashboardSummary>('/dashboard', { signal });
    return { data: body };
  },

  async userAction(id, action) {
    const { body } = await httpClient<UserRecord | { revoked: number }>(`${item('users', id)}/${action}`, { method: 'POST' });
    return { data: body };
  },

  async revokeApiKey(id) {
    const { body } = await httpClient<ApiKeyRecord>(item('api-keys', id), { method: 'DELETE' });
    return { data: body };
  },

  async verifyAuditChain({ signal } = {}) {
    const { body } = await httpClient<ChainVerification>('/audit-events/verify', { signal });
    return { data: body };
  },

  async revealContact(id) {
    const { body } = await httpClient<RevealedContact>(`${item('contacts', id)}/reveal`, { method: 'POST' });
    return { data: body };
  },

  async exportContact(id) {
    const { body } = await httpClient(`${item('contacts', id)}/export`);
    return { data: body };
  },

  async eraseContact(id) {
    const { body } = await httpClient<ContactRecord>(item('contacts', id), { method: 'DELETE' });
    return { data: body };
  },

  async recordConsent(id, change) {
    const { body } = await httpClient<{ topic: string; status: ConsentStatus; confirmationSent: boolean }>(`${item('contacts', id)}/consents`, {
      method: 'POST',
      body: change,
    });
    return { data: body };
  },

  async addSuppression({ email, reason }) {
    const { body } = await httpClient<{ created: boolean }>('/suppressions', { method: 'POST', body: { email, reason } });
    return { data: body };
  },

  async uploadImport(file, { onProgress, signal } = {}) {
    const { body } = await uploadFile<ImportRecord>('/imports', file, 'text/csv', {
      headers: { 'x-file-name': encodeURIComponent(file.name) },
      onProgress,
      signal,
    });
    return { data: body };
  },

  async previewImport(id, { signal } = {}) {
    const { body } = await httpClient<ImportPreview>(`${item('imports', id)}/preview`, { signal });
    return { data: body };
  },

  async configureImport(id, configuration) {
    const { body } = await httpClient<ImportRecord>(`${item('imports', id)}/configuration`, { method: 'PUT', body: configuration });
    return { data: body };
  },

  async runImport(id, mode) {
    const { body } = await httpClient<ImportRecord>(`${item('imports', id)}/${mode}`, { method: 'POST' });
    return { data: body };
  },

  async cancelImport(id) {
    const { body } = await httpClient<ImportRecord>(`${item('imports', id)}/cancel`, { method: 'POST' });
    return { data: body };
  },

  async previewSegment(rule, { signal } = {}) {
    const { body } = await httpClient<SegmentPreview>('/segments/preview', { method: 'POST', body: { rule }, signal });
    return { data: body };
  },

  async countSegment(id, { signal } = {}) {
    const { body } = await httpClient<SegmentCount>(`${item('segments', id)}/count`, { signal });
    return { data: body };
  },

  async takeSegmentSnapshot(id) {
    const { body } = await httpClient<SegmentSnapshot>(`${item('segments', id)}/snapshots`, { method: 'POST' });
    return { data: body };
  },

  async segmentSnapshots(id, { signal } = {}) {
    const { body } = await httpClient<ListBody<SegmentSnapshot>>(`${item('segments', id)}/snapshots`, { query: { perPage: 100 }, signal });
    return body;
  },

  async previewTemplateAsContact(id, version, contactId) {
    const { body } = await httpClient<RenderedTemplate>(`${item('templates', id)}/versions/${version}/preview`, { method: 'POST', body: { contactId } });
    return { data: body };
  },

  async getTemplateVersion(id, version, { signal } = {}) {
    const { body } = await httpClient<TemplateVersion>(`${item('templates', id)}/versions/${version}`, { signal });
    return { data: body };
  },

  async saveTemplateDraft(id, content) {
    const { body } = await httpClient<TemplateSaveResult>(`${item('templates', id)}/draft`, { method: 'PATCH', body: content });
    return { data: body };
  },

  async publishTemplate(id) {
    const { body } = await httpClient<TemplateSaveResult>(`${item('templates', id)}/publish`, { method: 'POST' });
    return { data: body };
  },

  async previewTemplate(id, version, { signal } = {}) {
    const { body } = await httpClient<RenderedTemplate>(`${item('templates', id)}/versions/${version}/preview`, { method: 'POST', body: {}, signal });
    return { data: body };
  },

  async sendTemplateTest(id, version, addresses) {
    const { body } = await httpClient<{ deliveryIds: string[] }>(`${item('templates', id)}/versions/${version}/test-send`, {
      method: 'POST',
      body: { addresses },
    });
    return { data: body };
  },

  async probeDomain(domain) {
    const { body } = await httpClient<DomainTlsRecord>(`${collection('domain-tls')}/probe`, { method: 'POST', body: { domain } });
    return { data: fromApi('domain-tls', body) };
  },

  async getTlsReport({ from, to, signal } = {}) {
    const { body } = await httpClient<TlsReport>('/delivery/tls-report', { query: { from, to }, signal });
    return { data: body };
  },
};

/** The CSV of an import's error rows (row, column, reason; never a value from the file). A plain link downloads it. */
export function importErrorReportUrl(id: Identifier): string {
  return `${API_PREFIX}${item('imports', id)}/errors.csv`;
}

/**
 * The CSV export of the audit log for the given filters. A plain link downloads it: the session
 * cookie is same-origin, and a GET needs no CSRF header.
 */
export function auditExportUrl(filter: AuditFilter): string {
  const query = listQuery({ filter });
  return `${API_PREFIX}/audit-events/export.csv${query.filter === undefined ? '' : `?filter=${encodeURIComponent(String(query.filter))}`}`;
}
