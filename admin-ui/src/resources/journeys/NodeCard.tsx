import Add from '@mui/icons-material/Add';
import ArrowDownward from '@mui/icons-material/ArrowDownward';
import ArrowUpward from '@mui/icons-material/ArrowUpward';
import Delete from '@mui/icons-material/Delete';
import { Alert, Box, Button, Card, CardContent, Chip, FormControlLabel, IconButton, Stack, Switch, TextField, Tooltip, Typography } from '@mui/material';

import { NativeSelect } from '../../components/NativeSelect';
import type { SegmentRecord, TemplateRecord, TopicRecord } from '../../providers/dataProvider';
import type { ApiFieldError } from '../../providers/httpClient';
import type { JourneyNode, NodeStats } from '../../providers/journeysApi';
import { edgeFields, NODE_INFO } from './nodeModel';

export interface Lookups {
  templates: TemplateRecord[];
  topics: TopicRecord[];
  segments: SegmentRecord[];
  /** Webhook subscriptions (listed only for those who may read integrations). */
  webhooks: { id: number; name: string; status: string }[];
}

type Obj = Record<string, unknown>;
const obj = (value: unknown): Obj => (typeof value === 'object' && value !== null ? (value as Obj) : {});
const str = (value: unknown): string => (typeof value === 'string' || typeof value === 'number' ? String(value) : '');

const OPS = [
  ['eq', 'is'],
  ['neq', 'is not'],
  ['in', 'is one of'],
  ['not_in', 'is none of'],
  ['contains', 'contains'],
  ['exists', 'is set'],
  ['not_exists', 'is not set'],
  ['gt', '>'],
  ['gte', '≥'],
  ['lt', '<'],
  ['lte', '≤'],
] as const;
const UNITS = ['seconds', 'minutes', 'hours', 'days', 'weeks', 'months'] as const;

function Text({
  label,
  value,
  onChange,
  testId,
  width = 220,
  type,
}: {
  label: string;
  value: string;
  onChange: (v: string) => void;
  testId?: string;
  width?: number;
  type?: string;
}) {
  return (
    <TextField
      size="small"
      label={label}
      type={type}
      value={value}
      onChange={(e) => onChange(e.target.value)}
      slotProps={{ htmlInput: testId ? { 'data-testid': testId } : undefined, inputLabel: { shrink: true } }}
      sx={{ width }}
    />
  );
}

function SegmentSelect({ segments, value, onChange }: { segments: SegmentRecord[]; value: unknown; onChange: (id: number) => void }) {
  return (
    <NativeSelect label="Segment" value={str(value)} onChange={(v) => onChange(Number(v))} minWidth={240}>
      <option value="0">Choose a segment</option>
      {segments.map((s) => (
        <option key={s.id} value={s.id}>
          {s.name}
        </option>
      ))}
    </NativeSelect>
  );
}

/** A signed amount and a unit: `-48 hours` is 48 hours before. */
function DurationInput({ label, value, onChange, testId }: { label: string; value: unknown; onChange: (v: Obj) => void; testId: string }) {
  const d = obj(value);
  return (
    <Stack direction="row" spacing={1}>
      <Text
        label={label}
        type="number"
        value={str(d.value)}
        onChange={(v) => onChange({ ...d, value: v === '' ? 0 : Number(v) })}
        testId={`${testId}-value`}
        width={120}
      />
      <NativeSelect label="Unit" value={str(d.unit) || 'hours'} onChange={(unit) => onChange({ ...d, unit })} testId={`${testId}-unit`} minWidth={110}>
        {UNITS.map((u) => (
          <option key={u} value={u}>
            {u}
          </option>
        ))}
      </NativeSelect>
    </Stack>
  );
}

