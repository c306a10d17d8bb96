import { Button, Stack, TextField } from '@mui/material';
import { useState, type SubmitEvent } from 'react';

import type { NextLoginStep } from '../providers/authProvider';
import { errorMessage, useHipaaAuth } from './useHipaaAuth';

interface CredentialsStepProps {
  onNext: (next: NextLoginStep) => void;
  onError: (message: string | undefined) => void;
}

export function CredentialsStep({ onNext, onError }: CredentialsStepProps) {
  const auth = useHipaaAuth();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [submitting, setSubmitting] = useState(false);

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    setSubmitting(true);
    onError(undefined);
    try {
      const result = await auth.login({ email, password });
      if (!result) throw new Error('Unexpected answer from the server.');
      onNext(result.next);
    } catch (error) {
      onError(errorMessage(error));
      setSubmitting(false);
    } finally {
      // The password is not kept once it has been sent.
      setPassword('');
    }
  };

  return (
    <form onSubmit={(event) => void submit(event)} aria-label="Sign in">
      <Stack spacing={2}>
        <TextField
          id="login-email"
          name="email"
          type="email"
          label="Email"
          value={email}
          onChange={(event) => setEmail(event.target.value)}
          autoComplete="username"
          autoFocus
          required
          fullWidth
          disabled={submitting}
        />
        <TextField
          id="login-password"
          name="password"
          type="password"
          label="Password"
          value={password}
          onChange={(event) => setPassword(event.target.value)}
          autoComplete="current-password"
          required
          fullWidth
          disabled={submitting}
        />
        <Button type="submit" variant="contained" size="large" disabled={submitting} fullWidth>
          Sign in
        </Button>
      </Stack>
    </form>
  );
}
