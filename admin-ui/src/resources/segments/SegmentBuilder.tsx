import Add from '@mui/icons-material/Add';
import AccountTree from '@mui/icons-material/AccountTree';
import Delete from '@mui/icons-material/Delete';
import {
  Alert,
  Autocomplete,
  Box,
  Button,
  Card,
  CardContent,
  Chip,
  CircularProgress,
  FormControlLabel,
  IconButton,
  Stack,
  Switch,
  Table,
  TableBody,
  TableCell,
  TableHead,
  TableRow,
  TextField,
  Tooltip,
  Typography,
} from '@mui/material';
import { useEffect, useMemo, useState } from 'react';
import { useDataProvider, useGetList } from 'react-admin';

import { fieldProblems } from '../../providers/httpClient';
import type { AttributeRecord, HipaaDataProvider, SegmentPreview, SegmentRecord, TopicRecord } from '../../providers/dataProvider';
import {
  type AttributeMode,
  FIELD_CHOICES,
  type GroupNode,
  isEmpty,
  LIST_OPTIONS,
  type LeafField,
  type LeafNode,
  newGroup,
  newLeaf,
  ownerOf,
  type RuleNode,
  toRule,
  updateNode,
} from './ruleModel';
import { NativeSelect } from '../../components/NativeSelect';

const DEBOUNCE_MS = 400;

interface Lookups {
  attributes: AttributeRecord[];
  topics: TopicRecord[];
  segments: SegmentRecord[];
}

interface NodeProps {
  lookups: Lookups;
  problems: Map<string, string[]>;
  onChange: (key: string, update: (node: RuleNode) => RuleNode | null) => void;
}

/** Free text values as chips: Enter, a comma or leaving the field adds what was typed. */
function ValuesInput({
  label,
  values,
  options,
  onChange,
  testId,
}: {
  label: string;
  values: string[];
  options?: string[];
  onChange: (values: string[]) => void;
  testId: string;
}) {
  const [input, setInput] = useState('');
  const add = (typed: string) => {
    const parts = typed
      .split(',')
      .map((part) => part.trim())
      .filter(Boolean);
    if (parts.length) onChange([...values, ...parts.filter((part) => !values.includes(part))]);
    setInput('');
  };
  return (
    <Autocomplete<string, true, false, true>
      multiple
      freeSolo
      options={options ?? []}
      value={values}
      inputValue={input}
      onInputChange={(_event, value, reason) => {
        if (reason === 'input' && value.includes(',')) add(value);
        else if (reason !== 'reset') setInput(value);
      }}
      onChange={(_event, value) => onChange(value.map((v) => v.trim()).filter(Boolean))}
      renderValue={(selected, getItemProps) => selected.map((option, index) => <Chip size="small" label={option} {...getItemProps({ index })} key={option} />)}
      renderInput={(params) => (
        <TextField
          {...params}
          label={label}
          size="small"
          placeholder={values.length ? '' : 'Type, then Enter or comma'}
          onBlur={() => add(input)}
          slotProps={{ htmlInput: { ...params.inputProps, 'data-testid': testId } }}
        />
      )}
      sx={{ minWidth: 260, flex: 1 }}
    />
  );
}

function DateInput({ label, value, onChange }: { label: string; value: string; onChange: (value: string) => void }) {
  return (
    <TextField size="small" type="date" label={label} value={value} onChange={(e) => onChange(e.target.value)} slotProps={{ inputLabel: { shrink: true } }} />
  );
}

