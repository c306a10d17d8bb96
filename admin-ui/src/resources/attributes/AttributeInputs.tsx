import { Alert } from '@mui/material';
import { BooleanInput, FormDataConsumer, maxLength, required, SelectInput, TextArrayInput, TextInput } from 'react-admin';

import { matches } from '../../components/validators';
import type { AttributeType } from '../../providers/dataProvider';
import { ATTRIBUTE_TYPES, hasOptions } from './attributeTypes';

const TYPE_CHOICES = ATTRIBUTE_TYPES.map(({ id, name }) => ({ id, name }));

function OptionsInput() {
  return (
    <FormDataConsumer<{ type?: AttributeType }>>
      {({ formData }) =>
        hasOptions(formData.type) ? (
          <TextArrayInput
            source="options"
            label="Options"
            validate={required('Give at least one option')}
            helperText="Type an option and press Enter. Removing one later does not change contacts that already hold it."
            sx={{ maxWidth: 480 }}
            fullWidth
          />
        ) : null
      }
    </FormDataConsumer>
  );
}

/** Creating: everything. The key, the type and whether it is PHI are fixed from then on. */
export function AttributeCreateInputs() {
  return (
    <>
      <TextInput
        source="key"
        label="Key"
        validate={[required(), matches(/^[a-z][a-zA-Z0-9_]{0,62}$/, 'Start with a lowercase letter; then letters, digits or _')]}
        helperText="How imports and the API name it, e.g. clinicLocation. Cannot change later."
        autoComplete="off"
        sx={{ maxWidth: 480 }}
        fullWidth
      />
      <TextInput source="label" label="Label" validate={[required(), maxLength(120)]} helperText="What people see" sx={{ maxWidth: 480 }} fullWidth />
      <SelectInput source="type" label="Type" choices={TYPE_CHOICES} validate={required()} sx={{ maxWidth: 480 }} fullWidth />
      <OptionsInput />
      <BooleanInput
        source="isPhi"
        label="Protected health information"
        defaultValue
        helperText="PHI values are encrypted and shown masked. Anything that relates to a person’s health, care or payment for care is PHI; when in doubt, keep it on. Cannot change later."
      />
    </>
  );
}

/** Editing: the label, the options, and archiving (an archived attribute takes no new values). */
export function AttributeEditInputs() {
  return (
    <>
      <Alert severity="info" sx={{ mb: 2 }}>
        The key, the type and whether the attribute is PHI are fixed once created.
      </Alert>
      <TextInput source="key" label="Key" readOnly sx={{ maxWidth: 480 }} fullWidth />
      <TextInput source="label" label="Label" validate={[required(), maxLength(120)]} sx={{ maxWidth: 480 }} fullWidth />
      <OptionsInput />
      <BooleanInput
        source="archived"
        label="Archived"
        helperText="Archived attributes are left out of forms, imports and new values; stored values are kept."
      />
    </>
  );
}
