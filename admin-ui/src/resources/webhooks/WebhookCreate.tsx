import { useState } from 'react';
import { CheckboxGroupInput, Create, required, SelectInput, SimpleForm, TextInput, useRedirect } from 'react-admin';

import { OneTimeSecretDialog } from '../../components/OneTimeSecretDialog';
import { WEBHOOK_EVENT_CHOICES, type WebhookRecord } from './WebhookList';

/** A new subscription; its signing secret is shown once, in a dialog, and never again. */
export function WebhookCreate() {
  const [created, setCreated] = useState<(WebhookRecord & { secret: string }) | null>(null);
  const redirect = useRedirect();
  return (
    <>
      <Create<WebhookRecord & { secret: string }> mutationOptions={{ onSuccess: (data) => setCreated(data) }} redirect={false}>
        <SimpleForm defaultValues={{ payloadMode: 'identifiers', eventTypes: ['delivered'] }}>
          <TextInput source="name" validate={required()} />
          <TextInput source="url" label="URL" validate={required()} helperText="https:// (http:// only to 127.0.0.1 or localhost)" fullWidth />
          <CheckboxGroupInput source="eventTypes" label="Events" choices={WEBHOOK_EVENT_CHOICES} validate={required()} />
          <SelectInput
            source="payloadMode"
            label="Payload"
            choices={[
              { id: 'identifiers', name: 'Identifiers only (no PHI)' },
              { id: 'full', name: 'Full: adds the contact e-mail and name (PHI)' },
            ]}
            validate={required()}
          />
        </SimpleForm>
      </Create>
      {created && (
        <OneTimeSecretDialog
          open
          title="Webhook created"
          description="Each request carries X-HM-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of “t.body”>. Verify it with this secret and refuse timestamps more than 5 minutes away."
          secretLabel="Signing secret"
          secret={created.secret}
          warning="It is shown only now. Rotate it to get a new one."
          onClose={() => {
            setCreated(null);
            redirect('show', 'webhooks', created.id);
          }}
        />
      )}
    </>
  );
}
