import PersonSearch from '@mui/icons-material/PersonSearch';
import { Alert, Button, CircularProgress, Stack, TextField } from '@mui/material';
import { useState } from 'react';
import { useCanAccess, useDataProvider } from 'react-admin';

import type { HipaaDataProvider, RenderedTemplate } from '../../providers/dataProvider';

/**
 * Renders the template with one real contact's data instead of the sample patient. That reveals
 * the contact's PHI: offered only with phi:reveal, audited by the backend, and the rendering lives
 * in component state only (gone on the next edit or when leaving the page).
 */
export function PreviewAsContact({
  templateId,
  version,
  active,
  onRendered,
}: {
  templateId: number;
  version: number | undefined;
  active: string | null;
  onRendered: (contactId: string | null, rendered: RenderedTemplate | null) => void;
}) {
  const dataProvider = useDataProvider<HipaaDataProvider>();
  const { canAccess } = useCanAccess({ resource: 'templates', action: 'preview-as-contact' });
  const [contactId, setContactId] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  if (!canAccess || version === undefined) return null;

  const show = async () => {
    setBusy(true);
    setError(null);
    try {
      const { data } = await dataProvider.previewTemplateAsContact(templateId, version, contactId.trim());
      if (typeof data.html === 'string') onRendered(contactId.trim(), data as RenderedTemplate);
    } catch (e) {
      setError(e instanceof Error ? e.message : 'The preview failed');
    } finally {
      setBusy(false);
    }
  };

  return (
    <Stack spacing={1} sx={{ mb: 1 }}>
      {active === null ? (
        <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
          <TextField
            size="small"
            label="Contact id"
            value={contactId}
            onChange={(e) => setContactId(e.target.value.replace(/\D/g, ''))}
            slotProps={{ htmlInput: { inputMode: 'numeric', 'data-testid': 'preview-contact-id' } }}
            sx={{ width: 140 }}
          />
          <Button size="small" startIcon={busy ? <CircularProgress size={14} /> : <PersonSearch />} disabled={busy || !contactId} onClick={() => void show()}>
            Preview as contact
          </Button>
        </Stack>
      ) : (
        <Alert
          severity="warning"
          data-testid="preview-as-contact-banner"
          action={
            <Button color="inherit" size="small" onClick={() => onRendered(null, null)}>
              Back to sample
            </Button>
          }
        >
          Real data of contact {active}: this view is recorded in the audit log.
        </Alert>
      )}
      {error && (
        <Alert severity="error" onClose={() => setError(null)}>
          {error}
        </Alert>
      )}
    </Stack>
  );
}
