import { randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { AuditService } from '../../backend/src/modules/audit/index.js';
import { UsersService } from '../../backend/src/modules/auth/index.js';
import { backupKeyId } from '../../backend/src/modules/backup/index.js';
import { ContactsService } from '../../backend/src/modules/contacts/index.js';
import { EngagementService } from '../../backend/src/modules/engagement/index.js';
import { Role } from '../../backend/src/platform/http/index.js';
import { ApiClient, nextTotp } from '../support/api-client.js';
import { type Exited, runBackend } from '../support/backend-process.js';
import { SYSTEM } from '../support/campaigns.js';
import { createTestDatabase, phiFound, startTestApp, superuser, TEST_MASTER_KEY, type TestApp } from '../support/stack.js';

const PASSWORD = 'granite-otter-lantern-42';
const CONTACTS = 400;
const BACKUP_KEY = randomBytes(32).toString('base64');

const patient = (i: number) => ({
  email: `patient${String(i)}.quillfeather@clinic-mail.test`,
  firstName: `Ottoline${String(i)}`,
  lastName: `Quillfeather${String(i)}`,
  birthDate: `19${String(40 + (i % 50))}-0${String(1 + (i % 9))}-1${String(i % 10)}`,
  sex: i % 2 ? 'F' : 'M',
  postalCode: `0213${String(i % 10)}`,
  state: 'MA',
  identifiers: [{ kind: 'mrn', system: 'urn:oid:1.2.840.114350', value: `MRN-88${String(100000 + i)}` }],
  conditions: [{ system: 'ICD-10', code: i % 3 ? 'E11.9' : 'I10', display: 'chart condition' }],
  insuranceStatus: 'commercial',
  insurancePlan: 'Marigold Shield PPO',
  primaryProvider: 'Dr. Theodora Brackenridge',
});

/** PHI values that must never appear in the backup file in plain text (nor as hex). */
const PHI_PROBES = ['patient7.quillfeather@clinic-mail.test', 'Quillfeather12', 'Ottoline3', 'MRN-88100042', 'Marigold Shield', 'Brackenridge'];

/** Per table (partitioned tables through their parent): row count and a digest of every row's text. */
async function tableDigests(databaseUrl: string, auditUpTo: number): Promise<Record<string, { rows: number; digest: string }>> {
  const db = await superuser(databaseUrl);
  try {
    const tables = (
      await db.query<{ name: string }>(
        `SELECT relname AS name FROM pg_class WHERE relnamespace = 'public'::regnamespace AND relkind IN ('r', 'p') AND NOT relispartition ORDER BY 1`,
      )
    ).rows.map((r) => r.name);
    const out: Record<string, { rows: number; digest: string }> = {};
    for (const name of tables) {
      const where = name === 'audit_log' ? `WHERE id <= ${String(auditUpTo)}` : '';
      const [row] = (
        await db.query<{ rows: number; digest: string }>(
          `SELECT count(*)::int AS rows, md5(coalesce(string_agg(x::text, E'\\n' ORDER BY x::text), '')) AS digest FROM "${name}" x ${where}`,
        )
      ).rows;
      out[name] = row;
    }
    return out;
  } finally {
    await db.end();
  }
}

async function relationsIn(databaseUrl: string): Promise<number> {
  const db = await superuser(databaseUrl);
  try {
    return (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_class WHERE relnamespace = 'public'::regnamespace`)).rows[0].n;
  } finally {
    await db.end();
  }
}

function jsonLine(run: Exited, prefix: string): unknown {
  const line = run.stdout.split('\n').find((l) => l.startsWith(`${prefix} `));
  if (!line) throw new Error(`no ${prefix} line; stderr: ${run.stderr}`);
  return JSON.parse(line.slice(prefix.length + 1));
}

describe('backup and restore: encrypted, consistent, verified', () => {
  let t: TestApp;
  let restored: TestApp | undefined;
  let dir: string;
  let file: string;
  let officerSecret: string;
  let env: (overrides?: Record<string, string>) => Record<string, string>;
  const ids: string[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hm-backup-'));
    file = join(dir, 'hipaa-mail.backup');
    // No heartbeat writes while the source is compared with its restore.
    t = await startTestApp({ entrypoint: 'api', env: { HEARTBEAT_SECONDS: '3600' } });
    env = (overrides = {}) => ({
      NODE_ENV: 'test',
      DATABASE_URL: t.databaseUrl,
      REDIS_URL: inject('redisUrl'),
      QUEUE_PREFIX: t.config.QUEUE_PREFIX,
      MASTER_KEY: TEST_MASTER_KEY,
      BACKUP_ENCRYPTION_KEY: BACKUP_KEY,
      LOG_LEVEL: 'warn',
      ...overrides,
    });
    const users = t.app.get(UsersService);
    await users.create({ email: 'admin@clinic.test', displayName: 'Admin', role: Role.Admin, password: PASSWORD });
    await users.create({ email: 'officer@clinic.test', displayName: 'Officer', role: Role.ComplianceOfficer, password: PASSWORD });
    const admin = new ApiClient(t.baseUrl);
    await admin.signInAndEnroll('admin@clinic.test', PASSWORD);
    const officer = new ApiClient(t.baseUrl);
    officerSecret = (await officer.signInAndEnroll('officer@clinic.test', PASSWORD)).secret;
    expect((await admin.post('/api/v1/topics', { key: 'newsletter', name: 'Newsletter', kind: 'marketing' })).status).toBe(201);
    const bulk = await t.app.get(ContactsService).bulkUpsert(
      Array.from({ length: CONTACTS }, (_, i) => patient(i)),
      'update',
      SYSTEM,
      {
        topic: 'newsletter',
        status: 'confirmed',
        method: 'api',
        source: 'backup test',
      },
    );
    expect(bulk.summary.created).toBe(CONTACTS);
    ids.push(...bulk.results.map((r) => (r as { id: string }).id));
    // Engagement in this month's partition and in the default one (a date before any monthly partition): the
    // contact_engagement trigger has already run for these rows, so the restore must not run it again.
    const old = new Date('2019-06-01T10:00:00Z');
    await t.app
      .get(EngagementService)
      .record([
        ...ids.slice(0, 50).map((contactId) => ({ type: 'opened' as const, contactId, deliveryId: null })),
        ...ids.slice(50, 60).map((contactId) => ({ type: 'clicked' as const, contactId, deliveryId: null, occurredAt: old })),
      ]);
    expect((await officer.post(`/api/v1/contacts/${ids[7]}/reveal`)).status).toBe(200);
  }, 180_000);

  afterAll(async () => {
    await restored?.close();
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await t?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('refuses to start without BACKUP_ENCRYPTION_KEY, naming it', async () => {
    const run = await runBackend(['backup', '--out', join(dir, 'never.backup')], env({ BACKUP_ENCRYPTION_KEY: '' }));
    expect(run.code).toBe(78);
    expect(run.stderr).toContain('BACKUP_ENCRYPTION_KEY: required for backup and restore');
    const same = await runBackend(['backup', '--out', join(dir, 'never.backup')], env({ BACKUP_ENCRYPTION_KEY: TEST_MASTER_KEY }));
    expect(same.code).toBe(78);
    expect(same.stderr).toContain('BACKUP_ENCRYPTION_KEY: must differ from MASTER_KEY');
  });

  it('round-trips into a fresh database: same rows, audit chain intact, PHI decrypts with the same master key', async () => {
    const auditHead = await t.app.get(AuditService).count();
    const before = await tableDigests(t.databaseUrl, auditHead);
    expect(before.contacts.rows).toBe(CONTACTS);
    expect(before.contact_condition_tokens.rows).toBeGreaterThan(0);
    expect(before.contact_engagement.rows).toBe(60);

    const backup = await runBackend(['backup', '--out', file], env(), 120_000);
    expect(backup.code, backup.stderr).toBe(0);
    const summary = jsonLine(backup, 'BACKUP') as { keyId: string; tables: number; rows: number; counts: Record<string, number>; bytes: number };
    expect(summary.keyId).toBe(backupKeyId(Buffer.from(BACKUP_KEY, 'base64')));
    expect(summary.counts.contacts).toBe(CONTACTS);
    expect(summary.counts.audit_log).toBe(auditHead);
    // A second backup to the same name is refused rather than overwriting the first.
    expect((await runBackend(['backup', '--out', file], env())).code).toBe(65);

    // The file: no PHI in plain text or hex, neither key (raw or base64), the backup key named only by its fingerprint.
    const bytes = await readFile(file);
    expect(bytes.length).toBe(summary.bytes);
    const text = bytes.toString('latin1');
    expect(phiFound(text, PHI_PROBES)).toEqual([]);
    for (const key of [TEST_MASTER_KEY, BACKUP_KEY]) {
      expect(bytes.includes(Buffer.from(key, 'base64'))).toBe(false);
      expect(text.includes(key)).toBe(false);
    }
    expect(text).toContain(summary.keyId);
    // The source's audit log says a backup was taken (after the snapshot, so not inside it).
    const sourceAudit = await superuser(t.databaseUrl);
    try {
      const rows = (
        await sourceAudit.query<{ action: string; details: { rows: number } }>(`SELECT action, details FROM audit_log WHERE action = 'backup.create'`)
      ).rows;
      expect(rows).toEqual([expect.objectContaining({ action: 'backup.create', details: expect.objectContaining({ rows: summary.rows }) as unknown })]);
    } finally {
      await sourceAudit.end();
    }

    // A database of its own, made by the restore (--create).
    const target = Object.assign(new URL(inject('postgresAdminUrl')), { pathname: `/restored_${randomBytes(4).toString('hex')}` }).toString();
    const restore = await runBackend(['restore', '--in', file, '--database-url', target, '--create'], env(), 120_000);
    expect(restore.code, restore.stderr).toBe(0);
    expect(restore.stderr).toMatch(/audit chain intact: \d+ entries/);
    const result = jsonLine(restore, 'RESTORE') as { rows: number; auditValid: boolean; dataKeys: number; counts: Record<string, number> };
    expect(result).toMatchObject({ rows: summary.rows, auditValid: true, counts: summary.counts });
    expect(result.dataKeys).toBeGreaterThanOrEqual(3);

    // Every table holds the same rows (trigger-maintained tables included: nothing applied twice); the audit log
    // has one more entry, the restore itself.
    const after = await tableDigests(target, auditHead);
    expect(after).toEqual(before);
    const db = await superuser(target);
    try {
      const tail = (await db.query<{ action: string }>(`SELECT action FROM audit_log WHERE id > $1 ORDER BY id`, [auditHead])).rows;
      expect(tail.map((r) => r.action)).toEqual(['backup.restore']);
    } finally {
      await db.end();
    }

    // The app on the restored database: the same officer signs in, PHI decrypts, the chain verifies, and new rows
    // get new ids (sequences were restored).
    restored = await startTestApp({ entrypoint: 'api', databaseUrl: target });
    const officer = new ApiClient(restored.baseUrl);
    expect((await officer.post<{ next: string }>('/api/v1/auth/login', { email: 'officer@clinic.test', password: PASSWORD })).body.next).toBe('mfa_verify');
    expect((await officer.post('/api/v1/auth/mfa/verify', { code: nextTotp(officerSecret) })).status).toBe(204);
    for (const i of [0, 7, CONTACTS - 1]) {
      const revealed = await officer.post<{ phi: { email: string; lastName: string; identifiers: { value: string }[] } }>(`/api/v1/contacts/${ids[i]}/reveal`);
      expect(revealed.status).toBe(200);
      expect(revealed.body.phi).toMatchObject({ email: patient(i).email, lastName: patient(i).lastName });
    }
    const verify = await officer.get<{ valid: boolean; rowsChecked: number }>('/api/v1/audit-events/verify');
    expect(verify.body).toMatchObject({ valid: true });
    expect(verify.body.rowsChecked).toBeGreaterThan(auditHead);
    const added = await restored.app.get(ContactsService).create(patient(CONTACTS), SYSTEM);
    expect(Number(added.id)).toBeGreaterThan(Number(ids[CONTACTS - 1]));
    expect((await restored.app.get(AuditService).verify()).valid).toBe(true);

    // Restoring over a database that holds data is refused.
    const again = await runBackend(['restore', '--in', file, '--database-url', target], env());
    expect(again.code).toBe(73);
    expect(again.stderr).toContain('the target database is not empty');
  }, 240_000);

  it('rejects a tampered, truncated or wrong-key file, or a master key that does not unwrap the data keys, and writes nothing', async () => {
    const bytes = await readFile(file);
    const tampered = Buffer.from(bytes);
    tampered[Math.floor(bytes.length * 0.6)] ^= 0x20;
    await writeFile(join(dir, 'tampered.backup'), tampered);
    await writeFile(join(dir, 'truncated.backup'), bytes.subarray(0, bytes.length - 100));
    const cases: { name: string; file: string; env: Record<string, string>; message: RegExp }[] = [
      { name: 'tampered', file: join(dir, 'tampered.backup'), env: env(), message: /failed its integrity check at chunk \d+ \(altered or damaged\)/ },
      { name: 'truncated', file: join(dir, 'truncated.backup'), env: env(), message: /truncated|integrity check/ },
      {
        name: 'wrong key',
        file,
        env: env({ BACKUP_ENCRYPTION_KEY: randomBytes(32).toString('base64') }),
        message: /was encrypted under backup key bk1:[0-9a-f]{16}, but BACKUP_ENCRYPTION_KEY is bk1:[0-9a-f]{16}/,
      },
      { name: 'other master key', file, env: env({ MASTER_KEY: randomBytes(32).toString('base64') }), message: /does not unwrap under MASTER_KEY/ },
    ];
    for (const c of cases) {
      const target = await createTestDatabase();
      const run = await runBackend(['restore', '--in', c.file, '--database-url', target], c.env, 120_000);
      expect(run.code, `${c.name}: ${run.stderr}`).toBe(65);
      expect(run.stderr, c.name).toMatch(c.message);
      expect(run.stderr, c.name).not.toContain(BACKUP_KEY);
      expect(await relationsIn(target), `${c.name}: the target stays empty`).toBe(0);
    }
  }, 240_000);
});
