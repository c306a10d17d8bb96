import type { ConditionOp, PropertyCondition } from './journey-graph.js';

/** A value at a dotted path of an object (`appointment.startsAt`), or undefined. */
export function valueAt(source: unknown, path: string): unknown {
  let current: unknown = source;
  for (const part of path.split('.')) {
    if (current === null || typeof current !== 'object' || Array.isArray(current)) return undefined;
    current = (current as Record<string, unknown>)[part];
  }
  return current;
}

/** Strings compare without regard to case or surrounding spaces; numbers given as strings compare as numbers. */
function same(a: unknown, b: unknown): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.trim().toLowerCase() === b.trim().toLowerCase();
  if (typeof a === 'number' || typeof b === 'number') return a !== '' && b !== '' && Number(a) === Number(b);
  return a === b;
}

function order(a: unknown, b: unknown): number | null {
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  if ((typeof a === 'number' || typeof b === 'number') && !Number.isNaN(Number(a)) && !Number.isNaN(Number(b)) && a !== '' && b !== '')
    return Number(a) - Number(b);
  if (typeof a === 'string' && typeof b === 'string') {
    // ISO dates and times compare as instants; other strings in lexical order.
    const ta = Date.parse(a);
    const tb = Date.parse(b);
    if (/^\d{4}-\d{2}-\d{2}/.test(a) && /^\d{4}-\d{2}-\d{2}/.test(b) && !Number.isNaN(ta) && !Number.isNaN(tb)) return ta - tb;
    return a < b ? -1 : a > b ? 1 : 0;
  }
  return null;
}

/** Does `actual` satisfy `op expected`? A list value (a list attribute) satisfies eq/in when any element does. */
export function compare(actual: unknown, op: ConditionOp, expected: unknown): boolean {
  const present = actual !== undefined && actual !== null && actual !== '' && !(Array.isArray(actual) && actual.length === 0);
  const values: unknown[] = Array.isArray(actual) ? actual : [actual];
  const list: unknown[] = Array.isArray(expected) ? expected : [expected];
  switch (op) {
    case 'exists':
      return present;
    case 'not_exists':
      return !present;
    case 'eq':
      return present && values.some((v) => list.some((e) => same(v, e)));
    case 'neq':
      return !values.some((v) => list.some((e) => same(v, e)));
    case 'in':
      return present && values.some((v) => list.some((e) => same(v, e)));
    case 'not_in':
      return !values.some((v) => list.some((e) => same(v, e)));
    case 'contains':
      if (!present) return false;
      if (Array.isArray(actual)) return list.every((e) => actual.some((v) => same(v, e)));
      return typeof actual === 'string' && list.every((e) => typeof e === 'string' && actual.toLowerCase().includes(e.toLowerCase()));
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      if (!present || Array.isArray(actual)) return false;
      const c = order(actual, expected);
      if (c === null || Number.isNaN(c)) return false;
      return op === 'gt' ? c > 0 : op === 'gte' ? c >= 0 : op === 'lt' ? c < 0 : c <= 0;
    }
  }
}

/** Every condition holds for the event's properties (conditions with `sameAsTrigger` compare with the enrolling event's). */
export function matchesAll(
  properties: Record<string, unknown>,
  conditions: readonly PropertyCondition[] | undefined,
  triggerProperties?: Record<string, unknown>,
): boolean {
  if (!conditions?.length) return true;
  return conditions.every((c) => {
    const expected: unknown = c.sameAsTrigger ? valueAt(triggerProperties ?? {}, c.sameAsTrigger) : c.value;
    // A comparison with the enrolling event's value needs that value: without it the condition cannot hold.
    if (c.sameAsTrigger && (expected === undefined || expected === null)) return false;
    return compare(valueAt(properties, c.property), c.op, expected);
  });
}

/** Whether any condition refers to the enrolling event (then its encrypted properties must be opened to decide). */
export function needsTrigger(conditions: readonly PropertyCondition[] | undefined): boolean {
  return Boolean(conditions?.some((c) => c.sameAsTrigger));
}
