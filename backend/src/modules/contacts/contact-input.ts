import type { FieldProblem } from '../../platform/errors/index.js';

/** Sex as recorded for segmentation (administrative sex, as FHIR's Patient.gender). */
export const SEXES = ['female', 'male', 'other', 'unknown'] as const;
export const INSURANCE_STATUSES = ['commercial', 'medicare', 'medicaid', 'tricare', 'uninsured', 'other'] as const;
export const IDENTIFIER_KINDS = ['mrn', 'member', 'patient', 'other'] as const;
export const CODE_SYSTEMS = ['ICD-10', 'SNOMED-CT', 'other'] as const;

export type Sex = (typeof SEXES)[number];
export type InsuranceStatus = (typeof INSURANCE_STATUSES)[number];

export interface ContactIdentifier {
  kind: (typeof IDENTIFIER_KINDS)[number];
  system: string;
  value: string;
}

export interface ContactCondition {
  system: (typeof CODE_SYSTEMS)[number];
  code: string;
  display?: string;
}

/** Everything about a contact that is PHI: stored only inside one ciphertext. */
export interface ContactPhi {
  email: string;
  firstName?: string;
  lastName?: string;
  birthDate?: string;
  sex?: Sex;
  phone?: string;
  postalCode?: string;
  state?: string;
  identifiers?: ContactIdentifier[];
  conditions?: ContactCondition[];
  lastVisitDate?: string;
  nextVisitDate?: string;
  visitCount12m?: number;
  visitSummary?: string;
  insuranceStatus?: InsuranceStatus;
  insurancePlan?: string;
  primaryProvider?: string;
  /** Custom attributes marked PHI. */
  attributes?: Record<string, AttributeValue>;
}

export type AttributeValue = string | number | boolean | string[];

/** A validated contact as the API and the importer hand it to the writer. */
export interface ContactInput {
  phi: ContactPhi;
  timeZone?: string;
  language?: string;
  /** Custom attributes not marked PHI: stored in plain jsonb. */
  attributes: Record<string, AttributeValue>;
}

export interface AttributeDefinition {
  key: string;
  type: 'text' | 'enum' | 'number' | 'date' | 'boolean' | 'list';
  options: string[];
  isPhi: boolean;
}

export const CONTACT_FIELDS = [
  'email',
  'firstName',
  'lastName',
  'birthDate',
  'sex',
  'phone',
  'postalCode',
  'state',
  'timeZone',
  'language',
  'identifiers',
  'conditions',
  'lastVisitDate',
  'nextVisitDate',
  'visitCount12m',
  'visitSummary',
  'insuranceStatus',
  'insurancePlan',
  'primaryProvider',
  'attributes',
] as const;