function LeafRow({ leaf, lookups, problems, onChange }: NodeProps & { leaf: LeafNode }) {
  const set = (changes: Partial<LeafNode>) => onChange(leaf.key, (node) => ({ ...(node as LeafNode), ...changes }));
  const errors = problems.get(leaf.key) ?? [];
  const attribute = lookups.attributes.find((a) => a.key === leaf.attributeKey);
  let inputs: React.ReactNode;
  switch (leaf.field) {
    case 'condition':
      inputs = (
        <>
          <ValuesInput label="Codes" values={leaf.values} onChange={(values) => set({ values })} testId="rule-values" />
          <NativeSelect label="System" value={leaf.system} onChange={(system) => set({ system: system as LeafNode['system'] })} minWidth={130}>
            <option value="">Any</option>
            <option value="ICD-10">ICD-10</option>
            <option value="SNOMED-CT">SNOMED CT</option>
          </NativeSelect>
        </>
      );
      break;
    case 'age':
      inputs = (
        <>
          <TextField
            size="small"
            type="number"
            label="From age"
            value={leaf.min}
            onChange={(e) => set({ min: e.target.value })}
            slotProps={{ htmlInput: { min: 0, max: 130, 'data-testid': 'rule-age-min' } }}
            sx={{ width: 120 }}
          />
          <TextField
            size="small"
            type="number"
            label="To age"
            value={leaf.max}
            onChange={(e) => set({ max: e.target.value })}
            slotProps={{ htmlInput: { min: 0, max: 130, 'data-testid': 'rule-age-max' } }}
            sx={{ width: 120 }}
          />
        </>
      );
      break;
    case 'lastVisit':
    case 'nextVisit':
      inputs = (
        <>
          <TextField
            size="small"
            type="number"
            label={leaf.field === 'lastVisit' ? 'In the last … days' : 'In the next … days'}
            value={leaf.withinDays}
            onChange={(e) => set({ withinDays: e.target.value })}
            sx={{ width: 170 }}
          />
          <DateInput label="After" value={leaf.after} onChange={(after) => set({ after })} />
          <DateInput label="Before" value={leaf.before} onChange={(before) => set({ before })} />
        </>
      );
      break;
    case 'attribute': {
      const modeOf = (key: string): AttributeMode => {
        const type = lookups.attributes.find((a) => a.key === key)?.type;
        return type === 'number' ? 'range' : type === 'date' ? 'dates' : 'in';
      };
      let compare: React.ReactNode;
      if (leaf.attributeMode === 'range')
        compare = (
          <>
            <TextField size="small" type="number" label="From" value={leaf.min} onChange={(e) => set({ min: e.target.value })} sx={{ width: 120 }} />
            <TextField size="small" type="number" label="To" value={leaf.max} onChange={(e) => set({ max: e.target.value })} sx={{ width: 120 }} />
          </>
        );
      else if (leaf.attributeMode === 'dates')
        compare = (
          <>
            <DateInput label="From" value={leaf.from} onChange={(from) => set({ from })} />
            <DateInput label="To" value={leaf.to} onChange={(to) => set({ to })} />
          </>
        );
      else
        compare = (
          <ValuesInput label="Is one of" values={leaf.values} options={attribute?.options} onChange={(values) => set({ values })} testId="rule-values" />
        );
      inputs = (
        <>
          <NativeSelect label="Attribute" value={leaf.attributeKey} onChange={(attributeKey) => set({ attributeKey, attributeMode: modeOf(attributeKey) })}>
            <option value="">Choose…</option>
            {lookups.attributes
              .filter((a) => !a.archived || a.key === leaf.attributeKey)
              .map((a) => (
                <option key={a.key} value={a.key}>
                  {a.label}
                </option>
              ))}
          </NativeSelect>
          {compare}
        </>
      );
      break;
    }
    case 'engagement':
      inputs = (
        <>
          <NativeSelect label="Did" value={leaf.happened} onChange={(happened) => set({ happened: happened as LeafNode['happened'] })} minWidth={110}>
            <option value="did">Did</option>
            <option value="never">Never</option>
          </NativeSelect>
          <NativeSelect label="Event" value={leaf.event} onChange={(event) => set({ event: event as LeafNode['event'] })} testId="rule-event" minWidth={130}>
            <option value="received">Receive</option>
            <option value="opened">Open</option>
            <option value="clicked">Click</option>
          </NativeSelect>
          <TextField
            size="small"
            label="Campaign id (any if empty)"
            value={leaf.campaignId}
            onChange={(e) => set({ campaignId: e.target.value })}
            sx={{ width: 200 }}
          />
          <TextField
            size="small"
            type="number"
            label="In the last … days"
            value={leaf.withinDays}
            onChange={(e) => set({ withinDays: e.target.value })}
            slotProps={{ htmlInput: { 'data-testid': 'rule-within-days' } }}
            sx={{ width: 160 }}
          />
        </>
      );
      break;
    case 'segment':
      inputs = (
        <NativeSelect label="Segment" value={leaf.segmentId} onChange={(segmentId) => set({ segmentId })} testId="rule-segment" minWidth={240}>
          <option value="">Choose…</option>
          {lookups.segments.map((segment) => (
            <option key={segment.id} value={String(segment.id)}>
              {segment.name}
            </option>
          ))}
        </NativeSelect>
      );
      break;
    case 'consent':
      inputs = (
        <NativeSelect label="Topic" value={leaf.topic} onChange={(topic) => set({ topic })} minWidth={220}>
          <option value="">Choose…</option>
          {lookups.topics.map((t) => (
            <option key={t.key} value={t.key}>
              {t.name}
            </option>
          ))}
        </NativeSelect>
      );
      break;
    case 'suppressed':
      inputs = (
        <NativeSelect label="Is" value={leaf.suppressed} onChange={(value) => set({ suppressed: value as 'true' | 'false' })}>
          <option value="true">Suppressed</option>
          <option value="false">Not suppressed</option>
        </NativeSelect>
      );
      break;
    default:
      inputs = (
        <ValuesInput label="Is one of" values={leaf.values} options={LIST_OPTIONS[leaf.field]} onChange={(values) => set({ values })} testId="rule-values" />
      );
  }
  return (
    <Box data-testid="segment-leaf" sx={{ py: 1 }}>
      <Stack direction="row" spacing={1} useFlexGap sx={{ alignItems: 'center', flexWrap: 'wrap' }}>
        <NativeSelect
          label="Field"
          value={leaf.field}
          onChange={(field) => set({ ...newLeaf(field as LeafField), key: leaf.key })}
          testId="rule-field"
          minWidth={200}
        >
          {FIELD_CHOICES.map((choice) => (
            <option key={choice.id} value={choice.id}>
              {choice.name}
            </option>
          ))}
        </NativeSelect>
        {inputs}
        <Tooltip title="Remove this rule">
          <IconButton size="small" aria-label="Remove rule" onClick={() => onChange(leaf.key, () => null)}>
            <Delete fontSize="small" />
          </IconButton>
        </Tooltip>
      </Stack>
      {errors.map((message) => (
        <Typography key={message} variant="caption" color="error" component="div" data-testid="rule-error">
          {message}
        </Typography>
      ))}
    </Box>
  );
}

