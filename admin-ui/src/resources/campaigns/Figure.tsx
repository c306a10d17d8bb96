import { Box, Typography } from '@mui/material';

import { formatNumber } from '../../components/format';

/** A labelled figure (a count, a rate), its raw value in `data-value` for tests. */
export function Figure({
  testId,
  label,
  value,
  hint,
  minWidth = 110,
}: {
  testId: string;
  label: string;
  value: number | string;
  hint?: string;
  minWidth?: number;
}) {
  return (
    <Box sx={{ minWidth }} data-testid={testId} data-value={value}>
      <Typography variant="caption" color="text.secondary">
        {label}
      </Typography>
      <Typography variant="h6" component="p">
        {typeof value === 'number' ? formatNumber(value) : value}
      </Typography>
      {hint && (
        <Typography variant="caption" color="text.secondary">
          {hint}
        </Typography>
      )}
    </Box>
  );
}
