import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { UsersService } from '../../backend/src/modules/auth/index.js';
import { Role } from '../../backend/src/platform/http/index.js';
import { ApiClient } from '../support/api-client.js';
import { startBackend, waitFor, type RunningBackend } from '../support/backend-process.js';
import { CSV_MAPPING, csvText } from '../support/csv-generator.js';
import { ATTESTATION, type ImportViewBody, uploadRaw, waitForImport } from '../support/imports.js';
import { startTestApp, superuser, TEST_MASTER_KEY, type TestApp } from '../support/stack.js';

const ROWS = 40_000;
const PASSWORD = 'granite-otter-lantern-42';

describe('import resumes after a killed worker', () => {
  let t: TestApp;
  let client: ApiClient;
  const workers: RunningBackend[] = [];
  const workerEnv = () => ({
    DATABASE_URL: t.databaseUrl,
    REDIS_URL: inject('redisUrl'),
    QUEUE_PREFIX: t.config.QUEUE_PREFIX,
    MASTER_KEY: TEST_MASTER_KEY,
    LOG_LEVEL: 'warn',
  });

  beforeAll(async () => {
    // The API only: imports run in worker processes this test starts and kills.
    t = await startTestApp({ entrypoint: 'api' });
    await t.app.get(UsersService).create({ email: 'ops@clinic.test', displayName: 'Ops', role: Role.Admin, password: PASSWORD });
    client = new ApiClient(t.baseUrl);
    await client.signInAndEnroll('ops@clinic.test', PASSWORD);
    await client.post('/api/v1/topics', { key: 'newsletter', name: 'Newsletter', kind: 'marketing' });
  });
  afterAll(async () => {
    for (const w of workers) await w.stop('SIGKILL');
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- t is unset when beforeAll failed
    await t?.close();
  });

  it('continues from the last committed batch: every row exactly once', async () => {
    const up = await uploadRaw(t.baseUrl, client, await csvText(ROWS), 'big.csv');
    expect(up.status).toBe(201);
    const id = up.body.id;
    await client.request('PUT', `/api/v1/imports/${id}/configuration`, {
      mapping: CSV_MAPPING,
      onExisting: 'update',
      consent: { topic: 'newsletter', basis: 'prior_express_consent', attestation: ATTESTATION },
    });
    expect((await client.post(`/api/v1/imports/${id}/start`)).status).toBe(202);

    const first = startBackend(['worker'], workerEnv());
    workers.push(first);
    const atKill = await waitFor(
      async () => {
        const view = (await client.get<ImportViewBody>(`/api/v1/imports/${id}`)).body;
        return view.progress.rowsDone >= 6000 ? view : undefined;
      },
      60_000,
      'the import to be under way',
    );
    await first.stop('SIGKILL');
    const stopped = (await client.get<ImportViewBody>(`/api/v1/imports/${id}`)).body;
    expect(stopped.status).toBe('running');
    expect(stopped.progress.rowsDone).toBeLessThan(ROWS);
    expect(stopped.progress.rowsDone).toBeGreaterThanOrEqual(atKill.progress.rowsDone);

    // A new worker picks the stalled job up once its lock lapses, and resumes after the checkpoint.
    workers.push(startBackend(['worker'], workerEnv()));
    const done = await waitForImport(client, id, 120_000);
    expect(done.status).toBe('completed');
    expect(done.counts).toEqual({ created: ROWS, updated: 0, unchanged: 0, skipped: 0, errors: 0 });

    const db = await superuser(t.databaseUrl);
    try {
      expect((await db.query(`SELECT count(*)::int AS n FROM contacts`)).rows[0]).toEqual({ n: ROWS });
      expect((await db.query(`SELECT count(*)::int AS n, count(DISTINCT contact_id)::int AS d FROM consent_events`)).rows[0]).toEqual({ n: ROWS, d: ROWS });
      expect((await db.query(`SELECT count(*)::int AS n FROM contact_identifiers`)).rows[0]).toEqual({ n: ROWS });
    } finally {
      await db.end();
    }
  });
});
