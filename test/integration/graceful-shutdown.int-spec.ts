import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { TopicsService } from '../../backend/src/modules/consent/index.js';
import { ContactsService } from '../../backend/src/modules/contacts/index.js';
import { DeliveryService } from '../../backend/src/modules/delivery/index.js';
import { type RunningBackend, startBackend, waitFor } from '../support/backend-process.js';
import { publishTemplate, SYSTEM } from '../support/campaigns.js';
import { createTestCa, issueCert } from '../support/pki.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-servers.js';
import { startTestApp, superuser, TEST_MASTER_KEY, type TestApp } from '../support/stack.js';

const MESSAGES = 60;
const DATA_DELAY_MS = 700;

/**
 * A worker process sending to a slow receiver (each DATA answered after 700 ms) gets SIGTERM while SMTP
 * transactions are open. It must finish them (the receiver answers every DATA it began, none is cut
 * off), record their outcome, and exit 0; the next worker sends the rest. Every recipient gets exactly
 * one message and every delivery ends `sent`.
 */
describe('graceful shutdown: in-flight SMTP transactions finish, nothing lost or sent twice', () => {
  let t: TestApp;
  let db: pg.Client;
  let sink: TestSmtpServer;
  let env: Record<string, string>;
  let worker: RunningBackend | undefined;
  const recipients = Array.from({ length: MESSAGES }, (_, i) => `member${String(i)}@slow-receiver.test`);

  beforeAll(async () => {
    const ca = await createTestCa();
    sink = await startSmtpServer('slow-data', { tls: await issueCert(ca, ['localhost', '127.0.0.1']), dataDelayMs: DATA_DELAY_MS });
    const shared = {
      SMTP_TRANSPORT_MAP: `*=127.0.0.1:${String(sink.port)}`,
      SMTP_CA_FILE: ca.file,
      MAIL_FROM: 'Example Health <news@health.example>',
      DELIVERY_BATCH_SIZE: '10',
      DELIVERY_CONCURRENCY: '2',
      DELIVERY_DOMAIN_CONNECTIONS: '2',
    };
    t = await startTestApp({ entrypoint: 'api', env: shared });
    env = {
      ...shared,
      NODE_ENV: 'test',
      DATABASE_URL: t.databaseUrl,
      REDIS_URL: inject('redisUrl'),
      QUEUE_PREFIX: t.config.QUEUE_PREFIX,
      MASTER_KEY: TEST_MASTER_KEY,
      LOG_LEVEL: 'warn',
    };
    db = await superuser(t.databaseUrl);
    const topic = await t.app.get(TopicsService).create({ key: 'newsletter', name: 'Newsletter', kind: 'marketing' }, SYSTEM);
    const versionId = await publishTemplate(t.app);
    const bulk = await t.app.get(ContactsService).bulkUpsert(
      recipients.map((email, i) => ({ email, firstName: `M${String(i)}` })),
      'update',
      SYSTEM,
      { topic: 'newsletter', status: 'confirmed', method: 'api', source: 'shutdown test' },
    );
    const ids = bulk.results.map((r) => (r as { id: string }).id);
    expect(ids).toHaveLength(MESSAGES);
    // Queued before any worker runs: six jobs of ten deliveries wait in Redis.
    const queued = await t.app
      .get(DeliveryService)
      .enqueue(
        ids.map((contactId) => ({ idempotencyKey: `shutdown:${contactId}`, templateVersionId: versionId, contactId, topicId: topic.id, purpose: 'campaign' })),
      );
    expect(queued.created).toHaveLength(MESSAGES);
  }, 180_000);

  afterAll(async () => {
    await worker?.stop('SIGKILL');
    /* eslint-disable @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed */
    await db?.end();
    await t?.close();
    await sink?.close();
    /* eslint-enable @typescript-eslint/no-unnecessary-condition */
  });

  const statuses = async (): Promise<Partial<Record<string, number>>> =>
    Object.fromEntries(
      (await db.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM deliveries GROUP BY status`)).rows.map((r) => [r.status, r.n]),
    );

  it('finishes the open transactions on SIGTERM, exits 0, and the next worker sends the rest exactly once', async () => {
    worker = startBackend(['worker'], env);
    // Stop in the middle of the first two batches, while the receiver holds its answers: transactions are open on the wire.
    await waitFor(
      () => Promise.resolve(sink.received.length >= 2 && sink.dataStarted - sink.received.length >= 2 ? true : undefined),
      60_000,
      'open SMTP transactions',
    );
    const openAtSignal = sink.dataStarted - sink.received.length;
    const signalledAt = Date.now();
    const exit = await Promise.race([
      worker.stop('SIGTERM'),
      new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`worker did not exit within 30 s:\n${worker?.output() ?? ''}`)), 30_000)),
    ]);
    const stopSeconds = (Date.now() - signalledAt) / 1000;
    expect(exit, worker.output()).toEqual({ code: 0, signal: null });
    expect(openAtSignal).toBeGreaterThanOrEqual(2);
    // Every DATA the receiver began was completed and answered; no connection was dropped mid-transaction.
    expect(sink.abortedTransactions).toBe(0);
    expect(sink.dataStarted).toBe(sink.received.length);
    // What the first worker sent is recorded as sent; nothing is left claimed ('sending') for the sweeper to resend.
    const afterStop = await statuses();
    expect(afterStop.sending ?? 0).toBe(0);
    expect(afterStop.sent).toBe(sink.received.length);
    expect(sink.received.length).toBeLessThan(MESSAGES);
    const firstRun = sink.received.length;

    worker = startBackend(['worker'], env);
    await waitFor(async () => ((await statuses()).sent === MESSAGES ? true : undefined), 90_000, 'every delivery sent');
    expect(await worker.stop('SIGTERM')).toEqual({ code: 0, signal: null });

    const perRecipient = new Map<string, number>();
    for (const m of sink.received) for (const rcpt of m.to) perRecipient.set(rcpt, (perRecipient.get(rcpt) ?? 0) + 1);
    expect([...perRecipient.keys()].sort()).toEqual([...recipients].sort());
    expect([...perRecipient.values()].every((n) => n === 1)).toBe(true);
    expect(sink.received).toHaveLength(MESSAGES);
    expect(sink.received.every((m) => m.secure)).toBe(true);
    expect(sink.abortedTransactions).toBe(0);
    expect(await statuses()).toEqual({ sent: MESSAGES });
    process.stdout.write(
      `graceful shutdown: ${String(openAtSignal)} transaction(s) open at SIGTERM, exit 0 after ${stopSeconds.toFixed(1)} s with ${String(firstRun)} sent; ` +
        `the next worker sent ${String(MESSAGES - firstRun)}; ${String(MESSAGES)} recipients once each\n`,
    );
  }, 180_000);
});
