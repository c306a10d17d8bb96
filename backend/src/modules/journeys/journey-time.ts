import { wallClock, zonedInstant } from '../../platform/time/zoned-time.js';
import type { QuietHours } from './journey-graph.js';

/**
 * Journey time in a contact's zone: quiet hours (sends wait for the window to open) and "today" for date
 * triggers, on the shared wall-clock arithmetic of platform/time.
 */

const minutesOf = (hhmm: string) => Number(hhmm.slice(0, 2)) * 60 + Number(hhmm.slice(3, 5));

/**
 * When the quiet window that `now` falls in ends, in the contact's zone; null when `now` is outside it.
 * A window may cross midnight (21:00 to 08:00).
 */
export function quietUntil(now: Date, quiet: Pick<QuietHours, 'start' | 'end'>, timeZone: string): Date | null {
  const w = wallClock(now, timeZone);
  const m = w.hour * 60 + w.minute;
  const start = minutesOf(quiet.start);
  const end = minutesOf(quiet.end);
  const overnight = start > end;
  const inside = overnight ? m >= start || m < end : m >= start && m < end;
  if (!inside) return null;
  // The end is later today, or tomorrow when the window crossed midnight and it is still evening.
  const endDay = new Date(Date.UTC(w.year, w.month - 1, w.day + (overnight && m >= start ? 1 : 0)));
  return zonedInstant(endDay.getUTCFullYear(), endDay.getUTCMonth() + 1, endDay.getUTCDate(), Math.floor(end / 60), end % 60, timeZone);
}

/** The calendar date (YYYY-MM-DD) at an instant in a zone. */
export function localDate(instant: Date, timeZone: string): string {
  const w = wallClock(instant, timeZone);
  return `${String(w.year)}-${String(w.month).padStart(2, '0')}-${String(w.day).padStart(2, '0')}`;
}

/** A date (YYYY-MM-DD) moved by whole days. */
export function addDays(date: string, days: number): string {
  const d = new Date(`${date}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + days);
  return d.toISOString().slice(0, 10);
}

/** An instant from a property value: an ISO date-time, or a date (taken as midnight UTC). */
export function instantOf(value: unknown): Date | null {
  if (typeof value !== 'string' && typeof value !== 'number') return null;
  const d = typeof value === 'number' ? new Date(value) : new Date(/^\d{4}-\d{2}-\d{2}$/.test(value) ? `${value}T00:00:00Z` : value);
  return Number.isNaN(d.getTime()) ? null : d;
}
