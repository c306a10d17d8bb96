import type { SegmentRule } from '../../providers/dataProvider';

export type LeafField =
  | 'condition'
  | 'age'
  | 'sex'
  | 'state'
  | 'insuranceStatus'
  | 'insurancePlan'
  | 'primaryProvider'
  | 'postalCode'
  | 'zip3'
  | 'lastVisit'
  | 'nextVisit'
  | 'attribute'
  | 'consent'
  | 'suppressed'
  | 'engagement'
  | 'segment';

export type ListField = 'sex' | 'state' | 'insuranceStatus' | 'insurancePlan' | 'primaryProvider' | 'postalCode' | 'zip3';

export const LIST_FIELDS: readonly ListField[] = ['sex', 'state', 'insuranceStatus', 'insurancePlan', 'primaryProvider', 'postalCode', 'zip3'];

export const FIELD_CHOICES: { id: LeafField; name: string }[] = [
  { id: 'condition', name: 'Condition (ICD-10)' },
  { id: 'age', name: 'Age' },
  { id: 'sex', name: 'Sex' },
  { id: 'state', name: 'State' },
  { id: 'postalCode', name: 'ZIP code' },
  { id: 'zip3', name: 'ZIP prefix (3 digits)' },
  { id: 'insuranceStatus', name: 'Insurance status' },
  { id: 'insurancePlan', name: 'Insurance plan' },
  { id: 'primaryProvider', name: 'Primary provider' },
  { id: 'lastVisit', name: 'Last visit' },
  { id: 'nextVisit', name: 'Next visit' },
  { id: 'attribute', name: 'Custom attribute' },
  { id: 'consent', name: 'Consented to topic' },
  { id: 'suppressed', name: 'Suppressed' },
  { id: 'engagement', name: 'Engagement (received, opened, clicked)' },
  { id: 'segment', name: 'In saved segment' },
];

export type EngagementEvent = 'received' | 'opened' | 'clicked';
/** How a custom attribute is compared: one of some values, a number range, or a date range (from its type). */
export type AttributeMode = 'in' | 'range' | 'dates';

/** Suggestions for list fields; any other value may still be typed. */
export const LIST_OPTIONS: Partial<Record<ListField, string[]>> = {
  sex: ['female', 'male', 'other', 'unknown'],
  insuranceStatus: ['commercial', 'medicare', 'medicaid', 'tricare', 'uninsured', 'other'],
};

/** One condition row. Every input is kept as typed; `toRule` turns them into the API's shape. */
export interface LeafNode {
  kind: 'leaf';
  key: string;
  field: LeafField;
  values: string[];
  system: '' | 'ICD-10' | 'SNOMED-CT';
  min: string;
  max: string;
  withinDays: string;
  before: string;
  after: string;
  attributeKey: string;
  attributeMode: AttributeMode;
  from: string;
  to: string;
  topic: string;
  suppressed: 'true' | 'false';
  event: EngagementEvent;
  campaignId: string;
  /** "did" or "never" (did not). */
  happened: 'did' | 'never';
  segmentId: string;
}

export interface GroupNode {
  kind: 'group';
  key: string;
  op: 'and' | 'or';
  negated: boolean;
  children: RuleNode[];
}

export type RuleNode = LeafNode | GroupNode;

let counter = 0;
const nextKey = () => `n${++counter}`;

export function newLeaf(field: LeafField = 'condition'): LeafNode {
  return {
    kind: 'leaf',
    key: nextKey(),
    field,
    values: [],
    system: '',
    min: '',
    max: '',
    withinDays: '',
    before: '',
    after: '',
    attributeKey: '',
    attributeMode: 'in',
    from: '',
    to: '',
    topic: '',
    suppressed: 'false',
    event: 'opened',
    campaignId: '',
    happened: 'did',
    segmentId: '',
  };
}

export function newGroup(op: 'and' | 'or' = 'and'): GroupNode {
  return { kind: 'group', key: nextKey(), op, negated: false, children: [] };
}

const int = (value: string): number => (value.trim() === '' ? Number.NaN : Number(value));

function leafRule(leaf: LeafNode): SegmentRule {
  switch (leaf.field) {
    case 'condition':
      return leaf.system ? { field: 'condition', codes: leaf.values, system: leaf.system } : { field: 'condition', codes: leaf.values };
    case 'age':
      // An empty bound is sent as null, so the backend names the row.
      return { field: 'age', min: int(leaf.min), max: int(leaf.max) };
    case 'lastVisit':
    case 'nextVisit':
      return {
        field: leaf.field,
        ...(leaf.withinDays.trim() ? { withinDays: int(leaf.withinDays) } : {}),
        ...(leaf.before ? { before: leaf.before } : {}),
        ...(leaf.after ? { after: leaf.after } : {}),
      };
    case 'attribute':
      if (leaf.attributeMode === 'range')
        return {
          field: 'attribute',
          key: leaf.attributeKey,
          ...(leaf.min.trim() ? { min: Number(leaf.min) } : {}),
          ...(leaf.max.trim() ? { max: Number(leaf.max) } : {}),
        };
      if (leaf.attributeMode === 'dates')
        return { field: 'attribute', key: leaf.attributeKey, ...(leaf.from ? { from: leaf.from } : {}), ...(leaf.to ? { to: leaf.to } : {}) };
      return { field: 'attribute', key: leaf.attributeKey, in: leaf.values };
    case 'consent':
      return { field: 'consent', topic: leaf.topic };
    case 'suppressed':
      return { field: 'suppressed', value: leaf.suppressed === 'true' };
    case 'engagement':
      return {
        field: 'engagement',
        event: leaf.event,
        ...(leaf.campaignId.trim() ? { campaignId: leaf.campaignId.trim() } : {}),
        ...(leaf.withinDays.trim() ? { withinDays: int(leaf.withinDays) } : {}),
        ...(leaf.happened === 'never' ? { never: true } : {}),
      };
    case 'segment':
      return { field: 'segment', segmentId: int(leaf.segmentId) };
    default:
      return { field: leaf.field, in: leaf.values };
  }
}

