import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsersService } from '../../backend/src/modules/auth/index.js';
import { PHI_ACCESS_ACTION_NAMES } from '../../backend/src/modules/compliance/index.js';
import { Role } from '../../backend/src/platform/http/index.js';
import type { ReportDocument } from '../../backend/src/platform/reports/report-document.js';
import { ApiClient } from '../support/api-client.js';
import { phiFound, startTestApp, superuser, type TestApp } from '../support/stack.js';

const PASSWORD = 'granite-otter-lantern-42';
const NEW_PASSWORD = 'sable-harbor-quartz-77';
const PHI = ['maria.gonzalez@example.org', 'Gonzalez', 'john.whitaker@example.org', 'Whitaker'];
const REPORTS = '/api/v1/compliance/reports';

interface ErrorBody {
  code: string;
  fields?: { field: string; message: string }[];
}

const summaryOf = (doc: ReportDocument) => Object.fromEntries(doc.summary.map((s) => [s.label, s.value]));
const sectionRows = (doc: ReportDocument, title: string) => doc.sections.find((s) => s.title === title)?.rows;

/**
 * Users, an API key, contacts, reveals and an export made through the API; then the PHI-access, breach-response,
 * user-access-review and audit-chain reports checked figure by figure against them, in JSON, CSV and PDF.
 */
