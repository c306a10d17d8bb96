import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type pg from 'pg';
import { DataSource } from 'typeorm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditService, type ChainVerification } from '../../backend/src/modules/audit/index.js';
import { UsersService } from '../../backend/src/modules/auth/index.js';
import { restoreBackup, writeBackup } from '../../backend/src/modules/backup/index.js';
import { dataSourceOptions, runMigrations } from '../../backend/src/platform/database/index.js';
import { DomainError } from '../../backend/src/platform/errors/index.js';
import { Role } from '../../backend/src/platform/http/index.js';
import { AuditAnchors1763901500000 } from '../../migrations/1763901500000-AuditAnchors.js';
import { migrations } from '../../migrations/index.js';
import { ApiClient } from '../support/api-client.js';
import { ageAuditEntries } from '../support/audit-age.js';
import { createTestDatabase, startTestApp, superuser, TEST_MASTER_KEY, type TestApp, testConfig } from '../support/stack.js';

const PASSWORD = 'granite-otter-lantern-42';
const DAY_MS = 86_400_000;
const OLD = 30;

/**
 * Purging audit entries older than six years behind an anchor: the chain still verifies from the anchor, the
 * database still refuses a DELETE no anchor covers, and tampering after the purge (a changed, removed or inserted
 * row, a forged anchor) still shows. A backup taken after a purge restores with its anchor and verifies.
 */