/**
 * The API's rule for a tree, and the path the backend uses for each node (`rule.rules[1]`), so that
 * a 400's field problems can be shown beside the row they name.
 */
export function toRule(node: RuleNode, path = 'rule', paths: Map<string, string> = new Map()): { rule: SegmentRule; paths: Map<string, string> } {
  if (node.kind === 'leaf') {
    paths.set(node.key, path);
    return { rule: leafRule(node), paths };
  }
  const inner = node.negated ? `${path}.rule` : path;
  paths.set(node.key, inner);
  const rules = node.children.map((child, i) => toRule(child, `${inner}.rules[${i}]`, paths).rule);
  const group: SegmentRule = { op: node.op, rules };
  return { rule: node.negated ? { op: 'not', rule: group } : group, paths };
}

/** The node a problem's field path belongs to: the deepest one whose path starts it. */
export function ownerOf(field: string, paths: Map<string, string>): string | undefined {
  let best: { key: string; length: number } | undefined;
  for (const [key, path] of paths) {
    const matches = field === path || field.startsWith(`${path}.`) || field.startsWith(`${path}[`);
    if (matches && (!best || path.length > best.length)) best = { key, length: path.length };
  }
  return best?.key;
}

/** Replaces the node with `key` anywhere in the tree. */
export function updateNode(root: GroupNode, key: string, update: (node: RuleNode) => RuleNode | null): GroupNode {
  const visit = (node: RuleNode): RuleNode | null => {
    if (node.key === key) return update(node);
    if (node.kind === 'leaf') return node;
    const children = node.children.map(visit).filter((child): child is RuleNode => child !== null);
    return { ...node, children };
  };
  return (visit(root) as GroupNode | null) ?? root;
}

export function isEmpty(node: RuleNode): boolean {
  return node.kind === 'group' && node.children.length === 0;
}

const text = (value: number | undefined) => (value === undefined ? '' : String(value));

/** The editor's node for a stored leaf: the inverse of `leafRule`. */
function leafOf(rule: Exclude<SegmentRule, { op: unknown }>): LeafNode {
  const leaf = newLeaf(rule.field);
  switch (rule.field) {
    case 'condition':
      return { ...leaf, values: rule.codes, system: rule.system ?? '' };
    case 'age':
      return { ...leaf, min: text(rule.min), max: text(rule.max) };
    case 'lastVisit':
    case 'nextVisit':
      return { ...leaf, withinDays: text(rule.withinDays), before: rule.before ?? '', after: rule.after ?? '' };
    case 'attribute':
      if ('in' in rule) return { ...leaf, attributeKey: rule.key, attributeMode: 'in', values: rule.in };
      if ('min' in rule || 'max' in rule) return { ...leaf, attributeKey: rule.key, attributeMode: 'range', min: text(rule.min), max: text(rule.max) };
      return { ...leaf, attributeKey: rule.key, attributeMode: 'dates', from: (rule as { from?: string }).from ?? '', to: (rule as { to?: string }).to ?? '' };
    case 'consent':
      return { ...leaf, topic: rule.topic };
    case 'suppressed':
      return { ...leaf, suppressed: rule.value ? 'true' : 'false' };
    case 'engagement':
      return { ...leaf, event: rule.event, campaignId: rule.campaignId ?? '', withinDays: text(rule.withinDays), happened: rule.never ? 'never' : 'did' };
    case 'segment':
      return { ...leaf, segmentId: String(rule.segmentId) };
    default:
      return { ...leaf, values: rule.in };
  }
}

/** The editor's tree for a stored rule (the inverse of `toRule`): the root is always a group. */
export function fromRule(rule: SegmentRule): GroupNode {
  const node = (r: SegmentRule): RuleNode => {
    if (!('op' in r)) return leafOf(r);
    if (r.op === 'not') {
      const inner = r.rule;
      if ('op' in inner && inner.op !== 'not') return { ...newGroup(inner.op), negated: true, children: inner.rules.map(node) };
      return { ...newGroup('and'), negated: true, children: [node(inner)] };
    }
    return { ...newGroup(r.op), children: r.rules.map(node) };
  };
  const root = node(rule);
  return root.kind === 'group' ? root : { ...newGroup('and'), children: [root] };
}