/** Property conditions on an event (`serviceType is cardiology`); a comma-separated value is a list for "is one of". */
function ConditionsInput({ value, onChange, testId }: { value: unknown; onChange: (v: Obj[]) => void; testId: string }) {
  const rows = Array.isArray(value) ? (value as Obj[]) : [];
  const set = (i: number, changes: Obj) => onChange(rows.map((r, j) => (j === i ? { ...r, ...changes } : r)));
  return (
    <Stack spacing={1}>
      {rows.map((row, i) => (
        <Stack key={i} direction="row" spacing={1} alignItems="center">
          <Text
            label="Property"
            value={str(row.property)}
            onChange={(property) => set(i, { property })}
            testId={`${testId}-${String(i)}-property`}
            width={180}
          />
          <ConditionOp value={str(row.op)} onChange={(op) => set(i, { op })} testId={`${testId}-${String(i)}-op`} />
          {!['exists', 'not_exists'].includes(str(row.op)) &&
            (row.sameAsTrigger !== undefined ? (
              <Text label="Same as the enrolling event's" value={str(row.sameAsTrigger)} onChange={(sameAsTrigger) => set(i, { sameAsTrigger })} width={220} />
            ) : (
              <ConditionValue op={str(row.op)} value={row.value} onChange={(v) => set(i, { value: v })} testId={`${testId}-${String(i)}-value`} />
            ))}
          <IconButton aria-label="Remove condition" size="small" onClick={() => onChange(rows.filter((_, j) => j !== i))}>
            <Delete fontSize="small" />
          </IconButton>
        </Stack>
      ))}
      <Box>
        <Button size="small" startIcon={<Add />} onClick={() => onChange([...rows, { property: '', op: 'eq', value: '' }])} data-testid={`${testId}-add`}>
          Add a condition
        </Button>
      </Box>
    </Stack>
  );
}

function ConditionOp({ value, onChange, testId }: { value: string; onChange: (v: string) => void; testId?: string }) {
  return (
    <NativeSelect label="Test" value={value || 'eq'} onChange={onChange} testId={testId} minWidth={120}>
      {OPS.map(([op, label]) => (
        <option key={op} value={op}>
          {label}
        </option>
      ))}
    </NativeSelect>
  );
}

function ConditionValue({ op, value, onChange, testId }: { op: string; value: unknown; onChange: (v: unknown) => void; testId?: string }) {
  const list = op === 'in' || op === 'not_in';
  const shown = Array.isArray(value) ? value.map(str).join(', ') : str(value);
  return (
    <Text
      label={list ? 'Values (comma-separated)' : 'Value'}
      value={shown}
      onChange={(v) =>
        onChange(
          list
            ? v
                .split(',')
                .map((s) => s.trim())
                .filter(Boolean)
            : v,
        )
      }
      testId={testId}
      width={200}
    />
  );
}

