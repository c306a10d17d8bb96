import type { CodeSystem, ConsentMethod, ConsentStatus, IdentifierKind, InsuranceStatus, Sex, SuppressionReason } from '../../providers/dataProvider';

type Choice<T extends string> = { id: T; name: string };

/** The contact fields as the product names them, by API name (also the names in `phiFields`). */
export const FIELD_LABELS: Readonly<Record<string, string>> = {
  email: 'E-mail address',
  firstName: 'First name',
  lastName: 'Last name',
  birthDate: 'Date of birth',
  sex: 'Sex',
  phone: 'Phone',
  postalCode: 'ZIP code',
  state: 'State',
  timeZone: 'Time zone',
  language: 'Language',
  identifiers: 'Identifiers',
  conditions: 'Conditions',
  lastVisitDate: 'Last visit',
  nextVisitDate: 'Next visit',
  visitCount12m: 'Visits (12 months)',
  visitSummary: 'Visit summary',
  insuranceStatus: 'Insurance status',
  insurancePlan: 'Insurance plan',
  primaryProvider: 'Primary provider',
  attributes: 'Custom attributes',
};

export const fieldLabel = (field: string): string => FIELD_LABELS[field] ?? field;

export const SEX_CHOICES: Choice<Sex>[] = [
  { id: 'female', name: 'Female' },
  { id: 'male', name: 'Male' },
  { id: 'other', name: 'Other' },
  { id: 'unknown', name: 'Unknown' },
];

export const INSURANCE_CHOICES: Choice<InsuranceStatus>[] = [
  { id: 'commercial', name: 'Commercial' },
  { id: 'medicare', name: 'Medicare' },
  { id: 'medicaid', name: 'Medicaid' },
  { id: 'tricare', name: 'TRICARE' },
  { id: 'uninsured', name: 'Uninsured' },
  { id: 'other', name: 'Other' },
];

export const CODE_SYSTEM_CHOICES: Choice<CodeSystem>[] = [
  { id: 'ICD-10', name: 'ICD-10' },
  { id: 'SNOMED-CT', name: 'SNOMED CT' },
  { id: 'other', name: 'Other' },
];

export const IDENTIFIER_KIND_CHOICES: Choice<IdentifierKind>[] = [
  { id: 'mrn', name: 'Medical record number' },
  { id: 'member', name: 'Member id' },
  { id: 'patient', name: 'Patient id' },
  { id: 'other', name: 'Other' },
];

export const CONSENT_STATUS: Readonly<Record<ConsentStatus, { label: string; color: 'success' | 'warning' | 'default' }>> = {
  confirmed: { label: 'Confirmed', color: 'success' },
  pending: { label: 'Pending', color: 'warning' },
  revoked: { label: 'Revoked', color: 'default' },
};

export const CONSENT_METHOD_LABELS: Readonly<Record<ConsentMethod, string>> = {
  double_opt_in: 'Double opt-in',
  import_attestation: 'Import attestation',
  ehr: 'EHR',
  api: 'API',
  web_form: 'Web form',
  preference_center: 'Preference center',
  unsubscribe: 'Unsubscribe link',
  admin: 'Recorded by staff',
};

/** A method the backend may add before this list knows it is shown by its code. */
export const consentMethodLabel = (method: string): string => (CONSENT_METHOD_LABELS as Readonly<Partial<Record<string, string>>>)[method] ?? method;

export const SUPPRESSION_REASONS: ReadonlyArray<Choice<SuppressionReason> & { color: 'default' | 'error' | 'warning' | 'info' }> = [
  { id: 'unsubscribe', name: 'Unsubscribed', color: 'info' },
  { id: 'hard_bounce', name: 'Hard bounce', color: 'warning' },
  { id: 'complaint', name: 'Spam complaint', color: 'error' },
  { id: 'manual', name: 'Added by staff', color: 'default' },
];

export const SOURCE_LABELS: Readonly<Partial<Record<string, string>>> = {
  admin: 'Admin',
  api: 'API',
  import: 'Import',
  ehr: 'EHR',
};
