import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditActor } from '../../backend/src/modules/audit/index.js';
import { UsersService } from '../../backend/src/modules/auth/index.js';
import { ContactsService } from '../../backend/src/modules/contacts/index.js';
import { TemplatesService } from '../../backend/src/modules/templates/index.js';
import { Role } from '../../backend/src/platform/http/index.js';
import type { ReportDocument } from '../../backend/src/platform/reports/report-document.js';
import { ApiClient } from '../support/api-client.js';
import { startTestApp, superuser, type TestApp } from '../support/stack.js';

const SYSTEM: AuditActor = { type: 'system' };
const PASSWORD = 'granite-otter-lantern-42';
const MJML = `<mjml lang="en"><mj-body><mj-section><mj-column><mj-text>Hello {{contact.firstName}}. {{organization_address}} <a href="{{unsubscribe_url}}">Unsubscribe</a></mj-text></mj-column></mj-section></mj-body></mjml>`;

/** Known delivery rows in, exact figures out: the transmission-security report against data it did not produce. */
describe('compliance: transmission-security report', () => {
  let t: TestApp;
  let db: pg.Client;
  let officer: ApiClient;
  let marketer: ApiClient;

  beforeAll(async () => {
    t = await startTestApp({ entrypoint: 'api' });
    db = await superuser(t.databaseUrl);
    const users = t.app.get(UsersService);
    await users.create({ email: 'officer@clinic.test', displayName: 'C', role: Role.ComplianceOfficer, password: PASSWORD });
    await users.create({ email: 'marketer@clinic.test', displayName: 'M', role: Role.Marketer, password: PASSWORD });
    officer = new ApiClient(t.baseUrl);
    await officer.signInAndEnroll('officer@clinic.test', PASSWORD);
    marketer = new ApiClient(t.baseUrl);
    await marketer.signInAndEnroll('marketer@clinic.test', PASSWORD);

    const contactId = (await t.app.get(ContactsService).create({ email: 'report.subject@example.org' }, SYSTEM)).id;
    const templates = t.app.get(TemplatesService);
    const created = await templates.create({ name: 'R', category: 'marketing', subject: 'S', mjml: MJML }, SYSTEM);
    const versionId = (await templates.publish(created.template.id, SYSTEM)).version.id;
    const rows: [string, string, string | null, object | null][] = [
      ['a.test', 'sent', null, { route: 'mx', tlsVersion: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', certVerified: true, mtaStsMode: 'enforce' }],
      ['a.test', 'sent', null, { route: 'mx', tlsVersion: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', certVerified: true, mtaStsMode: 'enforce' }],
      ['b.test', 'sent', null, { route: 'mx', tlsVersion: 'TLSv1.2', cipher: 'ECDHE-RSA-AES128-GCM-SHA256', certVerified: false, mtaStsMode: 'none' }],
      ['c.test', 'dropped_no_tls', 'starttls_not_offered', { route: 'mx', mtaStsMode: 'none' }],
      ['c.test', 'dropped_no_tls', 'starttls_not_offered', { route: 'mx', mtaStsMode: 'none' }],
      ['d.test', 'dropped_no_tls', 'certificate_invalid', { route: 'mx', mtaStsMode: 'enforce' }],
      ['e.test', 'dropped_consent', 'no_consent', null],
    ];
    for (const [i, [domain, status, reason, evidence]] of rows.entries()) {
      await db.query(
        `INSERT INTO deliveries (idempotency_key, contact_id, recipient_domain, template_version_id, category, status, reason, evidence, sent_at)
         VALUES ($1, $2, $3, $4, 'marketing', $5, $6, $7, CASE WHEN $5 = 'sent' THEN now() - interval '1 hour' END)`,
        [`r:${String(i)}`, contactId, domain, versionId, status, reason, evidence ? JSON.stringify(evidence) : null],
      );
    }
  });
  afterAll(async () => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await db?.end();
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await t?.close();
  });

  it('counts messages by TLS version and cipher, drops by domain and reason, and MTA-STS coverage, as a ReportDocument', async () => {
    const res = await officer.get<ReportDocument>('/api/v1/compliance/reports/transmission-security');
    expect(res.status).toBe(200);
    expect(Object.keys(res.body).sort()).toEqual(['generatedAt', 'id', 'parameters', 'sections', 'summary', 'title']);
    expect(res.body).toMatchObject({ id: 'transmission-security', title: 'Transmission security report' });
    expect(Date.parse(res.body.parameters.to as string) - Date.parse(res.body.parameters.from as string)).toBe(30 * 86_400_000);
    expect(res.body.summary).toEqual([
      { label: 'Messages sent', value: 3 },
      { label: 'Messages sent without TLS', value: 0 },
      { label: 'Messages dropped for lack of acceptable TLS', value: 3 },
      { label: 'Certificates verified', value: 2 },
      { label: 'Certificates not verified', value: 1 },
    ]);
    expect(res.body.sections.map((s) => [s.title, s.rows])).toEqual([
      [
        'Messages sent, by TLS version and cipher',
        [
          { tlsVersion: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', messages: 2 },
          { tlsVersion: 'TLSv1.2', cipher: 'ECDHE-RSA-AES128-GCM-SHA256', messages: 1 },
        ],
      ],
      [
        'Messages dropped for lack of acceptable TLS, by domain and reason',
        [
          { domain: 'c.test', reason: 'starttls_not_offered', messages: 2 },
          { domain: 'd.test', reason: 'certificate_invalid', messages: 1 },
        ],
      ],
      [
        'MTA-STS coverage of messages sent',
        [
          { mode: 'enforce', messages: 2 },
          { mode: 'none', messages: 1 },
        ],
      ],
    ]);
    // Outside the period: nothing.
    const old = await officer.get<ReportDocument>('/api/v1/compliance/reports/transmission-security?from=2020-01-01T00:00:00Z&to=2020-02-01T00:00:00Z');
    expect(old.body.summary[0]).toEqual({ label: 'Messages sent', value: 0 });
    expect(old.body.parameters).toEqual({ from: '2020-01-01T00:00:00.000Z', to: '2020-02-01T00:00:00.000Z' });
  });

  it('downloads as CSV and PDF, each download audited, and is not for marketers', async () => {
    const csv = await officer.get<string>('/api/v1/compliance/reports/transmission-security?format=csv');
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="transmission-security_.*\.csv"$/);
    const lines = csv.body.split('\r\n');
    expect(lines).toContain('"Messages dropped for lack of acceptable TLS, by domain and reason"');
    expect(lines).toContain('Recipient domain,Reason,Messages');
    expect(lines).toContain('c.test,starttls_not_offered,2');
    expect(lines).toContain('Messages sent without TLS,0');
    const pdf = await officer.get<string>('/api/v1/compliance/reports/transmission-security?format=pdf');
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(pdf.body.startsWith('%PDF-1.4')).toBe(true);
    expect(pdf.body).toContain('starttls_not_offered');
    const { rows } = await db.query<{ details: { format: string } }>(`SELECT details FROM audit_log WHERE action = 'report.downloaded' ORDER BY id`);
    expect(rows.map((r) => r.details.format)).toEqual(['json', 'json', 'csv', 'pdf']);
    expect((await marketer.get('/api/v1/compliance/reports/transmission-security')).status).toBe(403);
    const bad = await officer.get<{ fields: { field: string }[] }>('/api/v1/compliance/reports/transmission-security?format=xml');
    expect(bad.status).toBe(400);
    expect(bad.body.fields.map((f) => f.field)).toEqual(['format']);
    const backwards = await officer.get<{ fields: { field: string }[] }>('/api/v1/compliance/reports/transmission-security?from=2026-02-01&to=2026-01-01');
    expect(backwards.body.fields).toEqual([{ field: 'from', message: 'must be before to' }]);
  });
});
