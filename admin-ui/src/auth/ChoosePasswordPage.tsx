import Password from '@mui/icons-material/Password';
import { Avatar, Box, Card, CardContent, Link, Stack, Typography } from '@mui/material';
import { useLogout, useNotify } from 'react-admin';

import { ChangePasswordForm } from '../account/ChangePasswordForm';
import { useHipaaAuth } from './useHipaaAuth';

interface ChoosePasswordPageProps {
  /** Called once the password is changed and the user reloaded. */
  onDone: () => void;
}

/**
 * The first thing an invited user sees after signing in: the temporary password an
 * administrator handed over must be replaced before anything else opens.
 */
export function ChoosePasswordPage({ onDone }: ChoosePasswordPageProps) {
  const auth = useHipaaAuth();
  const logout = useLogout();
  const notify = useNotify();

  const changed = async () => {
    await auth.refreshUser();
    notify('Your password is set. Welcome to HIPAA Mail.', { type: 'success' });
    onDone();
  };

  return (
    <Box component="main" sx={{ minHeight: '100vh', display: 'flex', alignItems: 'center', justifyContent: 'center', bgcolor: 'grey.100', p: 2 }}>
      <Card sx={{ width: '100%', maxWidth: 460 }} data-testid="choose-password">
        <CardContent sx={{ p: 4 }}>
          <Stack spacing={3}>
            <Stack spacing={1} sx={{ alignItems: 'center', textAlign: 'center' }}>
              <Avatar sx={{ bgcolor: 'primary.main' }}>
                <Password />
              </Avatar>
              <Typography component="h1" variant="h5">
                Choose a new password
              </Typography>
              <Typography variant="body2" color="text.secondary">
                You signed in with a temporary password. Replace it with one only you know to continue.
              </Typography>
            </Stack>
            <ChangePasswordForm currentLabel="Temporary password" submitLabel="Save and continue" onChanged={changed} />
            <Link component="button" type="button" variant="body2" onClick={() => void logout()}>
              Sign out
            </Link>
          </Stack>
        </CardContent>
      </Card>
    </Box>
  );
}
