import { Box, Card, CardContent, LinearProgress, Stack, Typography } from '@mui/material';

import { formatDateTime, formatNumber } from '../../components/format';
import { type CampaignProgress, campaignsApi, type CampaignStatus } from '../../providers/campaignsApi';
import { formatDuration } from '../imports/ImportProgress';
import { Figure } from './Figure';
import { isLive } from './campaignStatus';
import { usePolled } from '../../components/usePolled';

const POLL_MS = 2000;

function Count({ name, label, value }: { name: string; label: string; value: number }) {
  return <Figure testId={`progress-${name}`} label={label} value={value} minWidth={90} />;
}

export function ProgressView({ p }: { p: CampaignProgress }) {
  const waiting = p.notQueued + p.queued + p.sending + p.paused;
  return (
    <Stack spacing={2}>
      <Box>
        <LinearProgress variant="determinate" value={Math.round(p.done * 100)} data-testid="campaign-progress-bar" aria-label="Sent" />
        <Typography variant="body2" color="text.secondary" sx={{ mt: 0.5 }}>
          {Math.round(p.done * 100)} % of {p.total === null ? '…' : formatNumber(p.total)}
          {p.ratePerMinute > 0 ? ` · ${formatNumber(p.ratePerMinute)} a minute` : ''}
          {p.etaSeconds !== null ? ` · about ${formatDuration(p.etaSeconds)} left` : ''}
          {p.abPhase === 'testing' ? ` · A/B test running, winner picked ${formatDateTime(p.abDecideAt) ?? 'soon'}` : ''}
        </Typography>
      </Box>
      <Stack direction="row" spacing={3} useFlexGap sx={{ flexWrap: 'wrap' }}>
        <Count name="waiting" label="Queued" value={waiting} />
        <Count name="sent" label="Sent" value={p.sent} />
        <Count name="dropped" label="Dropped" value={p.dropped} />
        <Count name="bounced" label="Bounced" value={p.bounced} />
        <Count name="failed" label="Failed" value={p.failed} />
        {p.cancelled > 0 && <Count name="cancelled" label="Cancelled" value={p.cancelled} />}
      </Stack>
    </Stack>
  );
}

/** Live while the campaign is scheduled, sending or paused; `onStatus` tells the page when the status moved on. */
export function CampaignProgressPanel({ id, status, onStatus }: { id: string; status: CampaignStatus; onStatus: (s: CampaignStatus) => void }) {
  const { data } = usePolled(
    async (signal) => {
      const p = await campaignsApi.progress(id, signal);
      if (p.status !== status) onStatus(p.status);
      return p;
    },
    `${id}:${status}`,
    isLive(status) ? POLL_MS : false,
  );
  return (
    <Card variant="outlined" data-testid="campaign-progress">
      <CardContent>
        <Typography variant="h6" gutterBottom>
          Progress
        </Typography>
        {data ? <ProgressView p={data} /> : <LinearProgress />}
      </CardContent>
    </Card>
  );
}
