import { Alert, Box, Button, Stack, Typography } from '@mui/material';
import { useState } from 'react';

interface RecoveryCodesStepProps {
  codes: string[];
  onContinue: () => void;
  disabled?: boolean;
}

/** Shown once, right after enrolment: the server keeps only hashes of these codes. */
export function RecoveryCodesStep({ codes, onContinue, disabled }: RecoveryCodesStepProps) {
  const [copied, setCopied] = useState(false);

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(codes.join('\n'));
      setCopied(true);
    } catch {
      setCopied(false);
    }
  };

  return (
    <Stack spacing={2} aria-labelledby="recovery-codes-title" component="section">
      <Typography id="recovery-codes-title" component="h2" variant="h6">
        Save your recovery codes
      </Typography>
      <Alert severity="warning">
        Each code signs you in once if you lose your authenticator. They will not be shown again: store them somewhere safe, such as a password manager.
      </Alert>
      <Box
        component="ol"
        data-testid="recovery-codes"
        aria-label="Recovery codes"
        sx={{
          fontFamily: 'monospace',
          fontSize: '1.05rem',
          columns: 2,
          m: 0,
          py: 1,
          pl: 4,
          bgcolor: 'action.hover',
          borderRadius: 1,
        }}
      >
        {codes.map((code) => (
          <li key={code}>{code}</li>
        ))}
      </Box>
      <Button variant="outlined" onClick={() => void copy()} disabled={disabled}>
        {copied ? 'Copied' : 'Copy codes'}
      </Button>
      <Button variant="contained" size="large" onClick={onContinue} disabled={disabled} fullWidth>
        I saved them — Continue
      </Button>
    </Stack>
  );
}
