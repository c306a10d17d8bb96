import { Alert, Box, Chip, Stack, Table, TableBody, TableCell, TableHead, TableRow, Typography } from '@mui/material';
import { Show, useRecordContext } from 'react-admin';

import { CopyButton } from '../../components/CopyButton';
import { formatDateTime } from '../../components/format';
import type { SendingDomainRecord } from '../../providers/dataProvider';

type DnsRecord = SendingDomainRecord['dns'][number];

/** Which of the three a record is, from its name and value. */
function kindOf(record: DnsRecord): string {
  if (record.name.includes('._domainkey.')) return 'DKIM';
  if (record.name.startsWith('_dmarc.')) return 'DMARC';
  if (record.value.startsWith('v=spf1')) return 'SPF';
  return record.type;
}

function DnsRecords({ domain }: { domain: SendingDomainRecord }) {
  return (
    <Table size="small" aria-label="DNS records to publish" data-testid="dns-records" sx={{ tableLayout: 'fixed' }}>
      <TableHead>
        <TableRow>
          <TableCell sx={{ width: 90 }}>Record</TableCell>
          <TableCell sx={{ width: '30%' }}>Name</TableCell>
          <TableCell>Value</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {domain.dns.map((record, i) => (
          <TableRow key={`${record.name}-${i}`} data-testid={`dns-record-${kindOf(record).toLowerCase()}`} sx={{ verticalAlign: 'top' }}>
            <TableCell>
              <Typography variant="body2" sx={{ fontWeight: 500 }}>
                {kindOf(record)}
              </Typography>
              <Typography variant="caption" color="text.secondary">
                {record.type}
              </Typography>
            </TableCell>
            <TableCell>
              <Stack spacing={1} sx={{ alignItems: 'flex-start' }}>
                <Box component="code" sx={{ wordBreak: 'break-all', fontSize: '0.8rem' }} data-testid="dns-name">
                  {record.name}
                </Box>
                <CopyButton value={record.name} label="Copy name" />
              </Stack>
            </TableCell>
            <TableCell>
              <Stack spacing={1} sx={{ alignItems: 'flex-start' }}>
                <Box component="code" sx={{ wordBreak: 'break-all', fontSize: '0.8rem' }} data-testid="dns-value">
                  {record.value}
                </Box>
                <CopyButton value={record.value} label="Copy value" />
                <Typography variant="caption" color="text.secondary">
                  {record.purpose}
                </Typography>
              </Stack>
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

/** Why the three records matter together: DMARC passes when SPF or DKIM passes *and* aligns with the From domain. */
function AlignmentGuidance({ domain }: { domain: string }) {
  return (
    <Alert severity="info" variant="outlined" data-testid="alignment-guidance">
      <Typography variant="body2" sx={{ fontWeight: 500 }} gutterBottom>
        SPF and DMARC alignment
      </Typography>
      <Typography variant="body2" component="div">
        <ul style={{ margin: 0, paddingLeft: '1.2em' }}>
          <li>
            DKIM aligns: every message from {domain} is signed with <code>d={domain}</code>, so DMARC passes once the DKIM record above is published.
          </li>
          <li>
            SPF checks the bounce address (the envelope sender), on the bounce domain rather than {domain}: with relaxed alignment (<code>aspf=r</code>) it
            aligns when the bounce domain shares {domain}&apos;s organizational domain (e.g. <code>bounces.example.org</code> for <code>news.example.org</code>
            ). Publish the SPF record on the bounce domain too, and keep one SPF record per name: add this platform&apos;s addresses to an existing record
            rather than adding a second.
          </li>
          <li>
            Start DMARC with <code>p=none</code> and read the aggregate reports (<code>rua</code>) for a couple of weeks, then move to <code>p=quarantine</code>{' '}
            and <code>p=reject</code>.
          </li>
        </ul>
      </Typography>
    </Alert>
  );
}

function SendingDomainDetails() {
  const domain = useRecordContext<SendingDomainRecord>();
  if (!domain) return null;
  return (
    <Stack spacing={2} sx={{ p: 2 }} data-testid="sending-domain-details">
      <Stack direction="row" spacing={1} sx={{ alignItems: 'center', flexWrap: 'wrap' }} useFlexGap>
        <Typography variant="h6" component="h2">
          {domain.domain}
        </Typography>
        {domain.isDefault && <Chip size="small" color="primary" label="Default" />}
        <Typography variant="body2" color="text.secondary">
          DKIM selector <code>{domain.selector}</code> · added {formatDateTime(domain.createdAt)}
        </Typography>
      </Stack>
      <Typography variant="body2">
        Publish these DNS records at your DNS provider. Until the DKIM record is live, receivers cannot verify the signature.
      </Typography>
      <DnsRecords domain={domain} />
      <AlignmentGuidance domain={domain.domain} />
    </Stack>
  );
}

function SendingDomainTitle() {
  const domain = useRecordContext<SendingDomainRecord>();
  return <>{domain ? `Sending domain ${domain.domain}` : 'Sending domain'}</>;
}

/** A sending domain's DNS records, each with copy buttons, and short SPF/DMARC alignment guidance. */
export function SendingDomainShow() {
  return (
    <Show title={<SendingDomainTitle />} actions={false}>
      <SendingDomainDetails />
    </Show>
  );
}