function GroupBox({ group, root, ...props }: NodeProps & { group: GroupNode; root?: boolean }) {
  const { onChange, problems } = props;
  const set = (changes: Partial<GroupNode>) => onChange(group.key, (node) => ({ ...(node as GroupNode), ...changes }));
  const errors = problems.get(group.key) ?? [];
  return (
    <Box
      data-testid="segment-group"
      sx={{ border: 1, borderColor: group.negated ? 'warning.main' : 'divider', borderRadius: 1, p: 1.5, pl: 2, bgcolor: root ? undefined : 'action.hover' }}
    >
      <Stack direction="row" spacing={1} useFlexGap sx={{ alignItems: 'center', flexWrap: 'wrap' }}>
        <NativeSelect label="Match" value={group.op} onChange={(op) => set({ op: op as 'and' | 'or' })} minWidth={200}>
          <option value="and">All of these (AND)</option>
          <option value="or">Any of these (OR)</option>
        </NativeSelect>
        <FormControlLabel
          control={<Switch size="small" checked={group.negated} onChange={(e) => set({ negated: e.target.checked })} />}
          label="Exclude (NOT)"
        />
        <Box sx={{ flex: 1 }} />
        <Button size="small" startIcon={<Add />} onClick={() => set({ children: [...group.children, newLeaf()] })}>
          Add rule
        </Button>
        <Button
          size="small"
          startIcon={<AccountTree />}
          onClick={() => set({ children: [...group.children, { ...newGroup(group.op === 'and' ? 'or' : 'and'), children: [newLeaf()] }] })}
        >
          Add group
        </Button>
        {!root && (
          <Tooltip title="Remove this group">
            <IconButton size="small" aria-label="Remove group" onClick={() => onChange(group.key, () => null)}>
              <Delete fontSize="small" />
            </IconButton>
          </Tooltip>
        )}
      </Stack>
      {errors.map((message) => (
        <Typography key={message} variant="caption" color="error" component="div" data-testid="rule-error">
          {message}
        </Typography>
      ))}
      {group.children.length === 0 ? (
        <Typography variant="body2" color="text.secondary" sx={{ py: 1 }}>
          No rule yet: add one to start counting.
        </Typography>
      ) : (
        group.children.map((child) =>
          child.kind === 'leaf' ? <LeafRow key={child.key} leaf={child} {...props} /> : <GroupBox key={child.key} group={child} {...props} />,
        )
      )}
    </Box>
  );
}