describe('compliance: PHI access, breach response, user access review and audit chain reports', () => {
  let t: TestApp;
  let db: pg.Client;
  let admin: ApiClient;
  let officer: ApiClient;
  let marketer: ApiClient;
  const userIds: Record<string, string> = {};
  let apiKey: { id: string; key: string };
  let maria: string;
  let john: string;
  let ip: string;

  /** Invites a user through the API; they sign in, enrol MFA and choose their password. */
  async function invite(email: string, role: Role, signIn = true): Promise<ApiClient> {
    const invited = await admin.post<{ id: string; temporaryPassword: string }>('/api/v1/users', { email, displayName: email.split('@')[0], role });
    if (invited.status !== 201) throw new Error(`invite: ${invited.status} ${JSON.stringify(invited.body)}`);
    userIds[email] = invited.body.id;
    const client = new ApiClient(t.baseUrl);
    if (signIn) {
      await client.signInAndEnroll(email, invited.body.temporaryPassword);
      await client.post('/api/v1/auth/password', { currentPassword: invited.body.temporaryPassword, newPassword: NEW_PASSWORD });
    }
    return client;
  }

  beforeAll(async () => {
    t = await startTestApp({ entrypoint: 'api' });
    db = await superuser(t.databaseUrl);
    userIds['admin@clinic.test'] = (
      await t.app.get(UsersService).create({ email: 'admin@clinic.test', displayName: 'admin', role: Role.Admin, password: PASSWORD })
    ).id;
    admin = new ApiClient(t.baseUrl);
    await admin.signInAndEnroll('admin@clinic.test', PASSWORD);
    officer = await invite('officer@clinic.test', Role.ComplianceOfficer);
    marketer = await invite('marketer@clinic.test', Role.Marketer);
    await invite('dormant@clinic.test', Role.Analyst, false);
    await invite('leaver@clinic.test', Role.Analyst, false);
    expect((await admin.request('PATCH', `/api/v1/users/${userIds['leaver@clinic.test']}`, { disabled: true })).status).toBe(200);
    apiKey = (await admin.post<{ id: string; key: string }>('/api/v1/api-keys', { name: 'EHR feed', scopes: ['contacts:read', 'contacts:write'] })).body;
    const revoked = (await admin.post<{ id: string }>('/api/v1/api-keys', { name: 'Old feed', scopes: ['contacts:read'] })).body;
    await admin.request('DELETE', `/api/v1/api-keys/${revoked.id}`);

    // The PHI accesses: a marketer and the EHR feed create a contact each; the officer reveals both and exports one.
    maria = (await marketer.post<{ id: string }>('/api/v1/contacts', { email: PHI[0], firstName: 'Maria', lastName: PHI[1] })).body.id;
    john = (
      await new ApiClient(t.baseUrl).request<{ id: string }>(
        'POST',
        '/api/v1/contacts',
        { email: PHI[2], firstName: 'John', lastName: PHI[3] },
        { 'x-api-key': apiKey.key },
      )
    ).body.id;
    expect((await officer.post(`/api/v1/contacts/${maria}/reveal`)).status).toBe(200);
    expect((await officer.get(`/api/v1/contacts/${john}/export`)).status).toBe(200);
    expect((await officer.post(`/api/v1/contacts/${john}/reveal`)).status).toBe(200);
    // Not a PHI access: a masked read is not listed.
    expect((await marketer.get(`/api/v1/contacts/${maria}`)).status).toBe(200);
    ip = (await db.query<{ ip: string }>(`SELECT ip FROM audit_log WHERE action = 'phi.revealed' LIMIT 1`)).rows[0].ip;

    // Dormancy: the marketer last signed in 100 days ago; the never-seen analyst was invited 120 days ago and is locked out.
    await db.query(`UPDATE users SET last_login_at = now() - interval '100 days' WHERE email = 'marketer@clinic.test'`);
    await db.query(`UPDATE users SET created_at = now() - interval '120 days', locked_until = now() + interval '1 hour' WHERE email = 'dormant@clinic.test'`);
  }, 60_000);

  afterAll(async () => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await db?.end();
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await t?.close();
  });

  it('lists every PHI access and export of the period, with actor, address and record, and nothing else', async () => {
    const res = await officer.get<ReportDocument>(`${REPORTS}/phi-access`);
    expect(res.status).toBe(200);
    const doc = res.body;
    expect(doc).toMatchObject({ id: 'phi-access', title: 'PHI access report', parameters: { userId: null, apiKeyId: null, ip: null } });
    expect(summaryOf(doc)).toEqual({ Accesses: 5, Exports: 1, 'Distinct contacts': 2, 'Distinct actors': 3 });
    const rows = sectionRows(doc, 'PHI accesses and exports') ?? [];
    expect(rows.map((r) => [r.action, r.actorType, r.actor, r.recordType, r.recordId, r.outcome])).toEqual([
      ['contact.created', 'user', 'marketer@clinic.test', 'contact', maria, 'success'],
      ['contact.created', 'api_key', 'EHR feed', 'contact', john, 'success'],
      ['phi.revealed', 'user', 'officer@clinic.test', 'contact', maria, 'success'],
      ['phi.exported', 'user', 'officer@clinic.test', 'contact', john, 'success'],
      ['phi.revealed', 'user', 'officer@clinic.test', 'contact', john, 'success'],
    ]);
    expect(rows.every((r) => r.ip === ip && typeof r.occurredAt === 'string' && typeof r.auditId === 'string')).toBe(true);
    expect(rows[2].actorId).toBe(userIds['officer@clinic.test']);
    expect(rows[1].actorId).toBe(apiKey.id);
    // The report's own downloads (without PHI) are not accesses: asking again gives the same five.
    expect(summaryOf((await officer.get<ReportDocument>(`${REPORTS}/phi-access`)).body).Accesses).toBe(5);

    const byKey = (await officer.get<ReportDocument>(`${REPORTS}/phi-access?apiKeyId=${apiKey.id}`)).body;
    expect(sectionRows(byKey, 'PHI accesses and exports')?.map((r) => [r.action, r.recordId])).toEqual([['contact.created', john]]);
    expect(byKey.parameters).toMatchObject({ apiKeyId: apiKey.id, userId: null, ip: null });
    const empty = await officer.get<ReportDocument>(`${REPORTS}/phi-access?from=2020-01-01T00:00:00Z&to=2020-01-02T00:00:00Z`);
    expect(summaryOf(empty.body).Accesses).toBe(0);
  });

  it('keeps the PHI-access actions in one list, with one name for an export', () => {
    expect(PHI_ACCESS_ACTION_NAMES).toEqual(expect.arrayContaining(['phi.revealed', 'phi.previewed', 'phi.exported', 'import.uploaded', 'contact.erased']));
    expect(PHI_ACCESS_ACTION_NAMES).not.toContain('phi.export');
  });

  it('scopes a breach response to a user, a key or an address, and lists the affected contacts by id', async () => {
    const res = await officer.get<ReportDocument>(`${REPORTS}/breach-response?userId=${userIds['officer@clinic.test']}`);
    expect(res.status).toBe(200);
    const times = (
      await db.query<{ at: Date }>(`SELECT occurred_at AS at FROM audit_log WHERE actor_id = $1 AND action IN ('phi.revealed', 'phi.exported') ORDER BY id`, [
        userIds['officer@clinic.test'],
      ])
    ).rows.map((r) => r.at.toISOString());
    expect(times).toHaveLength(3);
    expect(summaryOf(res.body)).toEqual({
      Accesses: 3,
      'Distinct contacts touched': 2,
      Exports: 1,
      'Accesses not tied to one contact (imports, bulk writes, events)': 0,
      'First access': times[0],
      'Last access': times[2],
    });
    expect(sectionRows(res.body, 'Affected individuals (contact ids)')).toEqual([{ contactId: maria }, { contactId: john }]);
    expect(sectionRows(res.body, 'PHI accesses and exports in scope')?.map((r) => r.action)).toEqual(['phi.revealed', 'phi.exported', 'phi.revealed']);

    const byKey = (await officer.get<ReportDocument>(`${REPORTS}/breach-response?apiKeyId=${apiKey.id}`)).body;
    expect(summaryOf(byKey)).toMatchObject({ Accesses: 1, 'Distinct contacts touched': 1, Exports: 0 });
    expect(sectionRows(byKey, 'Affected individuals (contact ids)')).toEqual([{ contactId: john }]);
    const byIp = (await officer.get<ReportDocument>(`${REPORTS}/breach-response?ip=${encodeURIComponent(ip)}`)).body;
    expect(summaryOf(byIp)).toMatchObject({ Accesses: 5, 'Distinct contacts touched': 2 });
    const elsewhere = (await officer.get<ReportDocument>(`${REPORTS}/breach-response?ip=203.0.113.9`)).body;
    expect(summaryOf(elsewhere)).toMatchObject({ Accesses: 0, 'Distinct contacts touched': 0, 'First access': 'none', 'Last access': 'none' });
    expect(sectionRows(elsewhere, 'Affected individuals (contact ids)')).toEqual([]);
  });

  it('reviews user access: role, MFA, last login, status, dormancy, and live API keys with scopes and last use', async () => {
    const doc = (await officer.get<ReportDocument>(`${REPORTS}/user-access-review`)).body;
    expect(doc.parameters).toEqual({ dormantDays: 90 });
    expect(summaryOf(doc)).toEqual({
      Users: 5,
      'Active users': 3,
      'Locked users': 1,
      'Disabled users': 1,
      'Users without MFA': 1,
      'Dormant users (no login for 90 days)': 2,
      'Active API keys': 1,
      'Dormant API keys (unused for 90 days)': 0,
    });
    expect(sectionRows(doc, 'Users')?.map((u) => [u.email, u.role, u.mfaEnrolled, u.status, u.dormant, u.lastLoginAt === null])).toEqual([
      ['admin@clinic.test', 'admin', true, 'active', false, false],
      ['dormant@clinic.test', 'analyst', false, 'locked', true, true],
      ['leaver@clinic.test', 'analyst', false, 'disabled', false, true],
      ['marketer@clinic.test', 'marketer', true, 'active', true, false],
      ['officer@clinic.test', 'compliance_officer', true, 'active', false, false],
    ]);
    const [key] = sectionRows(doc, 'Active API keys') ?? [];
    expect(key).toMatchObject({ name: 'EHR feed', scopes: 'contacts:read contacts:write', createdBy: 'admin@clinic.test', lastUsedIp: ip, dormant: false });
    expect(typeof key.lastUsedAt).toBe('string');
    const lenient = (await officer.get<ReportDocument>(`${REPORTS}/user-access-review?dormantDays=365`)).body;
    expect(summaryOf(lenient)['Dormant users (no login for 365 days)']).toBe(0);
  });

  it('verifies the audit chain and reports where it breaks once a row is altered', async () => {
    const before = (
      await db.query<{ n: number; first: string; last: string }>(`SELECT count(*)::int AS n, min(id)::text AS first, max(id)::text AS last FROM audit_log`)
    ).rows[0];
    const intact = (await officer.get<ReportDocument>(`${REPORTS}/audit-chain`)).body;
    expect(summaryOf(intact)).toMatchObject({
      Result: 'intact',
      'Entries checked': before.n,
      'First entry': Number(before.first),
      'Last entry': Number(before.last),
      'First break at entry': 'none',
      Problems: 0,
    });
    expect(intact.sections[0].rows).toEqual([]);

    const victim = (await db.query<{ id: string }>(`SELECT id::text AS id FROM audit_log WHERE action = 'phi.exported' LIMIT 1`)).rows[0].id;
    await db.query(`ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update`);
    await db.query(`UPDATE audit_log SET details = '{"scope":"nothing to see"}' WHERE id = $1`, [victim]);
    await db.query(`ALTER TABLE audit_log ENABLE TRIGGER audit_log_no_update`);
    const broken = (await officer.get<ReportDocument>(`${REPORTS}/audit-chain`)).body;
    expect(summaryOf(broken)).toMatchObject({ Result: 'broken', 'First break at entry': Number(victim), Problems: 1 });
    expect(broken.sections[0].rows).toEqual([{ entryId: Number(victim), kind: 'changed', message: `row ${victim} was changed after it was written` }]);
  });

  it('downloads every report as CSV and PDF with its sections, audits each download with its parameters, and prints no PHI', async () => {
    const queries: Record<string, string> = {
      'transmission-security': '',
      'phi-access': `userId=${userIds['officer@clinic.test']}`,
      'breach-response': `apiKeyId=${apiKey.id}`,
      'user-access-review': 'dormantDays=30',
      'audit-chain': '',
    };
    const bodies: string[] = [];
    for (const [id, query] of Object.entries(queries)) {
      const json = await officer.get<ReportDocument>(`${REPORTS}/${id}?${query}`);
      expect(json.headers.get('content-type')).toContain('application/json');
      const csv = await officer.get<string>(`${REPORTS}/${id}?${query}&format=csv`);
      expect(csv.status).toBe(200);
      expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
      expect(csv.headers.get('content-disposition')).toMatch(new RegExp(`^attachment; filename="${id}_\\d{4}-\\d{2}-\\d{2}\\.csv"$`));
      const lines = csv.body.split('\r\n');
      expect(lines[0]).toBe(json.body.title);
      for (const section of json.body.sections) {
        const at = lines.findIndex((l) => l === section.title || l === `"${section.title}"`);
        expect(at, `${id}: ${section.title}`).toBeGreaterThan(0);
        expect(lines[at + 1]).toBe(section.columns.map((c) => c.label).join(','));
      }
      const pdf = await officer.get<string>(`${REPORTS}/${id}?${query}&format=pdf`);
      expect(pdf.headers.get('content-type')).toBe('application/pdf');
      expect(pdf.body.startsWith('%PDF-1.4')).toBe(true);
      expect(pdf.body).toContain(`(${json.body.title}) Tj`);
      bodies.push(JSON.stringify(json.body), csv.body, pdf.body);

      const audited = await db.query<{
        actor_id: string;
        subject_id: string;
        details: { report: string; format: string; parameters: string[] };
      }>(`SELECT actor_id, subject_id, details FROM audit_log WHERE action = 'report.downloaded' AND subject_id = $1 ORDER BY id DESC LIMIT 3`, [id]);
      expect(audited.rows.map((r) => r.details.format)).toEqual(['pdf', 'csv', 'json']);
      expect(audited.rows.every((r) => r.actor_id === userIds['officer@clinic.test'])).toBe(true);
      // The parameters as `name=value` (a default period moves with the clock between the calls).
      const given = Object.entries(json.body.parameters).filter(([, v]) => v !== null);
      expect(audited.rows[0].details).toEqual({
        report: id,
        format: 'pdf',
        parameters: given.map(([k]) => expect.stringMatching(new RegExp(`^${k}=.`)) as string),
      });
      for (const [k, v] of given) if (k !== 'from' && k !== 'to') expect(audited.rows[0].details.parameters).toContain(`${k}=${String(v)}`);
    }
    expect(phiFound(bodies.join('\n'), PHI)).toEqual([]);
  });

  it('names the bad field in a 400, refuses unknown reports, and is for compliance readers only', async () => {
    const fieldsOf = async (path: string) => {
      const res = await officer.get<ErrorBody>(path);
      expect(res.status, path).toBe(400);
      return [...new Set(res.body.fields?.map((f) => f.field))];
    };
    expect(await fieldsOf(`${REPORTS}/phi-access?from=yesterday`)).toEqual(['from']);
    expect(await fieldsOf(`${REPORTS}/phi-access?userId=42`)).toEqual(['userId']);
    expect(await fieldsOf(`${REPORTS}/phi-access?ip=not-an-ip`)).toEqual(['ip']);
    expect(await fieldsOf(`${REPORTS}/phi-access?format=docx`)).toEqual(['format']);
    expect(await fieldsOf(`${REPORTS}/phi-access?patient=maria`)).toEqual(['patient']);
    expect(await fieldsOf(`${REPORTS}/phi-access?userId=${userIds['admin@clinic.test']}&apiKeyId=${apiKey.id}`)).toEqual(['apiKeyId']);
    expect(await fieldsOf(`${REPORTS}/breach-response`)).toEqual(['userId', 'apiKeyId', 'ip']);
    expect(await fieldsOf(`${REPORTS}/breach-response?ip=127.0.0.1&from=2026-03-01T00:00:00Z&to=2026-02-01T00:00:00Z`)).toEqual(['from']);
    expect(await fieldsOf(`${REPORTS}/user-access-review?dormantDays=0`)).toEqual(['dormantDays']);
    expect(await fieldsOf(`${REPORTS}/user-access-review?dormantDays=ninety`)).toEqual(['dormantDays']);
    expect(await fieldsOf(`${REPORTS}/campaign-targeting`)).toEqual(['campaignId']);
    expect(await fieldsOf(`${REPORTS}/consent-evidence`)).toEqual(['contactId', 'campaignId']);
    expect((await officer.get<ErrorBody>(`${REPORTS}/everything`)).body.code).toBe('report_not_found');

    for (const id of [
      'transmission-security',
      'consent-evidence',
      'phi-access',
      'breach-response',
      'user-access-review',
      'audit-chain',
      'campaign-targeting',
    ]) {
      expect((await marketer.get(`${REPORTS}/${id}`)).status, id).toBe(403);
      expect((await new ApiClient(t.baseUrl).request('GET', `${REPORTS}/${id}`, undefined, { 'x-api-key': apiKey.key })).status, id).toBe(403);
    }
    expect((await new ApiClient(t.baseUrl).get(`${REPORTS}/phi-access`)).status).toBe(401);
  });
});
