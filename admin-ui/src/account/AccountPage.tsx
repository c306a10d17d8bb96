import { Card, CardContent, Chip, Stack, Typography } from '@mui/material';
import { Loading, Title, useGetIdentity, usePermissions } from 'react-admin';

/** The signed-in user's own profile: who they are and what their role allows. */
export function AccountPage() {
  const { identity, isPending } = useGetIdentity();
  const { permissions } = usePermissions<string[]>();
  if (isPending || !identity) return <Loading />;

  return (
    <Card sx={{ mt: 2, maxWidth: 640 }} data-testid="account">
      <Title title="My account" />
      <CardContent>
        <Stack spacing={1.5}>
          <Typography variant="h6" component="h2">
            {identity.fullName}
          </Typography>
          <Typography>{String(identity.email)}</Typography>
          <Typography>
            Role: <strong>{String(identity.role)}</strong>
          </Typography>
          <Typography>Two-factor authentication: {identity.mfaEnrolled ? 'enabled' : 'not set up'}</Typography>
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
  );
}
