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
  | 'suppressed';

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
];

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
  topic: string;
  suppressed: 'true' | 'false';
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
    topic: '',
    suppressed: 'false',
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
      return { field: 'attribute', key: leaf.attributeKey, in: leaf.values };
    case 'consent':
      return { field: 'consent', topic: leaf.topic };
    case 'suppressed':
      return { field: 'suppressed', value: leaf.suppressed === 'true' };
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
