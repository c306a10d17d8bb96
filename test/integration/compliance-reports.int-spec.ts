import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditActor } from '../../backend/src/modules/audit/index.js';
import { UsersService } from '../../backend/src/modules/auth/index.js';
import { ContactsService } from '../../backend/src/modules/contacts/index.js';
import { TemplatesService } from '../../backend/src/modules/templates/index.js';
import { Role } from '../../backend/src/platform/http/index.js';
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

  it('counts messages by TLS version and cipher, drops by domain and reason, and MTA-STS coverage', async () => {
    const res = await officer.get('/api/v1/compliance/reports/transmission-security');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      byTls: [
        { tlsVersion: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', messages: 2 },
        { tlsVersion: 'TLSv1.2', cipher: 'ECDHE-RSA-AES128-GCM-SHA256', messages: 1 },
      ],
      sentWithoutTls: 0,
      droppedNoTls: [
        { domain: 'c.test', reason: 'starttls_not_offered', messages: 2 },
        { domain: 'd.test', reason: 'certificate_invalid', messages: 1 },
      ],
      mtaSts: [
        { mode: 'enforce', messages: 2 },
        { mode: 'none', messages: 1 },
      ],
      certificateVerified: { verified: 2, unverified: 1 },
    });
  });

  it('downloads as CSV and PDF, each download audited, and is not for marketers', async () => {
    const csv = await officer.get<string>('/api/v1/compliance/reports/transmission-security?format=csv');
    expect(csv.headers.get('content-type')).toContain('text/csv');
    expect(csv.headers.get('content-disposition')).toMatch(/^attachment; filename="transmission-security_.*\.csv"$/);
    expect(csv.body.split('\r\n')).toContain('dropped_no_tls,c.test,starttls_not_offered,2');
    expect(csv.body.split('\r\n')).toContain('sent_without_tls,,,0');
    const pdf = await officer.get<string>('/api/v1/compliance/reports/transmission-security?format=pdf');
    expect(pdf.headers.get('content-type')).toBe('application/pdf');
    expect(pdf.body.startsWith('%PDF-1.4')).toBe(true);
    expect(pdf.body).toContain('starttls_not_offered');
    const { rows } = await db.query<{ details: { format: string } }>(`SELECT details FROM audit_log WHERE action = 'report.downloaded' ORDER BY id`);
    expect(rows.map((r) => r.details.format)).toEqual(['json', 'csv', 'pdf']);
    expect((await marketer.get('/api/v1/compliance/reports/transmission-security')).status).toBe(403);
    expect((await officer.get('/api/v1/compliance/reports/transmission-security?format=xml')).status).toBe(400);
  });
});
