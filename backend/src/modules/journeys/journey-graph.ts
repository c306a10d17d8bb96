import { z } from 'zod';
import type { FieldProblem } from '../../platform/errors/index.js';

/**
 * A journey is data: a graph of nodes joined by the node ids in their `next`-like fields. This file holds the
 * graph's shape (checked with zod) and the structural checks that need no database: one trigger, every edge
 * pointing at a node, every node reachable, every wait bounded, no cycle that could spin without waiting.
 * Problems name the node (`nodes.<id>.<field>`) so the builder can show them on the node.
 */

const NODE_ID = /^[A-Za-z0-9_-]{1,64}$/;
const nodeId = z.string().regex(NODE_ID, 'must be 1-64 letters, digits, - or _');
const eventType = z
  .string()
  .regex(/^[a-z][a-z0-9_.-]{0,63}$/i, 'must start with a letter, then letters, digits, dots, - or _ (e.g. appointment.booked)')
  .transform((v) => v.toLowerCase());
const propertyPath = z.string().regex(/^[A-Za-z0-9_]{1,64}(\.[A-Za-z0-9_]{1,64}){0,4}$/, 'must be a property name or a dotted path');

export const DURATION_UNITS = ['seconds', 'minutes', 'hours', 'days', 'weeks', 'months'] as const;
export type DurationUnit = (typeof DURATION_UNITS)[number];
const duration = z.object({ value: z.number().int().min(-1200).max(1200), unit: z.enum(DURATION_UNITS) });
export type Duration = z.infer<typeof duration>;

export const CONDITION_OPS = ['eq', 'neq', 'in', 'not_in', 'exists', 'not_exists', 'gt', 'gte', 'lt', 'lte', 'contains'] as const;
export type ConditionOp = (typeof CONDITION_OPS)[number];
const scalar = z.union([z.string().max(500), z.number(), z.boolean()]);
const conditionValue = z.union([scalar, z.array(scalar).max(500)]);

/** A test on one property of an event (or an attribute of the contact): `serviceType eq cardiology`. */
const propertyCondition = z.object({
  property: propertyPath,
  op: z.enum(CONDITION_OPS),
  value: conditionValue.optional(),
  /** Compare with this property of the event that started the enrollment instead of a fixed value (same appointment). */
  sameAsTrigger: propertyPath.optional(),
});
export type PropertyCondition = z.infer<typeof propertyCondition>;

const trigger = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('event'), eventType, where: z.array(propertyCondition).max(20).optional() }),
  /** Contacts who enter a saved segment (checked periodically by the scheduler). */
  z.object({ kind: z.literal('segment'), segmentId: z.number().int().positive(), includeExisting: z.boolean().optional() }),
  /** Contacts whose date attribute plus `offset` is today (checked daily): 11 months after lastVisitDate. */
  z.object({ kind: z.literal('date_attribute'), attribute: propertyPath, offset: duration.optional() }),
  /** Only `POST /journeys/:id/enroll`. */
  z.object({ kind: z.literal('api') }),
]);
export type TriggerSpec = z.infer<typeof trigger>;

const branchCondition = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('attribute'), attribute: propertyPath, op: z.enum(CONDITION_OPS), value: conditionValue.optional() }),
  z.object({ kind: z.literal('event_property'), property: propertyPath, op: z.enum(CONDITION_OPS), value: conditionValue.optional() }),
  z.object({ kind: z.literal('segment'), segmentId: z.number().int().positive() }),
  /** Opened or clicked the message of a send node (by default the last message this enrollment sent). Machine opens do not count. */
  z.object({ kind: z.literal('engagement'), event: z.enum(['opened', 'clicked']), nodeId: nodeId.optional() }),
]);
export type BranchCondition = z.infer<typeof branchCondition>;

const base = { id: nodeId, label: z.string().max(200).optional(), position: z.object({ x: z.number(), y: z.number() }).optional() };

