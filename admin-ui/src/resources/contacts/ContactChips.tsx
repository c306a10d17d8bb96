import { Chip, Stack, Tooltip, Typography } from '@mui/material';

import type { ConsentStatus, ContactRecord, SuppressionReason } from '../../providers/dataProvider';
import { CONSENT_STATUS, fieldLabel, SOURCE_LABELS, SUPPRESSION_REASONS } from './contactFields';

export function ContactStatusChip({ status }: { status: ContactRecord['status'] }) {
  return status === 'active' ? (
    <Chip size="small" variant="outlined" color="success" label="Active" data-testid="contact-status" data-status={status} />
  ) : (
    <Chip size="small" variant="outlined" label="Erased" data-testid="contact-status" data-status={status} />
  );
}

export const sourceLabel = (source: string): string => SOURCE_LABELS[source] ?? source;

/** Which PHI fields hold a value: the names only, the values stay masked. */
export function PhiFieldChips({ fields }: { fields: readonly string[] }) {
  if (fields.length === 0) {
    return (
      <Typography variant="body2" color="text.secondary">
        —
      </Typography>
    );
  }
  return (
    <Stack direction="row" spacing={0.5} useFlexGap sx={{ flexWrap: 'wrap' }} data-testid="phi-fields">
      {fields.map((field) => (
        <Chip key={field} size="small" variant="outlined" label={fieldLabel(field)} />
      ))}
    </Stack>
  );
}

/** A count of the PHI fields on file, their names in the tooltip: enough for a list row. */
export function PhiFieldSummary({ fields }: { fields: readonly string[] }) {
  if (fields.length === 0) {
    return (
      <Typography variant="body2" color="text.secondary">
        —
      </Typography>
    );
  }
  return (
    <Tooltip title={fields.map(fieldLabel).join(', ')}>
      <Typography variant="body2" data-testid="phi-field-count">
        {fields.length} {fields.length === 1 ? 'field' : 'fields'}
      </Typography>
    </Tooltip>
  );
}

export function ConsentStatusChip({ status, label }: { status: ConsentStatus; label?: string }) {
  const { label: statusLabel, color } = CONSENT_STATUS[status];
  return (
    <Chip
      size="small"
      color={color}
      variant={status === 'confirmed' ? 'filled' : 'outlined'}
      label={label ? `${label}: ${statusLabel}` : statusLabel}
      data-testid="consent-chip"
      data-status={status}
    />
  );
}

export function SuppressionReasonChip({ reason }: { reason: SuppressionReason }) {
  const choice = SUPPRESSION_REASONS.find((r) => r.id === reason);
  return <Chip size="small" variant="outlined" color={choice?.color ?? 'default'} label={choice?.name ?? reason} data-testid="suppression-reason" />;
}
