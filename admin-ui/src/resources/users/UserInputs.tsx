import { email, FormDataConsumer, maxLength, required, SelectInput, TextInput } from 'react-admin';

import { roleChoice, ROLES } from './roles';

const ROLE_CHOICES = ROLES.map(({ id, name }) => ({ id, name }));

/** The inputs invite and edit share; the e-mail address is set once, at invitation. */
export function UserInputs({ invite }: { invite?: boolean }) {
  return (
    <>
      {invite ? (
        <TextInput
          source="email"
          label="E-mail address"
          type="email"
          validate={[required(), email('Enter an e-mail address'), maxLength(254)]}
          helperText="The address they will sign in with"
          autoComplete="off"
          sx={{ maxWidth: 480 }}
          fullWidth
        />
      ) : (
        <TextInput source="email" label="E-mail address" readOnly helperText="The sign-in address cannot be changed" sx={{ maxWidth: 480 }} fullWidth />
      )}
      <TextInput source="displayName" label="Full name" validate={[required(), maxLength(120)]} autoComplete="off" sx={{ maxWidth: 480 }} fullWidth />
      <FormDataConsumer<{ role?: string }>>
        {({ formData }) => (
          <SelectInput
            source="role"
            label="Role"
            choices={ROLE_CHOICES}
            validate={required()}
            helperText={roleChoice(formData.role ?? '')?.description ?? 'What the user may see and do'}
            sx={{ maxWidth: 480 }}
            fullWidth
          />
        )}
      </FormDataConsumer>
    </>
  );
}
