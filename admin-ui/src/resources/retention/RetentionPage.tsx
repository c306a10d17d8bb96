import { Alert, Box, Card, CardContent, LinearProgress, Stack, Typography } from '@mui/material';
import { useState } from 'react';
import { Title } from 'react-admin';

import { usePolled } from '../../components/usePolled';
import { RetentionPolicyForm } from './RetentionPolicyForm';
import { RetentionRuns } from './RetentionRuns';
import { fetchPolicy, fetchRuns, isActive, type RetentionPolicy } from './retentionApi';

/** While a run is queued or running, the list is polled at this pace. */
const POLL_MS = 2_000;

/**
 * Retention: the policy (what is disposed of, after how long), a dry run that counts what would go, a run on demand
 * and the runs so far (the daily run included), with counts per category.
 */
export function RetentionPage() {
  const [saved, setSaved] = useState<RetentionPolicy | null>(null);
  const [dirty, setDirty] = useState(false);
  const [refresh, setRefresh] = useState(0);
  const loadedPolicy = usePolled(fetchPolicy, 'policy', false);
  const [active, setActive] = useState(false);
  const loadedRuns = usePolled(fetchRuns, `runs-${String(refresh)}`, active ? POLL_MS : false);
  const runs = loadedRuns.data ?? [];
  const nowActive = runs.some(isActive);
  if (nowActive !== active) setActive(nowActive);
  const policy = saved ?? loadedPolicy.data ?? null;
  const failure = loadedPolicy.error ?? loadedRuns.error;
  const error = failure === undefined ? null : failure instanceof Error ? failure.message : 'The retention policy could not be loaded.';

  return (
    <Box sx={{ mt: 2, mb: 4 }} data-testid="retention-page">
      <Title title="Retention" />
      {error && (
        <Alert severity="error" sx={{ mb: 2 }}>
          {error}
        </Alert>
      )}
      {policy === null ? (
        !error && <LinearProgress aria-label="Loading the retention policy" />
      ) : (
        <Stack spacing={3}>
          <Card>
            <CardContent>
              <Typography component="h2" variant="h6" sx={{ mb: 2 }}>
                Policy
              </Typography>
              <RetentionPolicyForm policy={policy} onSaved={setSaved} onDirty={setDirty} />
            </CardContent>
          </Card>
          <Card>
            <CardContent>
              <Typography component="h2" variant="h6" sx={{ mb: 2 }}>
                Disposal runs
              </Typography>
              <RetentionRuns
                runs={runs}
                blocked={dirty ? 'Save the policy first: runs apply the saved policy.' : null}
                onStarted={() => setRefresh((n) => n + 1)}
              />
            </CardContent>
          </Card>
        </Stack>
      )}
    </Box>
  );
}
