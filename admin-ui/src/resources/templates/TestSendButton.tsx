import Send from '@mui/icons-material/Send';
import {
  Alert,
  Button,
  Dialog,
  DialogActions,
  DialogContent,
  DialogContentText,
  DialogTitle,
  List,
  ListItem,
  ListItemText,
  Stack,
  TextField,
} from '@mui/material';
import { useState } from 'react';
import { useCanAccess, useCreatePath, useDataProvider } from 'react-admin';
import { Link } from 'react-router-dom';

import type { HipaaDataProvider } from '../../providers/dataProvider';
import { fieldError } from '../../providers/httpClient';

const MAX_ADDRESSES = 10;

/** One address per line, or separated by commas, semicolons or spaces. */
const parseAddresses = (text: string): string[] => text.split(/[\s,;]+/).filter(Boolean);

/**
 * Sends a published version to a seed list (staff mailboxes) through the delivery tier, rendered with the
 * sample patient. The addresses stay in this dialog's state: they are neither stored in the browser nor audited.
 */
export function TestSendButton({ templateId, version }: { templateId: number; version: number }) {
  const { canAccess } = useCanAccess({ resource: 'templates', action: 'test-send' });
  const dataProvider = useDataProvider<HipaaDataProvider>();
  const createPath = useCreatePath();
  const [open, setOpen] = useState(false);
  const [text, setText] = useState('');
  const [deliveryIds, setDeliveryIds] = useState<string[] | null>(null);
  const [error, setError] = useState<unknown>();
  const [busy, setBusy] = useState(false);
  if (!canAccess) return null;

  const addresses = parseAddresses(text);
  const tooMany = addresses.length > MAX_ADDRESSES;

  const close = () => {
    setOpen(false);
    setText('');
    setDeliveryIds(null);
    setError(undefined);
  };

  const send = async () => {
    setBusy(true);
    setError(undefined);
    try {
      const { data } = await dataProvider.sendTemplateTest(templateId, version, addresses);
      if (data.deliveryIds) setDeliveryIds(data.deliveryIds);
    } catch (cause) {
      setError(cause);
    } finally {
      setBusy(false);
    }
  };

  const addressProblem = fieldError(error, 'addresses') ?? (tooMany ? `At most ${MAX_ADDRESSES} addresses` : undefined);
  const general = error instanceof Error && !fieldError(error, 'addresses') ? error.message : undefined;

  return (
    <>
      <Button variant="outlined" startIcon={<Send />} onClick={() => setOpen(true)} data-testid="test-send">
        Send test
      </Button>
      <Dialog open={open} onClose={busy ? undefined : close} maxWidth="sm" fullWidth aria-labelledby="test-send-title">
        <DialogTitle id="test-send-title">Send version {version} as a test</DialogTitle>
        <DialogContent>
          <Stack spacing={2}>
            <DialogContentText>
              The message goes through the delivery tier like any other (TLS only, signed, tracked), rendered with the sample patient rather than a real
              contact. Up to {MAX_ADDRESSES} addresses.
            </DialogContentText>
            {general && <Alert severity="error">{general}</Alert>}
            {deliveryIds ? (
              <Alert severity="success" data-testid="test-send-result">
                {deliveryIds.length === 1
                  ? 'One message queued; follow it in the delivery log:'
                  : `${deliveryIds.length} messages queued; follow them in the delivery log:`}
                <List dense disablePadding>
                  {deliveryIds.map((id) => (
                    <ListItem key={id} disableGutters sx={{ py: 0 }}>
                      <ListItemText
                        primary={<Link to={createPath({ resource: 'deliveries', type: 'show', id })}>Message #{id}</Link>}
                        slotProps={{ primary: { variant: 'body2' } }}
                      />
                    </ListItem>
                  ))}
                </List>
              </Alert>
            ) : (
              <TextField
                label="Addresses"
                value={text}
                onChange={(event) => setText(event.target.value)}
                error={Boolean(addressProblem)}
                helperText={addressProblem ?? 'One per line'}
                multiline
                minRows={3}
                autoComplete="off"
                autoFocus
                slotProps={{ htmlInput: { 'data-testid': 'test-send-addresses', spellCheck: false } }}
              />
            )}
          </Stack>
        </DialogContent>
        <DialogActions>
          <Button onClick={close} disabled={busy}>
            Close
          </Button>
          {!deliveryIds && (
            <Button variant="contained" onClick={() => void send()} disabled={busy || addresses.length === 0 || tooMany}>
              Send
            </Button>
          )}
        </DialogActions>
      </Dialog>
    </>
  );
}
