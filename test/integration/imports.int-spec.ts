import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsersService } from '../../backend/src/modules/auth/index.js';
import { Role } from '../../backend/src/platform/http/index.js';
import { ApiClient } from '../support/api-client.js';
import { configureAndRun, type ImportViewBody, uploadRaw } from '../support/imports.js';
import { dumpDatabase, phiFound, startTestApp, superuser, type TestApp } from '../support/stack.js';

const PASSWORD = 'granite-otter-lantern-42';

// BOM, CRLF, a quoted field holding the delimiter and a newline, US and ISO dates, bad rows among good ones.
const CSV =
  '\uFEFFE-mail Address,First Name,Last Name,DOB,Gender,Zip,MRN,Dx Codes,Smoking status,Notes\r\n' +
  'olivia.chen@example.org,Olivia,Chen,07/04/1958,F,10027,MRN-1001,E11.9;I10,never,"Prefers mornings, not Mondays"\r\n' +
  'not-an-email,Bad,Row,01/01/1970,M,10001,MRN-1002,I10,never,\r\n' +
  'james.okoro@example.org,James,Okoro,1949-11-30,M,60614,MRN-1003,J44.9,former,"Line one\r\nline two"\r\n' +
  'bad.date@example.org,Dana,Date,31/12/1980,F,94110,MRN-1004,,current,\r\n' +
  'short@example.org,Too,Few\r\n' +
  'OLIVIA.CHEN@example.org,Olivia,Chen-Lee,07/04/1958,F,10027,MRN-1001,E78.5,never,duplicate in file\r\n' +
  'sofia.rossi@example.org,Sofía,Rossi,1990-02-28,female,02139-4307,MRN-1005,Z00.00,sometimes,\r\n';
const PHI_VALUES = ['olivia.chen@example.org', 'Chen-Lee', 'Okoro', '1958-07-04', '07/04/1958', 'MRN-1001', 'MRN-1003', 'J44.9', 'Prefers mornings', 'Sofía'];

