import Logout from '@mui/icons-material/Logout';
import { Alert, Card, CardContent, Chip, Stack, Typography } from '@mui/material';
import { Loading, Title, useGetIdentity, useLogout, useNotify, usePermissions } from 'react-admin';

import { errorMessage, useHipaaAuth } from '../auth/useHipaaAuth';
import { ConfirmButton } from '../components/ConfirmButton';
import { roleLabel } from '../resources/users/roles';
import { ChangePasswordForm } from './ChangePasswordForm';

/** Below this many recovery codes, the page suggests setting up new ones. */
const FEW_RECOVERY_CODES = 3;

function SignOutEverywhere() {
  const auth = useHipaaAuth();
  const logout = useLogout();
  const notify = useNotify();

  const signOutEverywhere = async () => {
    try {
      await auth.logoutEverywhere();
      // Clears react-admin's state and goes to the login page; the server session is already gone.
      await logout({}, '/login', false);
    } catch (error) {
      notify(errorMessage(error), { type: 'error' });
    }
  };

  return (
    <ConfirmButton
      label="Sign out everywhere"
      icon={<Logout />}
      color="warning"
      variant="outlined"
      size="medium"
      title="Sign out on every device?"
      content="Every session of your account ends, this one included: other browsers, other computers, a device you lost. You will sign in again here."
      confirmLabel="Sign out everywhere"
      data-testid="sign-out-everywhere"
      onConfirm={signOutEverywhere}
    />
  );
}

/** The signed-in user's own account: who they are, their password, their sessions. */
export function AccountPage() {
  const { identity, isPending } = useGetIdentity();
  const { permissions } = usePermissions<string[]>();
  const notify = useNotify();
  if (isPending || !identity) return <Loading />;
  const recoveryCodesLeft = typeof identity.recoveryCodesLeft === 'number' ? identity.recoveryCodesLeft : undefined;

  return (
    <Stack spacing={2} sx={{ mt: 2, mb: 4, maxWidth: 720 }} data-testid="account">
      <Title title="My account" />
      <Card>
        <CardContent>
          <Stack spacing={1.5}>
            <Typography variant="h6" component="h2">
              {identity.fullName}
            </Typography>
            <Typography>{String(identity.email)}</Typography>
            <Typography>
              Role: <strong>{roleLabel(String(identity.role))}</strong>
            </Typography>
            <Typography>Two-factor authentication: {identity.mfaEnrolled ? 'enabled' : 'not set up'}</Typography>
            {recoveryCodesLeft !== undefined && identity.mfaEnrolled ? (
              recoveryCodesLeft <= FEW_RECOVERY_CODES ? (
                <Alert severity="warning">
                  Only {recoveryCodesLeft} recovery code{recoveryCodesLeft === 1 ? '' : 's'} left. Ask an administrator to reset your two-factor authentication
                  to get new ones.
                </Alert>
              ) : (
                <Typography>Recovery codes left: {recoveryCodesLeft}</Typography>
              )
            ) : null}
            <Typography variant="subtitle2" component="h3">
              Permissions
            </Typography>
            <Stack direction="row" sx={{ flexWrap: 'wrap', gap: 1 }}>
              {(permissions ?? []).map((permission) => (
                <Chip key={permission} label={permission} size="small" />
              ))}
            </Stack>
          </Stack>
        </CardContent>
      </Card>

      <Card>
        <CardContent>
          <Typography variant="h6" component="h2" gutterBottom>
            Password
          </Typography>
          <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>
            Changing your password signs you out everywhere else.
          </Typography>
          <ChangePasswordForm onChanged={() => notify('Password changed. Your other sessions were signed out.', { type: 'success' })} />
        </CardContent>
      </Card>

      <Card>
        <CardContent>
          <Typography variant="h6" component="h2" gutterBottom>
            Sessions
          </Typography>
          <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>
            Signed in on a shared or lost device? End every session of your account at once.
          </Typography>
          <SignOutEverywhere />
        </CardContent>
      </Card>
    </Stack>
  );
}
