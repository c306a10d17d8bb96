import { Card, CardContent, Stack } from '@mui/material';
import { Title } from 'react-admin';

import { ReportForm } from './ReportForm';
import { ReportView } from './ReportView';
import { reportDefinition } from './reportsApi';
import { useReportRunner } from './useReportRunner';

/** For an incident: everything one account, API key or IP address did in a window, and whose PHI it reached. */
export function BreachResponsePage() {
  const runner = useReportRunner(reportDefinition('breach-response'));
  return (
    <Stack spacing={2} sx={{ mt: 2, mb: 4 }} data-testid="breach-response">
      <Title title="Breach response" />
      <Card>
        <CardContent>
          <ReportForm
            runner={runner}
            viewLabel="Show report"
            showProblem
            description="When an account, an API key or an address may be compromised: choose the time window and at least one of them to see every action taken and the contacts whose PHI was reached, for the risk assessment and the notifications HIPAA requires."
          />
        </CardContent>
      </Card>
      {runner.doc && (
        <Card>
          <CardContent>
            <ReportView doc={runner.doc} />
          </CardContent>
        </Card>
      )}
    </Stack>
  );
}
