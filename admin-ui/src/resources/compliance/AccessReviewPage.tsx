import { Alert, Card, CardContent, Stack } from '@mui/material';
import { useEffect } from 'react';
import { Title } from 'react-admin';

import { ReportForm } from './ReportForm';
import { ReportView } from './ReportView';
import { type ReportCell, reportDefinition } from './reportsApi';
import { useReportRunner } from './useReportRunner';

const isDormant = (row: Record<string, ReportCell>) => row.dormant === true;

/** The periodic access review: users and live API keys, dormant ones highlighted for a reviewer to disable or revoke. */
export function AccessReviewPage() {
  const runner = useReportRunner(reportDefinition('user-access-review'));
  const { view } = runner;
  useEffect(() => {
    void view();
    // Run once on opening with the default threshold; later runs are the reviewer's.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, []);
  const dormant = runner.doc?.sections.reduce((n, s) => n + s.rows.filter(isDormant).length, 0) ?? 0;
  return (
    <Stack spacing={2} sx={{ mt: 2, mb: 4 }} data-testid="access-review">
      <Title title="Access review" />
      <Card>
        <CardContent>
          <ReportForm
            runner={runner}
            viewLabel="Run review"
            description="Every user with role, MFA, last sign-in and status, and every live API key with its scopes and last use. Accounts and keys unused for the chosen number of days are dormant: disable or revoke those nobody needs."
          />
        </CardContent>
      </Card>
      {runner.doc && (
        <Card>
          <CardContent>
            <Stack spacing={2}>
              <Alert severity={dormant ? 'warning' : 'success'} data-testid="dormant-count" data-value={dormant}>
                {dormant
                  ? `${String(dormant)} dormant ${dormant === 1 ? 'account or key is' : 'accounts or keys are'} highlighted below.`
                  : 'No dormant accounts or keys.'}
              </Alert>
              <ReportView doc={runner.doc} highlight={isDormant} />
            </Stack>
          </CardContent>
        </Card>
      )}
    </Stack>
  );
}
