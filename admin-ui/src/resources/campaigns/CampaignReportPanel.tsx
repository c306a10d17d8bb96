import Download from '@mui/icons-material/Download';
import { Box, Button, Card, CardContent, LinearProgress, Stack, Table, TableBody, TableCell, TableHead, TableRow, Typography } from '@mui/material';

import { formatNumber } from '../../components/format';
import { type CampaignReport, campaignsApi } from '../../providers/campaignsApi';
import { Figure } from './Figure';
import { usePolled } from '../../components/usePolled';

const percent = (rate: number) => `${(rate * 100).toFixed(1)} %`;

function Stat({ name, label, value, hint }: { name: string; label: string; value: number | string; hint?: string }) {
  return <Figure testId={`report-${name}`} label={label} value={value} hint={hint} minWidth={130} />;
}

const SERIES = [
  { key: 'delivered', label: 'Delivered', color: '#1976d2' },
  { key: 'opens', label: 'Human opens', color: '#2e7d32' },
  { key: 'clicks', label: 'Human clicks', color: '#ed6c02' },
  { key: 'dropped', label: 'Dropped', color: '#9e9e9e' },
] as const;

/** Grouped bars per hour, drawn as SVG (a text table follows for screen readers and exact figures). */
function HourlyChart({ hourly }: { hourly: CampaignReport['hourly'] }) {
  if (hourly.length === 0) return null;
  const max = Math.max(1, ...hourly.flatMap((h) => SERIES.map((s) => h[s.key])));
  const group = 12 + SERIES.length * 10;
  const height = 140;
  const width = Math.max(200, hourly.length * group + 40);
  return (
    <Box sx={{ overflowX: 'auto' }}>
      <svg width={width} height={height + 30} role="img" aria-label="Hourly delivered, opens, clicks and drops" data-testid="hourly-chart">
        <line x1={30} y1={height} x2={width} y2={height} stroke="#bbb" />
        <text x={0} y={12} fontSize={10} fill="#666">
          {formatNumber(max)}
        </text>
        {hourly.map((h, i) => (
          <g key={h.hour} transform={`translate(${36 + i * group},0)`}>
            {SERIES.map((s, j) => {
              const v = h[s.key];
              const barHeight = Math.round((v / max) * (height - 10));
              return (
                <rect key={s.key} x={j * 10} y={height - barHeight} width={8} height={barHeight} fill={s.color}>
                  <title>{`${h.hour} ${s.label}: ${formatNumber(v)}`}</title>
                </rect>
              );
            })}
            <text x={0} y={height + 14} fontSize={10} fill="#666">
              {h.hour.slice(11, 16)}
            </text>
          </g>
        ))}
      </svg>
      <Stack direction="row" spacing={2} sx={{ mt: 0.5 }}>
        {SERIES.map((s) => (
          <Typography key={s.key} variant="caption" sx={{ display: 'flex', alignItems: 'center', gap: 0.5 }}>
            <Box component="span" sx={{ width: 10, height: 10, bgcolor: s.color, display: 'inline-block' }} />
            {s.label}
          </Typography>
        ))}
      </Stack>
    </Box>
  );
}

/** A horizontal bar per row, for by-link and by-domain tables. */
function Bar({ value, max }: { value: number; max: number }) {
  return (
    <Box sx={{ width: 120, height: 8, bgcolor: 'action.hover' }}>
      <Box sx={{ width: `${max ? (value / max) * 100 : 0}%`, height: 8, bgcolor: 'primary.main' }} />
    </Box>
  );
}

