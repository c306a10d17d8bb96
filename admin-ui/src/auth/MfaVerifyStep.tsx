import { Button, Link, Stack, TextField, Typography } from '@mui/material';
import { useState, type SubmitEvent } from 'react';

import { CodeField, isSixDigits } from './CodeField';
import { errorMessage, useHipaaAuth } from './useHipaaAuth';

interface MfaVerifyStepProps {
  onVerified: () => void;
  onError: (message: string | undefined) => void;
}

export function MfaVerifyStep({ onVerified, onError }: MfaVerifyStepProps) {
  const auth = useHipaaAuth();
  const [useRecoveryCode, setUseRecoveryCode] = useState(false);
  const [code, setCode] = useState('');
  const [recoveryCode, setRecoveryCode] = useState('');
  const [submitting, setSubmitting] = useState(false);

  const switchMethod = () => {
    setUseRecoveryCode((current) => !current);
    setCode('');
    setRecoveryCode('');
    onError(undefined);
  };

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    if (!useRecoveryCode && !isSixDigits(code)) {
      onError('Enter the 6 digits your authenticator app shows.');
      return;
    }
    setSubmitting(true);
    onError(undefined);
    try {
      await auth.verifyMfa(useRecoveryCode ? { recoveryCode: recoveryCode.trim() } : { code });
      onVerified();
    } catch (error) {
      onError(errorMessage(error));
      setCode('');
      setRecoveryCode('');
      setSubmitting(false);
    }
  };

  return (
    <form onSubmit={(event) => void submit(event)} aria-labelledby="mfa-verify-title">
      <Stack spacing={2}>
        <Typography id="mfa-verify-title" component="h2" variant="h6">
          Two-factor authentication
        </Typography>
        {useRecoveryCode ? (
          <TextField
            key="recoveryCode"
            id="mfa-recovery-code"
            name="recoveryCode"
            label="Recovery code"
            value={recoveryCode}
            onChange={(event) => setRecoveryCode(event.target.value)}
            disabled={submitting}
            required
            fullWidth
            autoFocus
            helperText="One of the codes you saved when you set up two-factor authentication"
            slotProps={{ htmlInput: { autoComplete: 'off', spellCheck: false, autoCapitalize: 'none' } }}
          />
        ) : (
          <CodeField key="code" value={code} onChange={setCode} disabled={submitting} />
        )}
        <Button type="submit" variant="contained" size="large" disabled={submitting} fullWidth>
          Verify
        </Button>
        <Link component="button" type="button" variant="body2" onClick={switchMethod} disabled={submitting}>
          {useRecoveryCode ? 'Use a code from your authenticator app' : 'Use a recovery code'}
        </Link>
      </Stack>
    </form>
  );
}
