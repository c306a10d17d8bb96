/**
 * The redaction layer every log line passes through. PHI-bearing keys lose their values,
 * e-mail addresses are masked wherever they appear in a string, and long digit runs that look
 * like phone numbers, MRNs or SSNs are masked too. Redaction is by key name and by pattern,
 * so it also catches PHI that arrives inside error messages or free text.
 */
export const REDACTED = '[REDACTED]';

const PHI_KEYS = [
  'email',
  'emails',
  'emailaddress',
  'to',
  'cc',
  'bcc',
  'recipient',
  'recipients',
  'firstname',
  'lastname',
  'givenname',
  'familyname',
  'fullname',
  'name',
  'names',
  'birthdate',
  'dateofbirth',
  'dob',
  'age',
  'sex',
  'gender',
  'phone',
  'phonenumber',
  'mobile',
  'telecom',
  'address',
  'street',
  'city',
  'postalcode',
  'zip',
  'zipcode',
  'ssn',
  'mrn',
  'patientid',
  'memberid',
  'identifier',
  'identifiers',
  'condition',
  'conditions',
  'diagnosis',
  'diagnoses',
  'icd10',
  'snomed',
  'lastvisit',
  'nextvisit',
  'visits',
  'visithistory',
  'insurance',
  'insurancestatus',
  'insuranceplan',
  'plan',
  'provider',
  'primaryprovider',
  'attributes',
  'phi',
  'password',
  'passwordhash',
  'secret',
  'token',
  'totp',
  'otp',
  'code',
  'recoverycode',
  'apikey',
  'authorization',
  'cookie',
  'set-cookie',
  'body',
  'html',
  'text',
  'subject',
  'payload',
];
const PHI_KEY_SET = new Set(PHI_KEYS);

const EMAIL = /[A-Z0-9._%+-]+@[A-Z0-9.-]+\.[A-Z]{2,}/gi;
// 7+ digits, possibly separated by spaces, dots, dashes or parentheses (phones, MRNs, SSNs).
const LONG_NUMBER = /(?<![\w-])\(?\d{3}\)?[\s.-]?\d{2,4}[\s.-]?\d{3,4}(?![\w-])/g;
// Calendar dates in free text (birth dates, visit dates): ISO and US forms.
const DATE = /\b(?:\d{4}-\d{2}-\d{2}|\d{1,2}\/\d{1,2}\/\d{2,4})\b/g;

function normalizeKey(key: string): string {
  return key.toLowerCase().replace(/[_\s]/g, '');
}

export function isPhiKey(key: string): boolean {
  return PHI_KEY_SET.has(normalizeKey(key));
}

export function scrubText(text: string): string {
  return text.replace(EMAIL, '[email]').replace(DATE, '[date]').replace(LONG_NUMBER, '[number]');
}

/** Deep copy of `value` with PHI removed. Handles cycles, errors, dates, buffers and arrays. */
export function redact(value: unknown, seen = new WeakSet<object>()): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (value === null || typeof value !== 'object') return value;
  if (value instanceof Date) return value;
  if (Buffer.isBuffer(value)) return `[${value.length} bytes]`;
  if (seen.has(value)) return '[Circular]';
  seen.add(value);
  if (value instanceof Error) {
    const out: Record<string, unknown> = {
      type: value.name,
      message: scrubText(value.message),
      stack: value.stack ? scrubText(value.stack) : undefined,
    };
    const code = (value as { code?: unknown }).code;
    if (typeof code === 'string' || typeof code === 'number') out.code = code;
    return out;
  }
  if (Array.isArray(value)) return value.map((item) => redact(item, seen));
  const out: Record<string, unknown> = {};
  for (const [key, inner] of Object.entries(value)) {
    out[key] = isPhiKey(key) && inner !== undefined && inner !== null ? REDACTED : redact(inner, seen);
  }
  return out;
}
