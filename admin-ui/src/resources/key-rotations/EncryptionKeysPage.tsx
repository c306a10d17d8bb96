import Autorenew from '@mui/icons-material/Autorenew';
import {
  Alert,
  Box,
  Card,
  CardActions,
  CardContent,
  LinearProgress,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableContainer,
  TableHead,
  TableRow,
  Typography,
} from '@mui/material';
import { Title, useCanAccess, useCreate, useGetList, useNotify } from 'react-admin';

import { ConfirmButton } from '../../components/ConfirmButton';
import { formatDateTime } from '../../components/format';
import type { KeyPurpose, KeyRotationRecord } from '../../providers/dataProvider';
import { PURPOSES, purposeName, RotationProgress, RotationStatusChip } from './KeyRotationChips';

/** While a rotation runs, its progress is polled at this pace. */
const POLL_MS = 2_000;

const isRunning = (rotations: readonly KeyRotationRecord[] | undefined): boolean => rotations?.some((rotation) => rotation.status === 'running') ?? false;

function useRotations() {
  return useGetList<KeyRotationRecord>(
    'key-rotations',
    { pagination: { page: 1, perPage: 50 }, sort: { field: 'id', order: 'DESC' } },
    {
      // Poll only while something is running; a finished list stays still.
      refetchInterval: (query) => (isRunning((query.state.data as { data?: KeyRotationRecord[] } | undefined)?.data) ? POLL_MS : false),
    },
  );
}

function RotateButton({ purpose, running }: { purpose: KeyPurpose; running: boolean }) {
  const [create] = useCreate<KeyRotationRecord>();
  const notify = useNotify();
  const { canAccess } = useCanAccess({ resource: 'key-rotations', action: 'create' });
  if (!canAccess) return null;
  const name = purposeName(purpose);

  const rotate = () =>
    new Promise<void>((resolve) => {
      void create(
        'key-rotations',
        { data: { purpose } },
        {
          onSuccess: () => {
            notify(`${name} rotated: re-encryption started`, { type: 'success' });
            resolve();
          },
          onError: (error) => {
            notify(error instanceof Error ? error.message : 'The rotation could not start.', { type: 'error' });
            resolve();
          },
        },
      );
    });

  return (
    <ConfirmButton
      label="Rotate key"
      icon={<Autorenew />}
      variant="contained"
      disabled={running}
      title={`Rotate the ${name.toLowerCase()}?`}
      content={
        <Stack spacing={1}>
          <Typography variant="body2">
            A new key is created and used for every new write at once. Existing values are re-encrypted with it in the background; the platform stays available
            throughout.
          </Typography>
          <Typography variant="body2">The previous key is kept until nothing depends on it.</Typography>
        </Stack>
      }
      confirmLabel="Rotate key"
      data-testid={`rotate-${purpose}`}
      onConfirm={rotate}
    />
  );
}

function PurposeCard({ purpose, rotations }: { purpose: (typeof PURPOSES)[number]; rotations: readonly KeyRotationRecord[] }) {
  const latest = rotations.find((rotation) => rotation.purpose === purpose.id);
  const running = latest?.status === 'running';
  return (
    <Card sx={{ flex: '1 1 320px' }} data-testid={`key-card-${purpose.id}`}>
      <CardContent>
        <Stack direction="row" spacing={1} sx={{ alignItems: 'center', mb: 1 }}>
          <Typography variant="h6" component="h2">
            {purpose.name}
          </Typography>
          {latest && <RotationStatusChip status={latest.status} />}
        </Stack>
        <Typography variant="body2" color="text.secondary" sx={{ mb: 2 }}>
          {purpose.description}
        </Typography>
        {latest ? (
          <Stack spacing={1}>
            <Typography variant="body2">
              Current key: version <strong>#{latest.toKeyId}</strong>, rotated {formatDateTime(latest.startedAt)}
            </Typography>
            {running && <RotationProgress rotation={latest} />}
            {latest.status === 'failed' && latest.error && <Alert severity="error">{latest.error}</Alert>}
          </Stack>
        ) : (
          <Typography variant="body2">Never rotated: the key created at installation is in use.</Typography>
        )}
      </CardContent>
      <CardActions sx={{ px: 2, pb: 2 }}>
        <RotateButton purpose={purpose.id} running={running} />
        {running && (
          <Typography variant="caption" color="text.secondary">
            A rotation is in progress
          </Typography>
        )}
      </CardActions>
    </Card>
  );
}

function RotationHistory({ rotations }: { rotations: readonly KeyRotationRecord[] }) {
  return (
    <TableContainer component={Card}>
      <Typography component="h2" variant="h6" sx={{ px: 2, pt: 2 }}>
        Rotation history
      </Typography>
      <Table size="small" aria-label="Rotation history" data-testid="rotation-history">
        <TableHead>
          <TableRow>
            <TableCell>Key</TableCell>
            <TableCell>New version</TableCell>
            <TableCell>Status</TableCell>
            <TableCell>Progress</TableCell>
            <TableCell>Started</TableCell>
            <TableCell>Finished</TableCell>
          </TableRow>
        </TableHead>
        <TableBody>
          {rotations.length === 0 && (
            <TableRow>
              <TableCell colSpan={6}>
                <Typography variant="body2" color="text.secondary" sx={{ py: 2 }}>
                  No key has been rotated yet. Rotate keys on a schedule (yearly at least) and whenever a key may have been exposed.
                </Typography>
              </TableCell>
            </TableRow>
          )}
          {rotations.map((rotation) => (
            <TableRow key={rotation.id} data-testid="rotation-row" data-purpose={rotation.purpose} data-status={rotation.status}>
              <TableCell>{purposeName(rotation.purpose)}</TableCell>
              <TableCell>#{rotation.toKeyId}</TableCell>
              <TableCell>
                <RotationStatusChip status={rotation.status} />
              </TableCell>
              <TableCell>
                <RotationProgress rotation={rotation} />
                {rotation.error && (
                  <Typography variant="caption" color="error" component="p">
                    {rotation.error}
                  </Typography>
                )}
              </TableCell>
              <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatDateTime(rotation.startedAt)}</TableCell>
              <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatDateTime(rotation.finishedAt) ?? '—'}</TableCell>
            </TableRow>
          ))}
        </TableBody>
      </Table>
    </TableContainer>
  );
}

/**
 * Encryption keys: rotate the PHI or the secrets data key, and follow the background
 * re-encryption (polled every 2 s while one runs).
 */
export function EncryptionKeysPage() {
  const { data, isPending, error } = useRotations();
  const rotations = data ?? [];
  return (
    <Box sx={{ mt: 2, mb: 4 }} data-testid="encryption-keys">
      <Title title="Encryption keys" />
      {error && (
        <Alert severity="error" sx={{ mb: 2 }}>
          {error instanceof Error ? error.message : 'The key rotations could not be loaded.'}
        </Alert>
      )}
      {isPending ? (
        <LinearProgress aria-label="Loading key rotations" />
      ) : (
        <Stack spacing={3}>
          <Box sx={{ display: 'flex', flexWrap: 'wrap', gap: 2 }}>
            {PURPOSES.map((purpose) => (
              <PurposeCard key={purpose.id} purpose={purpose} rotations={rotations} />
            ))}
          </Box>
          <RotationHistory rotations={rotations} />
        </Stack>
      )}
    </Box>
  );
}
