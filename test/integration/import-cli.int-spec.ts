import { writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TopicsService } from '../../backend/src/modules/consent/index.js';
import { runBackend } from '../support/backend-process.js';
import { csvText } from '../support/csv-generator.js';
import { startTestApp, superuser, TEST_MASTER_KEY, type TestApp } from '../support/stack.js';

describe('import CLI for operators', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ entrypoint: 'api' });
    await t.app.get(TopicsService).create({ key: 'newsletter', name: 'Newsletter', kind: 'marketing' }, { type: 'system' });
  });
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- t is unset when beforeAll failed
  afterAll(() => t?.close());

  it('imports a file with a progress bar and a summary line', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hm-cli-'));
    const file = join(dir, 'members.csv');
    await writeFile(file, `${await csvText(3000, 'cli')}not-an-email,X,Y,1980-01-01,F,,02139,MA,MRNX,I10,2025-01-01,commercial,P,Q\r\n`);
    const env = {
      DATABASE_URL: t.databaseUrl,
      REDIS_URL: inject('redisUrl'),
      QUEUE_PREFIX: t.config.QUEUE_PREFIX,
      MASTER_KEY: TEST_MASTER_KEY,
      LOG_LEVEL: 'warn',
    };
    const result = await runBackend(['import', file, '--topic', 'newsletter', '--attest', 'Members consented on enrollment forms (2026).'], env, 120_000);
    expect(result.stderr).toContain('uploading members.csv');
    expect(result.stderr).toMatch(/\[#{30}\] 100%/);
    expect(result.stderr).toContain('completed: 3001 rows, created 3000');
    const summary = JSON.parse(
      result.stdout
        .split('\n')
        .find((l) => l.startsWith('IMPORT '))!
        .slice(7),
    ) as Record<string, unknown>;
    expect(summary).toMatchObject({ status: 'completed', rows: 3001, created: 3000, errors: 1 });
    expect(result.code).toBe(0);
    const db = await superuser(t.databaseUrl);
    try {
      expect((await db.query(`SELECT count(*)::int AS n FROM contacts`)).rows[0]).toEqual({ n: 3000 });
      expect((await db.query<{ actor_id: string }>(`SELECT actor_id FROM audit_log WHERE action = 'import.started'`)).rows[0].actor_id).toMatch(/^cli:/);
    } finally {
      await db.end();
    }
    // Its own usage when arguments are missing.
    const usage = await runBackend(['import', file], env);
    expect(usage.code).toBe(64);
    expect(usage.stderr).toContain('usage: main.js import <file.csv> --topic');
  });
});
