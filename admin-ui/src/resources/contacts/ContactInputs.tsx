import { Alert, Box, Typography } from '@mui/material';
import type { ReactNode } from 'react';
import {
  ArrayInput,
  AutocompleteInput,
  DateInput,
  email,
  maxLength,
  NullableBooleanInput,
  NumberInput,
  required,
  SelectArrayInput,
  SelectInput,
  SimpleFormIterator,
  TextInput,
  useGetList,
  useRecordContext,
} from 'react-admin';

import type { AttributeRecord, ContactRecord } from '../../providers/dataProvider';
import { CODE_SYSTEM_CHOICES, IDENTIFIER_KIND_CHOICES, INSURANCE_CHOICES, SEX_CHOICES } from './contactFields';

const TIME_ZONE_CHOICES = ['UTC', ...Intl.supportedValuesOf('timeZone')].map((zone) => ({ id: zone, name: zone.replace(/_/g, ' ') }));

const row = { display: 'grid', gridTemplateColumns: { xs: '1fr', sm: 'repeat(2, minmax(0, 1fr))', md: 'repeat(3, minmax(0, 1fr))' }, columnGap: 2 } as const;

function Group({ title, children }: { title: string; children: ReactNode }) {
  return (
    <Box sx={{ width: '100%', mb: 1 }}>
      <Typography variant="subtitle1" component="h3" sx={{ mt: 1, mb: 1 }}>
        {title}
      </Typography>
      {children}
    </Box>
  );
}

/**
 * In the edit form PHI is write-only: the inputs start empty (the values are never loaded into
 * the form), a value typed replaces the stored one, and an empty input keeps it.
 */
function useHelper(writeOnly: boolean) {
  const contact = useRecordContext<ContactRecord>();
  return (field: string, help?: string): string | false => {
    if (!writeOnly) return help ?? false;
    const has = contact?.phiFields.includes(field) ?? false;
    return has ? 'On file, hidden' : 'Nothing on file';
  };
}

function AttributeInput({ attribute, writeOnly }: { attribute: AttributeRecord; writeOnly: boolean }) {
  const source = `attributes.${attribute.key}`;
  const choices = attribute.options.map((option) => ({ id: option, name: option }));
  const helperText = attribute.isPhi ? (writeOnly ? 'PHI, hidden: leave empty to keep it' : 'PHI: encrypted, masked once saved') : false;
  const common = { source, label: attribute.label, helperText, fullWidth: true };
  switch (attribute.type) {
    case 'text':
      return <TextInput {...common} validate={maxLength(500)} />;
    case 'enum':
      return <SelectInput {...common} choices={choices} emptyText="—" />;
    case 'number':
      return <NumberInput {...common} />;
    case 'date':
      return <DateInput {...common} />;
    case 'boolean':
      return <NullableBooleanInput {...common} />;
    case 'list':
      return <SelectArrayInput {...common} choices={choices} />;
  }
}

function AttributeInputs({ writeOnly }: { writeOnly: boolean }) {
  const { data: attributes, isPending } = useGetList<AttributeRecord>('attributes', { pagination: { page: 1, perPage: 500 } });
  const active = (attributes ?? []).filter((attribute) => !attribute.archived);
  if (isPending || active.length === 0) return null;
  return (
    <Group title="Custom attributes">
      <Box sx={row}>
        {active.map((attribute) => (
          <AttributeInput key={attribute.key} attribute={attribute} writeOnly={writeOnly} />
        ))}
      </Box>
    </Group>
  );
}

/**
 * The inputs create and edit share, grouped as the record reads. Field names are the API's, so
 * the server's field errors (`email`, `conditions[0].code`, `attributes.<key>`) land on them.
 */
