/** Synthetic demo patients for the embedded default: realistic shapes, obviously fake people (example.org). */
const FIRST = ['Olivia', 'Liam', 'Emma', 'Noah', 'Amelia', 'Oliver', 'Sofía', 'James', 'Ava', 'Mateo', 'Mia', 'Lucas', 'Zoë', 'Ethan', 'Chloé', 'Aarav'];
const LAST = ['Smith', 'García', 'Nguyen', 'Johnson', 'Okafor', 'Kowalski', 'Chen', 'Patel', 'Rossi', 'Müller', 'Haddad', 'Kim', 'Silva'];
const CODES = [
  ['E11.9', 'Type 2 diabetes mellitus without complications'],
  ['I10', 'Essential (primary) hypertension'],
  ['E78.5', 'Hyperlipidemia, unspecified'],
  ['J45.909', 'Unspecified asthma, uncomplicated'],
  ['Z00.00', 'General adult medical examination'],
  ['J44.9', 'Chronic obstructive pulmonary disease, unspecified'],
] as const;
const PLANS = ['Blue Horizon PPO', 'CareFirst HMO', 'Medicare Advantage Plus', 'State Medicaid'];
const PROVIDERS = ['Dr. Alan Whitfield', 'Dr. Priya Raman', 'Dr. Jane Okafor', 'Dr. Tomás Herrera'];
const ZONES = ['America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles'];
const STATES = ['MA', 'IL', 'CO', 'CA'];

export function demoContacts(count: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  for (let n = 0; n < count; n++) {
    const pick = <T>(list: readonly T[], salt: number): T => list[(n * 7 + salt * 13) % list.length];
    const [code, display] = pick(CODES, 1);
    const region = n % ZONES.length;
    out.push({
      email: `demo.patient${n + 1}@example.org`,
      firstName: pick(FIRST, 2),
      lastName: pick(LAST, 3),
      birthDate: `${1945 + (n % 55)}-${String((n % 12) + 1).padStart(2, '0')}-${String((n % 27) + 1).padStart(2, '0')}`,
      sex: n % 2 ? 'female' : 'male',
      postalCode: String(10001 + ((n * 37) % 89000)).padStart(5, '0'),
      state: STATES[region],
      timeZone: ZONES[region],
      language: n % 5 === 0 ? 'es-US' : 'en-US',
      identifiers: [{ kind: 'mrn', system: 'urn:demo:mrn', value: `DEMO${String(n + 1).padStart(6, '0')}` }],
      conditions: [{ system: 'ICD-10', code, display }],
      lastVisitDate: `2026-${String((n % 10) + 1).padStart(2, '0')}-${String((n % 27) + 1).padStart(2, '0')}`,
      insuranceStatus: n % 4 === 2 ? 'medicare' : n % 4 === 3 ? 'medicaid' : 'commercial',
      insurancePlan: pick(PLANS, 4),
      primaryProvider: pick(PROVIDERS, 5),
    });
  }
  return out;
}
