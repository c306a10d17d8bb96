import { Typography } from '@mui/material';
import { useRecordContext } from 'react-admin';

import { formatDateTime } from './format';

interface DateTimeFieldProps {
  source: string;
  /** Shown when the record has no date there (`Never`, `—`). */
  emptyText?: string;
  seconds?: boolean;
  /** Used by react-admin for the column header and <Labeled>. */
  label?: string;
}

/** A timestamp from the API, in the user's locale; the exact ISO value is in the tooltip. */
export function DateTimeField({ source, emptyText = '—', seconds }: DateTimeFieldProps) {
  const record = useRecordContext<Record<string, unknown>>();
  const raw = record?.[source];
  const text = typeof raw === 'string' ? formatDateTime(raw, { seconds }) : undefined;
  if (!text) {
    return (
      <Typography component="span" variant="body2" color="text.secondary">
        {emptyText}
      </Typography>
    );
  }
  return (
    <Typography component="span" variant="body2" title={String(raw)} sx={{ whiteSpace: 'nowrap' }}>
      {text}
    </Typography>
  );
}
