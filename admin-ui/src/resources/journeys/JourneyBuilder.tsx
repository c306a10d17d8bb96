import Add from '@mui/icons-material/Add';
import Pause from '@mui/icons-material/Pause';
import PlayArrow from '@mui/icons-material/PlayArrow';
import Publish from '@mui/icons-material/Publish';
import Save from '@mui/icons-material/Save';
import { Alert, Box, Button, Card, CardContent, FormControlLabel, Stack, Switch, TextField, Typography } from '@mui/material';
import { useEffect, useMemo, useRef, useState } from 'react';
import { Loading, Title, useCanAccess, useGetList, useGetOne, useNotify } from 'react-admin';
import { useParams } from 'react-router-dom';

import { formatNumber } from '../../components/format';
import type { SegmentRecord, TemplateRecord, TopicRecord } from '../../providers/dataProvider';
import { type ApiFieldError, fieldProblems } from '../../providers/httpClient';
import {
  type JourneyGraph,
  type JourneyNode,
  type JourneyRecord,
  type JourneyStats,
  journeysApi,
  NODE_TYPES,
  type NodeType,
} from '../../providers/journeysApi';
import { JourneyStatusChip } from './journeyStatus';
import { JourneyCanvas } from './JourneyCanvas';
import { NodeCard } from './NodeCard';
import { freshId, NODE_INFO, newNode, problemsByNode, renameNode } from './nodeModel';

const DEBOUNCE_MS = 400;
const STATS_EVERY_MS = 5_000;
const ALL = { pagination: { page: 1, perPage: 500 }, sort: { field: 'id', order: 'ASC' as const } };

function withDefaults(graph: Partial<JourneyGraph> | undefined): JourneyGraph {
  return { nodes: graph?.nodes ?? [], settings: { entry: { rule: 'once' }, ...graph?.settings } };
}

/** The entry rule and quiet hours. */
function SettingsCard({ graph, onChange, problems }: { graph: JourneyGraph; onChange: (g: JourneyGraph) => void; problems: ApiFieldError[] }) {
  const { entry, quietHours } = graph.settings;
  const set = (settings: Partial<JourneyGraph['settings']>) => onChange({ ...graph, settings: { ...graph.settings, ...settings } });
  return (
    <Card variant="outlined">
      <CardContent>
        <Typography variant="h6" gutterBottom>
          Settings
        </Typography>
        <Stack direction="row" spacing={2} alignItems="center" flexWrap="wrap" useFlexGap>
          <TextField
            select
            size="small"
            label="A contact enters"
            value={entry.rule}
            onChange={(e) => set({ entry: { rule: e.target.value as JourneyGraph['settings']['entry']['rule'], periodDays: entry.periodDays } })}
            slotProps={{ select: { native: true }, htmlInput: { 'data-testid': 'journey-entry-rule' }, inputLabel: { shrink: true } }}
            sx={{ minWidth: 220 }}
          >
            <option value="once">once ever</option>
            <option value="once_per_period">once per period</option>
            <option value="always">every time</option>
          </TextField>
          {entry.rule === 'once_per_period' && (
            <TextField
              size="small"
              type="number"
              label="Period (days)"
              value={entry.periodDays ?? ''}
              onChange={(e) => set({ entry: { ...entry, periodDays: Number(e.target.value) } })}
              sx={{ width: 140 }}
            />
          )}
          <FormControlLabel
            control={
              <Switch
                checked={Boolean(quietHours)}
                onChange={(e) => set({ quietHours: e.target.checked ? { start: '21:00', end: '08:00', timeZone: 'America/New_York' } : null })}
              />
            }
            label="Quiet hours"
          />
          {quietHours && (
            <>
              <TextField
                size="small"
                type="time"
                label="From"
                value={quietHours.start}
                onChange={(e) => set({ quietHours: { ...quietHours, start: e.target.value } })}
              />
              <TextField
                size="small"
                type="time"
                label="To"
                value={quietHours.end}
                onChange={(e) => set({ quietHours: { ...quietHours, end: e.target.value } })}
              />
              <TextField
                size="small"
                label="Time zone when the contact has none"
                value={quietHours.timeZone}
                onChange={(e) => set({ quietHours: { ...quietHours, timeZone: e.target.value } })}
                sx={{ width: 260 }}
              />
            </>
          )}
        </Stack>
        {problems.length > 0 && (
          <Alert severity="error" sx={{ mt: 2 }} data-testid="journey-problems">
            {problems.map((p, i) => (
              <div key={i}>{`${p.field}: ${p.message}`}</div>
            ))}
          </Alert>
        )}
      </CardContent>
    </Card>
  );
}

