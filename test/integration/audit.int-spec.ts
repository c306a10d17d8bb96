import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditService } from '../../backend/src/modules/audit/index.js';
import { UsersService } from '../../backend/src/modules/auth/index.js';
import { Role } from '../../backend/src/platform/http/index.js';
import { ApiClient } from '../support/api-client.js';
import { startTestApp, superuser, type TestApp } from '../support/stack.js';

const PASSWORD = 'granite-otter-lantern-42';

describe('tamper-evident audit log', () => {
  let t: TestApp;
  let audit: AuditService;
  let officer: ApiClient;

  beforeAll(async () => {
    t = await startTestApp({ entrypoint: 'api' });
    audit = t.app.get(AuditService);
    await t.app.get(UsersService).create({ email: 'officer@clinic.test', displayName: 'Officer', role: Role.ComplianceOfficer, password: PASSWORD });
    officer = new ApiClient(t.baseUrl);
    await officer.signInAndEnroll('officer@clinic.test', PASSWORD);
  });
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- t is unset when beforeAll failed
  afterAll(() => t?.close());

  it('keeps the chain intact under concurrent writers', async () => {
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        audit.record({ actor: { type: 'system' }, action: 'test.concurrent', subject: { type: 'thing', id: String(i) }, details: { i } }),
      ),
    );
    const result = await audit.verify();
    expect(result.problems).toEqual([]);
    expect(result.valid).toBe(true);
    expect(result.rowsChecked).toBeGreaterThanOrEqual(40);
  });

  it('refuses UPDATE, DELETE and TRUNCATE in the database itself', async () => {
    const db = await superuser(t.databaseUrl);
    try {
      await expect(db.query(`UPDATE audit_log SET action = 'x' WHERE id = 1`)).rejects.toThrow(/append-only: UPDATE refused/);
      await expect(db.query(`DELETE FROM audit_log WHERE id = 1`)).rejects.toThrow(/append-only: DELETE refused/);
      await expect(db.query(`TRUNCATE audit_log`)).rejects.toThrow(/append-only: TRUNCATE refused/);
    } finally {
      await db.end();
    }
  });

  it('searches by actor, action, subject and time through the API', async () => {
    const res = await officer.get<{ data: { action: string; subjectId: string }[]; total: number }>(
      `/api/v1/audit-events?perPage=5&order=ASC&filter=${encodeURIComponent(JSON.stringify({ action: 'test.concurrent', subjectType: 'thing', subjectId: '7' }))}`,
    );
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(1);
    expect(res.body.data[0]).toMatchObject({ action: 'test.concurrent', subjectId: '7' });
    const bad = await officer.get(`/api/v1/audit-events?filter=${encodeURIComponent(JSON.stringify({ outcome: 'maybe' }))}`);
    expect(bad.status).toBe(400);
    expect(bad.body).toMatchObject({ fields: [{ field: 'filter.outcome' }] });
  });

  it('exports CSV for auditors, and audits the export', async () => {
    const res = await officer.request('GET', `/api/v1/audit-events/export.csv?filter=${encodeURIComponent(JSON.stringify({ action: 'test.concurrent' }))}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/csv');
    const lines = (res.body as unknown as string).trim().split('\n');
    expect(lines[0]).toBe('id,occurred_at,actor_type,actor_id,action,subject_type,subject_id,outcome,ip,user_agent,details,hash');
    expect(lines).toHaveLength(41);
    const exports = await audit.search({ action: 'audit.export' }, { offset: 0, limit: 10, order: 'DESC' });
    expect(exports.total).toBe(1);
    expect(exports.data[0].actorType).toBe('user');
  });

  it('verification names a row changed, removed or inserted behind the trigger', async () => {
    expect((await officer.get<{ valid: boolean }>('/api/v1/audit-events/verify')).body.valid).toBe(true);
    const db = await superuser(t.databaseUrl);
    try {
      // A superuser can switch triggers off for the session: exactly the tampering the chain must reveal.
      await db.query(`SET session_replication_role = replica`);
      await db.query(`UPDATE audit_log SET details = '{"i": 999}' WHERE id = 10`);
      let result = await audit.verify();
      expect(result.valid).toBe(false);
      expect(result.problems).toEqual([{ id: 10, kind: 'changed', message: 'row 10 was changed after it was written' }]);

      await db.query(`UPDATE audit_log SET details = '{"i": ${await originalI(db, 10)}}' WHERE id = 10`);
      await db.query(`DELETE FROM audit_log WHERE id = 20`);
      result = await audit.verify();
      // Row 10 is back as written, so only the removal shows.
      expect(result.problems.map((p) => [p.id, p.kind])).toEqual([[21, 'broken_link']]);

      await db.query(`INSERT INTO audit_log (id, occurred_at, actor_type, action, outcome, details, prev_hash, hash)
                      SELECT 25000, now(), 'system', 'phi.exported', 'success', '{}', hash, hash FROM audit_log WHERE id = 30`);
      result = await audit.verify();
      expect(result.problems.map((p) => p.id)).toContain(25000);
    } finally {
      await db.end();
    }
    const api = await officer.get<{ valid: boolean; problems: unknown[] }>('/api/v1/audit-events/verify');
    expect(api.body.valid).toBe(false);
    expect(api.body.problems.length).toBeGreaterThan(0);
  });
});

/** The details of row 10 were {"i": n} for the n it was written with; find n from its subject id. */
async function originalI(db: Awaited<ReturnType<typeof superuser>>, id: number): Promise<number> {
  const row = await db.query<{ subject_id: string }>('SELECT subject_id FROM audit_log WHERE id = $1', [id]);
  return Number(row.rows[0].subject_id);
}