export function ContactInputs({ writeOnly = false }: { writeOnly?: boolean }) {
  const help = useHelper(writeOnly);
  return (
    <>
      {writeOnly && (
        <Alert severity="info" sx={{ mb: 2, width: '100%' }}>
          Protected health information is not shown here. Fill in only what should change: empty fields keep their stored values. Lists (identifiers,
          conditions) replace the stored list when you add items.
        </Alert>
      )}
      <Group title="Identity">
        <Box sx={row}>
          <TextInput
            source="email"
            label="E-mail address"
            type="email"
            autoComplete="off"
            validate={writeOnly ? [email('Enter an e-mail address'), maxLength(254)] : [required(), email('Enter an e-mail address'), maxLength(254)]}
            helperText={help('email')}
            fullWidth
          />
          <TextInput source="firstName" label="First name" autoComplete="off" validate={maxLength(100)} helperText={help('firstName')} fullWidth />
          <TextInput source="lastName" label="Last name" autoComplete="off" validate={maxLength(100)} helperText={help('lastName')} fullWidth />
          <DateInput source="birthDate" label="Date of birth" helperText={help('birthDate')} fullWidth />
          <SelectInput source="sex" label="Sex" choices={SEX_CHOICES} emptyText="—" helperText={help('sex', 'Administrative sex, as in the EHR')} fullWidth />
          <TextInput source="phone" label="Phone" type="tel" autoComplete="off" helperText={help('phone', 'US numbers, or international with +')} fullWidth />
        </Box>
      </Group>
      <Group title="Location and language">
        <Box sx={row}>
          <TextInput source="postalCode" label="ZIP code" autoComplete="off" helperText={help('postalCode', '5 digits, ZIP+4 accepted')} fullWidth />
          <TextInput
            source="state"
            label="State"
            autoComplete="off"
            validate={maxLength(2)}
            parse={(value: string) => (value ? value.toUpperCase() : null)}
            helperText={help('state', '2-letter code, e.g. MA')}
            fullWidth
          />
          <AutocompleteInput source="timeZone" label="Time zone" choices={TIME_ZONE_CHOICES} helperText="Used to send at a sensible local hour" fullWidth />
          <TextInput source="language" label="Language" helperText="A language tag such as en or es-US" fullWidth />
        </Box>
      </Group>
      <Group title="Identifiers">
        <ArrayInput source="identifiers" label={false} helperText={help('identifiers', 'Medical record number, member id… from each source system')}>
          <SimpleFormIterator inline disableReordering>
            <SelectInput source="kind" label="Kind" choices={IDENTIFIER_KIND_CHOICES} validate={required()} />
            <TextInput source="system" label="System" helperText="e.g. the EHR’s OID or name" validate={[required(), maxLength(200)]} />
            <TextInput source="value" label="Value" autoComplete="off" validate={[required(), maxLength(100)]} />
          </SimpleFormIterator>
        </ArrayInput>
      </Group>
      <Group title="Health">
        <ArrayInput source="conditions" label="Conditions" helperText={help('conditions', 'Diagnosis codes, for segments such as “patients with diabetes”')}>
          <SimpleFormIterator inline disableReordering>
            <SelectInput source="system" label="Code system" choices={CODE_SYSTEM_CHOICES} defaultValue="ICD-10" validate={required()} />
            <TextInput source="code" label="Code" helperText="e.g. E11.9" validate={[required(), maxLength(40)]} />
            <TextInput source="display" label="Description" helperText={false} validate={maxLength(200)} />
          </SimpleFormIterator>
        </ArrayInput>
        <Box sx={row}>
          <SelectInput
            source="insuranceStatus"
            label="Insurance status"
            choices={INSURANCE_CHOICES}
            emptyText="—"
            helperText={help('insuranceStatus')}
            fullWidth
          />
          <TextInput source="insurancePlan" label="Insurance plan" validate={maxLength(200)} helperText={help('insurancePlan')} fullWidth />
          <TextInput source="primaryProvider" label="Primary provider" validate={maxLength(200)} helperText={help('primaryProvider')} fullWidth />
          <DateInput source="lastVisitDate" label="Last visit" helperText={help('lastVisitDate')} fullWidth />
          <DateInput source="nextVisitDate" label="Next visit" helperText={help('nextVisitDate')} fullWidth />
        </Box>
      </Group>
      <AttributeInputs writeOnly={writeOnly} />
    </>
  );
}

const isEmpty = (value: unknown): boolean => value === null || value === undefined || value === '' || (Array.isArray(value) && value.length === 0);

/** Conditions with an empty description lose it (the API takes none rather than an empty one). */
function cleanConditions(value: unknown): unknown {
  if (!Array.isArray(value)) return value;
  return value.map((condition: Record<string, unknown>) => Object.fromEntries(Object.entries(condition).filter(([, v]) => !isEmpty(v))));
}

/** What the create form sends: only the fields filled in. */
export function createPayload(data: Record<string, unknown>): Record<string, unknown> {
  const payload: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    if (key === 'attributes' && typeof value === 'object' && value !== null) {
      const attributes = Object.fromEntries(Object.entries(value).filter(([, v]) => !isEmpty(v)));
      if (Object.keys(attributes).length > 0) payload.attributes = attributes;
    } else if (!isEmpty(value)) {
      payload[key] = key === 'conditions' ? cleanConditions(value) : value;
    }
  }
  return payload;
}

/** Inputs that start filled in the edit form: emptying one clears the stored value. */
const CLEARABLE = new Set(['timeZone', 'language']);

/**
 * What the edit form sends, before the data provider keeps only what changed: a PHI input left
 * empty means "keep", so it is dropped; a non-PHI attribute or setting emptied is a clear.
 */
export function editPayload(data: Record<string, unknown>, previous: ContactRecord, phiAttributes: ReadonlySet<string>): Record<string, unknown> {
  const payload: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(data)) {
    if (key === 'attributes' && typeof value === 'object' && value !== null) {
      // Emptied: a clear for a non-PHI value that was set; nothing to send otherwise.
      const keep = (name: string, v: unknown) => !isEmpty(v) || (!phiAttributes.has(name) && Object.hasOwn(previous.attributes, name));
      payload.attributes = Object.fromEntries(Object.entries(value).filter(([name, v]) => keep(name, v)));
    } else if (CLEARABLE.has(key) || !isEmpty(value)) {
      payload[key] = key === 'conditions' ? cleanConditions(value) : value;
    }
  }
  return payload;
}