function Fields({ node, lookups, sendIds, set }: { node: JourneyNode; lookups: Lookups; sendIds: string[]; set: (changes: Obj) => void }) {
  const id = node.id;
  switch (node.type) {
    case 'trigger': {
      const trigger = obj(node.trigger);
      const setTrigger = (changes: Obj) => set({ trigger: { ...trigger, ...changes } });
      const kind = str(trigger.kind) || 'event';
      return (
        <Stack spacing={1.5}>
          <NativeSelect
            label="Contacts enter on"
            value={kind}
            onChange={(k) =>
              set({
                trigger:
                  k === 'event'
                    ? { kind: k, eventType: '', where: [] }
                    : k === 'segment'
                      ? { kind: k, segmentId: 0 }
                      : k === 'date_attribute'
                        ? { kind: k, attribute: 'lastVisitDate' }
                        : { kind: k },
              })
            }
            testId={`node-${id}-trigger-kind`}
          >
            <option value="event">an event</option>
            <option value="segment">entering a segment</option>
            <option value="date_attribute">a date attribute</option>
            <option value="api">an API call only</option>
          </NativeSelect>
          {kind === 'event' && (
            <>
              <Text
                label="Event type"
                value={str(trigger.eventType)}
                onChange={(eventType) => setTrigger({ eventType })}
                testId={`node-${id}-event-type`}
                width={260}
              />
              <ConditionsInput value={trigger.where} onChange={(where) => setTrigger({ where })} testId={`node-${id}-where`} />
            </>
          )}
          {kind === 'segment' && (
            <Stack direction="row" spacing={2} alignItems="center">
              <SegmentSelect segments={lookups.segments} value={trigger.segmentId} onChange={(segmentId) => setTrigger({ segmentId })} />
              <FormControlLabel
                control={<Switch checked={trigger.includeExisting === true} onChange={(e) => setTrigger({ includeExisting: e.target.checked })} />}
                label="Also those already in it"
              />
            </Stack>
          )}
          {kind === 'date_attribute' && (
            <Stack direction="row" spacing={1}>
              <Text label="Date attribute" value={str(trigger.attribute)} onChange={(attribute) => setTrigger({ attribute })} width={200} />
              <DurationInput
                label="After (days, weeks, months)"
                value={trigger.offset ?? { value: 0, unit: 'days' }}
                onChange={(offset) => setTrigger({ offset })}
                testId={`node-${id}-offset`}
              />
            </Stack>
          )}
        </Stack>
      );
    }
    case 'send': {
      const published = lookups.templates.filter((t) => t.publishedVersion !== null && !t.archivedAt);
      return (
        <Stack direction="row" spacing={2} alignItems="center" flexWrap="wrap" useFlexGap>
          <NativeSelect
            label="Template"
            value={str(node.templateId)}
            onChange={(v) => set({ templateId: Number(v) })}
            testId={`node-${id}-template`}
            minWidth={240}
          >
            <option value="0">Choose a published template</option>
            {published.map((t) => (
              <option key={t.id} value={t.id}>
                {t.name} ({t.category})
              </option>
            ))}
          </NativeSelect>
          <NativeSelect
            label="Topic (consent)"
            value={str(node.topicId)}
            onChange={(v) => set({ topicId: v ? Number(v) : null })}
            testId={`node-${id}-topic`}
            minWidth={200}
          >
            <option value="">None (transactional)</option>
            {lookups.topics
              .filter((t) => !t.archived)
              .map((t) => (
                <option key={t.id} value={t.id}>
                  {t.name} ({t.kind})
                </option>
              ))}
          </NativeSelect>
          <FormControlLabel
            control={<Switch checked={node.ignoreQuietHours === true} onChange={(e) => set({ ignoreQuietHours: e.target.checked })} />}
            label="Send during quiet hours"
          />
        </Stack>
      );
    }
    case 'wait':
      return <DurationInput label="Wait" value={node.duration} onChange={(duration) => set({ duration })} testId={`node-${id}-duration`} />;
    case 'wait_until': {
      const rel = obj(node.relativeTo);
      const source = str(rel.source) || 'event';
      return (
        <Stack direction="row" spacing={1} flexWrap="wrap" useFlexGap>
          <DurationInput label="Offset (negative: before)" value={node.offset} onChange={(offset) => set({ offset })} testId={`node-${id}-offset`} />
          <NativeSelect
            label="Relative to"
            value={source}
            onChange={(s) => set({ relativeTo: s === 'event' ? { source: s, property: 'startsAt' } : { source: s, attribute: 'nextVisitDate' } })}
            minWidth={170}
          >
            <option value="event">the event's property</option>
            <option value="attribute">the contact's date</option>
          </NativeSelect>
          {source === 'event' ? (
            <Text label="Property" value={str(rel.property)} onChange={(property) => set({ relativeTo: { source, property } })} width={180} />
          ) : (
            <Text label="Date attribute" value={str(rel.attribute)} onChange={(attribute) => set({ relativeTo: { source, attribute } })} width={180} />
          )}
        </Stack>
      );
    }
    case 'wait_for_event':
    case 'goal':
      return (
        <Stack spacing={1.5}>
          <Stack direction="row" spacing={1}>
            <Text label="Event type" value={str(node.eventType)} onChange={(eventType) => set({ eventType })} testId={`node-${id}-event-type`} width={260} />
            {node.type === 'wait_for_event' && (
              <DurationInput label="Timeout" value={node.timeout} onChange={(timeout) => set({ timeout })} testId={`node-${id}-timeout`} />
            )}
          </Stack>
          <ConditionsInput value={node.where} onChange={(where) => set({ where })} testId={`node-${id}-where`} />
        </Stack>
      );
    case 'branch': {
      const c = obj(node.condition);
      const kind = str(c.kind) || 'engagement';
      const setC = (changes: Obj) => set({ condition: { ...c, ...changes } });
      return (
        <Stack direction="row" spacing={1} flexWrap="wrap" useFlexGap>
          <NativeSelect
            label="Condition"
            value={kind}
            onChange={(k) =>
              set({
                condition:
                  k === 'engagement'
                    ? { kind: k, event: 'opened' }
                    : k === 'segment'
                      ? { kind: k, segmentId: 0 }
                      : k === 'attribute'
                        ? { kind: k, attribute: '', op: 'eq', value: '' }
                        : { kind: k, property: '', op: 'eq', value: '' },
              })
            }
            testId={`node-${id}-condition`}
          >
            <option value="engagement">engagement with a message</option>
            <option value="attribute">a contact attribute</option>
            <option value="event_property">the event's property</option>
            <option value="segment">segment membership</option>
          </NativeSelect>
          {kind === 'engagement' && (
            <>
              <NativeSelect label="Did they" value={str(c.event) || 'opened'} onChange={(event) => setC({ event })} minWidth={120}>
                <option value="opened">open</option>
                <option value="clicked">click</option>
              </NativeSelect>
              <NativeSelect label="The message of" value={str(c.nodeId)} onChange={(v) => setC({ nodeId: v || undefined })} minWidth={180}>
                <option value="">the last send</option>
                {sendIds.map((s) => (
                  <option key={s} value={s}>
                    {s}
                  </option>
                ))}
              </NativeSelect>
            </>
          )}
          {(kind === 'attribute' || kind === 'event_property') && (
            <>
              <Text
                label={kind === 'attribute' ? 'Attribute' : 'Property'}
                value={str(kind === 'attribute' ? c.attribute : c.property)}
                onChange={(v) => setC(kind === 'attribute' ? { attribute: v } : { property: v })}
                width={180}
              />
              <ConditionOp value={str(c.op)} onChange={(op) => setC({ op })} />
              {!['exists', 'not_exists'].includes(str(c.op)) && <ConditionValue op={str(c.op)} value={c.value} onChange={(value) => setC({ value })} />}
            </>
          )}
          {kind === 'segment' && <SegmentSelect segments={lookups.segments} value={c.segmentId} onChange={(segmentId) => setC({ segmentId })} />}
        </Stack>
      );
    }
    case 'update': {
      const u = obj(node.update);
      const kind = str(u.kind) || 'attribute';
      return (
        <Stack direction="row" spacing={1} flexWrap="wrap" useFlexGap>
          <NativeSelect
            label="Update"
            value={kind}
            onChange={(k) => set({ update: k === 'attribute' ? { kind: k, attribute: '', value: '' } : { kind: k, topicId: 0, status: 'confirmed' } })}
            minWidth={160}
          >
            <option value="attribute">an attribute</option>
            <option value="topic">a topic subscription</option>
          </NativeSelect>
          {kind === 'attribute' ? (
            <>
              <Text label="Attribute" value={str(u.attribute)} onChange={(attribute) => set({ update: { ...u, attribute } })} width={180} />
              <Text label="Value" value={str(u.value)} onChange={(value) => set({ update: { ...u, value } })} width={180} />
            </>
          ) : (
            <>
              <NativeSelect label="Topic" value={str(u.topicId)} onChange={(v) => set({ update: { ...u, topicId: Number(v) } })} minWidth={200}>
                <option value="0">Choose a topic</option>
                {lookups.topics.map((t) => (
                  <option key={t.id} value={t.id}>
                    {t.name}
                  </option>
                ))}
              </NativeSelect>
              <NativeSelect label="Status" value={str(u.status) || 'confirmed'} onChange={(status) => set({ update: { ...u, status } })} minWidth={140}>
                <option value="confirmed">subscribed</option>
                <option value="revoked">unsubscribed</option>
              </NativeSelect>
            </>
          )}
        </Stack>
      );
    }
    case 'webhook':
      return (
        <NativeSelect label="Subscription" value={str(node.subscriptionId)} onChange={(v) => set({ subscriptionId: Number(v) })} minWidth={260}>
          <option value="0">Choose a webhook subscription</option>
          {lookups.webhooks.map((w) => (
            <option key={w.id} value={w.id}>
              {w.name}
              {w.status === 'active' ? '' : ` (${w.status})`}
            </option>
          ))}
        </NativeSelect>
      );
    case 'split':
    case 'exit':
      return null;
  }
}

