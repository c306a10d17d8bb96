import { describe, expect, it } from 'vitest';
import { columnsOf, type ReportDocument, reportCsv, reportPdf } from './report-document.js';

const doc: ReportDocument = {
  id: 'phi-access',
  title: 'PHI access',
  generatedAt: '2026-11-23T10:00:00.000Z',
  parameters: { from: '2026-11-01T00:00:00.000Z', userId: null },
  summary: [
    { label: 'Accesses', value: 2 },
    { label: 'First access', value: '2026-11-02T00:00:00.000Z' },
  ],
  sections: [
    {
      title: 'Accesses',
      columns: [
        { key: 'action', label: 'Action' },
        { key: 'note', label: 'Note' },
        { key: 'ok', label: 'OK' },
      ],
      rows: [
        { action: 'phi.revealed', note: '=HYPERLINK("x")', ok: true },
        { action: 'contact.exported', note: 'a, b', ok: false },
        { action: 'import.uploaded', note: null },
      ],
    },
    { title: 'Empty', columns: [{ key: 'id', label: 'Id' }], rows: [] },
  ],
};

describe('reportCsv', () => {
  it('writes a head block, then a block per section with its title, header and rows, defusing formulas', () => {
    expect(reportCsv(doc).split('\r\n')).toEqual([
      'PHI access',
      'Field,Value',
      'Generated at,2026-11-23T10:00:00.000Z',
      'Parameter: from,2026-11-01T00:00:00.000Z',
      'Parameter: userId,',
      'Accesses,2',
      'First access,2026-11-02T00:00:00.000Z',
      '',
      'Accesses',
      'Action,Note,OK',
      `phi.revealed,"'=HYPERLINK(""x"")",yes`,
      'contact.exported,"a, b",no',
      'import.uploaded,,',
      '',
      'Empty',
      'Id',
      '',
    ]);
  });

  it('defuses every formula lead character, including in titles and labels', () => {
    const csv = reportCsv({
      ...doc,
      title: '+title',
      summary: [{ label: '@sum', value: '-1' }],
      sections: [{ title: '-s', columns: [{ key: 'a', label: '=h' }], rows: [{ a: '\tx' }, { a: '\rcmd' }, { a: '+1' }, { a: '@x' }] }],
    });
    expect(csv).toContain(`'+title\r\n`);
    expect(csv).toContain(`'@sum,'-1\r\n`);
    expect(csv).toContain(`'-s\r\n'=h\r\n'\tx\r\n"'\rcmd"\r\n'+1\r\n'@x\r\n`);
  });
});

describe('reportPdf', () => {
  it('renders parameters, summary, narrow sections as tables and empty ones as none', () => {
    const text = reportPdf(doc).toString('latin1');
    expect(text.startsWith('%PDF-1.4')).toBe(true);
    expect(text).toContain('(PHI access) Tj');
    expect(text).toContain('(Parameter from: 2026-11-01T00:00:00.000Z) Tj');
    expect(text).toContain('(Accesses: 2) Tj');
    expect(text).toContain('(Action            Note             OK) Tj');
    expect(text).toContain('(phi.revealed      =HYPERLINK\\("x"\\)  yes) Tj');
    expect(text).toContain('(none) Tj');
  });

  it('renders rows too wide for a table as records with every value whole, wrapped', () => {
    const long = 'x'.repeat(150);
    const text = reportPdf({
      ...doc,
      sections: [
        {
          title: 'Wide',
          columns: [
            { key: 'id', label: 'Contact id' },
            { key: 'text', label: 'Attestation' },
          ],
          rows: [{ id: 'c-1', text: long }],
        },
      ],
    }).toString('latin1');
    expect(text).toContain('(Contact id   c-1) Tj');
    const parts = [...text.matchAll(/\((?:Attestation| {11}) {2}(x+)\) Tj/g)].map((m) => m[1]);
    expect(parts.join('')).toBe(long);
    expect(parts.length).toBeGreaterThan(1);
  });
});

describe('columnsOf', () => {
  it('keeps the order of its keys', () => {
    expect(columnsOf({ b: 'B', a: 'A' })).toEqual([
      { key: 'b', label: 'B' },
      { key: 'a', label: 'A' },
    ]);
  });
});
