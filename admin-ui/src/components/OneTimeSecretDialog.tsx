import { Alert, Box, Button, Dialog, DialogActions, DialogContent, DialogTitle, Stack, Typography } from '@mui/material';
import type { ReactNode } from 'react';

import { CopyButton } from './CopyButton';

interface OneTimeSecretDialogProps {
  open: boolean;
  title: string;
  /** What the secret is, and what to do with it. */
  description: ReactNode;
  /** The label above the secret ("Temporary password", "API key"). */
  secretLabel: string;
  secret: string;
  /** Why it must be copied now. */
  warning: ReactNode;
  onClose: () => void;
}

/**
 * Shows a secret the server returns once and stores only hashed (a temporary password, an API
 * key). It lives in component state while the dialog is open and nowhere else: closing the
 * dialog forgets it. The dialog only closes through its button, not a stray click outside.
 */
export function OneTimeSecretDialog({ open, title, description, secretLabel, secret, warning, onClose }: OneTimeSecretDialogProps) {
  return (
    <Dialog open={open} maxWidth="sm" fullWidth aria-labelledby="one-time-secret-title" data-testid="one-time-secret-dialog">
      <DialogTitle id="one-time-secret-title">{title}</DialogTitle>
      <DialogContent>
        <Stack spacing={2}>
          <Typography variant="body2" component="div">
            {description}
          </Typography>
          <Box>
            <Typography id="one-time-secret-label" variant="caption" color="text.secondary">
              {secretLabel}
            </Typography>
            <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
              <Box
                component="code"
                data-testid="one-time-secret"
                aria-labelledby="one-time-secret-label"
                sx={{
                  flex: 1,
                  fontFamily: 'monospace',
                  fontSize: '1.05rem',
                  p: 1.5,
                  bgcolor: 'action.hover',
                  borderRadius: 1,
                  wordBreak: 'break-all',
                  userSelect: 'all',
                }}
              >
                {secret}
              </Box>
              <CopyButton value={secret} />
            </Stack>
          </Box>
          <Alert severity="warning">{warning}</Alert>
        </Stack>
      </DialogContent>
      <DialogActions>
        <Button variant="contained" onClick={onClose}>
          Done
        </Button>
      </DialogActions>
    </Dialog>
  );
}
