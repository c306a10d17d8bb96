import Block from '@mui/icons-material/Block';
import { useCanAccess, useDataProvider, useNotify, useRecordContext, useRefresh } from 'react-admin';

import { ConfirmButton } from '../../components/ConfirmButton';
import type { ApiKeyRecord, HipaaDataProvider } from '../../providers/dataProvider';

/** Revokes an active key at once; the key stays listed, marked revoked, for the record. */
export function RevokeApiKeyButton() {
  const apiKey = useRecordContext<ApiKeyRecord>();
  const { canAccess } = useCanAccess({ resource: 'api-keys', action: 'revoke', record: apiKey });
  const dataProvider = useDataProvider<HipaaDataProvider>();
  const notify = useNotify();
  const refresh = useRefresh();
  if (!apiKey || !canAccess || apiKey.status !== 'active') return null;

  const revoke = async () => {
    try {
      const { data } = await dataProvider.revokeApiKey(apiKey.id);
      if (!('id' in data)) return;
      notify(`API key “${apiKey.name}” revoked`, { type: 'success' });
      refresh();
    } catch (error) {
      notify(error instanceof Error ? error.message : 'The key could not be revoked.', { type: 'error' });
    }
  };

  return (
    <ConfirmButton
      label="Revoke"
      icon={<Block />}
      color="error"
      title={`Revoke the API key “${apiKey.name}”?`}
      content="Every integration using this key is refused from now on. This cannot be undone: to restore access, create a new key."
      confirmLabel="Revoke key"
      data-testid="revoke-api-key"
      onConfirm={revoke}
    />
  );
}
