/** Dates and numbers in the user's own locale and time zone (the browser's settings). */

const dateTime = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const dateTimeSeconds = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'medium' });
const numbers = new Intl.NumberFormat();

export function formatDateTime(value: string | Date | null | undefined, options: { seconds?: boolean } = {}): string | undefined {
  if (value === null || value === undefined || value === '') return undefined;
  const date = value instanceof Date ? value : new Date(value);
  if (Number.isNaN(date.getTime())) return undefined;
  return (options.seconds ? dateTimeSeconds : dateTime).format(date);
}

export const formatNumber = (value: number): string => numbers.format(value);

/** `1 entry`, `3 entries`: the count in the user's locale and the noun agreeing with it. */
export function countOf(count: number, singular: string, plural: string): string {
  return `${formatNumber(count)} ${count === 1 ? singular : plural}`;
}