const node = z.discriminatedUnion('type', [
  z.object({ ...base, type: z.literal('trigger'), trigger, next: nodeId }),
  z.object({
    ...base,
    type: z.literal('send'),
    templateId: z.number().int().positive(),
    /** Frozen at publish: the template's published version then (or a pinned one). */
    templateVersionId: z.number().int().positive().optional(),
    topicId: z.number().int().positive().nullable().optional(),
    /** Transactional messages (a confirmation) may go out during quiet hours. */
    ignoreQuietHours: z.boolean().optional(),
    next: nodeId,
  }),
  z.object({ ...base, type: z.literal('wait'), duration, next: nodeId }),
  z.object({
    ...base,
    type: z.literal('wait_until'),
    relativeTo: z.discriminatedUnion('source', [
      z.object({ source: z.literal('event'), property: propertyPath }),
      z.object({ source: z.literal('attribute'), attribute: propertyPath }),
    ]),
    /** Signed: `{ value: -48, unit: 'hours' }` is 48 hours before. */
    offset: duration,
    /** Where to go when that time has already passed on arrival (or the date is missing); by default, on to `next`. */
    pastNext: nodeId.optional(),
    next: nodeId,
  }),
  z.object({
    ...base,
    type: z.literal('wait_for_event'),
    eventType,
    where: z.array(propertyCondition).max(20).optional(),
    timeout: duration,
    next: nodeId,
    timeoutNext: nodeId,
  }),
  z.object({ ...base, type: z.literal('branch'), condition: branchCondition, yes: nodeId, no: nodeId }),
  z.object({
    ...base,
    type: z.literal('split'),
    branches: z
      .array(z.object({ percent: z.number().int().min(0).max(100), next: nodeId, label: z.string().max(100).optional() }))
      .min(2)
      .max(10),
  }),
  z.object({
    ...base,
    type: z.literal('update'),
    update: z.discriminatedUnion('kind', [
      z.object({ kind: z.literal('attribute'), attribute: propertyPath, value: z.union([scalar, z.array(z.string().max(200)).max(100)]) }),
      z.object({ kind: z.literal('topic'), topicId: z.number().int().positive(), status: z.enum(['confirmed', 'revoked']) }),
    ]),
    next: nodeId,
  }),
  /** Posts the step (identifiers only) to a webhook subscription: signed, retried and logged by the webhooks module. */
  z.object({ ...base, type: z.literal('webhook'), subscriptionId: z.number().int().positive(), next: nodeId }),
  /** Not on the path: while enrolled, this event ends the journey as a conversion (booked) or a stop (cancelled). */
  z.object({ ...base, type: z.literal('goal'), eventType, where: z.array(propertyCondition).max(20).optional() }),
  z.object({ ...base, type: z.literal('exit') }),
]);
export type JourneyNode = z.infer<typeof node>;
export type NodeType = JourneyNode['type'];
export type NodeOf<T extends NodeType> = Extract<JourneyNode, { type: T }>;

const quietHours = z.object({
  start: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM'),
  end: z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM'),
  /** For contacts without a time zone. */
  timeZone: z.string().max(64).default('UTC'),
});
export type QuietHours = z.infer<typeof quietHours>;

export const ENTRY_RULES = ['once', 'once_per_period', 'always'] as const;
export type EntryRule = (typeof ENTRY_RULES)[number];

const settings = z.object({
  entry: z.object({ rule: z.enum(ENTRY_RULES), periodDays: z.number().int().min(1).max(3650).optional() }).default({ rule: 'once' }),
  quietHours: quietHours.nullable().optional(),
});

export const journeyGraphSchema = z.object({ nodes: z.array(node).min(1).max(200), settings: settings.default({ entry: { rule: 'once' } }) });
export type JourneyGraph = z.infer<typeof journeyGraphSchema>;
export type JourneySettings = JourneyGraph['settings'];

export const WAIT_TYPES: readonly NodeType[] = ['wait', 'wait_until', 'wait_for_event'];

