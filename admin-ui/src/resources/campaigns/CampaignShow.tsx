import { Alert, Box, Card, CardContent, Grid, Stack, Typography } from '@mui/material';
import { useState } from 'react';
import { Loading, Title, useGetOne, useGetMany } from 'react-admin';
import { useParams } from 'react-router-dom';

import { formatDateTime, formatNumber } from '../../components/format';
import type { CampaignRecord, CampaignStatus } from '../../providers/campaignsApi';
import type { SegmentRecord } from '../../providers/dataProvider';
import { CampaignActions } from './CampaignActions';
import { CampaignProgressPanel } from './CampaignProgressPanel';
import { CampaignReportPanel } from './CampaignReportPanel';
import { CampaignStatusChip, hasReport, isLive } from './campaignStatus';
import { PreSendChecksPanel } from './PreSendChecksPanel';

function Row({ label, children }: { label: string; children: React.ReactNode }) {
  return (
    <Box sx={{ display: 'flex', gap: 2, py: 0.5 }}>
      <Typography variant="body2" color="text.secondary" sx={{ minWidth: 150 }}>
        {label}
      </Typography>
      <Typography variant="body2" component="div">
        {children}
      </Typography>
    </Box>
  );
}

export function scheduleText(c: CampaignRecord): string {
  if (c.schedule.kind === 'at') return `At ${formatDateTime(c.schedule.sendAt) ?? '…'}`;
  if (c.schedule.kind === 'local_time')
    return `${c.schedule.date ?? ''} ${c.schedule.time ?? ''} in each recipient's time zone (else ${c.schedule.fallbackTimeZone})`;
  return 'As soon as it is scheduled';
}

function Summary({ c }: { c: CampaignRecord }) {
  const { data: segments } = useGetMany<SegmentRecord>('segments', { ids: [...c.includeSegmentIds, ...c.excludeSegmentIds] });
  const names = (ids: number[]) => ids.map((id) => segments?.find((s) => s.id === id)?.name ?? `#${id}`).join(', ') || '—';
  const sender = c.sender;
  return (
    <Card variant="outlined">
      <CardContent>
        <Typography variant="h6" gutterBottom>
          Settings
        </Typography>
        <Row label="Topic (consent)">{c.topic ?? '—'}</Row>
        <Row label="Segments">{names(c.includeSegmentIds)}</Row>
        <Row label="Excluding">{names(c.excludeSegmentIds)}</Row>
        <Row label="Template version">{c.templateVersionId ?? '—'}</Row>
        <Row label="From">
          {sender.fromName || 'The template’s sender name'}
          {sender.fromLocalPart || sender.sendingDomain
            ? ` <${sender.fromLocalPart || 'default'}@${sender.sendingDomain ?? 'the default domain'}>`
            : ', from the platform’s default address'}
          {sender.replyTo ? `, reply to ${sender.replyTo}` : ''}
        </Row>
        <Row label="Schedule">{scheduleText(c)}</Row>
        <Row label="Throttle">{c.throttlePerHour ? `${formatNumber(c.throttlePerHour)} an hour` : 'none'}</Row>
        <Row label="A/B test">
          {c.abTest
            ? `${c.abTest.kind === 'subject' ? `subject B “${c.abTest.subjectB ?? ''}”` : `template version ${String(c.abTest.templateVersionIdB)}`}, ${c.abTest.splitPercent} % tested, winner by ${c.abTest.metric} after ${c.abTest.afterHours} h${c.abWinner ? ` — winner: ${c.abWinner.toUpperCase()}` : ''}`
            : 'none'}
        </Row>
        <Row label="Approval">{c.fourEyes ? 'Four eyes: not by its author or submitter' : 'Any approver'}</Row>
        {c.reviewNote && <Row label="Reviewer’s note">{c.reviewNote}</Row>}
        <Row label="Audience">{c.audienceCount === null ? 'counted when sending starts' : formatNumber(c.audienceCount)}</Row>
      </CardContent>
    </Card>
  );
}

/** One campaign: its settings, the workflow buttons, the pre-send checks until it sends, then live progress and the report. */
export function CampaignShow() {
  const { id = '' } = useParams();
  const { data, isPending, error, refetch } = useGetOne<CampaignRecord>('campaigns', { id });
  const [override, setOverride] = useState<CampaignRecord | undefined>();
  if (isPending) return <Loading />;
  if (error) return <Alert severity="error">This campaign could not be loaded.</Alert>;
  // An action's answer shows at once; the refetched record takes over once it is as new.
  const campaign = override && override.id === data.id && override.updatedAt > data.updatedAt ? override : data;
  const onChange = (c: CampaignRecord) => {
    setOverride(c);
    void refetch();
  };
  const onStatus = (_s: CampaignStatus) => void refetch();
  const s = campaign.status;
  return (
    <Box sx={{ mt: 2 }} data-testid="campaign-show">
      <Title title={campaign.name} />
      <Stack direction="row" spacing={2} sx={{ alignItems: 'center', mb: 2 }}>
        <Typography variant="h5">{campaign.name}</Typography>
        <CampaignStatusChip status={s} />
        {campaign.startedAt && (
          <Typography variant="body2" color="text.secondary">
            started {formatDateTime(campaign.startedAt)}
          </Typography>
        )}
      </Stack>
      <Box sx={{ mb: 2 }}>
        <CampaignActions campaign={campaign} onChange={onChange} />
      </Box>
      <Grid container spacing={2}>
        <Grid size={{ xs: 12, md: 5 }}>
          <Summary c={campaign} />
        </Grid>
        <Grid size={{ xs: 12, md: 7 }}>
          <Stack spacing={2}>
            {(isLive(s) || hasReport(s)) && <CampaignProgressPanel id={campaign.id} status={s} onStatus={onStatus} />}
            {(s === 'draft' || s === 'submitted' || s === 'approved') && <PreSendChecksPanel id={campaign.id} version={campaign.updatedAt} />}
          </Stack>
        </Grid>
        {hasReport(s) && (
          <Grid size={12}>
            <CampaignReportPanel id={campaign.id} live={isLive(s)} />
          </Grid>
        )}
      </Grid>
    </Box>
  );
}
