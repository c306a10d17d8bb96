import type { AttributeDefinition } from '../contacts/index.js';

export type SupportedEncoding = 'utf-8' | 'utf-16le' | 'utf-16be' | 'windows-1252';

/** The encoding of a file from its first bytes: a BOM if there is one, else UTF-8 when it decodes, else Windows-1252. */
export function detectEncoding(head: Buffer): { encoding: SupportedEncoding; bomLength: number } {
  if (head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf) return { encoding: 'utf-8', bomLength: 3 };
  if (head[0] === 0xff && head[1] === 0xfe) return { encoding: 'utf-16le', bomLength: 2 };
  if (head[0] === 0xfe && head[1] === 0xff) return { encoding: 'utf-16be', bomLength: 2 };
  // A multi-byte character may be cut at the end of the sample: ignore the last 3 bytes.
  const sample = head.subarray(0, Math.max(0, head.length - 3));
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(sample);
    return { encoding: 'utf-8', bomLength: 0 };
  } catch {
    return { encoding: 'windows-1252', bomLength: 0 };
  }
}

const CANDIDATES = [',', ';', '\t', '|'] as const;

/** The delimiter that splits the first lines (outside quotes) into the same, largest number of fields. */
export function detectDelimiter(text: string): string {
  const lines = splitLogicalLines(text).slice(0, 20);
  let best: { d: string; score: number } = { d: ',', score: -1 };
  for (const d of CANDIDATES) {
    const counts = lines.map((l) => countOutsideQuotes(l, d));
    if (!counts.length || counts[0] === 0) continue;
    const consistent = counts.filter((c) => c === counts[0]).length / counts.length;
    const score = consistent * 1000 + counts[0];
    if (score > best.score) best = { d, score };
  }
  return best.d;
}

function countOutsideQuotes(line: string, d: string): number {
  let inQuotes = false;
  let n = 0;
  for (const ch of line) {
    if (ch === '"') inQuotes = !inQuotes;
    else if (ch === d && !inQuotes) n++;
  }
  return n;
}

/** Lines that are not inside a quoted field (a quoted field may hold newlines). */
function splitLogicalLines(text: string): string[] {
  const lines: string[] = [];
  let inQuotes = false;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '"') inQuotes = !inQuotes;
    else if (ch === '\n' && !inQuotes) {
      lines.push(text.slice(start, i).replace(/\r$/, ''));
      start = i + 1;
    }
  }
  return lines.filter((l) => l.trim().length > 0);
}

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

export type ColumnMapping =
  | { field: 'ignore' }
  | { field: ScalarField }
  | { field: 'identifier'; kind: 'mrn' | 'member' | 'patient' | 'other'; system: string }
  | { field: 'condition'; system: 'ICD-10' | 'SNOMED-CT' | 'other' }
  | { field: 'attribute'; key: string };

const SYNONYMS: Record<string, ColumnMapping> = {};
const add = (mapping: ColumnMapping, ...names: string[]) => names.forEach((n) => (SYNONYMS[n] = mapping));
add({ field: 'email' }, 'email', 'emailaddress', 'mail', 'emailid', 'patientemail', 'memberemail', 'contactemail');
add({ field: 'firstName' }, 'firstname', 'first', 'givenname', 'fname', 'forename', 'patientfirstname');
add({ field: 'lastName' }, 'lastname', 'last', 'surname', 'familyname', 'lname', 'patientlastname');
add({ field: 'birthDate' }, 'birthdate', 'dob', 'dateofbirth', 'birthday', 'birth');
add({ field: 'sex' }, 'sex', 'gender', 'administrativegender', 'sexatbirth');
add({ field: 'phone' }, 'phone', 'phonenumber', 'mobile', 'cell', 'cellphone', 'mobilephone', 'telephone', 'tel');
add({ field: 'postalCode' }, 'zip', 'zipcode', 'postalcode', 'postcode', 'zip5');
add({ field: 'state' }, 'state', 'st', 'stateprovince', 'region');
add({ field: 'timeZone' }, 'timezone', 'tz');
add({ field: 'language' }, 'language', 'lang', 'preferredlanguage', 'locale');
add({ field: 'lastVisitDate' }, 'lastvisit', 'lastvisitdate', 'lastappointment', 'lastseen', 'lastencounter', 'lastencounterdate');
add({ field: 'nextVisitDate' }, 'nextvisit', 'nextvisitdate', 'nextappointment', 'nextappointmentdate', 'upcomingappointment');
add({ field: 'visitCount12m' }, 'visits12m', 'visitcount', 'visitsinlast12months', 'visitcount12m');
add({ field: 'visitSummary' }, 'visitsummary', 'visithistory');
add({ field: 'insuranceStatus' }, 'insurance', 'insurancestatus', 'payertype', 'coveragetype', 'insurancetype');
add({ field: 'insurancePlan' }, 'plan', 'insuranceplan', 'planname', 'healthplan', 'payer', 'payername');
add({ field: 'primaryProvider' }, 'provider', 'primaryprovider', 'pcp', 'primarycareprovider', 'physician', 'doctor');
add({ field: 'identifier', kind: 'mrn', system: 'mrn' }, 'mrn', 'medicalrecordnumber', 'patientid', 'patientnumber', 'chartnumber');
add({ field: 'identifier', kind: 'member', system: 'member-id' }, 'memberid', 'membernumber', 'subscriberid');
add({ field: 'condition', system: 'ICD-10' }, 'conditions', 'condition', 'diagnosis', 'diagnoses', 'icd10', 'icd10codes', 'dxcodes', 'dx', 'problemlist');
add({ field: 'condition', system: 'SNOMED-CT' }, 'snomed', 'snomedcodes', 'snomedct');

export const normalizeHeader = (h: string) => h.toLowerCase().replace(/[^a-z0-9]/g, '');

/** A suggested mapping for each header: common names, and custom attributes by key or label. */
export function suggestMapping(headers: string[], attributes: (AttributeDefinition & { label?: string })[]): Record<string, ColumnMapping> {
  const out: Record<string, ColumnMapping> = {};
  const used = new Set<string>();
  for (const header of headers) {
    const n = normalizeHeader(header);
    const attribute = attributes.find((a) => normalizeHeader(a.key) === n || (a.label && normalizeHeader(a.label) === n));
    let mapping: ColumnMapping = attribute ? { field: 'attribute', key: attribute.key } : (SYNONYMS[n] ?? { field: 'ignore' });
    // Each scalar field once: a second "phone" column is left for the user to decide.
    const slot = mapping.field === 'attribute' ? `attribute:${mapping.key}` : mapping.field;
    if (mapping.field !== 'ignore' && mapping.field !== 'condition' && mapping.field !== 'identifier' && used.has(slot)) mapping = { field: 'ignore' };
    used.add(slot);
    out[header] = mapping;
  }
  return out;
}
