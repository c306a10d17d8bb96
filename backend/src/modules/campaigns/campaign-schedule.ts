import { zonedInstant as zonedWallInstant } from '../../platform/time/zoned-time.js';

export { isTimeZone } from '../../platform/time/zoned-time.js';

/** The instant a wall-clock date and time (YYYY-MM-DD, HH:MM) occur in an IANA time zone (see platform/time). */
export function zonedInstant(date: string, time: string, timeZone: string): Date {
  const [y, m, d] = date.split('-').map(Number);
  const [hh, mm] = time.split(':').map(Number);
  return zonedWallInstant(y, m, d, hh, mm, timeZone);
}

/** The earliest instant a local-time send can fall on anywhere (UTC+14): when its fan-out starts. */
export function earliestLocalInstant(date: string, time: string): Date {
  return new Date(zonedInstant(date, time, 'UTC').getTime() - 14 * 3_600_000);
}

/** The send slot of the `index`-th message of a throttled phase: evenly spaced, `perHour` an hour. */
export function throttleSlot(phaseStart: Date, pausedMs: number, index: number, perHour: number): Date {
  return new Date(phaseStart.getTime() + pausedMs + Math.floor((index * 3_600_000) / perHour));
}
