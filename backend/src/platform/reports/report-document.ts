import { type PdfLine, renderPdf, toCsv } from './pdf.js';

/**
 * The one shape every compliance report takes: the JSON an endpoint returns, and what its CSV and
 * PDF downloads are rendered from, so the three formats cannot disagree.
 */
export type ReportCell = string | number | boolean | null;

export interface ReportColumn {
  key: string;
  label: string;
}

export interface ReportSection {
  title: string;
  columns: ReportColumn[];
  rows: Record<string, ReportCell>[];
}

export interface ReportDocument {
  id: string;
  title: string;
  generatedAt: string;
  parameters: Record<string, string | number | null>;
  summary: { label: string; value: string | number }[];
  sections: ReportSection[];
}

/** Columns from `{ key: label }`, in the object's order. */
export function columnsOf(labels: Record<string, string>): ReportColumn[] {
  return Object.entries(labels).map(([key, label]) => ({ key, label }));
}

const cellText = (v: ReportCell | undefined): string => (v === null || v === undefined ? '' : typeof v === 'boolean' ? (v ? 'yes' : 'no') : String(v));

/**
 * One CSV file: a first block with the report's title, generation time, parameters and summary,
 * then a block per section (its title row, its header row, its rows), blocks separated by an empty
 * line. Cells a spreadsheet would run as a formula are prefixed with a quote (toCsv).
 */
export function reportCsv(doc: ReportDocument): string {
  const head = toCsv(
    [doc.title],
    [
      ['Field', 'Value'],
      ['Generated at', doc.generatedAt],
      ...Object.entries(doc.parameters).map(([k, v]) => [`Parameter: ${k}`, v]),
      ...doc.summary.map((s) => [s.label, s.value]),
    ],
  );
  const blocks = doc.sections.map((s) =>
    toCsv([s.title], [s.columns.map((c) => c.label), ...s.rows.map((r) => s.columns.map((c) => (c.key in r ? cellText(r[c.key]) : '')))]),
  );
  return [head, ...blocks].join('\r\n');
}

/** Characters of 8 pt Courier on an A4 line between the margins. */
const TABLE_CHARS = 103;
/** Characters of 9 pt Courier on an A4 line between the margins. */
const RECORD_CHARS = 92;
/** A safe count of 9 pt Helvetica characters on an A4 line. */
const PROSE_CHARS = 100;

function wrap(text: string, width: number): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    for (let i = 0; i < line.length || i === 0; i += width) out.push(line.slice(i, i + width));
  }
  return out;
}

function sectionLines(s: ReportSection): PdfLine[] {
  const lines: PdfLine[] = [{ text: '' }, { text: s.title, size: 12 }];
  if (!s.rows.length) return [...lines, { text: 'none' }];
  const cells = s.rows.map((r) => s.columns.map((c) => cellText(r[c.key]).replace(/\s+/g, ' ')));
  const widths = s.columns.map((c, i) => Math.max(c.label.length, ...cells.map((row) => row[i].length)));
  if (widths.reduce((a, w) => a + w + 2, -2) <= TABLE_CHARS) {
    const line = (values: string[]) =>
      values
        .map((v, i) => v.padEnd(widths[i]))
        .join('  ')
        .trimEnd();
    return [
      ...lines,
      { text: line(s.columns.map((c) => c.label)), mono: true, size: 8 },
      { text: widths.map((w) => '-'.repeat(w)).join('  '), mono: true, size: 8 },
      ...cells.map((row) => ({ text: line(row), mono: true, size: 8 })),
    ];
  }
  // Too wide for a table on A4: one block per row, a line per field, long values wrapped, nothing cut.
  const labelWidth = Math.min(28, Math.max(...s.columns.map((c) => c.label.length)));
  return [
    ...lines,
    ...cells.flatMap((row, n) => [
      ...(n ? [{ text: '' }] : []),
      ...s.columns.flatMap((c, i) =>
        wrap(row[i], RECORD_CHARS - labelWidth - 2).map((part, j) => ({ text: `${(j ? '' : c.label).padEnd(labelWidth)}  ${part}`, mono: true })),
      ),
    ]),
  ];
}

/** The report as a paginated PDF (renderPdf): parameters and summary first, then each section as a table or, when too wide, as records. */
export function reportPdf(doc: ReportDocument): Buffer {
  const lines: PdfLine[] = [
    { text: `Generated at ${doc.generatedAt}` },
    ...Object.entries(doc.parameters).flatMap(([k, v]) => wrap(`Parameter ${k}: ${cellText(v)}`, PROSE_CHARS).map((text) => ({ text }))),
    ...(doc.summary.length ? [{ text: '' }, { text: 'Summary', size: 12 }] : []),
    ...doc.summary.flatMap((s) => wrap(`${s.label}: ${String(s.value)}`, PROSE_CHARS).map((text) => ({ text }))),
    ...doc.sections.flatMap(sectionLines),
  ];
  return renderPdf(doc.title, lines);
}
