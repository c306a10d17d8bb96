import DeleteForever from '@mui/icons-material/DeleteForever';
import Download from '@mui/icons-material/Download';
import { Alert, Button, CircularProgress, Dialog, DialogActions, DialogContent, DialogContentText, DialogTitle, Stack, TextField } from '@mui/material';
import { useState } from 'react';
import { useCanAccess, useDataProvider, useNotify, useRecordContext, useRefresh } from 'react-admin';

import { saveJson } from '../../components/saveFile';
import type { ContactRecord, HipaaDataProvider } from '../../providers/dataProvider';

const errorText = (error: unknown, fallback: string): string => (error instanceof Error && error.message ? error.message : fallback);

/** Downloads everything held about the contact (a right-of-access request); the export is audited. */
export function ExportContactButton() {
  const contact = useRecordContext<ContactRecord>();
  const { canAccess } = useCanAccess({ resource: 'contacts', action: 'export' });
  const dataProvider = useDataProvider<HipaaDataProvider>();
  const notify = useNotify();
  const [busy, setBusy] = useState(false);
  if (!contact || !canAccess) return null;

  const download = async () => {
    setBusy(true);
    try {
      const { data } = await dataProvider.exportContact(contact.id);
      if (typeof data !== 'object' || data === null || !('contact' in data)) return;
      saveJson(data, `contact-${contact.id}-record.json`);
      notify('Full record downloaded. The export is recorded in the audit log.', { type: 'success' });
    } catch (error) {
      notify(errorText(error, 'The record could not be exported.'), { type: 'error' });
    } finally {
      setBusy(false);
    }
  };

  return (
    <Button
      size="small"
      startIcon={busy ? <CircularProgress size={16} /> : <Download />}
      disabled={busy}
      onClick={() => void download()}
      data-testid="export-contact"
    >
      Export record
    </Button>
  );
}

const CONFIRMATION_WORD = 'ERASE';

/**
 * Erasure on request: every PHI value goes for good. A strong confirmation (typing ERASE)
 * because it cannot be undone; the consent ledger and the audit trail stay, without PHI.
 */
export function EraseContactButton() {
  const contact = useRecordContext<ContactRecord>();
  const { canAccess } = useCanAccess({ resource: 'contacts', action: 'erase' });
  const dataProvider = useDataProvider<HipaaDataProvider>();
  const notify = useNotify();
  const refresh = useRefresh();
  const [open, setOpen] = useState(false);
  const [typed, setTyped] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  if (!contact || !canAccess || contact.status !== 'active') return null;

  const close = () => {
    setOpen(false);
    setTyped('');
    setError(undefined);
  };

  const erase = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const { data } = await dataProvider.eraseContact(contact.id);
      if (!data.status) return;
      notify(`Contact #${contact.id} erased`, { type: 'success' });
      close();
      refresh();
    } catch (cause) {
      setError(errorText(cause, 'The contact could not be erased.'));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <Button size="small" color="error" startIcon={<DeleteForever />} onClick={() => setOpen(true)} data-testid="erase-contact">
        Erase
      </Button>
      <Dialog open={open} onClose={busy ? undefined : close} maxWidth="sm" fullWidth aria-labelledby="erase-contact-title" data-testid="erase-dialog">
        <DialogTitle id="erase-contact-title">Erase this contact’s data?</DialogTitle>
        <DialogContent>
          <Stack spacing={2}>
            <DialogContentText>
              Every piece of protected health information held about this contact is deleted at once: address, name, dates, identifiers, conditions, custom
              attributes and consent evidence. <strong>This cannot be undone.</strong>
            </DialogContentText>
            <DialogContentText>
              The record stays as an erased entry, so the consent history (without evidence) and the audit trail remain complete. Export the record first if the
              request asks for a copy.
            </DialogContentText>
            {error && <Alert severity="error">{error}</Alert>}
            <TextField
              label={`Type ${CONFIRMATION_WORD} to confirm`}
              value={typed}
              onChange={(event) => setTyped(event.target.value)}
              autoComplete="off"
              autoFocus
              slotProps={{ htmlInput: { 'data-testid': 'erase-confirmation' } }}
            />
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={close} disabled={busy}>
            Cancel
          </Button>
          <Button color="error" variant="contained" disabled={busy || typed !== CONFIRMATION_WORD} onClick={() => void erase()}>
            Erase permanently
          </Button>
        </DialogActions>
      </Dialog>
    </>
  );
}