/** Where a node leads: a choice among the nodes an enrollment can move to. */
function Edges({ node, targets, set }: { node: JourneyNode; targets: string[]; set: (changes: Obj) => void }) {
  if (node.type === 'split') {
    const branches = Array.isArray(node.branches) ? (node.branches as Obj[]) : [];
    const setBranch = (i: number, changes: Obj) => set({ branches: branches.map((b, j) => (j === i ? { ...b, ...changes } : b)) });
    return (
      <Stack spacing={1}>
        {branches.map((b, i) => (
          <Stack key={i} direction="row" spacing={1} alignItems="center">
            <Text
              label={`Branch ${String.fromCharCode(65 + i)} %`}
              type="number"
              value={str(b.percent)}
              onChange={(v) => setBranch(i, { percent: Number(v) })}
              width={130}
            />
            <NativeSelect label="Then" value={str(b.next)} onChange={(next) => setBranch(i, { next })}>
              {targets.map((t) => (
                <option key={t} value={t}>
                  {t}
                </option>
              ))}
            </NativeSelect>
            <IconButton
              aria-label="Remove branch"
              size="small"
              disabled={branches.length <= 2}
              onClick={() => set({ branches: branches.filter((_, j) => j !== i) })}
            >
              <Delete fontSize="small" />
            </IconButton>
          </Stack>
        ))}
        <Box>
          <Button size="small" startIcon={<Add />} onClick={() => set({ branches: [...branches, { percent: 0, next: targets[0] ?? '' }] })}>
            Add a branch
          </Button>
        </Box>
      </Stack>
    );
  }
  const fields = edgeFields(node);
  if (fields.length === 0) return null;
  return (
    <Stack direction="row" spacing={1} flexWrap="wrap" useFlexGap>
      {fields.map(({ field, label }) => (
        <NativeSelect key={field} label={label} value={str(node[field])} onChange={(v) => set({ [field]: v || undefined })} testId={`node-${node.id}-${field}`}>
          {field === 'pastNext' && <option value="">Then anyway</option>}
          {targets.map((t) => (
            <option key={t} value={t}>
              {t}
            </option>
          ))}
        </NativeSelect>
      ))}
    </Stack>
  );
}

