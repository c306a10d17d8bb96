import Close from '@mui/icons-material/Close';
import { Box, Card, CardContent, Divider, IconButton, Stack, Typography } from '@mui/material';
import { Title } from 'react-admin';

import { ReportForm } from './ReportForm';
import { ReportView } from './ReportView';
import { REPORTS, type ReportDefinition } from './reportsApi';
import { useReportRunner } from './useReportRunner';

/** One report: what it shows, its parameters, and view / download; the viewed report opens inside the card. */
function ReportCard({ def }: { def: ReportDefinition }) {
  const runner = useReportRunner(def);
  return (
    <Card data-testid={`report-card-${def.id}`}>
      <CardContent>
        <Stack spacing={2}>
          <ReportForm runner={runner} title={def.title} description={def.description} />
          {runner.doc && (
            <>
              <Divider />
              <Box sx={{ position: 'relative' }}>
                <IconButton aria-label="Close the report" onClick={runner.close} sx={{ position: 'absolute', right: 0, top: 0 }}>
                  <Close />
                </IconButton>
                <ReportView doc={runner.doc} />
              </Box>
            </>
          )}
        </Stack>
      </CardContent>
    </Card>
  );
}

/** Every compliance report, with its parameters, to view here or download for an auditor (each download is audited). */
export function ReportsPage() {
  return (
    <Stack spacing={2} sx={{ mt: 2, mb: 4 }} data-testid="compliance-reports">
      <Title title="Compliance reports" />
      <Typography variant="body2" color="text.secondary">
        Reports for auditors and compliance reviews. Each one can be viewed here or downloaded as CSV or PDF; every view and download is recorded in the audit
        log.
      </Typography>
      {REPORTS.map((def) => (
        <ReportCard key={def.id} def={def} />
      ))}
    </Stack>
  );
}
