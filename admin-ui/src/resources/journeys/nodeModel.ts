import type { ApiFieldError } from '../../providers/httpClient';
import type { JourneyGraph, JourneyNode, NodeType } from '../../providers/journeysApi';

/** What each node type is called in the builder, and what it does. */
export const NODE_INFO: Record<NodeType, { label: string; help: string }> = {
  trigger: { label: 'Trigger', help: 'How contacts enter: an event, a segment, a date, or an API call.' },
  send: { label: 'Send e-mail', help: 'A published template, under a consent topic.' },
  wait: { label: 'Wait', help: 'A fixed time.' },
  wait_until: { label: 'Wait until', help: 'A time relative to the event or a date of the contact (48 hours before the appointment).' },
  wait_for_event: { label: 'Wait for event', help: 'Until an event happens, or the timeout.' },
  branch: { label: 'Branch', help: 'Yes or no: an attribute, a segment, or engagement with a message.' },
  split: { label: 'Random split', help: 'A/B by percentages.' },
  update: { label: 'Update contact', help: 'Set an attribute or a topic subscription.' },
  webhook: { label: 'Webhook', help: 'Post this step (identifiers only) to a webhook subscription, signed and retried.' },
  goal: { label: 'Goal', help: 'Ends the journey when its event happens (booked, cancelled).' },
  exit: { label: 'Exit', help: 'The end.' },
};

/** The fields of a node that name another node, with how the builder labels them. */
export function edgeFields(node: JourneyNode): { field: string; label: string }[] {
  switch (node.type) {
    case 'trigger':
    case 'send':
    case 'wait':
    case 'update':
    case 'webhook':
      return [{ field: 'next', label: 'Then' }];
    case 'wait_until':
      return [
        { field: 'next', label: 'Then' },
        { field: 'pastNext', label: 'If already past' },
      ];
    case 'wait_for_event':
      return [
        { field: 'next', label: 'When it happens' },
        { field: 'timeoutNext', label: 'On timeout' },
      ];
    case 'branch':
      return [
        { field: 'yes', label: 'Yes' },
        { field: 'no', label: 'No' },
      ];
    case 'split':
    case 'goal':
    case 'exit':
      return [];
  }
}

const hours = (value: number) => ({ value, unit: 'hours' });

/** A new node of a type with sensible defaults, leading to `next` when it leads anywhere. */
export function newNode(type: NodeType, id: string, next: string): JourneyNode {
  switch (type) {
    case 'trigger':
      return { id, type, trigger: { kind: 'event', eventType: '', where: [] }, next };
    case 'send':
      return { id, type, templateId: 0, topicId: null, next };
    case 'wait':
      return { id, type, duration: { value: 1, unit: 'days' }, next };
    case 'wait_until':
      return { id, type, relativeTo: { source: 'event', property: 'startsAt' }, offset: hours(-24), next };
    case 'wait_for_event':
      return { id, type, eventType: '', timeout: { value: 7, unit: 'days' }, next, timeoutNext: next };
    case 'branch':
      return { id, type, condition: { kind: 'engagement', event: 'opened' }, yes: next, no: next };
    case 'split':
      return {
        id,
        type,
        branches: [
          { percent: 50, next },
          { percent: 50, next },
        ],
      };
    case 'update':
      return { id, type, update: { kind: 'attribute', attribute: '', value: '' }, next };
    case 'webhook':
      return { id, type, subscriptionId: 0, next };
    case 'goal':
      return { id, type, eventType: '' };
    case 'exit':
      return { id, type };
  }
}

/** A fresh id for a node of this type: `send`, `send-2`… */
export function freshId(graph: JourneyGraph, type: NodeType): string {
  const taken = new Set(graph.nodes.map((n) => n.id));
  const base = type.replace(/_/g, '-');
  if (!taken.has(base)) return base;
  for (let i = 2; ; i++) if (!taken.has(`${base}-${String(i)}`)) return `${base}-${String(i)}`;
}

/** Problems by node id (`nodes.<id>.<field>`), and the others (settings, the graph as a whole). */
export function problemsByNode(problems: readonly ApiFieldError[]): { byNode: Map<string, ApiFieldError[]>; general: ApiFieldError[] } {
  const byNode = new Map<string, ApiFieldError[]>();
  const general: ApiFieldError[] = [];
  for (const p of problems) {
    const match = /^nodes\.([A-Za-z0-9_-]+)(?:\.|$)/.exec(p.field);
    if (!match) {
      general.push(p);
      continue;
    }
    const list = byNode.get(match[1]) ?? [];
    list.push({ field: p.field.slice(match[0].length), message: p.message });
    byNode.set(match[1], list);
  }
  return { byNode, general };
}

/** Renames a node and every edge that led to it. */
export function renameNode(graph: JourneyGraph, from: string, to: string): JourneyGraph {
  const rename = (value: unknown) => (value === from ? to : value);
  return {
    ...graph,
    nodes: graph.nodes.map((n) => {
      const out: JourneyNode = { ...n, id: n.id === from ? to : n.id };
      for (const { field } of edgeFields(n)) if (field in out) out[field] = rename(out[field]);
      if (n.type === 'split' && Array.isArray(n.branches))
        out.branches = (n.branches as { percent: number; next: string }[]).map((b) => ({ ...b, next: rename(b.next) }));
      return out;
    }),
  };
}