/** The node ids a node leads to, with the field that names each. */
export function edgesOf(n: JourneyNode): { field: string; to: string }[] {
  switch (n.type) {
    case 'trigger':
    case 'send':
    case 'wait':
    case 'update':
    case 'webhook':
      return [{ field: 'next', to: n.next }];
    case 'wait_until':
      return [{ field: 'next', to: n.next }, ...(n.pastNext ? [{ field: 'pastNext', to: n.pastNext }] : [])];
    case 'wait_for_event':
      return [
        { field: 'next', to: n.next },
        { field: 'timeoutNext', to: n.timeoutNext },
      ];
    case 'branch':
      return [
        { field: 'yes', to: n.yes },
        { field: 'no', to: n.no },
      ];
    case 'split':
      return n.branches.map((b, i) => ({ field: `branches[${i}].next`, to: b.next }));
    case 'goal':
    case 'exit':
      return [];
  }
}

/** Parses a graph and runs every check that needs no database. A graph with problems is never returned. */
export function parseGraph(input: unknown): { graph: JourneyGraph; problems: [] } | { graph: null; problems: FieldProblem[] } {
  const parsed = journeyGraphSchema.safeParse(input);
  if (!parsed.success) return { graph: null, problems: zodProblems(parsed.error, input) };
  const problems = structuralProblems(parsed.data);
  return problems.length ? { graph: null, problems } : { graph: parsed.data, problems: [] };
}

/** One trigger, unique ids, edges to existing nodes, bounded waits, split percentages, reachability, cycles only through waits. */
export function structuralProblems(graph: JourneyGraph): FieldProblem[] {
  const problems: FieldProblem[] = [];
  const at = (n: { id: string }, field?: string) => `nodes.${n.id}${field ? `.${field}` : ''}`;
  const byId = new Map<string, JourneyNode>();
  for (const n of graph.nodes) {
    if (byId.has(n.id)) problems.push({ field: at(n), message: 'another node has this id' });
    byId.set(n.id, n);
  }
  const triggers = graph.nodes.filter((n) => n.type === 'trigger');
  if (triggers.length !== 1) problems.push({ field: 'nodes', message: `a journey needs exactly one trigger node (found ${triggers.length})` });
  for (const n of graph.nodes) {
    for (const edge of edgesOf(n)) {
      if (!byId.has(edge.to)) problems.push({ field: at(n, edge.field), message: `leads to "${edge.to}", which is not a node` });
      else if (byId.get(edge.to)?.type === 'trigger') problems.push({ field: at(n, edge.field), message: 'cannot lead back to the trigger' });
      else if (byId.get(edge.to)?.type === 'goal') problems.push({ field: at(n, edge.field), message: 'a goal is reached by its event, not by an edge' });
    }
    if (n.type === 'wait' && durationMs(n.duration) <= 0) problems.push({ field: at(n, 'duration'), message: 'a wait needs a positive duration' });
    if (n.type === 'wait_for_event' && durationMs(n.timeout) <= 0)
      problems.push({ field: at(n, 'timeout'), message: 'waiting for an event needs a positive timeout' });
    if (n.type === 'split') {
      const total = n.branches.reduce((s, b) => s + b.percent, 0);
      if (total !== 100) problems.push({ field: at(n, 'branches'), message: `percentages add up to ${total}, not 100` });
    }
    if (n.type === 'trigger' && n.trigger.kind === 'date_attribute' && n.trigger.offset && !['days', 'weeks', 'months'].includes(n.trigger.offset.unit))
      problems.push({ field: at(n, 'trigger.offset'), message: 'a date trigger offset is in days, weeks or months' });
  }
  const rule = graph.settings.entry;
  if (rule.rule === 'once_per_period' && !rule.periodDays) problems.push({ field: 'settings.entry.periodDays', message: 'once per period needs periodDays' });
  if (graph.settings.quietHours && graph.settings.quietHours.start === graph.settings.quietHours.end)
    problems.push({ field: 'settings.quietHours', message: 'start and end must differ' });
  if (graph.settings.quietHours && !validTimeZone(graph.settings.quietHours.timeZone))
    problems.push({ field: 'settings.quietHours.timeZone', message: 'not an IANA time zone' });
  if (problems.length || triggers.length !== 1) return problems;

  // Reachability from the trigger; goals are reached by events, so they are exempt.
  const seen = new Set<string>();
  const stack = [triggers[0].id];
  while (stack.length) {
    const id = stack.pop() as string;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const e of edgesOf(byId.get(id) as JourneyNode)) stack.push(e.to);
  }
  for (const n of graph.nodes) if (!seen.has(n.id) && n.type !== 'goal') problems.push({ field: at(n), message: 'unreachable from the trigger' });

  // A cycle must pass through a wait, or an enrollment could loop forever in one step: search cycles among the other nodes.
  const cycle = cycleWithoutWait(graph.nodes, byId);
  if (cycle) problems.push({ field: at({ id: cycle[0] }), message: `is on a cycle without a wait (${cycle.join(' → ')} → ${cycle[0]})` });
  return problems;
}

