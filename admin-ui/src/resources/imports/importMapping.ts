import type { AttributeRecord, CodeSystem, ColumnMapping, IdentifierKind, ScalarField } from '../../providers/dataProvider';
import { FIELD_LABELS } from '../contacts/contactFields';

export type MappingField = ColumnMapping['field'];

const SCALAR_FIELDS: readonly ScalarField[] = [
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
  'lastVisitDate',
  'nextVisitDate',
  'visitCount12m',
  'visitSummary',
  'insuranceStatus',
  'insurancePlan',
  'primaryProvider',
];

/** What a column can be imported as, in the order the select lists them. */
export const MAPPING_FIELDS: ReadonlyArray<{ id: MappingField; name: string }> = [
  { id: 'ignore', name: 'Don’t import' },
  ...SCALAR_FIELDS.map((field) => ({ id: field, name: FIELD_LABELS[field] ?? field })),
  { id: 'identifier', name: 'Identifier (MRN, member id…)' },
  { id: 'condition', name: 'Condition codes' },
  { id: 'attribute', name: 'Custom attribute' },
];

export const mappingFieldName = (field: MappingField): string => MAPPING_FIELDS.find((f) => f.id === field)?.name ?? field;

const isScalar = (field: string): field is ScalarField => (SCALAR_FIELDS as readonly string[]).includes(field);

/** The mapping a field starts with when chosen in the select (its extra settings at their defaults). */
export function mappingFor(field: MappingField, attributes: readonly AttributeRecord[]): ColumnMapping {
  if (field === 'identifier') return { field, kind: 'mrn' satisfies IdentifierKind, system: '' };
  if (field === 'condition') return { field, system: 'ICD-10' satisfies CodeSystem };
  if (field === 'attribute') return { field, key: attributes.find((a) => !a.archived)?.key ?? '' };
  return isScalar(field) ? { field } : { field: 'ignore' };
}

/** The server's field name for a column's mapping problem (it cuts long headers). */
export const mappingErrorKey = (column: string): string => `mapping.${column.slice(0, 60)}`;

/**
 * What the server would refuse, checked before sending: one e-mail column, each field once,
 * an identifier's system, an attribute's key. Keyed by column; `mapping` for the whole.
 */
export function checkMapping(headers: readonly string[], mapping: Readonly<Partial<Record<string, ColumnMapping>>>): Record<string, string> {
  const problems: Record<string, string> = {};
  const seen = new Map<string, string>();
  for (const column of headers) {
    const m = mapping[column] ?? { field: 'ignore' };
    if (m.field === 'ignore' || m.field === 'condition') continue;
    if (m.field === 'identifier') {
      if (!m.system.trim()) problems[column] = 'An identifier needs its system, e.g. the EHR’s name or OID';
      continue;
    }
    const slot = m.field === 'attribute' ? `attribute:${m.key}` : m.field;
    if (m.field === 'attribute' && !m.key) problems[column] = 'Choose the attribute';
    else if (seen.has(slot)) problems[column] = `Already imported from “${seen.get(slot) ?? ''}”: a field can come from one column only`;
    else seen.set(slot, column);
  }
  if (!headers.some((column) => mapping[column]?.field === 'email')) problems.mapping = 'One column must be imported as the e-mail address';
  return problems;
}
