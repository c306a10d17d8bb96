import { describe, expect, it } from 'vitest';
import { addDuration, parseGraph } from './journey-graph.js';

const base = (): { nodes: Record<string, unknown>[]; settings: Record<string, unknown> } => ({
  nodes: [
    {
      id: 'start',
      type: 'trigger',
      trigger: { kind: 'event', eventType: 'Appointment.Booked', where: [{ property: 'serviceType', op: 'eq', value: 'cardiology' }] },
      next: 'confirm',
    },
    { id: 'confirm', type: 'send', templateId: 1, topicId: 2, next: 'wait' },
    { id: 'wait', type: 'wait_until', relativeTo: { source: 'event', property: 'startsAt' }, offset: { value: -48, unit: 'hours' }, next: 'done' },
    { id: 'done', type: 'exit' },
    { id: 'cancelled', type: 'goal', eventType: 'appointment.cancelled', where: [{ property: 'appointmentId', op: 'eq', sameAsTrigger: 'appointmentId' }] },
  ],
  settings: { entry: { rule: 'always' }, quietHours: { start: '21:00', end: '08:00', timeZone: 'America/New_York' } },
});

const problemsOf = (graph: unknown) => parseGraph(graph).problems;

describe('journey graph validation', () => {
  it('accepts the cardiology journey and normalises event types', () => {
    const { graph, problems } = parseGraph(base());
    expect(problems).toEqual([]);
    expect(graph?.nodes[0]).toMatchObject({ trigger: { eventType: 'appointment.booked' } });
  });

  it('names the node of a shape problem by its id', () => {
    const g = base();
    g.nodes[2].offset = { value: 1, unit: 'fortnights' };
    expect(problemsOf(g)).toEqual([expect.objectContaining({ field: 'nodes.wait.offset.unit' })]);
  });

  it('refuses unreachable nodes, naming them', () => {
    const g = base();
    g.nodes.push({ id: 'orphan', type: 'exit' });
    expect(problemsOf(g)).toEqual([{ field: 'nodes.orphan', message: 'unreachable from the trigger' }]);
  });

  it('refuses edges to missing nodes, to the trigger and to goals', () => {
    const g = base();
    (g.nodes[1] as { next: string }).next = 'nowhere';
    expect(problemsOf(g)).toContainEqual({ field: 'nodes.confirm.next', message: 'leads to "nowhere", which is not a node' });
    const h = base();
    h.nodes[3].type = 'wait';
    Object.assign(h.nodes[3], { duration: { value: 1, unit: 'days' }, next: 'cancelled' });
    expect(problemsOf(h)).toContainEqual({ field: 'nodes.done.next', message: 'a goal is reached by its event, not by an edge' });
  });

  it('refuses waits with no duration and waits for an event with no timeout', () => {
    const g = base();
    g.nodes.splice(3, 0, { id: 'pause', type: 'wait', duration: { value: 0, unit: 'hours' }, next: 'listen' });
    g.nodes.push({ id: 'listen', type: 'wait_for_event', eventType: 'appointment.fulfilled', next: 'done', timeoutNext: 'done' });
    (g.nodes[2] as { next: string }).next = 'pause';
    const problems = problemsOf(g);
    expect(problems).toContainEqual(expect.objectContaining({ field: 'nodes.listen.timeout' }));
    (g.nodes.at(-1) as Record<string, unknown>).timeout = { value: 0, unit: 'days' };
    expect(problemsOf(g)).toEqual([
      { field: 'nodes.pause.duration', message: 'a wait needs a positive duration' },
      { field: 'nodes.listen.timeout', message: 'waiting for an event needs a positive timeout' },
    ]);
  });

  it('refuses a cycle without a wait and accepts one through a wait', () => {
    const g: { nodes: Record<string, unknown>[] } = {
      nodes: [
        { id: 't', type: 'trigger', trigger: { kind: 'api' }, next: 'a' },
        { id: 'a', type: 'send', templateId: 1, next: 'b' },
        { id: 'b', type: 'branch', condition: { kind: 'engagement', event: 'opened' }, yes: 'x', no: 'a' },
        { id: 'x', type: 'exit' },
      ],
    };
    expect(problemsOf(g)).toEqual([{ field: 'nodes.a', message: 'is on a cycle without a wait (a → b → a)' }]);
    g.nodes.push({ id: 'w', type: 'wait', duration: { value: 3, unit: 'days' }, next: 'a' });
    g.nodes[2].no = 'w';
    expect(problemsOf(g)).toEqual([]);
  });

  it('checks split percentages, entry periods, quiet hours and the single trigger', () => {
    const g = {
      nodes: [
        { id: 't', type: 'trigger', trigger: { kind: 'api' }, next: 's' },
        {
          id: 's',
          type: 'split',
          branches: [
            { percent: 50, next: 'x' },
            { percent: 40, next: 'x' },
          ],
        },
        { id: 'x', type: 'exit' },
      ],
      settings: { entry: { rule: 'once_per_period' }, quietHours: { start: '22:00', end: '22:00', timeZone: 'Mars/Olympus' } },
    };
    expect(problemsOf(g)).toEqual([
      { field: 'nodes.s.branches', message: 'percentages add up to 90, not 100' },
      { field: 'settings.entry.periodDays', message: 'once per period needs periodDays' },
      { field: 'settings.quietHours', message: 'start and end must differ' },
      { field: 'settings.quietHours.timeZone', message: 'not an IANA time zone' },
    ]);
    expect(problemsOf({ nodes: [{ id: 'x', type: 'exit' }] })).toEqual([{ field: 'nodes', message: 'a journey needs exactly one trigger node (found 0)' }]);
  });
});

describe('durations', () => {
  it('adds calendar months, clamping to the end of the month', () => {
    expect(addDuration(new Date('2026-01-31T10:00:00Z'), { value: 1, unit: 'months' }).toISOString()).toBe('2026-02-28T10:00:00.000Z');
    expect(addDuration(new Date('2025-12-15T00:00:00Z'), { value: 11, unit: 'months' }).toISOString()).toBe('2026-11-15T00:00:00.000Z');
    expect(addDuration(new Date('2026-03-10T12:00:00Z'), { value: -48, unit: 'hours' }).toISOString()).toBe('2026-03-08T12:00:00.000Z');
  });
});
