import { Alert } from '@mui/material';
import { useState } from 'react';
import { Create, SimpleForm, useNotify, useRedirect } from 'react-admin';

import { OneTimeSecretDialog } from '../../components/OneTimeSecretDialog';
import type { InvitedUser } from '../../providers/dataProvider';
import { UserInputs } from './UserInputs';

/**
 * Invites a user: the server creates the account with a temporary password and returns it
 * once. The administrator hands it over by a separate channel; the user must replace it and
 * set up MFA at their first sign-in.
 */
export function UserCreate() {
  const notify = useNotify();
  const redirect = useRedirect();
  const [invited, setInvited] = useState<InvitedUser | undefined>();

  const close = () => {
    const id = invited?.id;
    setInvited(undefined);
    if (id) redirect('show', 'users', id);
  };

  return (
    <>
      <Create<InvitedUser>
        title="Invite a user"
        mutationOptions={{
          onSuccess: (user: InvitedUser) => {
            notify(`${user.displayName} has been invited`, { type: 'success' });
            setInvited(user);
          },
        }}
      >
        <SimpleForm sx={{ maxWidth: 640 }}>
          <Alert severity="info" sx={{ mb: 2 }}>
            The new user gets a temporary password, shown once after you invite them. Give it to them through a separate channel; they choose their own password
            and set up two-factor authentication at their first sign-in.
          </Alert>
          <UserInputs invite />
        </SimpleForm>
      </Create>
      {invited && (
        <OneTimeSecretDialog
          open
          title="User invited"
          description={
            <>
              <strong>{invited.displayName}</strong> ({invited.email}) can now sign in with this temporary password.
            </>
          }
          secretLabel="Temporary password"
          secret={invited.temporaryPassword}
          warning={
            <>
              This password is shown only once. It must be changed at first sign-in, and two-factor authentication must be set up (MFA enrolled) before the
              account can be used.
            </>
          }
          onClose={close}
        />
      )}
    </>
  );
}