describe('audit purge behind an anchor', () => {
  let t: TestApp;
  let audit: AuditService;
  let db: pg.Client;
  let officer: ApiClient;
  let oldThrough: number;
  let throughId: number;
  const sixYears = () => new Date(Date.now() - 2190 * DAY_MS);

  const ids = async (sql: string, params: unknown[] = []) => (await db.query<{ id: string }>(sql, params)).rows.map((r) => Number(r.id));

  /**
   * Runs `tamper` (with triggers off unless `triggers` says so, as a superuser can), answers what verification says,
   * then puts both tables back as they were.
   */
  async function tampered(tamper: string[], triggers: 'off' | 'on' = 'off'): Promise<ChainVerification> {
    await db.query(`SET session_replication_role = replica`);
    await db.query(`CREATE TEMP TABLE log_copy AS SELECT * FROM audit_log`);
    await db.query(`CREATE TEMP TABLE anchors_copy AS SELECT * FROM audit_anchors`);
    try {
      if (triggers === 'on') await db.query(`SET session_replication_role = DEFAULT`);
      for (const sql of tamper) await db.query(sql);
      return await audit.verify();
    } finally {
      await db.query(`SET session_replication_role = replica`);
      await db.query(`DELETE FROM audit_log`);
      await db.query(`INSERT INTO audit_log SELECT * FROM log_copy`);
      await db.query(`DELETE FROM audit_anchors`);
      await db.query(`INSERT INTO audit_anchors SELECT * FROM anchors_copy`);
      await db.query(`DROP TABLE log_copy, anchors_copy`);
      await db.query(`SET session_replication_role = DEFAULT`);
    }
  }

  beforeAll(async () => {
    t = await startTestApp({ entrypoint: 'api' });
    audit = t.app.get(AuditService);
    db = await superuser(t.databaseUrl);
    for (let i = 0; i < OLD; i++) await audit.record({ actor: { type: 'system' }, action: 'test.old', subject: { type: 'thing', id: String(i) } });
    [oldThrough] = await ids(`SELECT max(id) AS id FROM audit_log`);
    // Seven years ago, a minute apart, in id order.
    const start = Date.now() - 7 * 365 * DAY_MS;
    await ageAuditEntries(t.databaseUrl, oldThrough, (id) => new Date(start + id * 60_000));
    await t.app.get(UsersService).create({ email: 'officer@clinic.test', displayName: 'Officer', role: Role.ComplianceOfficer, password: PASSWORD });
    officer = new ApiClient(t.baseUrl);
    await officer.signInAndEnroll('officer@clinic.test', PASSWORD);
  });
  afterAll(async () => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await db?.end();
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await t?.close();
  });

  it('counts what a purge would remove, and refuses a cut-off younger than six years', async () => {
    expect((await audit.verify()).valid).toBe(true);
    expect(await audit.countPurgeable(sixYears())).toBe(oldThrough);
    expect(await audit.countPurgeable(new Date(Date.now() - 8 * 365 * DAY_MS))).toBe(0);
    const tooRecent = await audit.purgeThrough(new Date(Date.now() - 2189 * DAY_MS)).catch((e: unknown) => e);
    expect(tooRecent).toBeInstanceOf(DomainError);
    expect((tooRecent as DomainError).code).toBe('audit_purge_too_recent');
    expect(await ids(`SELECT id FROM audit_anchors`)).toEqual([]);
  });

  it('purges the old entries behind an anchor, records the purge in the chain, and verifies from the anchor', async () => {
    const [{ hash: lastHash }] = (await db.query<{ hash: Buffer }>(`SELECT hash FROM audit_log WHERE id = $1`, [oldThrough])).rows;
    const cutoff = sixYears();
    const result = await audit.purgeThrough(cutoff);
    expect(result).toEqual({ count: oldThrough, throughId: oldThrough });
    throughId = oldThrough;
    expect(await ids(`SELECT id FROM audit_log WHERE id <= $1`, [throughId])).toEqual([]);

    const anchors = (
      await db.query<{ through: string; hash: Buffer; n: string; run: string | null }>(
        `SELECT purged_through_id AS through, purged_through_hash AS hash, purged_count AS n, retention_run_id AS run FROM audit_anchors`,
      )
    ).rows;
    expect(anchors).toEqual([{ through: String(throughId), hash: lastHash, n: String(oldThrough), run: null }]);
    const [entry] = (await db.query<{ action: string; details: Record<string, unknown> }>(`SELECT action, details FROM audit_log ORDER BY id DESC LIMIT 1`))
      .rows;
    expect(entry).toEqual({
      action: 'audit.purged',
      details: { throughId, hash: lastHash.toString('hex'), count: oldThrough, cutoffEpochMs: cutoff.getTime() },
    });

    const result2 = await audit.verify();
    expect(result2.problems).toEqual([]);
    expect(result2).toMatchObject({ valid: true, anchoredAt: { throughId, hash: lastHash.toString('hex') } });
    expect(result2.rowsChecked).toBe(Number((await db.query<{ n: string }>(`SELECT count(*) AS n FROM audit_log`)).rows[0].n));

    // Nothing older is left: a second purge changes nothing and writes no anchor.
    expect(await audit.purgeThrough(sixYears())).toEqual({ count: 0, throughId: null });
    expect(await ids(`SELECT id FROM audit_anchors`)).toHaveLength(1);

    // Entries written after the purge extend the chain; the API reports the anchor.
    await audit.record({ actor: { type: 'system' }, action: 'test.after-purge' });
    const api = await officer.get<ChainVerification>('/api/v1/audit-events/verify');
    expect(api.body).toMatchObject({ valid: true, problems: [], anchoredAt: { throughId } });
    const report = await officer.get<{ summary: { label: string; value: string | number }[] }>('/api/v1/compliance/reports/audit-chain');
    const summary = Object.fromEntries(report.body.summary.map((r) => [r.label, r.value]));
    expect(summary).toMatchObject({
      Result: 'intact',
      'First entry': throughId + 1,
      'Verified from': 'retention anchor',
      'Purged through entry': throughId,
      'Anchor hash (SHA-256)': lastHash.toString('hex'),
    });
  });

  it('still refuses a DELETE no anchor covers, any UPDATE or TRUNCATE, and any change to the anchors', async () => {
    const [first] = await ids(`SELECT min(id) AS id FROM audit_log`);
    await expect(db.query(`DELETE FROM audit_log WHERE id = $1`, [first])).rejects.toThrow(/append-only: DELETE refused/);
    await expect(db.query(`UPDATE audit_log SET action = 'x' WHERE id = $1`, [first])).rejects.toThrow(/append-only: UPDATE refused/);
    await expect(db.query(`TRUNCATE audit_log`)).rejects.toThrow(/append-only: TRUNCATE refused/);
    await expect(db.query(`UPDATE audit_anchors SET purged_through_id = purged_through_id + 1`)).rejects.toThrow(/audit_anchors is append-only: UPDATE/);
    await expect(db.query(`DELETE FROM audit_anchors`)).rejects.toThrow(/audit_anchors is append-only: DELETE/);
    await expect(db.query(`TRUNCATE audit_anchors`)).rejects.toThrow(/audit_anchors is append-only: TRUNCATE/);
    expect((await audit.verify()).valid).toBe(true);
  });

  it('still names a changed, a removed and an inserted row after the anchor', async () => {
    const [first, second, third, fourth] = await ids(`SELECT id FROM audit_log ORDER BY id LIMIT 4`);
    const [head] = await ids(`SELECT max(id) AS id FROM audit_log`);
    let result = await tampered([`UPDATE audit_log SET details = '{"forged": true}' WHERE id = ${second}`]);
    expect(result.problems).toEqual([{ id: second, kind: 'changed', message: `row ${second} was changed after it was written` }]);

    // The first row after the anchor removed: what is left no longer follows the anchor.
    result = await tampered([`DELETE FROM audit_log WHERE id = ${first}`]);
    expect(result.problems.map((p) => [p.id, p.kind])).toEqual([[second, 'anchor']]);
    result = await tampered([`DELETE FROM audit_log WHERE id = ${third}`]);
    expect(result.problems.map((p) => [p.id, p.kind])).toEqual([[fourth, 'broken_link']]);

    // A row slipped in after the second one (with its link), and a row put back behind the anchor.
    result = await tampered([
      `INSERT INTO audit_log (id, occurred_at, actor_type, action, outcome, details, prev_hash, hash)
       SELECT ${head + 1000}, now(), 'system', 'phi.exported', 'success', '{}', hash, hash FROM audit_log WHERE id = ${second}`,
    ]);
    expect(result.problems.map((p) => p.id)).toContain(head + 1000);
    result = await tampered([
      `INSERT INTO audit_log (id, occurred_at, actor_type, action, outcome, details, prev_hash, hash)
       SELECT ${throughId}, now(), 'system', 'phi.exported', 'success', '{}', hash, hash FROM audit_log WHERE id = ${second}`,
    ]);
    expect(result.problems.map((p) => [p.id, p.kind])).toEqual([[throughId, 'anchor']]);
    expect((await audit.verify()).valid).toBe(true);
  });

  it('names a forged anchor: one whose hash the chain does not follow, and one no purge wrote', async () => {
    const [first, second] = await ids(`SELECT id FROM audit_log ORDER BY id LIMIT 2`);
    let result = await tampered([
      `INSERT INTO audit_anchors (purged_through_id, purged_through_hash, purged_count) VALUES (${throughId}, '\\x${'ab'.repeat(32)}', 1)`,
    ]);
    expect(result.valid).toBe(false);
    expect(result.problems.map((p) => [p.id, p.kind])).toEqual([
      [first, 'anchor'],
      [throughId, 'anchor'],
    ]);

    // With the triggers on: an anchor over the first remaining row with that row's true hash lets the database delete
    // it, and the chain after it follows the anchor. No audit.purged entry names that anchor, so verification fails.
    result = await tampered(
      [
        `INSERT INTO audit_anchors (purged_through_id, purged_through_hash, purged_count) SELECT id, hash, 1 FROM audit_log WHERE id = ${first}`,
        `DELETE FROM audit_log WHERE id = ${first}`,
      ],
      'on',
    );
    expect(result).toMatchObject({ valid: false, anchoredAt: { throughId: first } });
    expect(result.problems).toEqual([{ id: first, kind: 'anchor', message: expect.stringContaining('no audit.purged entry') as string }]);
    expect(await ids(`SELECT id FROM audit_log WHERE id = $1`, [second])).toEqual([second]);
    expect((await audit.verify()).valid).toBe(true);
  });

  it('backs up the anchors with the log: a restored database verifies from the same anchor', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'audit-purge-'));
    const key = randomBytes(32);
    let restored: TestApp | undefined;
    try {
      const file = join(dir, 'backup.bin');
      const summary = await writeBackup(t.databaseUrl, key, file);
      expect(summary.counts.audit_anchors).toBe(1);
      const target = await createTestDatabase();
      await restoreBackup({ file, backupKey: key, databaseUrl: target, masterKey: Buffer.from(TEST_MASTER_KEY, 'base64') });
      restored = await startTestApp({ entrypoint: 'api', databaseUrl: target });
      const result = await restored.app.get(AuditService).verify();
      expect(result.problems).toEqual([]);
      expect(result).toMatchObject({ valid: true, anchoredAt: { throughId } });
    } finally {
      await restored?.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reverts: the down migration drops the anchors and the audit log refuses every DELETE again', async () => {
    const config = testConfig({ DATABASE_URL: await createTestDatabase() });
    await runMigrations(config);
    const source = await new DataSource(dataSourceOptions(config)).initialize();
    try {
      await source.query(
        `INSERT INTO audit_log (occurred_at, actor_type, action, outcome, prev_hash, hash) VALUES (now(), 'system', 'x', 'success', '\\x00', '\\x00')`,
      );
      // Undo the migrations that came after it, then the anchors' own.
      const undo = migrations.length - migrations.indexOf(AuditAnchors1763901500000);
      for (let i = 0; i < undo; i++) await source.undoLastMigration({ transaction: 'each' });
      expect(await source.query<{ r: string | null }[]>(`SELECT to_regclass('audit_anchors')::text AS r`)).toEqual([{ r: null }]);
      await expect(source.query(`DELETE FROM audit_log`)).rejects.toThrow(/append-only: DELETE refused/);
      await source.runMigrations({ transaction: 'each' });
      expect(await source.query<{ r: string | null }[]>(`SELECT to_regclass('audit_anchors')::text AS r`)).toEqual([{ r: 'audit_anchors' }]);
    } finally {
      await source.destroy();
    }
  });
});
