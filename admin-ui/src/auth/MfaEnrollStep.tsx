import { Box, Button, Stack, Typography } from '@mui/material';
import { useState, type SubmitEvent } from 'react';

import type { MfaEnrollment } from '../providers/authProvider';
import { CodeField, isSixDigits } from './CodeField';
import { errorMessage, useHipaaAuth } from './useHipaaAuth';

interface MfaEnrollStepProps {
  enrollment: MfaEnrollment;
  qrDataUrl: string;
  onEnrolled: (recoveryCodes: string[]) => void;
  onError: (message: string | undefined) => void;
}

/** `ABCDEFGHIJKL` → `ABCD EFGH IJKL`, easier to type by hand. */
export const groupInFours = (secret: string): string => secret.match(/.{1,4}/g)?.join(' ') ?? secret;

export function MfaEnrollStep({ enrollment, qrDataUrl, onEnrolled, onError }: MfaEnrollStepProps) {
  const auth = useHipaaAuth();
  const [code, setCode] = useState('');
  const [submitting, setSubmitting] = useState(false);

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    if (!isSixDigits(code)) {
      onError('Enter the 6 digits your authenticator app shows.');
      return;
    }
    setSubmitting(true);
    onError(undefined);
    try {
      const { recoveryCodes } = await auth.enrollMfa(code);
      onEnrolled(recoveryCodes);
    } catch (error) {
      onError(errorMessage(error));
      setCode('');
      setSubmitting(false);
    }
  };

  return (
    <form onSubmit={(event) => void submit(event)} aria-labelledby="mfa-enroll-title">
      <Stack spacing={2}>
        <Typography id="mfa-enroll-title" component="h2" variant="h6">
          Set up two-factor authentication
        </Typography>
        <Typography variant="body2">
          Scan this QR code with an authenticator app (Google Authenticator, 1Password, Authy…), then enter the 6-digit code it shows.
        </Typography>
        <Box sx={{ display: 'flex', justifyContent: 'center' }}>
          <img data-testid="mfa-qr" src={qrDataUrl} width={200} height={200} alt="QR code to add HIPAA Mail to your authenticator app" />
        </Box>
        <Box>
          <Typography id="mfa-secret-label" variant="body2">
            Can’t scan it? Enter this key manually:
          </Typography>
          <Typography
            data-testid="mfa-secret"
            aria-labelledby="mfa-secret-label"
            sx={{ fontFamily: 'monospace', fontSize: '1.1rem', letterSpacing: '0.05em', wordBreak: 'break-word' }}
          >
            {groupInFours(enrollment.secret)}
          </Typography>
        </Box>
        <CodeField value={code} onChange={setCode} disabled={submitting} />
        <Button type="submit" variant="contained" size="large" disabled={submitting} fullWidth>
          Confirm
        </Button>
      </Stack>
    </form>
  );
}