function SampleTable({ sample }: { sample: SegmentPreview['sample'] }) {
  if (!sample.length) return null;
  return (
    <Table size="small" data-testid="segment-sample">
      <TableHead>
        <TableRow>
          <TableCell>Contact</TableCell>
          <TableCell>Initials</TableCell>
        </TableRow>
      </TableHead>
      <TableBody>
        {sample.map((contact) => (
          <TableRow key={contact.id}>
            <TableCell sx={{ fontFamily: 'monospace' }}>{contact.emailMasked ?? '—'}</TableCell>
            <TableCell>{contact.initials ?? '—'}</TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}

/**
 * A rule tree and the live count of the contacts it selects, re-counted a moment after each edit.
 * The count and the masked sample stay in this component's state; the parent owns the tree.
 */
export function SegmentRuleBuilder({ root, onChange, excludeSegment }: { root: GroupNode; onChange: (root: GroupNode) => void; excludeSegment?: number }) {
  const dataProvider = useDataProvider<HipaaDataProvider>();
  const [preview, setPreview] = useState<SegmentPreview | null>(null);
  const [loading, setLoading] = useState(false);
  const [problems, setProblems] = useState<Map<string, string[]>>(new Map());
  const [failure, setFailure] = useState<string | null>(null);
  const { data: attributes = [] } = useGetList<AttributeRecord>('attributes', { pagination: { page: 1, perPage: 500 } });
  const { data: topics = [] } = useGetList<TopicRecord>('topics', { pagination: { page: 1, perPage: 500 } });
  const { data: segments = [] } = useGetList<SegmentRecord>('segments', { pagination: { page: 1, perPage: 500 }, sort: { field: 'id', order: 'ASC' } });

  const { rule, paths } = useMemo(() => toRule(root), [root]);
  const ruleJson = JSON.stringify(rule);
  const empty = isEmpty(root);

  useEffect(() => {
    if (empty) return undefined;
    const controller = new AbortController();
    const timer = setTimeout(() => {
      setLoading(true);
      dataProvider
        .previewSegment(JSON.parse(ruleJson) as typeof rule, { signal: controller.signal })
        .then(({ data }) => {
          if (controller.signal.aborted) return;
          setProblems(new Map());
          setFailure(null);
          if (typeof data.count === 'number') setPreview({ count: data.count, exactChecks: data.exactChecks ?? 0, sample: data.sample ?? [] });
        })
        .catch((error: unknown) => {
          if (controller.signal.aborted) return;
          const found = fieldProblems(error);
          if (found.length) {
            const byNode = new Map<string, string[]>();
            const unplaced: string[] = [];
            for (const problem of found) {
              const owner = ownerOf(problem.field, paths);
              if (owner) byNode.set(owner, [...(byNode.get(owner) ?? []), problem.message]);
              else unplaced.push(problem.message);
            }
            setProblems(byNode);
            setFailure(unplaced.length ? unplaced.join('; ') : null);
          } else {
            setProblems(new Map());
            setFailure(error instanceof Error ? error.message : 'The count failed');
          }
        })
        .finally(() => {
          if (!controller.signal.aborted) setLoading(false);
        });
    }, DEBOUNCE_MS);
    return () => {
      clearTimeout(timer);
      controller.abort();
    };
    // `paths` follows `ruleJson`; the rule is re-sent only when its JSON changes.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [ruleJson, empty, dataProvider]);

  const change: NodeProps['onChange'] = (key, update) => onChange(updateNode(root, key, update));
  // A segment cannot contain itself: it is not offered in its own rule.
  const lookups = { attributes, topics, segments: segments.filter((s) => s.id !== excludeSegment) };

  return (
    <Stack direction={{ xs: 'column', lg: 'row' }} spacing={2} sx={{ alignItems: 'flex-start' }} data-testid="segment-builder">
      <Card sx={{ flex: 2, width: '100%' }}>
        <CardContent>
          <Typography variant="h6" gutterBottom>
            Who is in the segment
          </Typography>
          <GroupBox group={root} root lookups={lookups} problems={problems} onChange={change} />
        </CardContent>
      </Card>
      <Card sx={{ flex: 1, width: '100%', position: { lg: 'sticky' }, top: { lg: 72 } }}>
        <CardContent>
          <Typography variant="overline" color="text.secondary">
            Matching contacts
          </Typography>
          <Stack direction="row" spacing={1} sx={{ alignItems: 'center' }}>
            <Typography variant="h3" data-testid="segment-count" aria-live="polite" sx={{ opacity: loading ? 0.5 : 1 }}>
              {empty || !preview ? '—' : preview.count.toLocaleString()}
            </Typography>
            {loading && <CircularProgress size={20} />}
          </Stack>
          {!empty && preview && preview.exactChecks > 0 && (
            <Typography variant="caption" color="text.secondary">
              {preview.exactChecks.toLocaleString()} records checked exactly
            </Typography>
          )}
          {failure && (
            <Alert severity="error" sx={{ mt: 1 }} data-testid="segment-error">
              {failure}
            </Alert>
          )}
          {!empty && preview && <SampleTable sample={preview.sample} />}
        </CardContent>
      </Card>
    </Stack>
  );
}
