import { Alert } from '@mui/material';
import { Create, maxLength, required, SimpleForm, TextInput, useNotify, useRedirect } from 'react-admin';

import { matches } from '../../components/validators';

/** Publishes a new version of the authorization text. Once published it never changes. */
export function AuthorizationTextCreate() {
  const notify = useNotify();
  const redirect = useRedirect();
  return (
    <Create
      title="Publish a HIPAA authorization text"
      mutationOptions={{
        onSuccess: () => {
          notify('Authorization text published', { type: 'success' });
          redirect('list', 'authorization-texts');
        },
      }}
    >
      <SimpleForm sx={{ maxWidth: 800 }}>
        <Alert severity="warning" sx={{ mb: 2, width: '100%' }}>
          A published text cannot be edited: signatures refer to the exact wording. Have it reviewed first; to change it later, publish a new version.
        </Alert>
        <TextInput
          source="version"
          label="Version"
          validate={[required(), matches(/^[A-Za-z0-9._-]{1,40}$/, 'Letters, digits, dots, dashes or underscores (up to 40)')]}
          helperText="e.g. 2025-03 or 1.2"
          sx={{ maxWidth: 320 }}
          fullWidth
        />
        <TextInput source="title" label="Title" validate={[required(), maxLength(200)]} fullWidth />
        <TextInput
          source="purpose"
          label="Purpose"
          validate={[required(), maxLength(500)]}
          helperText="The purpose of the use or disclosure, as the authorization must state it"
          multiline
          minRows={2}
          fullWidth
        />
        <TextInput source="body" label="Full text" validate={[required(), maxLength(20000)]} multiline minRows={10} fullWidth />
      </SimpleForm>
    </Create>
  );
}