/**
 * The journey builder: the graph as a list of nodes, each with its settings, where it leads, the problems the
 * backend finds in it (checked as you type) and its figures; the draft is saved, then published as a new version.
 */
export function JourneyBuilder() {
  const { id = '' } = useParams();
  const notify = useNotify();
  const { data, isPending, error, refetch } = useGetOne<JourneyRecord>('journeys', { id });
  const { canAccess: canManage } = useCanAccess({ resource: 'journeys', action: 'edit' });
  const templates = useGetList<TemplateRecord>('templates', ALL).data ?? [];
  const topics = useGetList<TopicRecord>('topics', ALL).data ?? [];
  const segments = useGetList<SegmentRecord>('segments', ALL).data ?? [];
  const { canAccess: canListWebhooks } = useCanAccess({ resource: 'webhooks', action: 'list' });
  const webhooks = useGetList<{ id: number; name: string; status: string }>('webhooks', ALL, { enabled: canListWebhooks === true }).data ?? [];
  const [journey, setJourney] = useState<JourneyRecord | undefined>();
  const [graph, setGraph] = useState<JourneyGraph | undefined>();
  const [name, setName] = useState('');
  const [dirty, setDirty] = useState(false);
  const [problems, setProblems] = useState<ApiFieldError[]>([]);
  const [stats, setStats] = useState<JourneyStats | undefined>();
  const [busy, setBusy] = useState(false);
  const [newType, setNewType] = useState<NodeType>('send');
  const [contactId, setContactId] = useState('');
  const loaded = useRef(false);

  useEffect(() => {
    if (!data || loaded.current) return;
    loaded.current = true;
    setJourney(data);
    setGraph(withDefaults(data.draft));
    setName(data.name);
  }, [data]);

  // Problems, checked by the backend a moment after each change.
  useEffect(() => {
    if (!graph) return;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      journeysApi.validate(graph, controller.signal).then(setProblems, () => undefined);
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
  }, [graph]);

  // Figures per node, refreshed while the page is open.
  useEffect(() => {
    if (!journey?.currentVersion) return;
    const controller = new AbortController();
    const load = () => journeysApi.stats(journey.id, controller.signal).then(setStats, () => undefined);
    void load();
    const timer = setInterval(() => void load(), STATS_EVERY_MS);
    return () => {
      clearInterval(timer);
      controller.abort();
    };
  }, [journey?.id, journey?.currentVersion]);

  const { byNode, general } = useMemo(() => problemsByNode(problems), [problems]);
  if (error) return <Alert severity="error">This journey could not be loaded.</Alert>;
  if (isPending || !graph || !journey) return <Loading />;

  const change = (next: JourneyGraph) => {
    setGraph(next);
    setDirty(true);
  };
  const setNode = (index: number, node: JourneyNode) => change({ ...graph, nodes: graph.nodes.map((n, i) => (i === index ? node : n)) });
  const targets = graph.nodes.filter((n) => n.type !== 'trigger' && n.type !== 'goal').map((n) => n.id);
  const sendIds = graph.nodes.filter((n) => n.type === 'send').map((n) => n.id);
  const readOnly = !canManage || journey.status === 'archived';

  const run = async (what: string, action: () => Promise<void>) => {
    setBusy(true);
    try {
      await action();
    } catch (err) {
      const fields = fieldProblems(err);
      if (fields.length) setProblems(fields);
      notify(`${what} failed: ${(err as Error).message}`, { type: 'error' });
    } finally {
      setBusy(false);
    }
  };
  const save = async () => {
    const saved = await journeysApi.save(journey.id, { name, graph });
    setJourney(saved.journey);
    setProblems(saved.problems);
    setDirty(false);
    return saved;
  };
  const publish = () =>
    run('Publishing', async () => {
      if (dirty) await save();
      const published = await journeysApi.action(journey.id, 'publish');
      setJourney(published);
      notify(`Version ${String(published.currentVersion)} is live`, { type: 'success' });
      void refetch();
    });
  const toggle = () =>
    run(journey.status === 'paused' ? 'Resuming' : 'Pausing', async () => {
      setJourney(await journeysApi.action(journey.id, journey.status === 'paused' ? 'resume' : 'pause'));
    });
  const enroll = () =>
    run('Enrolling', async () => {
      const result = await journeysApi.enroll(journey.id, contactId.trim());
      notify(result.enrolled ? 'Contact enrolled' : 'Not enrolled: the entry rule does not let this contact in again', {
        type: result.enrolled ? 'success' : 'warning',
      });
    });

  return (
    <Box sx={{ p: 2 }} data-testid="journey-builder">
      <Title title={`Journey: ${journey.name}`} />
      <Stack direction="row" spacing={2} alignItems="center" sx={{ mb: 2 }} flexWrap="wrap" useFlexGap>
        <TextField
          size="small"
          label="Name"
          value={name}
          disabled={readOnly}
          onChange={(e) => {
            setName(e.target.value);
            setDirty(true);
          }}
          sx={{ width: 320 }}
        />
        <JourneyStatusChip status={journey.status} />
        <Typography variant="body2" color="text.secondary" data-testid="journey-version">
          {journey.currentVersion
            ? `Version ${String(journey.currentVersion)} live${dirty || journey.draftChanged ? '; the draft has changes' : ''}`
            : 'Not published yet'}
        </Typography>
        <Box sx={{ flex: 1 }} />
        {!readOnly && (
          <>
            <Button
              variant="outlined"
              startIcon={<Save />}
              disabled={busy || !dirty}
              onClick={() =>
                void run('Saving', async () => {
                  await save();
                })
              }
            >
              Save draft
            </Button>
            <Button variant="contained" startIcon={<Publish />} disabled={busy || problems.length > 0} onClick={() => void publish()}>
              Publish
            </Button>
            {(journey.status === 'active' || journey.status === 'paused') && (
              <Button variant="outlined" startIcon={journey.status === 'paused' ? <PlayArrow /> : <Pause />} disabled={busy} onClick={() => void toggle()}>
                {journey.status === 'paused' ? 'Resume' : 'Pause'}
              </Button>
            )}
          </>
        )}
      </Stack>

      {stats && (
        <Alert severity="info" sx={{ mb: 2 }} data-testid="journey-stats">
          {formatNumber(stats.enrollments.total)} enrolled, {formatNumber(stats.enrollments.active)} on their way, {formatNumber(stats.enrollments.completed)}{' '}
          completed; conversions {formatNumber(stats.conversions.count)} ({(stats.conversions.rate * 100).toFixed(1)} %)
        </Alert>
      )}

      <JourneyCanvas graph={graph} stats={stats} problems={byNode} />
      <Stack spacing={2}>
        <SettingsCard graph={graph} onChange={change} problems={general} />
        {graph.nodes.map((node, index) => (
          <NodeCard
            key={index}
            node={node}
            lookups={{ templates, topics, segments, webhooks }}
            targets={targets}
            sendIds={sendIds}
            problems={byNode.get(node.id) ?? []}
            stats={stats?.nodes[node.id]}
            onChange={(n) => setNode(index, n)}
            onRename={(to) => change(renameNode(graph, node.id, to))}
            onRemove={() => change({ ...graph, nodes: graph.nodes.filter((_, i) => i !== index) })}
            onMove={(delta) => {
              const to = index + delta;
              if (to < 0 || to >= graph.nodes.length) return;
              const nodes = [...graph.nodes];
              [nodes[index], nodes[to]] = [nodes[to], nodes[index]];
              change({ ...graph, nodes });
            }}
          />
        ))}
        {!readOnly && (
          <Stack direction="row" spacing={1} alignItems="center">
            <TextField
              select
              size="small"
              label="Add a node"
              value={newType}
              onChange={(e) => setNewType(e.target.value as NodeType)}
              slotProps={{ select: { native: true }, htmlInput: { 'data-testid': 'journey-new-node-type' }, inputLabel: { shrink: true } }}
              sx={{ minWidth: 200 }}
            >
              {NODE_TYPES.filter((t) => t !== 'trigger').map((t) => (
                <option key={t} value={t}>
                  {NODE_INFO[t].label}
                </option>
              ))}
            </TextField>
            <Button
              startIcon={<Add />}
              onClick={() => {
                const next = graph.nodes.find((n) => n.type === 'exit')?.id ?? '';
                change({ ...graph, nodes: [...graph.nodes, newNode(newType, freshId(graph, newType), next)] });
              }}
            >
              Add
            </Button>
          </Stack>
        )}
        {canManage && journey.status === 'active' && (
          <Card variant="outlined">
            <CardContent>
              <Typography variant="h6" gutterBottom>
                Enroll a contact
              </Typography>
              <Stack direction="row" spacing={1} alignItems="center">
                <TextField
                  size="small"
                  label="Contact id"
                  value={contactId}
                  onChange={(e) => setContactId(e.target.value)}
                  slotProps={{ htmlInput: { 'data-testid': 'journey-enroll-contact' } }}
                />
                <Button variant="outlined" disabled={busy || !/^\d+$/.test(contactId.trim())} onClick={() => void enroll()}>
                  Enroll
                </Button>
              </Stack>
            </CardContent>
          </Card>
        )}
      </Stack>
    </Box>
  );
}