function cycleWithoutWait(nodes: readonly JourneyNode[], byId: Map<string, JourneyNode>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const path: string[] = [];
  const visit = (id: string): string[] | null => {
    state.set(id, 'open');
    path.push(id);
    const n = byId.get(id) as JourneyNode;
    if (!WAIT_TYPES.includes(n.type)) {
      for (const e of edgesOf(n)) {
        const target = byId.get(e.to);
        if (!target || WAIT_TYPES.includes(target.type)) continue;
        if (state.get(e.to) === 'open') return path.slice(path.indexOf(e.to));
        if (!state.has(e.to)) {
          const found = visit(e.to);
          if (found) return found;
        }
      }
    }
    path.pop();
    state.set(id, 'done');
    return null;
  };
  for (const n of nodes) {
    if (WAIT_TYPES.includes(n.type) || state.has(n.id)) continue;
    const found = visit(n.id);
    if (found) return found;
  }
  return null;
}

const UNIT_MS: Record<Exclude<DurationUnit, 'months'>, number> = { seconds: 1000, minutes: 60_000, hours: 3_600_000, days: 86_400_000, weeks: 604_800_000 };

/** A duration in ms (a month counts as 30 days here; `addDuration` uses calendar months). */
export function durationMs(d: Duration): number {
  return d.unit === 'months' ? d.value * 30 * 86_400_000 : d.value * UNIT_MS[d.unit];
}

/** `at` moved by a duration; months are calendar months (the 31st plus one month is the last day of the next month). */
export function addDuration(at: Date, d: Duration): Date {
  if (d.unit !== 'months') return new Date(at.getTime() + d.value * UNIT_MS[d.unit]);
  const out = new Date(at.getTime());
  const day = out.getUTCDate();
  out.setUTCDate(1);
  out.setUTCMonth(out.getUTCMonth() + d.value);
  const last = new Date(Date.UTC(out.getUTCFullYear(), out.getUTCMonth() + 1, 0)).getUTCDate();
  out.setUTCDate(Math.min(day, last));
  return out;
}

export function validTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export function triggerOf(graph: JourneyGraph): NodeOf<'trigger'> {
  return graph.nodes.find((n): n is NodeOf<'trigger'> => n.type === 'trigger') as NodeOf<'trigger'>;
}

/** zod issues as field problems, with node indexes replaced by node ids where the id is known. */
function zodProblems(error: z.ZodError, input: unknown): FieldProblem[] {
  const nodes = (input as { nodes?: unknown } | null)?.nodes;
  return error.issues.map((issue) => {
    const path = [...issue.path];
    let field = '';
    if (path[0] === 'nodes' && typeof path[1] === 'number' && Array.isArray(nodes)) {
      const id = (nodes[path[1]] as { id?: unknown } | undefined)?.id;
      field = typeof id === 'string' && NODE_ID.test(id) ? `nodes.${id}` : `nodes[${path[1]}]`;
      path.splice(0, 2);
    }
    for (const part of path) field += typeof part === 'number' ? `[${part}]` : `${field ? '.' : ''}${String(part)}`;
    return { field: field || 'graph', message: issue.message };
  });
}
