import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../../backend/src/embedded/free-port.js';
import { startRedis, type RunningRedis } from '../../backend/src/embedded/redis.js';
import { runBackend, startBackend, waitFor } from '../support/backend-process.js';
import { createTestDatabase, superuser, TEST_MASTER_KEY } from '../support/stack.js';

describe('booting the built backend', () => {
  let databaseUrl: string;
  const base = () => ({ DATABASE_URL: databaseUrl, REDIS_URL: inject('redisUrl'), MASTER_KEY: TEST_MASTER_KEY, LOG_LEVEL: 'info' });

  beforeAll(async () => {
    databaseUrl = await createTestDatabase();
  });

  it('stops on a bad value with one line naming the variable', async () => {
    const result = await runBackend(['api'], { ...base(), PORT: 'eighty' });
    expect(result.code).toBe(78);
    expect(result.stderr.trim().split('\n')).toEqual(['Invalid configuration: PORT: expected an integer from 1 to 65535 (got "eighty")']);
    expect(result.stdout).toBe('');
  });

  it('names a missing variable without echoing secrets', async () => {
    const result = await runBackend(['worker'], { DATABASE_URL: 'postgres://u:topsecret@127.0.0.1:1/x', MASTER_KEY: TEST_MASTER_KEY });
    expect(result.code).toBe(78);
    expect(result.stderr.trim()).toBe('Invalid configuration: REDIS_URL: required');
    expect(result.stderr).not.toContain('topsecret');
  });

  it('refuses an unknown entrypoint', async () => {
    const result = await runBackend(['frobnicate'], base());
    expect(result.code).toBe(64);
    expect(result.stderr).toContain('usage: main.js <api|worker|scheduler|all|migrate|seed|import|audit-verify|rotate-key|rewrap-master-key|backup|restore>');
  });

  describe('running', () => {
    let redis: RunningRedis;
    let port: number;
    let app: ReturnType<typeof startBackend>;

    beforeAll(async () => {
      // A Redis of this test's own, so it can be stopped to see readiness fail.
      redis = await startRedis({ port: await freePort() });
      const migrated = await runBackend(['migrate'], base());
      expect(migrated.code, migrated.stderr).toBe(0);
      port = await freePort();
      app = startBackend(['all'], { ...base(), REDIS_URL: redis.url, PORT: String(port) });
      await waitFor(async () => ((await fetch(`http://127.0.0.1:${port}/healthz`)).ok ? true : undefined), 30_000, 'healthz');
    });

    afterAll(async () => {
      // Either is unset when beforeAll failed before assigning it.
      /* eslint-disable @typescript-eslint/no-unnecessary-condition */
      await app?.stop();
      await redis?.stop();
      /* eslint-enable @typescript-eslint/no-unnecessary-condition */
    });

    it('answers liveness and readiness with each check', async () => {
      expect(await (await fetch(`http://127.0.0.1:${port}/healthz`)).json()).toEqual({ status: 'ok' });
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(ready.status).toBe(200);
      const body = (await ready.json()) as { status: string; checks: Record<string, { status: string }> };
      expect(body.status).toBe('ok');
      expect(Object.fromEntries(Object.entries(body.checks).map(([k, v]) => [k, v.status]))).toEqual({ postgres: 'ok', migrations: 'ok', redis: 'ok' });
    });

    it('serves the OpenAPI document with each route and its access rule', async () => {
      const doc = (await (await fetch(`http://127.0.0.1:${port}/api/openapi.json`)).json()) as {
        paths: Record<string, Record<string, { 'x-access'?: { kind: string } }>>;
      };
      expect(doc.paths['/api/v1/auth/login'].post['x-access']).toEqual({ kind: 'public' });
      expect(doc.paths['/api/v1/dashboard'].get['x-access']).toEqual({ kind: 'permission', permissions: ['dashboard:read'] });
      for (const [path, ops] of Object.entries(doc.paths)) {
        for (const [method, op] of Object.entries(ops)) expect(op['x-access'], `${method.toUpperCase()} ${path}`).toBeDefined();
      }
    });

    it('writes structured JSON logs', () => {
      const lines = app.output().trim().split('\n');
      expect(lines.length).toBeGreaterThan(3);
      for (const line of lines) expect(() => JSON.parse(line) as unknown, line).not.toThrow();
      expect(lines.some((l) => (JSON.parse(l) as { msg?: string }).msg === 'listening')).toBe(true);
    });

    it('reports not ready when Redis goes away, and ready again when it is back', async () => {
      const redisPort = redis.port;
      await redis.stop();
      const down = await waitFor(
        async () => {
          const res = await fetch(`http://127.0.0.1:${port}/readyz`);
          return res.status === 503 ? ((await res.json()) as { checks: { redis: { status: string }; postgres: { status: string } } }) : undefined;
        },
        20_000,
        'readyz 503',
      );
      expect(down.checks.redis.status).toBe('fail');
      expect(down.checks.postgres.status).toBe('ok');
      redis = await startRedis({ port: redisPort });
      await waitFor(async () => ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200 ? true : undefined), 30_000, 'readyz 200 again');
    });

    it('stops cleanly on SIGTERM, running its shutdown hooks', async () => {
      const db = await superuser(databaseUrl);
      try {
        const before = await db.query('SELECT role FROM process_heartbeats ORDER BY role');
        expect(before.rows.map((r: { role: string }) => r.role)).toEqual(['api', 'scheduler', 'worker']);
        const exit = await app.stop('SIGTERM');
        // Nest re-raises the signal after its hooks ran; the hooks removed this process's heartbeats.
        expect(exit.code === 0 || exit.signal === 'SIGTERM').toBe(true);
        expect((await db.query('SELECT count(*)::int AS n FROM process_heartbeats')).rows[0]).toEqual({ n: 0 });
      } finally {
        await db.end();
      }
    });
  });
});
