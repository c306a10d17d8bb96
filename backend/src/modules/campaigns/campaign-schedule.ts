const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

export function isTimeZone(value: unknown): value is string {
  if (typeof value !== 'string' || !value) return false;
  try {
    formatter(value);
    return true;
  } catch {
    return false;
  }
}

/** How far the zone's wall clock is ahead of UTC at an instant, in ms. */
function offsetAt(instant: number, timeZone: string): number {
  const parts = formatter(timeZone).formatToParts(new Date(instant));
  const get = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value ?? 0);
  const wall = Date.UTC(get('year'), get('month') - 1, get('day'), get('hour'), get('minute'), get('second'));
  return wall - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant a wall-clock date and time (YYYY-MM-DD, HH:MM) occur in an IANA time zone. A time skipped by a
 * DST change comes out shifted forward by the change, as a clock set before it would ring.
 */
export function zonedInstant(date: string, time: string, timeZone: string): Date {
  const [y, m, d] = date.split('-').map(Number);
  const [hh, mm] = time.split(':').map(Number);
  const wall = Date.UTC(y, m - 1, d, hh, mm);
  const guess = offsetAt(wall, timeZone);
  const first = wall - guess;
  const actual = offsetAt(first, timeZone);
  if (actual === guess) return new Date(first);
  const second = wall - actual;
  // In a spring-forward gap neither offset reproduces the wall time: keep the first candidate, past the gap.
  return new Date(offsetAt(second, timeZone) === actual ? second : first);
}

/** The earliest instant a local-time send can fall on anywhere (UTC+14): when its fan-out starts. */
export function earliestLocalInstant(date: string, time: string): Date {
  return new Date(zonedInstant(date, time, 'UTC').getTime() - 14 * 3_600_000);
}

/** The send slot of the `index`-th message of a throttled phase: evenly spaced, `perHour` an hour. */
export function throttleSlot(phaseStart: Date, pausedMs: number, index: number, perHour: number): Date {
  return new Date(phaseStart.getTime() + pausedMs + Math.floor((index * 3_600_000) / perHour));
}
