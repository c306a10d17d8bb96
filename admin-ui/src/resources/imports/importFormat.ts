import { formatNumber } from '../../components/format';
import type { ImportRecord } from '../../providers/dataProvider';

const UNITS = ['bytes', 'kB', 'MB', 'GB'] as const;

/** `812 bytes`, `45.3 kB`, `1.2 GB`. */
export function formatBytes(bytes: number): string {
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) {
    value /= 1000;
    unit++;
  }
  return `${unit === 0 ? formatNumber(value) : value.toFixed(1)} ${UNITS[unit]}`;
}

const DELIMITERS: Readonly<Partial<Record<string, string>>> = { ',': 'comma', ';': 'semicolon', '\t': 'tab', '|': 'pipe' };

/** What the server detected: `14 columns · UTF-8 · comma-separated`. */
export function describeFormat(job: Pick<ImportRecord, 'headers' | 'encoding' | 'delimiter'>): string {
  const parts = [`${job.headers.length} columns`];
  if (job.encoding) parts.push(job.encoding.toUpperCase());
  if (job.delimiter) parts.push(`${DELIMITERS[job.delimiter] ?? `“${job.delimiter}”`}-separated`);
  return parts.join(' · ');
}
