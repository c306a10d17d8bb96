import { Alert, Button, Stack, TextField } from '@mui/material';
import { useState, type SubmitEvent } from 'react';

import { errorMessage, useHipaaAuth } from '../auth/useHipaaAuth';
import { fieldError } from '../providers/httpClient';

/** The backend's minimum (NIST 800-63B: length over composition rules); checked here to answer at once. */
export const PASSWORD_MIN_LENGTH = 12;

type Field = 'currentPassword' | 'newPassword' | 'confirmPassword';

interface ChangePasswordFormProps {
  /** "Current password", or "Temporary password" for an invited user's first change. */
  currentLabel?: string;
  submitLabel?: string;
  onChanged: () => void | Promise<void>;
}

/**
 * Current password, new password twice. The server applies the policy (length, common
 * passwords, not the e-mail name) and names the field it refuses; the other sessions of the
 * user are signed out when the password changes.
 */
export function ChangePasswordForm({ currentLabel = 'Current password', submitLabel = 'Change password', onChanged }: ChangePasswordFormProps) {
  const auth = useHipaaAuth();
  const [values, setValues] = useState<Record<Field, string>>({ currentPassword: '', newPassword: '', confirmPassword: '' });
  const [errors, setErrors] = useState<Partial<Record<Field, string>>>({});
  const [formError, setFormError] = useState<string | undefined>();
  const [submitting, setSubmitting] = useState(false);

  const set = (field: Field) => (event: { target: { value: string } }) => {
    setValues((current) => ({ ...current, [field]: event.target.value }));
    setErrors((current) => ({ ...current, [field]: undefined }));
  };

  const submit = async (event: SubmitEvent) => {
    event.preventDefault();
    setFormError(undefined);
    const problems: Partial<Record<Field, string>> = {};
    if (!values.currentPassword) problems.currentPassword = 'Required';
    if (values.newPassword.length < PASSWORD_MIN_LENGTH) problems.newPassword = `Must be at least ${PASSWORD_MIN_LENGTH} characters`;
    if (values.confirmPassword !== values.newPassword) problems.confirmPassword = 'The two passwords do not match';
    setErrors(problems);
    if (Object.keys(problems).length > 0) return;

    setSubmitting(true);
    try {
      await auth.changePassword({ currentPassword: values.currentPassword, newPassword: values.newPassword });
      setValues({ currentPassword: '', newPassword: '', confirmPassword: '' });
      await onChanged();
    } catch (error) {
      const fields = { currentPassword: fieldError(error, 'currentPassword'), newPassword: fieldError(error, 'newPassword') };
      setErrors(fields);
      if (!fields.currentPassword && !fields.newPassword) setFormError(errorMessage(error));
    } finally {
      setSubmitting(false);
    }
  };

  return (
    <form onSubmit={(event) => void submit(event)} aria-label="Change password" noValidate data-testid="change-password-form">
      <Stack spacing={2} sx={{ maxWidth: 420 }}>
        {formError && (
          <Alert severity="error" role="alert" data-testid="change-password-error">
            {formError}
          </Alert>
        )}
        <TextField
          id="current-password"
          name="currentPassword"
          type="password"
          label={currentLabel}
          value={values.currentPassword}
          onChange={set('currentPassword')}
          error={Boolean(errors.currentPassword)}
          helperText={errors.currentPassword}
          autoComplete="current-password"
          disabled={submitting}
          required
          fullWidth
        />
        <TextField
          id="new-password"
          name="newPassword"
          type="password"
          label="New password"
          value={values.newPassword}
          onChange={set('newPassword')}
          error={Boolean(errors.newPassword)}
          helperText={errors.newPassword ?? `At least ${PASSWORD_MIN_LENGTH} characters. A passphrase of a few unrelated words works well.`}
          autoComplete="new-password"
          disabled={submitting}
          required
          fullWidth
        />
        <TextField
          id="confirm-password"
          name="confirmPassword"
          type="password"
          label="Repeat the new password"
          value={values.confirmPassword}
          onChange={set('confirmPassword')}
          error={Boolean(errors.confirmPassword)}
          helperText={errors.confirmPassword}
          autoComplete="new-password"
          disabled={submitting}
          required
          fullWidth
        />
        <div>
          <Button type="submit" variant="contained" disabled={submitting}>
            {submitLabel}
          </Button>
        </div>
      </Stack>
    </form>
  );
}
