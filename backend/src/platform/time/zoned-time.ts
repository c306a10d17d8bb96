/**
 * Wall-clock arithmetic in IANA time zones with Intl only, shared by everything that schedules in a
 * contact's zone (campaign local-time sends, journey quiet hours and date triggers). DST gaps and
 * overlaps resolve the way a wall clock would.
 */

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

export interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

/** The wall clock of a zone at an instant. */
export function wallClock(instant: Date, timeZone: string): Wall {
  const parts: Record<string, number> = {};
  for (const p of formatter(timeZone).formatToParts(instant)) if (p.type !== 'literal') parts[p.type] = Number(p.value);
  return { year: parts.year, month: parts.month, day: parts.day, hour: parts.hour, minute: parts.minute, second: parts.second };
}

/** How far the zone's wall clock is ahead of UTC at an instant, in ms. */
function offsetAt(instant: number, timeZone: string): number {
  const w = wallClock(new Date(instant), timeZone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) - Math.floor(instant / 1000) * 1000;
}

/**
 * The instant a wall-clock time occurs in a zone. A time skipped by a DST change comes out shifted forward
 * by the change, as a clock set before it would ring.
 */
export function zonedInstant(year: number, month: number, day: number, hour: number, minute: number, timeZone: string): Date {
  const wall = Date.UTC(year, month - 1, day, hour, minute);
  const guess = offsetAt(wall, timeZone);
  const first = wall - guess;
  const actual = offsetAt(first, timeZone);
  if (actual === guess) return new Date(first);
  const second = wall - actual;
  // In a spring-forward gap neither offset reproduces the wall time: keep the first candidate, past the gap.
  return new Date(offsetAt(second, timeZone) === actual ? second : first);
}
