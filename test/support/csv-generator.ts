const FIRST = ['Olivia', 'Liam', 'Emma', 'Noah', 'Amelia', 'Oliver', 'Sofía', 'James', 'Ava', 'Mateo', 'Mia', 'Lucas', 'Zoë', 'Ethan', 'Chloé', 'Aarav'];
const LAST = ['Smith', 'García', 'Nguyen', 'Johnson', 'Okafor', 'Kowalski', 'Chen', 'Patel', "O'Brien", 'Rossi', 'Müller', 'Haddad', 'Kim', 'Silva'];
const CODES = ['E11.9', 'I10', 'E78.5', 'J45.909', 'F41.1', 'M54.5', 'E66.9', 'K21.9', 'N18.3', 'Z00.00', 'C50.919', 'J44.9'];
const PLANS = ['Blue Horizon PPO', 'CareFirst HMO', 'Medicare Advantage Plus', 'State Medicaid', 'Aetna Choice POS', 'United Select'];
const PROVIDERS = ['Dr. Alan Whitfield', 'Dr. Priya Raman', 'Dr. Jane Okafor', 'Dr. Tomás Herrera', 'Dr. Mei Lin', 'Dr. Samuel Adeyemi'];
const STATES = ['MA', 'NY', 'CA', 'TX', 'IL', 'FL', 'WA', 'GA'];
const INSURANCE = ['commercial', 'medicare', 'medicaid', 'uninsured'];

export const CSV_HEADER = 'email,first_name,last_name,dob,sex,phone,zip,state,mrn,dx_codes,last_visit,insurance,plan,pcp';

/** A deterministic row of realistic PHI: the same n always gives the same row. */
export function csvRow(n: number, prefix = 'patient'): string {
  const pick = <T>(list: T[], salt: number) => list[((n * 2654435761 + salt) % list.length) >>> 0];
  const year = 1940 + (n % 60);
  const dob =
    n % 2
      ? `${String((n % 12) + 1).padStart(2, '0')}/${String((n % 28) + 1).padStart(2, '0')}/${year}`
      : `${year}-${String((n % 12) + 1).padStart(2, '0')}-${String((n % 28) + 1).padStart(2, '0')}`;
  const codes = [pick(CODES, 1), ...(n % 3 === 0 ? [pick(CODES, 7)] : [])].join(';');
  const lastName = pick(LAST, 3);
  return [
    `${prefix}.${n}@example.org`,
    pick(FIRST, 2),
    lastName.includes("'") ? `"${lastName}"` : lastName,
    dob,
    n % 2 ? 'F' : 'M',
    `(617) 555-${String(n % 10000).padStart(4, '0')}`,
    String(10000 + (n % 89999)).padStart(5, '0'),
    pick(STATES, 5),
    `MRN${String(n).padStart(9, '0')}`,
    codes,
    `2025-${String((n % 12) + 1).padStart(2, '0')}-${String((n % 28) + 1).padStart(2, '0')}`,
    pick(INSURANCE, 11),
    `"${pick(PLANS, 13)}"`,
    `"${pick(PROVIDERS, 17)}"`,
  ].join(',');
}

/** A CSV of `rows` data rows, generated in pieces so it can be streamed at any size. */
// eslint-disable-next-line @typescript-eslint/require-await -- async on purpose: uploads take an AsyncIterable, and this is one
export async function* csvStream(rows: number, prefix = 'patient', piece = 5000): AsyncGenerator<Buffer> {
  yield Buffer.from(`${CSV_HEADER}\r\n`);
  for (let start = 0; start < rows; start += piece) {
    const end = Math.min(rows, start + piece);
    const lines: string[] = [];
    for (let n = start; n < end; n++) lines.push(csvRow(n, prefix));
    yield Buffer.from(`${lines.join('\r\n')}\r\n`);
  }
}

export async function csvText(rows: number, prefix = 'patient'): Promise<string> {
  const parts: Buffer[] = [];
  for await (const p of csvStream(rows, prefix)) parts.push(p);
  return Buffer.concat(parts).toString('utf8');
}

export const CSV_MAPPING = {
  email: { field: 'email' },
  first_name: { field: 'firstName' },
  last_name: { field: 'lastName' },
  dob: { field: 'birthDate' },
  sex: { field: 'sex' },
  phone: { field: 'phone' },
  zip: { field: 'postalCode' },
  state: { field: 'state' },
  mrn: { field: 'identifier', kind: 'mrn', system: 'urn:oid:2.16.840.1.113883.3.example' },
  dx_codes: { field: 'condition', system: 'ICD-10' },
  last_visit: { field: 'lastVisitDate' },
  insurance: { field: 'insuranceStatus' },
  plan: { field: 'insurancePlan' },
  pcp: { field: 'primaryProvider' },
};
