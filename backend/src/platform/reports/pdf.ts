/**
 * A small, dependency-free PDF 1.4 writer for tabular compliance reports: text lines in Helvetica /
 * Courier on A4 pages, paginated. Enough for auditors' downloads; no images, no fonts to embed.
 */
export interface PdfLine {
  text: string;
  size?: number;
  mono?: boolean;
}

const PAGE_W = 595;
const PAGE_H = 842;
const MARGIN = 48;

function escape(text: string): string {
  // WinAnsi covers Latin-1; anything else becomes '?'.
  return Array.from(text, (ch) => (ch.charCodeAt(0) > 255 ? '?' : ch))
    .join('')
    .replace(/\\/g, '\\\\')
    .replace(/\(/g, '\\(')
    .replace(/\)/g, '\\)');
}

export function renderPdf(title: string, lines: readonly PdfLine[]): Buffer {
  const pages: string[] = [];
  let ops: string[] = [];
  let y = PAGE_H - MARGIN;
  const flush = () => {
    pages.push(ops.join('\n'));
    ops = [];
    y = PAGE_H - MARGIN;
  };
  for (const line of [{ text: title, size: 16 }, { text: '' }, ...lines]) {
    const size = line.size ?? 9;
    if (y - size * 1.4 < MARGIN) flush();
    y -= size * 1.4;
    ops.push(`BT /${line.mono ? 'F2' : 'F1'} ${String(size)} Tf ${String(MARGIN)} ${y.toFixed(1)} Td (${escape(line.text)}) Tj ET`);
  }
  flush();

  const objects: string[] = [];
  const add = (body: string) => objects.push(body);
  add('<< /Type /Catalog /Pages 2 0 R >>');
  add(''); // pages, filled in below
  add('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica /Encoding /WinAnsiEncoding >>');
  add('<< /Type /Font /Subtype /Type1 /BaseFont /Courier /Encoding /WinAnsiEncoding >>');
  const kids: string[] = [];
  for (const content of pages) {
    const stream = Buffer.from(content, 'latin1');
    add(`<< /Length ${String(stream.length)} >>\nstream\n${content}\nendstream`);
    const contentId = objects.length;
    add(
      `<< /Type /Page /Parent 2 0 R /MediaBox [0 0 ${String(PAGE_W)} ${String(PAGE_H)}] /Resources << /Font << /F1 3 0 R /F2 4 0 R >> >> /Contents ${String(contentId)} 0 R >>`,
    );
    kids.push(`${String(objects.length)} 0 R`);
  }
  objects[1] = `<< /Type /Pages /Kids [${kids.join(' ')}] /Count ${String(kids.length)} >>`;

  let out = '%PDF-1.4\n%\xe2\xe3\xcf\xd3\n';
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    offsets.push(Buffer.byteLength(out, 'latin1'));
    out += `${String(i + 1)} 0 obj\n${body}\nendobj\n`;
  });
  const xref = Buffer.byteLength(out, 'latin1');
  out += `xref\n0 ${String(objects.length + 1)}\n0000000000 65535 f \n${offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('')}`;
  out += `trailer\n<< /Size ${String(objects.length + 1)} /Root 1 0 R >>\nstartxref\n${String(xref)}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}

/** RFC 4180 CSV; cells that a spreadsheet would run as a formula are prefixed with a quote. */
export function toCsv(header: readonly string[], rows: readonly (readonly (string | number | boolean | null)[])[]): string {
  const cell = (v: string | number | boolean | null) => {
    let s = v === null ? '' : String(v);
    if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}