export function ReportView({ id, report }: { id: string; report: CampaignReport }) {
  const t = report.totals;
  const maxClicks = Math.max(0, ...report.links.map((l) => l.clicks));
  const maxDomain = Math.max(0, ...report.domains.map((d) => d.deliveries));
  return (
    <Stack spacing={3}>
      <Stack direction="row" spacing={3} useFlexGap sx={{ flexWrap: 'wrap' }}>
        <Stat name="delivered" label="Delivered" value={t.delivered} />
        <Stat name="dropped-no-tls" label="Dropped: no TLS" value={t.droppedNoTls} />
        <Stat name="dropped" label="Dropped: all reasons" value={t.dropped} />
        <Stat name="bounced" label="Bounced" value={t.bounced} />
        <Stat
          name="opens"
          label="Unique opens (people)"
          value={t.opens.uniqueHumanContacts}
          hint={`${formatNumber(t.opens.total)} opens, ${formatNumber(t.opens.machine)} by machines`}
        />
        <Stat
          name="clicks"
          label="Unique clicks (people)"
          value={t.clicks.uniqueHumanContacts}
          hint={`${formatNumber(t.clicks.total)} clicks, ${formatNumber(t.clicks.machine)} by scanners`}
        />
        <Stat name="ctr" label="Click-through" value={percent(t.clickThroughRate)} hint={`open rate ${percent(t.openRate)}`} />
        <Stat name="unsubscribes" label="Unsubscribes" value={t.unsubscribes} />
        <Stat name="complaints" label="Complaints" value={t.complaints} />
      </Stack>
      <Box>
        <Typography variant="subtitle2" gutterBottom>
          By hour (UTC)
        </Typography>
        <HourlyChart hourly={report.hourly} />
      </Box>
      {report.variants.length > 0 && (
        <Box>
          <Typography variant="subtitle2">A/B variants</Typography>
          <Table size="small" data-testid="report-variants">
            <TableHead>
              <TableRow>
                <TableCell>Variant</TableCell>
                <TableCell align="right">Delivered</TableCell>
                <TableCell align="right">Unique opens</TableCell>
                <TableCell align="right">Unique clicks</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {report.variants.map((v) => (
                <TableRow key={v.variant}>
                  <TableCell>{v.variant === 'rest' ? 'Rest (winner)' : v.variant.toUpperCase()}</TableCell>
                  <TableCell align="right">{formatNumber(v.delivered)}</TableCell>
                  <TableCell align="right">{formatNumber(v.uniqueHumanOpens)}</TableCell>
                  <TableCell align="right">{formatNumber(v.uniqueHumanClicks)}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </Box>
      )}
      <Box>
        <Typography variant="subtitle2">By link</Typography>
        {report.links.length === 0 && (
          <Typography variant="body2" color="text.secondary">
            No clicks yet.
          </Typography>
        )}
        <Table size="small" data-testid="report-links">
          <TableHead>
            <TableRow>
              <TableCell>Link</TableCell>
              <TableCell align="right">Clicks</TableCell>
              <TableCell align="right">By people</TableCell>
              <TableCell />
            </TableRow>
          </TableHead>
          <TableBody>
            {report.links.map((l) => (
              <TableRow key={l.linkIndex}>
                <TableCell sx={{ wordBreak: 'break-all' }}>{l.url ?? `link ${l.linkIndex}`}</TableCell>
                <TableCell align="right">{formatNumber(l.clicks)}</TableCell>
                <TableCell align="right">{formatNumber(l.humanClicks)}</TableCell>
                <TableCell>
                  <Bar value={l.clicks} max={maxClicks} />
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Box>
      <Box>
        <Typography variant="subtitle2">By recipient domain</Typography>
        <Table size="small" data-testid="report-domains">
          <TableHead>
            <TableRow>
              <TableCell>Domain</TableCell>
              <TableCell align="right">Messages</TableCell>
              <TableCell align="right">Delivered</TableCell>
              <TableCell align="right">No TLS</TableCell>
              <TableCell align="right">Bounced</TableCell>
              <TableCell align="right">Opens</TableCell>
              <TableCell align="right">Clicks</TableCell>
              <TableCell />
            </TableRow>
          </TableHead>
          <TableBody>
            {report.domains.map((d) => (
              <TableRow key={d.domain} data-domain={d.domain}>
                <TableCell>{d.domain}</TableCell>
                <TableCell align="right">{formatNumber(d.deliveries)}</TableCell>
                <TableCell align="right">{formatNumber(d.delivered)}</TableCell>
                <TableCell align="right">{formatNumber(d.droppedNoTls)}</TableCell>
                <TableCell align="right">{formatNumber(d.bounced)}</TableCell>
                <TableCell align="right">{formatNumber(d.uniqueHumanOpens)}</TableCell>
                <TableCell align="right">{formatNumber(d.uniqueHumanClicks)}</TableCell>
                <TableCell>
                  <Bar value={d.deliveries} max={maxDomain} />
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </Box>
      <Box>
        <Button component="a" href={campaignsApi.reportCsvUrl(id)} download startIcon={<Download />} data-testid="report-csv">
          Download CSV
        </Button>
      </Box>
    </Stack>
  );
}

/** The report, refreshed every few seconds while the campaign sends. */
export function CampaignReportPanel({ id, live }: { id: string; live: boolean }) {
  const { data } = usePolled((signal) => campaignsApi.report(id, signal), id, live ? 5000 : false);
  return (
    <Card variant="outlined" data-testid="campaign-report">
      <CardContent>
        <Typography variant="h6" gutterBottom>
          Report
        </Typography>
        {data ? <ReportView id={id} report={data} /> : <LinearProgress />}
      </CardContent>
    </Card>
  );
}
