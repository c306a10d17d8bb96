import CameraAlt from '@mui/icons-material/CameraAlt';
import Delete from '@mui/icons-material/Delete';
import Save from '@mui/icons-material/Save';
import {
  Alert,
  Box,
  Button,
  Card,
  CardContent,
  CircularProgress,
  Stack,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
  Typography,
} from '@mui/material';
import { useCallback, useEffect, useState } from 'react';
import { Loading, Title, useCanAccess, useDataProvider, useGetOne, useNotify, useRedirect } from 'react-admin';
import { useParams } from 'react-router-dom';

import { ConfirmButton } from '../../components/ConfirmButton';
import { formatDateTime, formatNumber } from '../../components/format';
import { fieldProblems } from '../../providers/httpClient';
import type { HipaaDataProvider, SegmentCount, SegmentRecord, SegmentSnapshot } from '../../providers/dataProvider';
import { fromRule, type GroupNode, isEmpty, newGroup, toRule } from './ruleModel';
import { SegmentRuleBuilder } from './SegmentBuilder';

interface Details {
  name: string;
  description: string;
  kind: SegmentRecord['kind'];
}

/** Frozen member lists of a saved segment, and the button that takes one. */
function Snapshots({ segment, onTaken }: { segment: SegmentRecord; onTaken: () => void }) {
  const dataProvider = useDataProvider<HipaaDataProvider>();
  const notify = useNotify();
  const { canAccess: canSnapshot } = useCanAccess({ resource: 'segments', action: 'snapshot' });
  const [snapshots, setSnapshots] = useState<SegmentSnapshot[] | null>(null);
  const [busy, setBusy] = useState(false);
  const load = useCallback(
    (signal?: AbortSignal) =>
      dataProvider
        .segmentSnapshots(segment.id, { signal })
        .then(({ data }) => setSnapshots(Array.isArray(data) ? data : []))
        .catch(() => undefined),
    [dataProvider, segment.id],
  );
  useEffect(() => {
    const controller = new AbortController();
    void load(controller.signal);
    return () => controller.abort();
  }, [load]);
  const take = async () => {
    setBusy(true);
    try {
      const { data } = await dataProvider.takeSegmentSnapshot(segment.id);
      notify(`Snapshot taken: ${formatNumber(data.count ?? 0)} contacts frozen`, { type: 'success' });
      await load();
      onTaken();
    } catch (e) {
      notify(e instanceof Error ? e.message : 'The snapshot failed', { type: 'error' });
    } finally {
      setBusy(false);
    }
  };
  return (
    <Card>
      <CardContent>
        <Stack direction="row" spacing={1} sx={{ alignItems: 'center', mb: 1 }}>
          <Typography variant="h6" sx={{ flex: 1 }}>
            Snapshots
          </Typography>
          {canSnapshot && (
            <Button variant="outlined" startIcon={busy ? <CircularProgress size={16} /> : <CameraAlt />} disabled={busy} onClick={() => void take()}>
              Take snapshot
            </Button>
          )}
        </Stack>
        <Typography variant="body2" color="text.secondary" sx={{ mb: 1 }}>
          A snapshot freezes who is in the segment now (contact ids only), for audits of who was targeted.
          {segment.kind === 'snapshot' ? ' This is a snapshot segment: sends use its latest snapshot.' : ''}
        </Typography>
        {snapshots === null ? (
          <CircularProgress size={20} />
        ) : snapshots.length === 0 ? (
          <Typography variant="body2">No snapshot yet.</Typography>
        ) : (
          <Table size="small" data-testid="segment-snapshots">
            <TableHead>
              <TableRow>
                <TableCell>Taken</TableCell>
                <TableCell align="right">Contacts</TableCell>
                <TableCell>By</TableCell>
              </TableRow>
            </TableHead>
            <TableBody>
              {snapshots.map((s) => (
                <TableRow key={s.id} data-testid="segment-snapshot">
                  <TableCell sx={{ whiteSpace: 'nowrap' }}>{formatDateTime(s.createdAt)}</TableCell>
                  <TableCell align="right">{formatNumber(s.count)}</TableCell>
                  <TableCell>{s.actorType === 'user' ? 'a user' : s.actorType.replace('_', ' ')}</TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </CardContent>
    </Card>
  );
}

/** Members as a send would use them now (the latest snapshot for a snapshot segment). */
function SavedCount({ id, refresh }: { id: number; refresh: number }) {
  const dataProvider = useDataProvider<HipaaDataProvider>();
  const [count, setCount] = useState<Partial<SegmentCount> | null>(null);
  useEffect(() => {
    const controller = new AbortController();
    dataProvider
      .countSegment(id, { signal: controller.signal })
      .then(({ data }) => setCount(data))
      .catch(() => undefined);
    return () => controller.abort();
  }, [dataProvider, id, refresh]);
  if (typeof count?.count !== 'number') return null;
  return (
    <Typography variant="body2" color="text.secondary" data-testid="segment-saved-count">
      Saved: {formatNumber(count.count)} members
      {count.kind === 'snapshot' && typeof count.liveCount === 'number' ? ` (frozen; the rule selects ${formatNumber(count.liveCount)} now)` : ''}
    </Typography>
  );
}

/**
 * Creates or edits a saved segment: name, kind and rule with its live count; once saved, its
 * snapshots. The rule names condition codes and plans, so it travels only to the API (stored encrypted).
 */
export function SegmentEditor() {
  const { id } = useParams<{ id: string }>();
  const editing = id !== undefined && id !== 'create';
  const { data: segment, isPending, refetch } = useGetOne<SegmentRecord>('segments', { id: Number(id) }, { enabled: editing });
  if (!editing) return <SegmentForm />;
  if (isPending || !segment?.rule) return <Loading />;
  return <SegmentForm key={segment.id} segment={segment} onSaved={() => void refetch()} />;
}

function SegmentForm({ segment, onSaved }: { segment?: SegmentRecord; onSaved?: () => void }) {
  const dataProvider = useDataProvider<HipaaDataProvider>();
  const notify = useNotify();
  const redirect = useRedirect();
  const [details, setDetails] = useState<Details>(() =>
    segment ? { name: segment.name, description: segment.description, kind: segment.kind } : { name: '', description: '', kind: 'dynamic' },
  );
  const [root, setRoot] = useState<GroupNode>(() => (segment?.rule ? fromRule(segment.rule) : newGroup('and')));
  const [problems, setProblems] = useState<string[]>([]);
  const [saving, setSaving] = useState(false);
  const [saves, setSaves] = useState(0);

  const save = async () => {
    setSaving(true);
    setProblems([]);
    try {
      const data = { ...details, rule: toRule(root).rule };
      if (segment) {
        await dataProvider.update<SegmentRecord>('segments', { id: segment.id, data: { ...data, id: segment.id }, previousData: segment });
        notify(`Segment “${details.name}” saved`, { type: 'success' });
        setSaves((n) => n + 1);
        onSaved?.();
      } else {
        const { data: created } = await dataProvider.create<SegmentRecord>('segments', { data });
        notify(`Segment “${created.name}” saved`, { type: 'success' });
        redirect('edit', 'segments', created.id);
      }
    } catch (e) {
      const fields = fieldProblems(e);
      setProblems(fields.length ? fields.map((f) => `${f.field}: ${f.message}`) : [e instanceof Error ? e.message : 'The segment could not be saved']);
    } finally {
      setSaving(false);
    }
  };

  const remove = async () => {
    if (!segment) return;
    try {
      await dataProvider.delete('segments', { id: segment.id, previousData: segment });
      notify(`Segment “${segment.name}” deleted`, { type: 'success' });
      redirect('list', 'segments');
    } catch (e) {
      notify(e instanceof Error ? e.message : 'The segment could not be deleted', { type: 'error' });
    }
  };

  return (
    <Box sx={{ p: { xs: 1, md: 2 } }} data-testid="segment-editor">
      <Title title={segment ? `Segment “${segment.name}”` : 'New segment'} />
      <Card sx={{ mb: 2 }}>
        <CardContent>
          <Stack direction={{ xs: 'column', md: 'row' }} spacing={2} sx={{ alignItems: { md: 'center' } }}>
            <TextField
              label="Name"
              size="small"
              required
              value={details.name}
              onChange={(e) => setDetails({ ...details, name: e.target.value })}
              slotProps={{ htmlInput: { maxLength: 200, 'data-testid': 'segment-name' } }}
              sx={{ minWidth: 260 }}
            />
            <TextField
              label="Description"
              size="small"
              value={details.description}
              onChange={(e) => setDetails({ ...details, description: e.target.value })}
              slotProps={{ htmlInput: { maxLength: 2000 } }}
              sx={{ flex: 1 }}
            />
            <TextField
              select
              size="small"
              label="Kind"
              value={details.kind}
              onChange={(e) => setDetails({ ...details, kind: e.target.value as Details['kind'] })}
              slotProps={{ select: { native: true }, inputLabel: { shrink: true } }}
              helperText={details.kind === 'snapshot' ? 'Members frozen when saved' : 'Members evaluated at each use'}
            >
              <option value="dynamic">Dynamic</option>
              <option value="snapshot">Snapshot</option>
            </TextField>
            <Button
              variant="contained"
              startIcon={saving ? <CircularProgress size={16} color="inherit" /> : <Save />}
              disabled={saving || !details.name.trim() || isEmpty(root)}
              onClick={() => void save()}
            >
              Save segment
            </Button>
            {segment && (
              <ConfirmButton
                label="Delete"
                icon={<Delete />}
                color="error"
                title={`Delete “${segment.name}”?`}
                content="It leaves the list; its snapshots are kept for audits. A segment another one uses cannot be deleted."
                confirmLabel="Delete segment"
                onConfirm={remove}
              />
            )}
          </Stack>
          {segment && <SavedCount id={segment.id} refresh={saves} />}
          {problems.length > 0 && (
            <Alert severity="error" sx={{ mt: 1 }} data-testid="segment-save-errors">
              {problems.join('; ')}
            </Alert>
          )}
        </CardContent>
      </Card>
      <SegmentRuleBuilder root={root} onChange={setRoot} excludeSegment={segment?.id} />
      {segment && (
        <Box sx={{ mt: 2 }}>
          <Snapshots segment={segment} onTaken={() => setSaves((n) => n + 1)} />
        </Box>
      )}
    </Box>
  );
}