const EMAIL = /^[^\s@"<>(),;:]{1,64}@[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?)+$/i;
const STATES = new Set(
  'AL AK AZ AR CA CO CT DE FL GA HI ID IL IN IA KS KY LA ME MD MA MI MN MS MO MT NE NV NH NJ NM NY NC ND OH OK OR PA RI SC SD TN TX UT VT VA WA WV WI WY DC PR VI GU AS MP'.split(
    ' ',
  ),
);
const ZONES = new Set(Intl.supportedValuesOf('timeZone'));
ZONES.add('UTC');

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

const ISO_DATE = /^(\d{4})-(\d{1,2})-(\d{1,2})$/;
const US_DATE = /^(\d{1,2})\/(\d{1,2})\/(\d{4})$/;

/** Today as YYYY-MM-DD (UTC), worked out once a second rather than once a row. */
let todayCache = { second: -1, iso: '' };
function todayIso(): string {
  const second = Math.floor(Date.now() / 1000);
  if (second !== todayCache.second) todayCache = { second, iso: new Date(second * 1000).toISOString().slice(0, 10) };
  return todayCache.iso;
}

/** ISO (YYYY-MM-DD) or US (M/D/YYYY) to ISO; undefined when not a real calendar date. */
export function parseDate(input: string): string | undefined {
  const text = input.trim();
  let y: number;
  let m: number;
  let d: number;
  let match = ISO_DATE.exec(text);
  if (match) {
    y = Number(match[1]);
    m = Number(match[2]);
    d = Number(match[3]);
  } else if ((match = US_DATE.exec(text))) {
    m = Number(match[1]);
    d = Number(match[2]);
    y = Number(match[3]);
  } else return undefined;
  const date = new Date(Date.UTC(y, m - 1, d));
  if (date.getUTCFullYear() !== y || date.getUTCMonth() !== m - 1 || date.getUTCDate() !== d || y < 1900 || y > 2200) return undefined;
  return `${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')}`;
}

function normalizePhone(input: string): string | undefined {
  const digits = input.replace(/[^\d+]/g, '');
  if (/^\+\d{8,15}$/.test(digits)) return digits;
  const plain = digits.replace(/\+/g, '');
  if (plain.length === 10) return `+1${plain}`;
  if (plain.length === 11 && plain.startsWith('1')) return `+${plain}`;
  return undefined;
}

const text =
  (max: number) =>
  (v: unknown): string | undefined => {
    if (typeof v !== 'string') return undefined;
    const t = v.trim();
    return t.length > 0 && t.length <= max ? t : undefined;
  };
const text40 = text(40);
const text100 = text(100);
const text200 = text(200);
const text500 = text(500);
const present = (v: unknown) => v !== undefined && v !== null && v !== '';
const KNOWN_FIELDS = new Set<string>(CONTACT_FIELDS);

/**
 * Validates and normalises one contact. Problems name the field and the rule, never the value,
 * so they can go into error reports and responses without carrying PHI.
 */
export function validateContact(
  raw: Record<string, unknown>,
  definitions: ReadonlyMap<string, AttributeDefinition>,
  path = '',
): { value?: ContactInput; problems: FieldProblem[] } {
  const problems: FieldProblem[] = [];
  const at = (field: string) => (path ? `${path}.${field}` : field);
  const bad = (field: string, message: string) => problems.push({ field: at(field), message });

  for (const key in raw) if (!KNOWN_FIELDS.has(key)) bad(key, 'unknown field');

  const phi: ContactPhi = { email: '' };
  if (typeof raw.email !== 'string' || !raw.email.trim()) bad('email', 'required');
  else if (!EMAIL.test(raw.email.trim()) || raw.email.length > 254) bad('email', 'not a valid e-mail address');
  else phi.email = normalizeEmail(raw.email);

  for (const field of ['firstName', 'lastName'] as const) {
    if (!present(raw[field])) continue;
    const v = text100(raw[field]);
    if (v === undefined) bad(field, 'must be text of at most 100 characters');
    else phi[field] = v;
  }
  for (const field of ['birthDate', 'lastVisitDate', 'nextVisitDate'] as const) {
    if (!present(raw[field])) continue;
    const v = typeof raw[field] === 'string' ? parseDate(raw[field]) : undefined;
    if (!v) bad(field, 'must be a date as YYYY-MM-DD or MM/DD/YYYY');
    else if (field === 'birthDate' && v > todayIso()) bad(field, 'must not be in the future');
    else phi[field] = v;
  }
  if (present(raw.sex)) {
    const v = typeof raw.sex === 'string' ? raw.sex.trim().toLowerCase() : '';
    const mapped = v === 'f' ? 'female' : v === 'm' ? 'male' : v;
    if (!(SEXES as readonly string[]).includes(mapped)) bad('sex', `must be one of ${SEXES.join(', ')}`);
    else phi.sex = mapped as Sex;
  }
  if (present(raw.phone)) {
    const v = typeof raw.phone === 'string' ? normalizePhone(raw.phone) : undefined;
    if (!v) bad('phone', 'not a valid phone number');
    else phi.phone = v;
  }
  if (present(raw.postalCode)) {
    const v = typeof raw.postalCode === 'string' || typeof raw.postalCode === 'number' ? String(raw.postalCode).trim() : '';
    const m = /^(\d{5})(?:-?(\d{4}))?$/.exec(v.length === 4 ? `0${v}` : v);
    if (!m) bad('postalCode', 'must be a 5-digit ZIP code (ZIP+4 accepted)');
    else phi.postalCode = m[2] ? `${m[1]}-${m[2]}` : m[1];
  }
  if (present(raw.state)) {
    const v = typeof raw.state === 'string' ? raw.state.trim().toUpperCase() : '';
    if (!STATES.has(v)) bad('state', 'must be a 2-letter US state or territory code');
    else phi.state = v;
  }
  let timeZone: string | undefined;
  if (present(raw.timeZone)) {
    if (typeof raw.timeZone !== 'string' || !ZONES.has(raw.timeZone.trim())) bad('timeZone', 'must be an IANA time zone such as America/New_York');
    else timeZone = raw.timeZone.trim();
  }
  let language: string | undefined;
  if (present(raw.language)) {
    const v = typeof raw.language === 'string' ? raw.language.trim() : '';
    if (!/^[a-z]{2,3}(-[A-Za-z0-9]{2,8})*$/.test(v)) bad('language', 'must be a language tag such as en or es-US');
    else language = v;
  }
  if (present(raw.identifiers)) {
    if (!Array.isArray(raw.identifiers) || raw.identifiers.length > 20) bad('identifiers', 'must be a list of at most 20 identifiers');
    else {
      const list: ContactIdentifier[] = [];
      raw.identifiers.forEach((item: unknown, i) => {
        const o = (item ?? {}) as Record<string, unknown>;
        const kind = typeof o.kind === 'string' ? o.kind : 'other';
        const system = text200(o.system);
        const value = typeof o.value === 'number' ? String(o.value) : text100(o.value);
        if (!(IDENTIFIER_KINDS as readonly string[]).includes(kind)) bad(`identifiers[${i}].kind`, `must be one of ${IDENTIFIER_KINDS.join(', ')}`);
        else if (!system) bad(`identifiers[${i}].system`, 'required');
        else if (!value) bad(`identifiers[${i}].value`, 'required');
        else list.push({ kind: kind as ContactIdentifier['kind'], system, value });
      });
      phi.identifiers = list;
    }
  }
  if (present(raw.conditions)) {
    if (!Array.isArray(raw.conditions) || raw.conditions.length > 100) bad('conditions', 'must be a list of at most 100 conditions');
    else {
      const list: ContactCondition[] = [];
      raw.conditions.forEach((item: unknown, i) => {
        const o = (typeof item === 'string' ? { system: 'ICD-10', code: item } : (item ?? {})) as Record<string, unknown>;
        const system = typeof o.system === 'string' ? normalizeCodeSystem(o.system) : 'ICD-10';
        const code = text40(o.code)?.toUpperCase();
        if (!system) bad(`conditions[${i}].system`, `must be one of ${CODE_SYSTEMS.join(', ')}`);
        else if (!code) bad(`conditions[${i}].code`, 'required');
        else if (system === 'ICD-10' && !/^[A-TV-Z][0-9][0-9AB](\.?[0-9A-TV-Z]{1,4})?$/.test(code)) bad(`conditions[${i}].code`, 'not an ICD-10 code');
        else if (system === 'SNOMED-CT' && !/^\d{6,18}$/.test(code)) bad(`conditions[${i}].code`, 'not a SNOMED CT concept id');
        else {
          const display = text200(o.display);
          list.push({
            system,
            code: system === 'ICD-10' && !code.includes('.') && code.length > 3 ? `${code.slice(0, 3)}.${code.slice(3)}` : code,
            ...(display ? { display } : {}),
          });
        }
      });
      phi.conditions = list;
    }
  }
  if (present(raw.visitCount12m)) {
    const v = Number(raw.visitCount12m);
    if (!Number.isInteger(v) || v < 0 || v > 10_000) bad('visitCount12m', 'must be a whole number from 0');
    else phi.visitCount12m = v;
  }
  if (present(raw.visitSummary)) {
    const v = text500(raw.visitSummary);
    if (v === undefined) bad('visitSummary', 'must be text of at most 500 characters');
    else phi.visitSummary = v;
  }
  if (present(raw.insuranceStatus)) {
    const v = typeof raw.insuranceStatus === 'string' ? raw.insuranceStatus.trim().toLowerCase() : '';
    if (!(INSURANCE_STATUSES as readonly string[]).includes(v)) bad('insuranceStatus', `must be one of ${INSURANCE_STATUSES.join(', ')}`);
    else phi.insuranceStatus = v as InsuranceStatus;
  }
  for (const field of ['insurancePlan', 'primaryProvider'] as const) {
    if (!present(raw[field])) continue;
    const v = text200(raw[field]);
    if (v === undefined) bad(field, 'must be text of at most 200 characters');
    else phi[field] = v;
  }
  const plainAttributes: Record<string, AttributeValue> = {};
  if (present(raw.attributes)) {
    if (typeof raw.attributes !== 'object' || Array.isArray(raw.attributes)) bad('attributes', 'must be an object of custom attributes');
    else {
      const phiAttributes: Record<string, AttributeValue> = {};
      for (const [key, value] of Object.entries(raw.attributes as Record<string, unknown>)) {
        const def = definitions.get(key);
        if (!def) {
          bad(`attributes.${key}`, 'no such custom attribute is defined');
          continue;
        }
        if (value === null || value === '' || value === undefined) continue;
        const checked = checkAttribute(def, value);
        if (!checked.ok) bad(`attributes.${key}`, checked.message);
        else (def.isPhi ? phiAttributes : plainAttributes)[key] = checked.value;
      }
      if (Object.keys(phiAttributes).length) phi.attributes = phiAttributes;
    }
  }
  if (problems.length) return { problems };
  return { value: { phi, timeZone, language, attributes: plainAttributes }, problems };
}

function normalizeCodeSystem(system: string): ContactCondition['system'] | undefined {
  const s = system.trim().toUpperCase().replace(/[\s_]/g, '-');
  if (s === 'ICD-10' || s === 'ICD10' || s === 'ICD-10-CM' || s === 'HTTP://HL7.ORG/FHIR/SID/ICD-10-CM') return 'ICD-10';
  if (s === 'SNOMED-CT' || s === 'SNOMED' || s === 'SCT' || s === 'HTTP://SNOMED.INFO/SCT') return 'SNOMED-CT';
  if (s === 'OTHER') return 'other';
  return undefined;
}

type Checked = { ok: true; value: AttributeValue } | { ok: false; message: string };
const ok = (value: AttributeValue): Checked => ({ ok: true, value });
const no = (message: string): Checked => ({ ok: false, message });

/** The typed value, or what is wrong with it (never the value itself). */
function checkAttribute(def: AttributeDefinition, value: unknown): Checked {
  switch (def.type) {
    case 'text':
      return typeof value === 'string' && value.length <= 500 ? ok(value.trim()) : no('must be text of at most 500 characters');
    case 'enum': {
      const v = String(value).trim();
      return def.options.includes(v) ? ok(v) : no(`must be one of ${def.options.join(', ')}`);
    }
    case 'number': {
      const n = typeof value === 'number' ? value : Number(String(value).trim());
      return Number.isFinite(n) ? ok(n) : no('must be a number');
    }
    case 'date': {
      const d = typeof value === 'string' ? parseDate(value) : undefined;
      return d ? ok(d) : no('must be a date as YYYY-MM-DD or MM/DD/YYYY');
    }
    case 'boolean': {
      const v = String(value).trim().toLowerCase();
      if (['true', 'yes', 'y', '1'].includes(v)) return ok(true);
      if (['false', 'no', 'n', '0'].includes(v)) return ok(false);
      return no('must be true or false');
    }
    case 'list': {
      const items = Array.isArray(value) ? value.map(String) : String(value).split(/[|;]/);
      const list = items.map((s) => s.trim()).filter(Boolean);
      const unknown = def.options.length ? list.filter((s) => !def.options.includes(s)) : [];
      return unknown.length ? no(`values must be among ${def.options.join(', ')}`) : ok(list);
    }
  }
}
