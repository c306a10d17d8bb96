import Block from '@mui/icons-material/Block';
import LockOpen from '@mui/icons-material/LockOpen';
import Logout from '@mui/icons-material/Logout';
import PhonelinkErase from '@mui/icons-material/PhonelinkErase';
import PlayCircleOutline from '@mui/icons-material/PlayCircleOutline';
import { Button } from '@mui/material';
import { useState } from 'react';
import { useCanAccess, useDataProvider, useGetIdentity, useNotify, useRecordContext, useRefresh, useUpdate } from 'react-admin';

import { ConfirmButton } from '../../components/ConfirmButton';
import { countOf } from '../../components/format';
import type { HipaaDataProvider, UserAction, UserRecord } from '../../providers/dataProvider';

const errorText = (error: unknown): string => (error instanceof Error && error.message ? error.message : 'The action failed.');

/** Runs one of the account actions on the user and reports how it went. */
function useUserAction() {
  const dataProvider = useDataProvider<HipaaDataProvider>();
  const notify = useNotify();
  const refresh = useRefresh();
  return async (user: UserRecord, action: UserAction, success: (result: { revoked?: number }) => string) => {
    try {
      const { data } = await dataProvider.userAction(user.id, action);
      // A refused call resolves empty once the auth provider has said why.
      if (!('id' in data) && !('revoked' in data)) return;
      notify(success(data), { type: 'success' });
      refresh();
    } catch (error) {
      notify(errorText(error), { type: 'error' });
    }
  };
}

/**
 * Unlock, reset MFA, end sessions, disable or enable: what an administrator does to an account
 * besides editing it. Actions that lock someone out ask first. Your own account is managed from
 * "My account", so the actions that would sign you out are not offered on it.
 */
export function UserAdminActions() {
  const user = useRecordContext<UserRecord>();
  const { identity } = useGetIdentity();
  const { canAccess } = useCanAccess({ resource: 'users', action: 'disable', record: user });
  const run = useUserAction();
  const notify = useNotify();
  const [update] = useUpdate<UserRecord>();
  const [enabling, setEnabling] = useState(false);

  if (!user || !canAccess) return null;
  const self = identity?.id === user.id;
  const name = user.displayName;

  const setDisabled = (disabled: boolean) =>
    new Promise<void>((resolve) => {
      void update(
        'users',
        { id: user.id, data: { disabled }, previousData: user },
        {
          mutationMode: 'pessimistic',
          onSuccess: () => {
            notify(disabled ? `${name} is disabled and signed out` : `${name} can sign in again`, { type: 'success' });
            resolve();
          },
          onError: (error) => {
            notify(errorText(error), { type: 'error' });
            resolve();
          },
        },
      );
    });

  return (
    <>
      {user.locked && (
        <Button size="small" startIcon={<LockOpen />} onClick={() => void run(user, 'unlock', () => `${name} is unlocked`)}>
          Unlock
        </Button>
      )}
      {!self && (
        <ConfirmButton
          label="Sign out everywhere"
          icon={<Logout />}
          title={`Sign ${name} out of every session?`}
          content="Every browser where they are signed in is signed out at once. They can sign in again."
          confirmLabel="Sign out"
          onConfirm={() => run(user, 'revoke-sessions', (result) => `${countOf(result.revoked ?? 0, 'session', 'sessions')} ended`)}
        />
      )}
      {!self && user.mfaEnrolled && (
        <ConfirmButton
          label="Reset MFA"
          icon={<PhonelinkErase />}
          color="warning"
          title={`Reset two-factor authentication for ${name}?`}
          content="Their authenticator and recovery codes stop working and they are signed out everywhere. At their next sign-in they must set up an authenticator again. Do this only after confirming their identity."
          confirmLabel="Reset MFA"
          data-testid="reset-mfa"
          onConfirm={() => run(user, 'reset-mfa', () => `Two-factor authentication reset for ${name}`)}
        />
      )}
      {!self && !user.disabled && (
        <ConfirmButton
          label="Disable"
          icon={<Block />}
          color="error"
          title={`Disable ${name}?`}
          content="They are signed out at once and can no longer sign in. Their history stays in the audit log, and you can enable the account again later."
          confirmLabel="Disable account"
          data-testid="disable-user"
          onConfirm={() => setDisabled(true)}
        />
      )}
      {user.disabled && (
        <Button
          size="small"
          startIcon={<PlayCircleOutline />}
          disabled={enabling}
          onClick={() => {
            setEnabling(true);
            void setDisabled(false).finally(() => setEnabling(false));
          }}
        >
          Enable
        </Button>
      )}
    </>
  );
}
