import { Alert, Button, Dialog, DialogActions, DialogContent, DialogTitle, MenuItem, Stack, TextField } from '@mui/material';
import { useState } from 'react';
import { useDataProvider, useGetList, useNotify } from 'react-admin';

import { fieldError } from '../../providers/httpClient';
import type { ConsentChange, ConsentStatus, HipaaDataProvider, RecordableConsentMethod, TopicRecord } from '../../providers/dataProvider';
import { CONSENT_METHOD_LABELS, CONSENT_STATUS } from './contactFields';

const METHODS: readonly RecordableConsentMethod[] = ['admin', 'double_opt_in', 'web_form', 'ehr', 'api'];
const STATUSES: readonly ConsentStatus[] = ['confirmed', 'pending', 'revoked'];

interface RecordConsentDialogProps {
  contactId: string;
  open: boolean;
  onClose: () => void;
  /** After the change is recorded, to reload the consent overview. */
  onRecorded: () => void;
}

/** Records one consent change for one topic; the ledger keeps every change, with who made it. */
export function RecordConsentDialog({ contactId, open, onClose, onRecorded }: RecordConsentDialogProps) {
  const dataProvider = useDataProvider<HipaaDataProvider>();
  const notify = useNotify();
  const { data: topics } = useGetList<TopicRecord>('topics', { pagination: { page: 1, perPage: 500 } });
  const activeTopics = (topics ?? []).filter((topic) => !topic.archived);
  const [change, setChange] = useState<ConsentChange>({ topic: '', status: 'confirmed', method: 'admin', source: 'Recorded in the admin console' });
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);

  const set = <K extends keyof ConsentChange>(key: K, value: ConsentChange[K]) => setChange((previous) => ({ ...previous, [key]: value }));
  const doubleOptIn = change.method === 'double_opt_in' && change.status === 'confirmed';

  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const { data } = await dataProvider.recordConsent(contactId, change);
      if (!data.status) return;
      notify(
        data.status === 'pending' && data.confirmationSent
          ? 'Consent recorded as pending: a confirmation e-mail was sent'
          : `Consent recorded: ${CONSENT_STATUS[data.status].label.toLowerCase()}`,
        { type: 'success' },
      );
      onRecorded();
      onClose();
    } catch (cause) {
      setError(cause);
    } finally {
      setBusy(false);
    }
  };

  const problem = (field: keyof ConsentChange) => fieldError(error, field);
  const general = error instanceof Error && !(['topic', 'status', 'method', 'source'] as const).some((f) => problem(f)) ? error.message : undefined;

  return (
    <Dialog open={open} onClose={busy ? undefined : onClose} maxWidth="sm" fullWidth aria-labelledby="record-consent-title" data-testid="record-consent-dialog">
      <DialogTitle id="record-consent-title">Record consent</DialogTitle>
      <DialogContent>
        <Stack spacing={2} sx={{ mt: 1 }}>
          {general && <Alert severity="error">{general}</Alert>}
          <TextField
            select
            label="Topic"
            value={change.topic}
            onChange={(event) => set('topic', event.target.value)}
            error={Boolean(problem('topic'))}
            helperText={problem('topic') ?? 'What the contact agrees, or no longer agrees, to receive'}
            required
          >
            {activeTopics.map((topic) => (
              <MenuItem key={topic.key} value={topic.key}>
                {topic.name} ({topic.key})
              </MenuItem>
            ))}
          </TextField>
          <TextField
            select
            label="Status"
            value={change.status}
            onChange={(event) => set('status', event.target.value as ConsentStatus)}
            error={Boolean(problem('status'))}
            helperText={problem('status')}
          >
            {STATUSES.map((status) => (
              <MenuItem key={status} value={status}>
                {CONSENT_STATUS[status].label}
              </MenuItem>
            ))}
          </TextField>
          <TextField
            select
            label="How it was given"
            value={change.method}
            onChange={(event) => set('method', event.target.value as RecordableConsentMethod)}
            error={Boolean(problem('method'))}
            helperText={
              problem('method') ??
              (doubleOptIn
                ? 'A confirmation e-mail is sent; consent stays pending until the contact clicks its link.'
                : 'Keep the evidence where your policy says.')
            }
          >
            {METHODS.map((method) => (
              <MenuItem key={method} value={method}>
                {CONSENT_METHOD_LABELS[method]}
              </MenuItem>
            ))}
          </TextField>
          <TextField
            label="Source"
            value={change.source}
            onChange={(event) => set('source', event.target.value)}
            error={Boolean(problem('source'))}
            helperText={problem('source') ?? 'Where the consent came from, e.g. “front desk form, 2025-03-02”. No patient details.'}
            slotProps={{ htmlInput: { maxLength: 200 } }}
            required
          />
        </Stack>
      </DialogContent>
      <DialogActions>
        <Button onClick={onClose} disabled={busy}>
          Cancel
        </Button>
        <Button variant="contained" onClick={() => void submit()} disabled={busy || !change.topic || !change.source.trim()}>
          Record
        </Button>
      </DialogActions>
    </Dialog>
  );
}
