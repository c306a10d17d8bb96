import { Box, Chip, Stack, Typography } from '@mui/material';
import { CanAccess, ReferenceField, TextField } from 'react-admin';

import type { AuditEventRecord, AuditOutcome } from '../../providers/dataProvider';
import { ACTION_DESCRIPTIONS } from './actions';

const OUTCOME_COLORS: Readonly<Record<AuditOutcome, 'success' | 'error' | 'warning'>> = {
  success: 'success',
  failure: 'error',
  denied: 'warning',
};

const OUTCOME_LABELS: Readonly<Record<AuditOutcome, string>> = {
  success: 'Success',
  failure: 'Failure',
  denied: 'Denied',
};

export const OUTCOME_CHOICES = (Object.keys(OUTCOME_LABELS) as AuditOutcome[]).map((id) => ({ id, name: OUTCOME_LABELS[id] }));

export function OutcomeChip({ outcome }: { outcome: AuditOutcome }) {
  return <Chip size="small" variant="outlined" label={OUTCOME_LABELS[outcome]} color={OUTCOME_COLORS[outcome]} data-testid="outcome-chip" />;
}

/** The action's code (what the filter matches) with what it means underneath. */
export function AuditActionText({ action }: { action: string }) {
  const description = ACTION_DESCRIPTIONS[action];
  return (
    <Stack>
      <Typography variant="body2" sx={{ fontFamily: 'monospace' }} data-testid="audit-action">
        {action}
      </Typography>
      {description && (
        <Typography variant="caption" color="text.secondary">
          {description}
        </Typography>
      )}
    </Stack>
  );
}

/** Ids are long; the first block is enough to tell rows apart, the full id is in the tooltip. */
export const shortId = (id: string): string => (id.length > 12 ? `${id.slice(0, 8)}…` : id);

function IdText({ id }: { id: string }) {
  return (
    <Box component="span" title={id} sx={{ fontFamily: 'monospace', fontSize: '0.8rem' }}>
      {shortId(id)}
    </Box>
  );
}

/** A user id as the user's name, linked to their page, for those who may see users. */
function UserName({ source, id }: { source: 'actorId' | 'subjectId'; id: string }) {
  return (
    <CanAccess resource="users" action="show" accessDenied={<IdText id={id} />} loading={<IdText id={id} />}>
      <ReferenceField source={source} reference="users" link="show" empty={<IdText id={id} />}>
        <TextField source="displayName" />
      </ReferenceField>
    </CanAccess>
  );
}

const ACTOR_LABELS: Readonly<Record<AuditEventRecord['actorType'], string>> = {
  user: 'User',
  api_key: 'API key',
  system: 'System',
  anonymous: 'Anonymous',
};

export function AuditActor({ event }: { event: AuditEventRecord }) {
  if (event.actorType === 'user' && event.actorId) return <UserName source="actorId" id={event.actorId} />;
  return (
    <Stack direction="row" spacing={0.5} sx={{ alignItems: 'center' }}>
      <Typography variant="body2">{ACTOR_LABELS[event.actorType]}</Typography>
      {event.actorId && <IdText id={event.actorId} />}
    </Stack>
  );
}

const SUBJECT_LABELS: Readonly<Partial<Record<string, string>>> = {
  user: 'User',
  api_key: 'API key',
  data_key: 'Data key',
  key_rotation: 'Key rotation',
};

export function AuditSubject({ event }: { event: AuditEventRecord }) {
  if (!event.subjectType) {
    return (
      <Typography variant="body2" color="text.secondary">
        —
      </Typography>
    );
  }
  if (event.subjectType === 'user' && event.subjectId) return <UserName source="subjectId" id={event.subjectId} />;
  return (
    <Stack direction="row" spacing={0.5} sx={{ alignItems: 'center' }}>
      <Typography variant="body2">{SUBJECT_LABELS[event.subjectType] ?? event.subjectType}</Typography>
      {event.subjectId && <IdText id={event.subjectId} />}
    </Stack>
  );
}
