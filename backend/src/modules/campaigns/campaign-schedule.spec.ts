import { describe, expect, it } from 'vitest';
import { earliestLocalInstant, isTimeZone, throttleSlot, zonedInstant } from './campaign-schedule.js';

describe('campaign schedule helpers', () => {
  it('finds the instant of a wall-clock time in a zone, in and out of daylight saving time', () => {
    expect(zonedInstant('2026-01-15', '09:00', 'America/New_York').toISOString()).toBe('2026-01-15T14:00:00.000Z');
    expect(zonedInstant('2026-07-15', '09:00', 'America/New_York').toISOString()).toBe('2026-07-15T13:00:00.000Z');
    expect(zonedInstant('2026-07-15', '09:00', 'Asia/Kolkata').toISOString()).toBe('2026-07-15T03:30:00.000Z');
    expect(zonedInstant('2026-07-15', '09:00', 'UTC').toISOString()).toBe('2026-07-15T09:00:00.000Z');
    expect(zonedInstant('2026-07-15', '00:30', 'Pacific/Kiritimati').toISOString()).toBe('2026-07-14T10:30:00.000Z');
  });

  it('moves a time skipped by the spring-forward change past the gap', () => {
    // 02:30 does not exist in New York on 2026-03-08; it rings as 03:30 EDT.
    expect(zonedInstant('2026-03-08', '02:30', 'America/New_York').toISOString()).toBe('2026-03-08T07:30:00.000Z');
  });

  it('starts a local-time send when the first zone reaches it', () => {
    expect(earliestLocalInstant('2026-07-15', '09:00').toISOString()).toBe('2026-07-14T19:00:00.000Z');
  });

  it('spaces throttled sends evenly, shifted by time spent paused', () => {
    const start = new Date('2026-07-15T09:00:00Z');
    expect(throttleSlot(start, 0, 0, 3600).toISOString()).toBe('2026-07-15T09:00:00.000Z');
    expect(throttleSlot(start, 0, 10, 3600).toISOString()).toBe('2026-07-15T09:00:10.000Z');
    expect(throttleSlot(start, 60_000, 1, 7200).toISOString()).toBe('2026-07-15T09:01:00.500Z');
  });

  it('accepts IANA zones only', () => {
    expect(isTimeZone('Europe/Berlin')).toBe(true);
    expect(isTimeZone('Mars/Olympus')).toBe(false);
    expect(isTimeZone('')).toBe(false);
    expect(isTimeZone(3)).toBe(false);
  });
});
