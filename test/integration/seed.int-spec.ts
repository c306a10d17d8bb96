import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { seedDemoData } from '../../backend/src/cli/seed.js';
import { waitFor } from '../support/backend-process.js';
import { createTestCa, issueCert } from '../support/pki.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-servers.js';
import { startTestApp, superuser, type TestApp } from '../support/stack.js';

/** The embedded default's demo data: an admin, an audience with consent, and a first newsletter sent over TLS. */
describe('demo data', () => {
  let t: TestApp;
  let db: pg.Client;
  let sink: TestSmtpServer;

  beforeAll(async () => {
    const ca = await createTestCa();
    sink = await startSmtpServer('accept', { tls: await issueCert(ca, ['localhost', '127.0.0.1']) });
    t = await startTestApp({ entrypoint: 'all', env: { SMTP_TRANSPORT_MAP: `*=127.0.0.1:${String(sink.port)}`, SMTP_CA_FILE: ca.file } });
    db = await superuser(t.databaseUrl);
  });
  afterAll(async () => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await db?.end();
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await t?.close();
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await sink?.close();
  });

  it('seeds once, and the demo newsletter reaches the mail sink over TLS', async () => {
    const first = await seedDemoData(t.app);
    expect(first.adminCreated).toBe(true);
    expect(first.adminPassword).toBeTruthy();
    await waitFor(() => Promise.resolve(sink.received.length >= 20 ? true : undefined), 60_000, '20 demo messages');
    expect(sink.received.every((m) => m.secure)).toBe(true);
    const { rows } = await db.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM deliveries GROUP BY status`);
    expect(rows).toEqual([{ status: 'sent', n: 20 }]);

    const again = await seedDemoData(t.app);
    expect(again).toEqual({ adminCreated: false, adminEmail: first.adminEmail });
    expect((await db.query(`SELECT 1 FROM deliveries`)).rowCount).toBe(20);
  });
});
