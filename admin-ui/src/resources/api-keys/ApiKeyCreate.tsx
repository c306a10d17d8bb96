import { Alert } from '@mui/material';
import { useState } from 'react';
import {
  Create,
  DateTimeInput,
  FormDataConsumer,
  maxLength,
  required,
  SelectArrayInput,
  SelectInput,
  SimpleForm,
  TextInput,
  useNotify,
  useRedirect,
} from 'react-admin';

import { OneTimeSecretDialog } from '../../components/OneTimeSecretDialog';
import type { CreatedApiKey } from '../../providers/dataProvider';
import { API_KEY_SCOPES } from './scopes';

const DAY_MS = 24 * 60 * 60 * 1000;

const EXPIRY_CHOICES = [
  { id: '30', name: 'In 30 days' },
  { id: '90', name: 'In 90 days' },
  { id: '365', name: 'In 1 year' },
  { id: 'custom', name: 'On a date you choose' },
  { id: 'never', name: 'Never (not recommended)' },
];

interface ApiKeyFormValues {
  name: string;
  scopes: string[];
  expiry: string;
  expiresAt?: string | null;
}

/** The form's expiry choice as the API's `expiresAt` (absent: the key never expires). */
function toRequest({ name, scopes, expiry, expiresAt }: ApiKeyFormValues) {
  const days = Number(expiry);
  if (Number.isInteger(days) && days > 0) return { name, scopes, expiresAt: new Date(Date.now() + days * DAY_MS).toISOString() };
  if (expiry === 'custom' && expiresAt) return { name, scopes, expiresAt: new Date(expiresAt).toISOString() };
  return { name, scopes };
}

const inTheFuture = (value: unknown) =>
  typeof value === 'string' && value && new Date(value).getTime() <= Date.now() ? 'Choose a date in the future' : undefined;

/** Issues a key: its secret is in the answer once, then only a hash is kept. */
export function ApiKeyCreate() {
  const notify = useNotify();
  const redirect = useRedirect();
  const [created, setCreated] = useState<CreatedApiKey | undefined>();

  const close = () => {
    setCreated(undefined);
    redirect('list', 'api-keys');
  };

  return (
    <>
      <Create<CreatedApiKey>
        title="New API key"
        transform={(values: ApiKeyFormValues) => toRequest(values)}
        mutationOptions={{
          onSuccess: (apiKey: CreatedApiKey) => {
            notify(`API key “${apiKey.name}” created`, { type: 'success' });
            setCreated(apiKey);
          },
        }}
      >
        <SimpleForm sx={{ maxWidth: 640 }} defaultValues={{ scopes: [], expiry: '90' }}>
          <TextInput
            source="name"
            label="Name"
            validate={[required(), maxLength(100)]}
            helperText="What uses this key, e.g. “BI dashboard sync”"
            autoComplete="off"
            fullWidth
          />
          <SelectArrayInput
            source="scopes"
            label="Scopes"
            choices={[...API_KEY_SCOPES]}
            validate={required('Choose at least one scope')}
            helperText="Only what the integration needs. Keys never manage users, keys or the audit log."
            fullWidth
          />
          <SelectInput source="expiry" label="Expires" choices={EXPIRY_CHOICES} validate={required()} helperText={false} fullWidth />
          <FormDataConsumer<ApiKeyFormValues>>
            {({ formData }) =>
              formData.expiry === 'custom' ? (
                <DateTimeInput source="expiresAt" label="Expires at" validate={[required(), inTheFuture]} fullWidth />
              ) : formData.expiry === 'never' ? (
                <Alert severity="warning" sx={{ mb: 2, width: '100%' }}>
                  A key that never expires stays valid until someone revokes it. Prefer an expiry and rotate the key.
                </Alert>
              ) : null
            }
          </FormDataConsumer>
        </SimpleForm>
      </Create>
      {created && (
        <OneTimeSecretDialog
          open
          title="API key created"
          description={
            <>
              Give this key to <strong>{created.name}</strong>. Integrations send it in the <code>x-api-key</code> header (or as{' '}
              <code>Authorization: Bearer</code>).
            </>
          }
          secretLabel="API key"
          secret={created.key}
          warning="Copy the key now: it cannot be shown again. HIPAA Mail keeps only a hash of it. If it is lost, revoke it and create a new one."
          onClose={close}
        />
      )}
    </>
  );
}
