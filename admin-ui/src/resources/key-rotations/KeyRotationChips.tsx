import { Box, Chip, LinearProgress, Typography } from '@mui/material';

import { formatNumber } from '../../components/format';
import type { KeyPurpose, KeyRotationRecord } from '../../providers/dataProvider';

export const PURPOSES: ReadonlyArray<{ id: KeyPurpose; name: string; description: string }> = [
  {
    id: 'phi',
    name: 'PHI data key',
    description: 'Encrypts protected health information: contact fields, consent evidence, message content.',
  },
  {
    id: 'secrets',
    name: 'Secrets key',
    description: 'Encrypts credentials the platform holds: MFA secrets, integration and SMTP credentials.',
  },
];

export const purposeName = (purpose: KeyPurpose): string => PURPOSES.find((p) => p.id === purpose)?.name ?? purpose;

const STATUS: Readonly<Record<KeyRotationRecord['status'], { label: string; color: 'info' | 'success' | 'error' }>> = {
  running: { label: 'Running', color: 'info' },
  completed: { label: 'Completed', color: 'success' },
  failed: { label: 'Failed', color: 'error' },
};

export function RotationStatusChip({ status }: { status: KeyRotationRecord['status'] }) {
  const { label, color } = STATUS[status];
  return (
    <Chip size="small" label={label} color={color} variant={status === 'running' ? 'filled' : 'outlined'} data-testid="rotation-status" data-status={status} />
  );
}

/** How far the background re-encryption has got: rows done out of rows to re-encrypt. */
export function RotationProgress({ rotation }: { rotation: KeyRotationRecord }) {
  const color = rotation.status === 'failed' ? 'error' : rotation.status === 'completed' ? 'success' : 'primary';
  return (
    <Box sx={{ minWidth: 180 }}>
      <LinearProgress
        variant="determinate"
        value={rotation.percent}
        color={color}
        aria-label={`Re-encryption progress for rotation ${rotation.id}`}
        data-testid="rotation-progress"
        data-percent={rotation.percent}
      />
      <Typography variant="caption" color="text.secondary">
        {rotation.percent}% · {formatNumber(rotation.done)} of {formatNumber(rotation.total)} values re-encrypted
      </Typography>
    </Box>
  );
}