function StatsChips({ stats }: { stats: NodeStats | undefined }) {
  if (!stats) return null;
  const shown: [string, number][] = [
    ['entered', stats.entered],
    ['waiting', stats.waiting],
    ['sent', stats.sent],
    ['opened', stats.opened],
    ['clicked', stats.clicked],
    ['goal reached', stats.goalReached],
    ['exited', stats.exited],
  ];
  return (
    <Stack direction="row" spacing={0.5} flexWrap="wrap" useFlexGap>
      {shown
        .filter(([label, n]) => n > 0 || label === 'entered')
        .map(([label, n]) => (
          <Chip key={label} size="small" variant="outlined" label={`${label} ${String(n)}`} data-testid={`stat-${label.replace(' ', '-')}`} />
        ))}
    </Stack>
  );
}

export interface NodeCardProps {
  node: JourneyNode;
  lookups: Lookups;
  targets: string[];
  sendIds: string[];
  problems: ApiFieldError[];
  stats: NodeStats | undefined;
  onChange: (node: JourneyNode) => void;
  onRename: (id: string) => void;
  onRemove: () => void;
  onMove: (delta: -1 | 1) => void;
}

/** One node of the journey: its settings, where it leads, its problems and its figures. */
export function NodeCard({ node, lookups, targets, sendIds, problems, stats, onChange, onRename, onRemove, onMove }: NodeCardProps) {
  const set = (changes: Obj) => onChange({ ...node, ...changes });
  return (
    <Card variant="outlined" data-testid={`journey-node-${node.id}`} sx={{ borderColor: problems.length ? 'error.main' : undefined }}>
      <CardContent>
        <Stack direction="row" spacing={1} alignItems="center" sx={{ mb: 1.5 }}>
          <Chip size="small" color={node.type === 'trigger' ? 'primary' : node.type === 'goal' ? 'success' : 'default'} label={NODE_INFO[node.type].label} />
          <TextField
            size="small"
            variant="standard"
            value={node.id}
            onChange={(e) => onRename(e.target.value)}
            slotProps={{ htmlInput: { 'aria-label': 'Node id', 'data-testid': `node-${node.id}-id` } }}
            sx={{ width: 160 }}
          />
          <Typography variant="body2" color="text.secondary" sx={{ flex: 1 }}>
            {NODE_INFO[node.type].help}
          </Typography>
          <StatsChips stats={stats} />
          <Tooltip title="Move up">
            <IconButton size="small" aria-label="Move up" onClick={() => onMove(-1)}>
              <ArrowUpward fontSize="small" />
            </IconButton>
          </Tooltip>
          <Tooltip title="Move down">
            <IconButton size="small" aria-label="Move down" onClick={() => onMove(1)}>
              <ArrowDownward fontSize="small" />
            </IconButton>
          </Tooltip>
          {node.type !== 'trigger' && (
            <Tooltip title="Remove this node">
              <IconButton size="small" aria-label={`Remove ${node.id}`} onClick={onRemove}>
                <Delete fontSize="small" />
              </IconButton>
            </Tooltip>
          )}
        </Stack>
        <Stack spacing={1.5}>
          <Fields node={node} lookups={lookups} sendIds={sendIds} set={set} />
          <Edges node={node} targets={targets} set={set} />
          {problems.length > 0 && (
            <Alert severity="error" data-testid={`node-problems-${node.id}`}>
              {problems.map((p, i) => (
                <div key={i}>{p.field ? `${p.field}: ${p.message}` : p.message}</div>
              ))}
            </Alert>
          )}
        </Stack>
      </CardContent>
    </Card>
  );
}