describe('CSV import', () => {
  let t: TestApp;
  const logs: string[] = [];
  let marketer: ApiClient;
  let first: ImportViewBody;

  beforeAll(async () => {
    t = await startTestApp({ entrypoint: 'all', logs });
    await t.app.get(UsersService).create({ email: 'marketer@clinic.test', displayName: 'M', role: Role.Marketer, password: PASSWORD });
    marketer = new ApiClient(t.baseUrl);
    await marketer.signInAndEnroll('marketer@clinic.test', PASSWORD);
    await marketer.post('/api/v1/topics', { key: 'newsletter', name: 'Newsletter', kind: 'marketing' });
    await marketer.post('/api/v1/attributes', {
      key: 'smokingStatus',
      label: 'Smoking status',
      type: 'enum',
      options: ['never', 'former', 'current'],
      isPhi: true,
    });
  });
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- t is unset when beforeAll failed
  afterAll(() => t?.close());

  it('detects the format and suggests a mapping for common headers', async () => {
    const up = await uploadRaw(t.baseUrl, marketer, CSV, 'diabetes-outreach.csv');
    expect(up.status).toBe(201);
    first = up.body;
    expect(first).toMatchObject({ status: 'uploaded', encoding: 'utf-8', delimiter: ',' });
    expect(first.headers).toEqual(['E-mail Address', 'First Name', 'Last Name', 'DOB', 'Gender', 'Zip', 'MRN', 'Dx Codes', 'Smoking status', 'Notes']);
    expect(first.mapping).toEqual({
      'E-mail Address': { field: 'email' },
      'First Name': { field: 'firstName' },
      'Last Name': { field: 'lastName' },
      DOB: { field: 'birthDate' },
      Gender: { field: 'sex' },
      Zip: { field: 'postalCode' },
      MRN: { field: 'identifier', kind: 'mrn', system: 'mrn' },
      'Dx Codes': { field: 'condition', system: 'ICD-10' },
      'Smoking status': { field: 'attribute', key: 'smokingStatus' },
      Notes: { field: 'ignore' },
    });
    const preview = await marketer.get<{ rows: string[][] }>(`/api/v1/imports/${first.id}/preview`);
    expect(preview.body.rows[0][0]).toBe('olivia.chen@example.org');
    expect(preview.body.rows[2][9]).toBe('Line one\r\nline two');
  });

  it('refuses a configuration without an attestation or an e-mail column, naming the field', async () => {
    const res = await marketer.request('PUT', `/api/v1/imports/${first.id}/configuration`, {
      mapping: { ...first.mapping, 'E-mail Address': { field: 'ignore' } },
      onExisting: 'update',
      consent: { topic: 'newsletter', basis: 'prior_express_consent', attestation: '' },
    });
    expect(res.status).toBe(400);
    expect((res.body as { fields: { field: string }[] }).fields.map((f) => f.field)).toContain('consent.attestation');
    const noEmail = await marketer.request('PUT', `/api/v1/imports/${first.id}/configuration`, {
      mapping: { ...first.mapping, 'E-mail Address': { field: 'ignore' } },
      onExisting: 'update',
      consent: { topic: 'newsletter', basis: 'prior_express_consent', attestation: 'I attest these patients consented.' },
    });
    expect(noEmail.body).toMatchObject({ fields: [{ field: 'mapping', message: 'one column must be mapped to email' }] });
  });

  it('dry-runs: reports what would happen and every bad row, writing no contact', async () => {
    const done = await configureAndRun(marketer, first.id, { dryRun: true });
    expect(done.status).toBe('validated');
    expect(done.counts).toMatchObject({ created: 2, updated: 1, errors: 4 });
    expect((await marketer.get<{ total: number }>('/api/v1/contacts')).body.total).toBe(0);
  });

  it('imports good rows, reports bad ones by row and column, and records consent with the attestation', async () => {
    const done = await configureAndRun(marketer, first.id);
    expect(done.status).toBe('completed');
    expect(done.counts).toEqual({ created: 2, updated: 1, unchanged: 0, skipped: 0, errors: 4 });
    expect(done.progress).toMatchObject({ rowsDone: 7, rowsTotal: 7, percent: 100, etaSeconds: 0 });

    const report = await marketer.request('GET', `/api/v1/imports/${first.id}/errors.csv`);
    expect(report.headers.get('content-type')).toContain('text/csv');
    expect((report.body as unknown as string).trim().split('\n')).toEqual([
      'row,column,reason',
      '3,E-mail Address,not a valid e-mail address',
      '5,DOB,must be a date as YYYY-MM-DD or MM/DD/YYYY',
      '6,*,"the row has 3 fields, the header has 10"',
      '8,Smoking status,"must be one of never, former, current"',
    ]);
    const olivia = await marketer.post<{ id: string }>('/api/v1/contacts/lookup', { identifier: { system: 'mrn', value: 'MRN-1001' } });
    const consents = await marketer.get<{ current: { topicKey: string; status: string; method: string }[]; history: { source: string }[] }>(
      `/api/v1/contacts/${olivia.body.id}/consents`,
    );
    expect(consents.body.current).toEqual([expect.objectContaining({ topicKey: 'newsletter', status: 'confirmed', method: 'import_attestation' })]);
    expect(consents.body.history[0].source).toBe(`import:${first.id}`);
    const imp = await marketer.get<{ consent: { attestation: string; attestedBy: string } }>(`/api/v1/imports/${first.id}`);
    expect(imp.body.consent.attestation).toBe('I attest these patients gave prior express consent to receive this newsletter.');

    const db = await superuser(t.databaseUrl);
    try {
      expect((await db.query(`SELECT count(*)::int AS n FROM import_chunks WHERE import_id = $1`, [first.id])).rows[0]).toEqual({ n: 0 });
    } finally {
      await db.end();
    }
  });

  it('re-running the same file changes nothing', async () => {
    const before = await contactsSnapshot(t.databaseUrl);
    const up = await uploadRaw(t.baseUrl, marketer, CSV);
    const done = await configureAndRun(marketer, up.body.id);
    expect(done.counts).toEqual({ created: 0, updated: 0, unchanged: 3, skipped: 0, errors: 4 });
    expect(await contactsSnapshot(t.databaseUrl)).toEqual(before);
  });

  it('writes batches side by side only when they touch different contacts: every row once, in file order', async () => {
    // 7,000 rows = four 2,000-row batches. Batch 2 repeats e-mails of batch 1 and an MRN of batch 1
    // under another e-mail, so it must wait for batch 1; batches 3 and 4 are all new.
    const lines = ['email,first name,mrn'];
    for (let i = 0; i < 7000; i++) {
      if (i >= 2000 && i < 2010) lines.push(`batch.${i - 2000}@example.org,Again${i},`);
      else if (i === 2010) lines.push(`someone.else@example.org,Other,MRN-B1-5`);
      else lines.push(`batch.${i}@example.org,Row${i},MRN-B1-${i}`);
    }
    const up = await uploadRaw(t.baseUrl, marketer, `${lines.join('\n')}\n`, 'batches.csv');
    const done = await configureAndRun(marketer, up.body.id);
    expect(done.status).toBe('completed');
    expect(done.counts).toEqual({ created: 6989, updated: 10, unchanged: 0, skipped: 0, errors: 1 });
    const report = await marketer.get<string>(`/api/v1/imports/${up.body.id}/errors.csv`);
    expect(report.body.trim().split('\n').slice(1)).toEqual([expect.stringMatching(/^2012,mrn,"?this mrn identifier already belongs to another contact"?$/)]);
    const db = await superuser(t.databaseUrl);
    try {
      const rows = await db.query<{ n: number; events: number }>(
        `SELECT count(*)::int AS n, (SELECT count(*)::int FROM consent_events WHERE import_id = $1) AS events FROM contacts WHERE import_id = $1`,
        [up.body.id],
      );
      // Each contact once, with one consent event; the checkpoint is the last row.
      expect(rows.rows[0]).toEqual({ n: 6989, events: 6989 });
      const job = await db.query<{ checkpoint_row: number }>(`SELECT checkpoint_row FROM imports WHERE id = $1`, [up.body.id]);
      expect(job.rows[0].checkpoint_row).toBe(7001);
    } finally {
      await db.end();
    }
  });

  it('reads semicolon-separated Windows-1252 and UTF-16 files', async () => {
    const latin = Buffer.from('email;first name;birth date\r\nrene.dupre@example.org;Ren\xe9;12/25/1970\r\n', 'latin1');
    const up1 = await uploadRaw(t.baseUrl, marketer, latin, 'legacy.csv');
    expect(up1.body).toMatchObject({ encoding: 'windows-1252', delimiter: ';' });
    expect((await configureAndRun(marketer, up1.body.id)).counts.created).toBe(1);

    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('Email\tFirstName\r\nzoe.wu@example.org\tZoë\r\n', 'utf16le')]);
    const up2 = await uploadRaw(t.baseUrl, marketer, utf16, 'export.txt');
    expect(up2.body).toMatchObject({ encoding: 'utf-16le', delimiter: '\t' });
    expect((await configureAndRun(marketer, up2.body.id)).counts.created).toBe(1);

    const officerCheck = await superuser(t.databaseUrl);
    await officerCheck.end();
  });

  it('answers bad uploads with a clear 4xx', async () => {
    const empty = await uploadRaw(t.baseUrl, marketer, '');
    expect(empty.status).toBe(400);
    const dupHeaders = await uploadRaw(t.baseUrl, marketer, 'email,email\na@b.org,c@d.org\n');
    expect(dupHeaders.body).toMatchObject({ fields: [{ field: 'file', message: 'duplicate column header "email"' }] });
    const res = await fetch(`${t.baseUrl}/api/v1/imports`, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        cookie: [...marketer.cookies].map(([k, v]) => `${k}=${v}`).join('; '),
        'x-csrf-token': marketer.cookies.get('hm_csrf')!,
      },
      body: '{}',
    });
    expect(res.status).toBe(415);
  });

  it('stops at a broken quote, keeping the rows before it', async () => {
    const broken = 'email,first\r\nok1@example.org,A\r\nok2@example.org,"unclosed\r\nok3@example.org,C\r\n';
    const up = await uploadRaw(t.baseUrl, marketer, broken);
    const done = await configureAndRun(marketer, up.body.id);
    expect(done.status).toBe('failed');
    expect(done.error).toMatch(/^CSV syntax error at row \d+ \(CSV_QUOTE_NOT_CLOSED\)$/);
    expect((await marketer.post('/api/v1/contacts/lookup', { email: 'ok1@example.org' })).status).toBe(200);
  });

  it('keeps every row before a broken quote in the middle of the file, and names the broken row', async () => {
    // The error and the rows before it arrive in one chunk: all of those rows must still be written.
    const broken = 'email,first\r\nmid1@example.org,A\r\nmid2@example.org,B\r\n"mid3@example.org"x,C\r\nmid4@example.org,D\r\n';
    const up = await uploadRaw(t.baseUrl, marketer, broken);
    const done = await configureAndRun(marketer, up.body.id);
    expect(done.status).toBe('failed');
    expect(done.error).toBe('CSV syntax error at row 4 (CSV_INVALID_CLOSING_QUOTE)');
    expect(done.counts).toMatchObject({ created: 2, errors: 1 });
    for (const email of ['mid1@example.org', 'mid2@example.org']) expect((await marketer.post('/api/v1/contacts/lookup', { email })).status).toBe(200);
    expect((await marketer.post('/api/v1/contacts/lookup', { email: 'mid4@example.org' })).status).toBe(404);
  });

  it('keeps imported PHI out of the database dump and the logs', async () => {
    const dump = await dumpDatabase(t.databaseUrl);
    expect(phiFound(dump, PHI_VALUES)).toEqual([]);
    expect(phiFound(logs.join(''), PHI_VALUES)).toEqual([]);
    expect(logs.length).toBeGreaterThan(10);
  });
});

async function contactsSnapshot(databaseUrl: string) {
  const db = await superuser(databaseUrl);
  try {
    return (await db.query<Record<string, unknown>>(`SELECT id, encode(phi, 'hex') AS phi, updated_at, condition_tokens FROM contacts ORDER BY id`)).rows;
  } finally {
    await db.end();
  }
}
