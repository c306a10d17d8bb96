import { Chip, Stack } from '@mui/material';

import type { UserRecord } from '../../providers/dataProvider';
import { roleChoice } from './roles';

export function RoleChip({ role }: { role: string }) {
  const choice = roleChoice(role);
  return <Chip size="small" label={choice?.name ?? role} color={choice?.color ?? 'default'} data-testid="role-chip" data-role={role} />;
}

/** Account state at a glance: disabled, locked, and whether MFA is set up. */
export function UserStatusChips({ user }: { user: Pick<UserRecord, 'disabled' | 'locked' | 'mfaEnrolled'> }) {
  return (
    <Stack direction="row" spacing={0.5} data-testid="user-status" sx={{ flexWrap: 'wrap' }}>
      {user.disabled ? (
        <Chip size="small" label="Disabled" color="default" variant="outlined" />
      ) : (
        <Chip size="small" label="Active" color="success" variant="outlined" />
      )}
      {user.locked && <Chip size="small" label="Locked" color="error" />}
      {!user.mfaEnrolled && <Chip size="small" label="MFA not set up" color="warning" variant="outlined" />}
    </Stack>
  );
}
