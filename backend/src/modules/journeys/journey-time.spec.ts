import { describe, expect, it } from 'vitest';
import { advanceCursor } from './journey-event-consumer.js';
import { zonedInstant } from '../../platform/time/zoned-time.js';
import { localDate, quietUntil } from './journey-time.js';

const quiet = { start: '21:00', end: '08:00' };

describe('quiet hours in the contact time zone', () => {
  it('holds an evening send until 08:00 the next morning, local time', () => {
    // 23:30 in New York (EST, UTC-5) is 04:30 UTC the next day.
    expect(quietUntil(new Date('2026-01-16T04:30:00Z'), quiet, 'America/New_York')?.toISOString()).toBe('2026-01-16T13:00:00.000Z');
  });

  it('holds an early-morning send until 08:00 the same day', () => {
    expect(quietUntil(new Date('2026-01-15T06:00:00Z'), quiet, 'Europe/London')?.toISOString()).toBe('2026-01-15T08:00:00.000Z');
  });

  it('lets a send through outside the window', () => {
    expect(quietUntil(new Date('2026-01-15T15:00:00Z'), quiet, 'America/New_York')).toBeNull();
    expect(quietUntil(new Date('2026-01-15T12:30:00Z'), { start: '12:00', end: '14:00' }, 'UTC')?.toISOString()).toBe('2026-01-15T14:00:00.000Z');
  });

  it('follows DST: the window ends at 08:00 wall time on the day clocks change', () => {
    // New York springs forward on 2026-03-08: 08:00 that day is 12:00 UTC (EDT).
    expect(quietUntil(new Date('2026-03-08T04:00:00Z'), quiet, 'America/New_York')?.toISOString()).toBe('2026-03-08T12:00:00.000Z');
    expect(zonedInstant(2026, 3, 8, 2, 30, 'America/New_York').toISOString()).toBe('2026-03-08T07:30:00.000Z');
    expect(localDate(new Date('2026-01-16T04:30:00Z'), 'America/New_York')).toBe('2026-01-15');
  });
});

describe('event cursor', () => {
  const now = new Date('2026-01-15T12:00:00Z');

  it('moves to the highest id read and remembers the ids skipped over', () => {
    const next = advanceCursor('10', [], [], [{ id: '11' }, { id: '14' }], now);
    expect(next).toEqual({ position: '14', gaps: ['12', '13'], since: [now, now] });
  });

  it('drops gaps once seen or after a minute', () => {
    const old = new Date(now.getTime() - 61_000);
    const next = advanceCursor('14', ['12', '13', '9'], [now, now, old], [{ id: '12' }], now);
    expect(next).toEqual({ position: '14', gaps: ['13'], since: [now] });
  });
});
