/**
 * A job's payload as the queue dashboard shows it: every key, and the value only when it is an
 * identifier. Payloads carry ids by rule (see platform/queue), but the dashboard does not take
 * that on trust: a value is shown only when its key names an id (`importId`, `deliveryIds`, `id`)
 * and it looks like one (digits, a uuid, an opaque token), so a value that slipped in by mistake
 * (an address, a date, a domain) is withheld rather than echoed.
 */
export interface JobDataField {
  key: string;
  /** The identifiers the key holds (the first MAX_IDS of a list), or null when the value is withheld. */
  ids: string[] | null;
  /** How many identifiers a list holds, when it holds more than are shown. */
  count?: number;
}

export const MAX_IDS = 20;

const ID_KEY = /^(id|ids|[a-z][A-Za-z0-9]*(Id|Ids))$/;
const ID_VALUE = /^[A-Za-z0-9_-]{1,64}$/;

function asId(value: unknown): string | null {
  if (typeof value === 'number') return Number.isSafeInteger(value) && value >= 0 ? String(value) : null;
  if (typeof value === 'string') return ID_VALUE.test(value) ? value : null;
  return null;
}

function field(key: string, value: unknown): JobDataField {
  if (!ID_KEY.test(key)) return { key, ids: null };
  if (Array.isArray(value)) {
    const ids = value.map(asId);
    if (ids.some((id) => id === null)) return { key, ids: null };
    const shown = (ids as string[]).slice(0, MAX_IDS);
    return value.length > MAX_IDS ? { key, ids: shown, count: value.length } : { key, ids: shown };
  }
  const id = asId(value);
  return { key, ids: id === null ? null : [id] };
}

/** The payload's top-level keys, with identifier values only. Anything that is not a plain object shows as nothing. */
export function describeJobData(data: unknown): JobDataField[] {
  if (typeof data !== 'object' || data === null || Array.isArray(data)) return [];
  return Object.entries(data as Record<string, unknown>).map(([key, value]) => field(key, value));
}
