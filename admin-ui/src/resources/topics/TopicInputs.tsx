import { BooleanInput, FormDataConsumer, maxLength, RadioButtonGroupInput, required, TextInput } from 'react-admin';

import { matches } from '../../components/validators';
import type { TopicKind } from '../../providers/dataProvider';
import { KIND_CHOICES } from './TopicChips';

/** The inputs create and edit share; the key is set once, at creation. */
export function TopicInputs({ create }: { create?: boolean }) {
  return (
    <>
      {create ? (
        <TextInput
          source="key"
          label="Key"
          validate={[required(), matches(/^[a-z0-9][a-z0-9-]{1,62}$/, '2 to 63 lowercase letters, digits or dashes')]}
          helperText="How imports and the API name it, e.g. newsletter. Cannot change later."
          autoComplete="off"
          sx={{ maxWidth: 480 }}
          fullWidth
        />
      ) : (
        <TextInput source="key" label="Key" readOnly helperText="The key cannot change" sx={{ maxWidth: 480 }} fullWidth />
      )}
      <TextInput
        source="name"
        label="Name"
        validate={[required(), maxLength(120)]}
        helperText="As contacts see it in the preference center"
        sx={{ maxWidth: 480 }}
        fullWidth
      />
      {/* An emptied description is an empty text, not null: the topic always has one. */}
      <TextInput
        source="description"
        label="Description"
        validate={maxLength(500)}
        parse={(value: string) => value}
        multiline
        minRows={2}
        sx={{ maxWidth: 640 }}
        fullWidth
      />
      <FormDataConsumer<{ kind?: TopicKind }>>
        {({ formData }) => (
          <RadioButtonGroupInput
            source="kind"
            label="Kind"
            choices={KIND_CHOICES}
            validate={required()}
            helperText={KIND_CHOICES.find((choice) => choice.id === formData.kind)?.description ?? false}
          />
        )}
      </FormDataConsumer>
      <BooleanInput
        source="doubleOptIn"
        label="Double opt-in"
        defaultValue
        helperText="Consent given by a form or by staff stays pending until the contact confirms by e-mail."
      />
      <BooleanInput
        source="requiresAuthorization"
        label="Requires a HIPAA marketing authorization"
        defaultValue={false}
        helperText="Messages are sent only to contacts with a signed, unexpired authorization on file (45 CFR 164.508)."
      />
      {!create && <BooleanInput source="archived" label="Archived" helperText="No new consent or message on an archived topic; its history is kept." />}
    </>
  );
}
