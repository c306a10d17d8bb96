import PeopleAlt from '@mui/icons-material/PeopleAlt';
import Tune from '@mui/icons-material/Tune';
import { Alert, Box, Button, Stack, Typography } from '@mui/material';
import {
  CanAccess,
  Labeled,
  ReferenceField,
  Show,
  TextField,
  TopToolbar,
  useCanAccess,
  useCreatePath,
  useGetList,
  useRecordContext,
  useRefresh,
  WithRecord,
} from 'react-admin';
import { Link } from 'react-router-dom';

import { DateTimeField } from '../../components/DateTimeField';
import { formatDateTime } from '../../components/format';
import type { ImportRecord, TopicRecord } from '../../providers/dataProvider';
import { basisName } from './ConsentStep';
import { ImportProgress } from './ImportProgress';
import { isActive, isConfigurable } from './importStatus';
import { describeFormat, formatBytes } from './importFormat';

/** Polled at this pace while the import is queued or running. */
const POLL_MS = 1_000;

function ContinueButton() {
  const job = useRecordContext<ImportRecord>();
  const createPath = useCreatePath();
  const { canAccess } = useCanAccess({ resource: 'imports', action: 'edit' });
  if (!job || !canAccess || !isConfigurable(job.status)) return null;
  return (
    <Button size="small" startIcon={<Tune />} component={Link} to={createPath({ resource: 'imports', type: 'edit', id: job.id })} data-testid="continue-import">
      {job.status === 'uploaded' ? 'Continue setup' : 'Settings and runs'}
    </Button>
  );
}

function ContactsButton() {
  const job = useRecordContext<ImportRecord>();
  const createPath = useCreatePath();
  if (!job || job.status !== 'completed') return null;
  return (
    <CanAccess resource="contacts" action="list">
      <Button
        size="small"
        startIcon={<PeopleAlt />}
        component={Link}
        to={`${createPath({ resource: 'contacts', type: 'list' })}?importId=${encodeURIComponent(job.id)}`}
      >
        Imported contacts
      </Button>
    </CanAccess>
  );
}

function ImportShowActions() {
  return (
    <TopToolbar>
      <ContactsButton />
      <ContinueButton />
    </TopToolbar>
  );
}

function ImportTitle() {
  const job = useRecordContext<ImportRecord>();
  return <>{job ? `Import #${job.id}: ${job.fileName}` : 'Import'}</>;
}

const grid = {
  display: 'grid',
  gridTemplateColumns: { xs: '1fr', sm: 'repeat(2, minmax(0, 1fr))', md: 'repeat(4, minmax(0, 1fr))' },
  gap: 2,
} as const;

function TopicName({ topicKey }: { topicKey: string }) {
  const { data: topics } = useGetList<TopicRecord>('topics', { pagination: { page: 1, perPage: 500 } });
  const topic = topics?.find((t) => t.key === topicKey);
  return <Typography variant="body2">{topic ? `${topic.name} (${topic.key})` : topicKey}</Typography>;
}

function ImportDetails() {
  const refresh = useRefresh();
  return (
    <Stack spacing={3} sx={{ p: 2 }} data-testid="import-details">
      <Box sx={grid}>
        <Labeled label="File">
          <WithRecord<ImportRecord> render={(job) => <Typography variant="body2">{`${job.fileName} (${formatBytes(job.bytes)})`}</Typography>} />
        </Labeled>
        <Labeled label="Format">
          <WithRecord<ImportRecord> render={(job) => <Typography variant="body2">{describeFormat(job)}</Typography>} />
        </Labeled>
        <Labeled label="Uploaded">
          <DateTimeField source="createdAt" />
        </Labeled>
        <CanAccess resource="users" action="show">
          <Labeled label="By">
            <ReferenceField source="createdBy" reference="users" link="show" empty="—">
              <TextField source="displayName" />
            </ReferenceField>
          </Labeled>
        </CanAccess>
      </Box>
      <WithRecord<ImportRecord>
        render={(job) =>
          job.consent ? (
            <Box sx={grid} data-testid="import-consent">
              <Labeled label="Topic">
                <TopicName topicKey={job.consent.topic} />
              </Labeled>
              <Labeled label="Basis">
                <Typography variant="body2">{basisName(job.consent.basis)}</Typography>
              </Labeled>
              <Labeled label="Attested">
                <Typography variant="body2">{formatDateTime(job.consent.attestedAt) ?? '—'}</Typography>
              </Labeled>
              <Labeled label="Contacts already here">
                <Typography variant="body2">{job.onExisting === 'update' ? 'Updated' : 'Left unchanged'}</Typography>
              </Labeled>
              <Box sx={{ gridColumn: '1 / -1' }}>
                <Labeled label="Attestation">
                  <Typography variant="body2" sx={{ whiteSpace: 'pre-wrap' }}>
                    {job.consent.attestation}
                  </Typography>
                </Labeled>
              </Box>
            </Box>
          ) : null
        }
      />
      <WithRecord<ImportRecord>
        render={(job) =>
          job.status === 'uploaded' ? (
            <Alert severity="info">Not started yet: map the columns and attest consent to run it.</Alert>
          ) : (
            <ImportProgress job={job} onChanged={refresh} />
          )
        }
      />
    </Stack>
  );
}

/** An import's progress page: followed live while it runs, then its outcome and error rows. */
export function ImportShow() {
  return (
    <Show
      actions={<ImportShowActions />}
      title={<ImportTitle />}
      queryOptions={{ refetchInterval: (query) => (isActive((query.state.data as ImportRecord | undefined)?.status) ? POLL_MS : false) }}
    >
      <ImportDetails />
    </Show>
  );
}
