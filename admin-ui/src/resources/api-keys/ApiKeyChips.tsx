import { Chip, Stack } from '@mui/material';

import type { ApiKeyRecord } from '../../providers/dataProvider';

const STATUS: Readonly<Record<ApiKeyRecord['status'], { label: string; color: 'success' | 'warning' | 'default' }>> = {
  active: { label: 'Active', color: 'success' },
  expired: { label: 'Expired', color: 'warning' },
  revoked: { label: 'Revoked', color: 'default' },
};

export function ApiKeyStatusChip({ status }: { status: ApiKeyRecord['status'] }) {
  const { label, color } = STATUS[status];
  return (
    <Chip size="small" label={label} color={color} variant={status === 'active' ? 'filled' : 'outlined'} data-testid="api-key-status" data-status={status} />
  );
}

export function ScopeChips({ scopes }: { scopes: string[] }) {
  return (
    <Stack direction="row" spacing={0.5} sx={{ flexWrap: 'wrap' }}>
      {scopes.map((scope) => (
        <Chip key={scope} size="small" variant="outlined" label={scope} sx={{ fontFamily: 'monospace' }} />
      ))}
    </Stack>
  );
}
