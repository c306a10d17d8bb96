import { describe, expect, it } from 'vitest';
import { renderPdf, toCsv } from './pdf.js';

describe('renderPdf', () => {
  it('writes a well-formed PDF whose cross-reference offsets point at its objects', () => {
    const pdf = renderPdf(
      'Transmission security',
      Array.from({ length: 120 }, (_, i) => ({ text: `row ${String(i)} (TLSv1.3)` })),
    );
    const text = pdf.toString('latin1');
    expect(text.startsWith('%PDF-1.4')).toBe(true);
    expect(text.trimEnd().endsWith('%%EOF')).toBe(true);
    const startxref = Number(/startxref\n(\d+)/.exec(text)?.[1]);
    expect(text.slice(startxref, startxref + 4)).toBe('xref');
    const offsets = [...text.slice(startxref).matchAll(/^(\d{10}) 00000 n $/gm)].map((m) => Number(m[1]));
    offsets.forEach((offset, i) => {
      expect(text.slice(offset, offset + `${String(i + 1)} 0 obj`.length)).toBe(`${String(i + 1)} 0 obj`);
    });
    expect(Number(/\/Count (\d+)/.exec(text)?.[1])).toBeGreaterThan(1);
    expect(text).toContain('(row 7 \\(TLSv1.3\\)) Tj');
  });
});

describe('toCsv', () => {
  it('quotes what needs quoting and defuses formulas', () => {
    expect(
      toCsv(
        ['a', 'b'],
        [
          ['x,y', '=SUM(A1)'],
          [null, 3],
        ],
      ),
    ).toBe('a,b\r\n"x,y",\'=SUM(A1)\r\n,3\r\n');
  });
});
