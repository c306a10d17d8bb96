import { Alert } from '@mui/material';
import { Edit, SaveButton, SimpleForm, Toolbar, useNotify, useRecordContext, useRedirect } from 'react-admin';

import type { UserRecord } from '../../providers/dataProvider';
import { UserInputs } from './UserInputs';

function UserTitle() {
  const user = useRecordContext<UserRecord>();
  return <>{user ? `Edit ${user.displayName}` : 'Edit user'}</>;
}

function UserEditToolbar() {
  // No delete: accounts are disabled (from the user's page), so their audit history keeps its actor.
  return (
    <Toolbar>
      <SaveButton />
    </Toolbar>
  );
}

/**
 * Name and role. Saved at once (pessimistic): a refused change, such as demoting the last
 * administrator, is reported before the page moves on.
 */
export function UserEdit() {
  const notify = useNotify();
  const redirect = useRedirect();
  return (
    <Edit<UserRecord>
      mutationMode="pessimistic"
      title={<UserTitle />}
      mutationOptions={{
        onSuccess: (user: UserRecord) => {
          notify(`${user.displayName} updated`, { type: 'success' });
          redirect('show', 'users', user.id);
        },
      }}
    >
      <SimpleForm toolbar={<UserEditToolbar />} sx={{ maxWidth: 640 }}>
        <Alert severity="info" sx={{ mb: 2 }}>
          A role change applies at the user’s next request; their sessions stay open.
        </Alert>
        <UserInputs />
      </SimpleForm>
    </Edit>
  );
}
