import { Chip, Stack } from '@mui/material';

import type { TopicKind, TopicRecord } from '../../providers/dataProvider';

export const KIND_CHOICES: { id: TopicKind; name: string; description: string }[] = [
  { id: 'marketing', name: 'Marketing', description: 'Needs confirmed consent; stops at any suppression' },
  { id: 'transactional', name: 'Transactional', description: 'Care and account messages; stops only on an explicit opt-out, bounce or complaint' },
];

export function TopicKindChip({ kind }: { kind: TopicKind }) {
  return (
    <Chip size="small" color={kind === 'marketing' ? 'primary' : 'default'} variant="outlined" label={kind === 'marketing' ? 'Marketing' : 'Transactional'} />
  );
}

/** What sending on the topic requires, and whether it is still in use. */
export function TopicFlags({ topic }: { topic: TopicRecord }) {
  return (
    <Stack direction="row" spacing={0.5} useFlexGap sx={{ flexWrap: 'wrap' }} data-testid="topic-flags">
      {topic.doubleOptIn && <Chip size="small" variant="outlined" label="Double opt-in" />}
      {topic.requiresAuthorization && <Chip size="small" variant="outlined" color="secondary" label="HIPAA authorization" />}
      {topic.archived && <Chip size="small" label="Archived" />}
    </Stack>
  );
}
