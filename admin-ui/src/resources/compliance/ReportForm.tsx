import { Alert, Box, Stack, Typography } from '@mui/material';
import type { ReactNode } from 'react';

import { ReportActions } from './ReportActions';
import { ReportParameterInputs } from './ReportParameterInputs';
import type { ReportRunner } from './useReportRunner';

/** A report's heading and explanation, its parameters, what keeps it from being sent (when `showProblem`), and view / download. */
export function ReportForm({
  runner,
  title,
  description,
  viewLabel,
  showProblem,
}: {
  runner: ReportRunner;
  title?: string;
  description: ReactNode;
  viewLabel?: string;
  showProblem?: boolean;
}) {
  return (
    <Stack spacing={2}>
      <Box>
        {title && (
          <Typography variant="h6" component="h2">
            {title}
          </Typography>
        )}
        <Typography variant="body2" color="text.secondary">
          {description}
        </Typography>
      </Box>
      <ReportParameterInputs def={runner.def} values={runner.values} onChange={runner.setValues} />
      {showProblem && runner.problem && (
        <Alert severity="info" data-testid={`${runner.def.id}-problem`}>
          {runner.problem}
        </Alert>
      )}
      <ReportActions runner={runner} viewLabel={viewLabel} />
    </Stack>
  );
}
