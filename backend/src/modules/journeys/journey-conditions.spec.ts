import { describe, expect, it } from 'vitest';
import { compare, matchesAll, valueAt } from './journey-conditions.js';

describe('journey conditions', () => {
  it('reads dotted paths', () => {
    expect(valueAt({ appointment: { startsAt: 'x' } }, 'appointment.startsAt')).toBe('x');
    expect(valueAt({ appointment: 'x' }, 'appointment.startsAt')).toBeUndefined();
  });

  it('compares strings without case, numbers as numbers, dates as instants, lists by element', () => {
    expect(compare('Cardiology ', 'eq', 'cardiology')).toBe(true);
    expect(compare('5', 'eq', 5)).toBe(true);
    expect(compare(undefined, 'neq', 'x')).toBe(true);
    expect(compare(undefined, 'eq', undefined)).toBe(false);
    expect(compare('derm', 'in', ['cardiology', 'derm'])).toBe(true);
    expect(compare(['a', 'b'], 'contains', 'B')).toBe(true);
    expect(compare('2026-03-08T15:00:00Z', 'gt', '2026-03-08T14:00:00-02:00')).toBe(false);
    expect(compare(10, 'gte', '9')).toBe(true);
    expect(compare('', 'exists', undefined)).toBe(false);
    expect(compare([], 'not_exists', undefined)).toBe(true);
  });

  it('compares with the enrolling event when asked, and never matches without its value', () => {
    const cond = [{ property: 'appointmentId', op: 'eq' as const, sameAsTrigger: 'appointmentId' }];
    expect(matchesAll({ appointmentId: 'A1' }, cond, { appointmentId: 'A1' })).toBe(true);
    expect(matchesAll({ appointmentId: 'A2' }, cond, { appointmentId: 'A1' })).toBe(false);
    expect(matchesAll({ appointmentId: 'A1' }, cond, {})).toBe(false);
    expect(matchesAll({}, undefined)).toBe(true);
  });
});
