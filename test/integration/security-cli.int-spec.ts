import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { UsersService } from '../../backend/src/modules/auth/index.js';
import { CryptoService } from '../../backend/src/modules/crypto/index.js';
import { Role } from '../../backend/src/platform/http/index.js';
import { ApiClient } from '../support/api-client.js';
import { runBackend } from '../support/backend-process.js';
import { startTestApp, superuser, TEST_MASTER_KEY, type TestApp } from '../support/stack.js';

/** The JSON a command prints on its `TAG {…}` stdout line. */
function tagged(stdout: string, tag: string): unknown {
  const line = stdout.split('\n').find((l) => l.startsWith(`${tag} `));
  if (!line) throw new Error(`no ${tag} line in: ${stdout}`);
  return JSON.parse(line.slice(tag.length + 1));
}

describe('operator commands: key rotation, master-key re-wrap and audit verification', () => {
  let t: TestApp;
  const env = () => ({
    DATABASE_URL: t.databaseUrl,
    REDIS_URL: inject('redisUrl'),
    QUEUE_PREFIX: t.config.QUEUE_PREFIX,
    MASTER_KEY: TEST_MASTER_KEY,
    LOG_LEVEL: 'warn',
  });
  const secrets = new Map<string, string>();

  beforeAll(async () => {
    t = await startTestApp({ entrypoint: 'api' });
    const users = t.app.get(UsersService);
    for (let i = 0; i < 5; i++) {
      const email = `op${i}@clinic.test`;
      await users.create({ email, displayName: `Op ${i}`, role: Role.Marketer, password: 'granite-otter-lantern-42' });
      secrets.set(email, (await new ApiClient(t.baseUrl).signInAndEnroll(email, 'granite-otter-lantern-42')).secret);
    }
  });
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- t is unset when beforeAll failed
  afterAll(() => t?.close());

  it('rotate-key makes a new key current and re-encrypts every value', async () => {
    const before = t.app.get(CryptoService).activeKeyId('secrets');
    const result = await runBackend(['rotate-key', '--purpose', 'secrets'], env(), 60_000);
    expect(result.code, result.stderr).toBe(0);
    const rotation = tagged(result.stdout, 'ROTATION') as { status: string; done: number; total: number; toKeyId: number };
    expect(rotation).toMatchObject({ status: 'completed', done: 5, total: 5 });
    expect(rotation.toKeyId).not.toBe(before);
    const users = t.app.get(UsersService);
    for (const [email, secret] of secrets) {
      const user = (await users.findByEmail(email))!;
      expect(CryptoService.keyIdOf(user.mfaSecret!)).toBe(rotation.toKeyId);
      expect(await users.activeMfaSecret(user)).toBe(secret);
    }
    expect((await runBackend(['rotate-key', '--purpose', 'blind-index'], env())).code).toBe(64);
  });

  it('audit-verify exits 0 on an intact chain and 1 naming a tampered row', async () => {
    const ok = await runBackend(['audit-verify'], env());
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stderr).toMatch(/^audit chain intact: \d+ entries/m);
    const db = await superuser(t.databaseUrl);
    try {
      await db.query(`SET session_replication_role = replica`);
      await db.query(`UPDATE audit_log SET outcome = 'failure' WHERE id = 3`);
    } finally {
      await db.end();
    }
    const broken = await runBackend(['audit-verify'], env());
    expect(broken.code).toBe(1);
    expect(broken.stderr).toContain('changed: row 3 was changed after it was written');
    expect(tagged(broken.stdout, 'AUDIT')).toMatchObject({ valid: false });
  });

  // Last: afterwards the data keys no longer open under TEST_MASTER_KEY.
  it('rewrap-master-key moves every data key under a new master key, read from a file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'hm-rewrap-'));
    const short = join(dir, 'short.key');
    writeFileSync(short, randomBytes(16).toString('base64'));
    const refused = await runBackend(['rewrap-master-key', '--new-key-file', short], env());
    expect(refused.code).toBe(64);
    expect(refused.stderr).toContain('--new-key-file: it must hold 32 bytes, base64-encoded');
    expect((await runBackend(['rewrap-master-key'], env())).code).toBe(64);

    const newKey = randomBytes(32).toString('base64');
    const keyFile = join(dir, 'master.key');
    writeFileSync(keyFile, `${newKey}\n`, { mode: 0o600 });
    const rewrap = await runBackend(['rewrap-master-key', '--new-key-file', keyFile], env());
    expect(rewrap.code, rewrap.stderr).toBe(0);
    expect(rewrap.stdout + rewrap.stderr).not.toContain(newKey);
    const result = tagged(rewrap.stdout, 'REWRAP') as { rewrapped: number; to: string };
    const db = await superuser(t.databaseUrl);
    try {
      const keys = await db.query<{ n: number; masters: string[] }>(`SELECT count(*)::int AS n, array_agg(DISTINCT master_key_id) AS masters FROM data_keys`);
      expect(result.rewrapped).toBe(keys.rows[0].n);
      expect(keys.rows[0].masters).toEqual([result.to]);
      const audited = await db.query(`SELECT 1 FROM audit_log WHERE action = 'crypto.master-key-rewrapped'`);
      expect(audited.rowCount).toBe(1);
    } finally {
      await db.end();
    }

    // Under the new master key the data keys open: a rotation decrypts and re-encrypts every MFA secret.
    const withNewKey = await runBackend(['rotate-key', '--purpose', 'secrets'], { ...env(), MASTER_KEY: newKey }, 60_000);
    expect(withNewKey.code, withNewKey.stderr).toBe(0);
    const rotation = tagged(withNewKey.stdout, 'ROTATION') as { status: string; done: number };
    expect(rotation).toMatchObject({ status: 'completed', done: 5 });
    // Under the old one they no longer do.
    expect((await runBackend(['rotate-key', '--purpose', 'secrets'], env(), 60_000)).code).not.toBe(0);
  });
});
