import { Chip } from '@mui/material';

import type { ImportStatus } from '../../providers/dataProvider';

const STATUS: Readonly<Record<ImportStatus, { label: string; color: 'default' | 'info' | 'success' | 'error' | 'warning' | 'primary' }>> = {
  uploading: { label: 'Uploading', color: 'info' },
  uploaded: { label: 'Uploaded', color: 'default' },
  queued: { label: 'Queued', color: 'info' },
  running: { label: 'Running', color: 'primary' },
  validated: { label: 'Validated', color: 'info' },
  completed: { label: 'Completed', color: 'success' },
  failed: { label: 'Failed', color: 'error' },
  cancelled: { label: 'Cancelled', color: 'warning' },
};

/** The worker has it, or will soon: progress moves and the page polls. */
export const isActive = (status: ImportStatus | undefined): boolean => status === 'queued' || status === 'running';

/** A run ended and its outcome (counts, error rows) is final. */
export const hasOutcome = (status: ImportStatus | undefined): boolean => status === 'completed' || status === 'validated' || status === 'failed';

/** The states from which the mapping and consent can be set and a run started. */
export const isConfigurable = (status: ImportStatus | undefined): boolean => status === 'uploaded' || status === 'validated' || status === 'failed';

export function ImportStatusChip({ status, dryRun }: { status: ImportStatus; dryRun?: boolean }) {
  const { label, color } = STATUS[status];
  const text = dryRun && (status === 'queued' || status === 'running') ? `${label} (dry run)` : label;
  return <Chip size="small" label={text} color={color} variant={isActive(status) ? 'filled' : 'outlined'} data-testid="import-status" data-status={status} />;
}
