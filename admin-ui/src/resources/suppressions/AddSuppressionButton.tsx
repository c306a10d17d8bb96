import Block from '@mui/icons-material/Block';
import { Alert, Button, Dialog, DialogActions, DialogContent, DialogContentText, DialogTitle, MenuItem, Stack, TextField } from '@mui/material';
import { useState } from 'react';
import { useCanAccess, useDataProvider, useNotify, useRefresh } from 'react-admin';

import { fieldError } from '../../providers/httpClient';
import type { HipaaDataProvider, SuppressionReason } from '../../providers/dataProvider';
import { SUPPRESSION_REASONS } from '../contacts/contactFields';

/**
 * Suppresses an address: nothing but transactional mail (and not even that after a bounce or a
 * complaint) goes to it again. The address is typed here and sent once; the list never shows it.
 */
export function AddSuppressionButton() {
  const { canAccess } = useCanAccess({ resource: 'suppressions', action: 'create' });
  const dataProvider = useDataProvider<HipaaDataProvider>();
  const notify = useNotify();
  const refresh = useRefresh();
  const [open, setOpen] = useState(false);
  const [email, setEmail] = useState('');
  const [reason, setReason] = useState<SuppressionReason>('manual');
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  if (!canAccess) return null;

  const close = () => {
    setOpen(false);
    setEmail('');
    setReason('manual');
    setError(undefined);
  };

  const submit = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const { data } = await dataProvider.addSuppression({ email: email.trim(), reason });
      if (data.created === undefined) return;
      notify(data.created ? 'Address suppressed' : 'This address was already suppressed', { type: data.created ? 'success' : 'info' });
      close();
      refresh();
    } catch (cause) {
      setError(cause);
    } finally {
      setBusy(false);
    }
  };

  const emailProblem = fieldError(error, 'email');
  const reasonProblem = fieldError(error, 'reason');
  const general = error instanceof Error && !emailProblem && !reasonProblem ? error.message : undefined;

  return (
    <>
      <Button size="small" startIcon={<Block />} onClick={() => setOpen(true)} data-testid="add-suppression">
        Suppress an address
      </Button>
      <Dialog open={open} onClose={busy ? undefined : close} maxWidth="sm" fullWidth aria-labelledby="add-suppression-title">
        <DialogTitle id="add-suppression-title">Suppress an address</DialogTitle>
        <DialogContent>
          <Stack spacing={2}>
            <DialogContentText>
              No marketing e-mail is sent to a suppressed address, whatever its consent. The address is stored only as a keyed hash, and is not shown in the
              list.
            </DialogContentText>
            {general && <Alert severity="error">{general}</Alert>}
            <TextField
              label="E-mail address"
              type="email"
              value={email}
              onChange={(event) => setEmail(event.target.value)}
              error={Boolean(emailProblem)}
              helperText={emailProblem}
              autoComplete="off"
              autoFocus
              required
              slotProps={{ htmlInput: { maxLength: 254 } }}
            />
            <TextField
              select
              label="Reason"
              value={reason}
              onChange={(event) => setReason(event.target.value as SuppressionReason)}
              error={Boolean(reasonProblem)}
              helperText={reasonProblem}
            >
              {SUPPRESSION_REASONS.map((choice) => (
                <MenuItem key={choice.id} value={choice.id}>
                  {choice.name}
                </MenuItem>
              ))}
            </TextField>
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={close} disabled={busy}>
            Cancel
          </Button>
          <Button variant="contained" onClick={() => void submit()} disabled={busy || !email.trim()}>
            Suppress
          </Button>
        </DialogActions>
      </Dialog>
    </>
  );
}
