import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { UsersService } from '../../backend/src/modules/auth/index.js';
import { CryptoService } from '../../backend/src/modules/crypto/index.js';
import { Role } from '../../backend/src/platform/http/index.js';
import { ApiClient } from '../support/api-client.js';
import { runBackend } from '../support/backend-process.js';
import { startTestApp, superuser, TEST_MASTER_KEY, type TestApp } from '../support/stack.js';

describe('operator commands: key rotation and audit verification', () => {
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
    const rotation = JSON.parse(
      result.stdout
        .split('\n')
        .find((l) => l.startsWith('ROTATION '))!
        .slice(9),
    ) as { status: string; done: number; total: number; toKeyId: number };
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
    expect(
      JSON.parse(
        broken.stdout
          .split('\n')
          .find((l) => l.startsWith('AUDIT '))!
          .slice(6),
      ),
    ).toMatchObject({ valid: false });
  });
});
