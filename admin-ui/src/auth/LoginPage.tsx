import LockOutlined from '@mui/icons-material/LockOutlined';
import { Alert, Avatar, Box, Card, CardContent, Link, Stack, Typography } from '@mui/material';
import { useEffect, useState } from 'react';
import { useCheckAuth, useLogin, useRedirect } from 'react-admin';

import type { MfaEnrollment, NextLoginStep } from '../providers/authProvider';
import { CredentialsStep } from './CredentialsStep';
import { MfaEnrollStep } from './MfaEnrollStep';
import { MfaVerifyStep } from './MfaVerifyStep';
import { RecoveryCodesStep } from './RecoveryCodesStep';
import { errorMessage, useHipaaAuth } from './useHipaaAuth';

type Step =
  { kind: 'credentials' } | { kind: 'enroll'; enrollment: MfaEnrollment; qrDataUrl: string } | { kind: 'recovery-codes'; codes: string[] } | { kind: 'verify' };

/**
 * Password, then MFA: first sign-in enrols an authenticator (QR code, manual key, a code to
 * confirm, recovery codes shown once); later sign-ins verify a code or a recovery code.
 * Between the steps the server holds a half-authenticated session that opens nothing else.
 */
export function LoginPage() {
  const auth = useHipaaAuth();
  const checkAuth = useCheckAuth();
  const login = useLogin();
  const redirect = useRedirect();
  const [step, setStep] = useState<Step>({ kind: 'credentials' });
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const notice = auth.getSessionNotice();

  // Someone already signed in who lands here (bookmark, back button) goes to the dashboard.
  useEffect(() => {
    checkAuth({}, false, undefined).then(
      () => redirect('/'),
      () => undefined,
    );
  }, [checkAuth, redirect]);

  const startMfa = async (next: NextLoginStep) => {
    if (next === 'mfa_verify') {
      setStep({ kind: 'verify' });
      return;
    }
    setBusy(true);
    try {
      const enrollment = await auth.getMfaEnrollment();
      // Only first sign-ins need the QR encoder, so it is loaded on demand.
      const { toDataURL } = await import('qrcode');
      const qrDataUrl = await toDataURL(enrollment.otpauthUrl, { errorCorrectionLevel: 'M', margin: 2, width: 200 });
      setStep({ kind: 'enroll', enrollment, qrDataUrl });
    } catch (cause) {
      setError(errorMessage(cause));
    } finally {
      setBusy(false);
    }
  };

  const finish = async () => {
    setBusy(true);
    setError(undefined);
    try {
      // Confirms the session, then react-admin goes to the page the user asked for (or '/').
      await login({ session: true });
    } catch (cause) {
      setError(errorMessage(cause));
      setBusy(false);
    }
  };

  const startOver = async () => {
    setError(undefined);
    setStep({ kind: 'credentials' });
    await auth.logout({});
  };

  return (
    <Box
      component="main"
      sx={{
        minHeight: '100vh',
        display: 'flex',
        alignItems: 'center',
        justifyContent: 'center',
        bgcolor: 'grey.100',
        p: 2,
      }}
    >
      <Card sx={{ width: '100%', maxWidth: 420 }} data-testid="login-page">
        <CardContent sx={{ p: 4 }}>
          <Stack spacing={3}>
            <Stack spacing={1} sx={{ alignItems: 'center' }}>
              <Avatar sx={{ bgcolor: 'primary.main' }}>
                <LockOutlined />
              </Avatar>
              <Typography component="h1" variant="h5">
                HIPAA Mail
              </Typography>
              {step.kind === 'credentials' && (
                <Typography variant="body2" color="text.secondary">
                  Sign in to continue
                </Typography>
              )}
            </Stack>

            {notice && step.kind === 'credentials' && (
              <Alert severity="warning" data-testid="session-notice">
                {notice}
              </Alert>
            )}
            {error && (
              <Alert severity="error" role="alert" data-testid="login-error">
                {error}
              </Alert>
            )}

            {step.kind === 'credentials' && <CredentialsStep onNext={(next) => void startMfa(next)} onError={setError} />}
            {step.kind === 'enroll' && (
              <MfaEnrollStep
                enrollment={step.enrollment}
                qrDataUrl={step.qrDataUrl}
                onEnrolled={(codes) => setStep({ kind: 'recovery-codes', codes })}
                onError={setError}
              />
            )}
            {step.kind === 'recovery-codes' && <RecoveryCodesStep codes={step.codes} onContinue={() => void finish()} disabled={busy} />}
            {step.kind === 'verify' && <MfaVerifyStep onVerified={() => void finish()} onError={setError} />}

            {step.kind !== 'credentials' && step.kind !== 'recovery-codes' && (
              <Link component="button" type="button" variant="body2" onClick={() => void startOver()}>
                Start over with another account
              </Link>
            )}
          </Stack>
        </CardContent>
      </Card>
    </Box>
  );
}
