import Key from '@mui/icons-material/Key';
import { useState } from 'react';
import {
  DateField,
  DeleteButton,
  FunctionField,
  Show,
  SimpleShowLayout,
  TextField,
  TopToolbar,
  useCanAccess,
  useNotify,
  useRecordContext,
  useRefresh,
} from 'react-admin';

import { ConfirmButton } from '../../components/ConfirmButton';
import { OneTimeSecretDialog } from '../../components/OneTimeSecretDialog';
import { httpClient } from '../../providers/httpClient';
import type { WebhookRecord } from './WebhookList';

function RotateSecretButton() {
  const webhook = useRecordContext<WebhookRecord>();
  const { canAccess } = useCanAccess({ resource: 'webhooks', action: 'rotate', record: webhook });
  const notify = useNotify();
  const refresh = useRefresh();
  const [secret, setSecret] = useState<string | null>(null);
  if (!webhook || !canAccess) return null;
  const rotate = async () => {
    try {
      const { body } = await httpClient<{ secret: string }>(`/webhooks/${webhook.id}/rotate-secret`, { method: 'POST' });
      setSecret(body.secret);
    } catch (error) {
      notify(error instanceof Error ? error.message : 'The secret could not be rotated.', { type: 'error' });
    }
  };
  return (
    <>
      <ConfirmButton
        label="Rotate secret"
        icon={<Key />}
        title="Rotate the signing secret?"
        content="The current secret stops working at once: update your receiver with the new one."
        confirmLabel="Rotate"
        onConfirm={rotate}
        data-testid="rotate-secret"
      />
      {secret && (
        <OneTimeSecretDialog
          open
          title="New signing secret"
          description="Deliveries from now on are signed with this secret."
          secretLabel="Signing secret"
          secret={secret}
          warning="It is shown only now."
          onClose={() => {
            setSecret(null);
            refresh();
          }}
        />
      )}
    </>
  );
}

export function WebhookShow() {
  const { canAccess: canDelete } = useCanAccess({ resource: 'webhooks', action: 'delete' });
  return (
    <Show
      actions={
        <TopToolbar>
          <RotateSecretButton />
          {canDelete && <DeleteButton mutationMode="pessimistic" />}
        </TopToolbar>
      }
    >
      <SimpleShowLayout>
        <TextField source="name" />
        <TextField source="url" label="URL" />
        <FunctionField<WebhookRecord> label="Events" render={(w) => w.eventTypes.join(', ')} />
        <TextField source="payloadMode" label="Payload" />
        <TextField source="status" />
        <DateField source="secretRotatedAt" label="Secret since" showTime />
        <DateField source="createdAt" showTime />
      </SimpleShowLayout>
    </Show>
  );
}
