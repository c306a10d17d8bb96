import { Redis } from 'ioredis';
import { simpleParser } from 'mailparser';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../../backend/src/embedded/free-port.js';
import { startRedis, type RunningRedis } from '../../backend/src/embedded/redis.js';
import type { AuditActor } from '../../backend/src/modules/audit/index.js';
import { TopicsService } from '../../backend/src/modules/consent/index.js';
import { ContactsService } from '../../backend/src/modules/contacts/index.js';
import { DeliveryService } from '../../backend/src/modules/delivery/index.js';
import { JourneyRunner, JourneysService, JourneyTriggers } from '../../backend/src/modules/journeys/index.js';
import { TemplatesService } from '../../backend/src/modules/templates/index.js';
import { type RunningBackend, startBackend, waitFor } from '../support/backend-process.js';
import { createTestCa, issueCert } from '../support/pki.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-servers.js';
import { startTestApp, superuser, TEST_MASTER_KEY, type TestApp } from '../support/stack.js';

const SYSTEM: AuditActor = { type: 'system' };
const CONTACTS = 150;
const SENDS = ['Programme: day one', 'Programme: day two', 'Programme: day three'];
const NODES = ['start', 'one', 'pause1', 'two', 'pause2', 'three', 'done'];
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A three-message journey with real (two-second) waits for 150 contacts, run by a worker process that is
 * SIGKILLed mid-run; then Redis is flushed (every queued and delayed job gone) and a new worker starts. The sweeps
 * (run here at a test cadence, as the scheduler runs them) heal from Postgres. Every step must have run exactly once
 * and every message must exist exactly once; at SMTP, only messages in flight at the kill may arrive twice.
 */
describe('journeys survive a killed worker and a flushed Redis', () => {
  let t: TestApp;
  let db: pg.Client;
  let redis: RunningRedis;
  let smtp: TestSmtpServer;
  let env: Record<string, string>;
  let worker: RunningBackend | undefined;
  let journeyId: string;
  const contactIds: string[] = [];

  beforeAll(async () => {
    // A Redis of its own: FLUSHALL must not touch the other test files' queues.
    redis = await startRedis({ port: await freePort() });
    const ca = await createTestCa();
    smtp = await startSmtpServer('accept', { tls: await issueCert(ca, ['localhost', '127.0.0.1']) });
    const shared = {
      SMTP_TRANSPORT_MAP: `*=127.0.0.1:${String(smtp.port)}`,
      SMTP_CA_FILE: ca.file,
      MAIL_FROM: 'Heart Clinic <care@clinic.example>',
      REDIS_URL: redis.url,
      DELIVERY_BATCH_SIZE: '20',
    };
    // This process only serves the API and runs the sweeps by hand: the worker is a process of its own.
    t = await startTestApp({ entrypoint: 'api', env: shared });
    env = { ...shared, NODE_ENV: 'test', DATABASE_URL: t.databaseUrl, QUEUE_PREFIX: t.config.QUEUE_PREFIX, MASTER_KEY: TEST_MASTER_KEY, LOG_LEVEL: 'warn' };
    db = await superuser(t.databaseUrl);
    const topicId = (await t.app.get(TopicsService).create({ key: 'programme', name: 'Programme', kind: 'transactional' }, SYSTEM)).id;
    const bulk = await t.app.get(ContactsService).bulkUpsert(
      Array.from({ length: CONTACTS }, (_, i) => ({ email: `patient${String(i)}@programme.test`, firstName: `P${String(i)}` })),
      'update',
      SYSTEM,
      { topic: 'programme', status: 'confirmed', method: 'api', source: 'reliability test' },
    );
    for (const r of bulk.results) if (r.status === 'created') contactIds.push(r.id);
    const templates = t.app.get(TemplatesService);
    const templateIds: number[] = [];
    for (const subject of SENDS) {
      const created = await templates.create(
        {
          name: subject,
          category: 'transactional',
          subject,
          mjml: '<mjml><mj-body><mj-section><mj-column><mj-text>Hello</mj-text></mj-column></mj-section></mj-body></mjml>',
        },
        SYSTEM,
      );
      await templates.publish(created.template.id, SYSTEM);
      templateIds.push(created.template.id);
    }
    const journeys = t.app.get(JourneysService);
    const send = (id: string, i: number, next: string) => ({ id, type: 'send', templateId: templateIds[i], topicId, next });
    const created = await journeys.create(
      {
        name: 'Three-day programme',
        graph: {
          nodes: [
            { id: 'start', type: 'trigger', trigger: { kind: 'event', eventType: 'programme.started' }, next: 'one' },
            send('one', 0, 'pause1'),
            { id: 'pause1', type: 'wait', duration: { value: 2, unit: 'seconds' }, next: 'two' },
            send('two', 1, 'pause2'),
            { id: 'pause2', type: 'wait', duration: { value: 2, unit: 'seconds' }, next: 'three' },
            send('three', 2, 'done'),
            { id: 'done', type: 'exit' },
          ],
          settings: { entry: { rule: 'once' } },
        },
      },
      SYSTEM,
    );
    journeyId = (await journeys.publish(created.journey.id, SYSTEM)).id;
  }, 240_000);

  afterAll(async () => {
    await worker?.stop('SIGKILL');
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await db?.end();
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await t?.close();
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await smtp?.close();
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await redis?.stop();
  });

  it('runs every step exactly once through a SIGKILL and a FLUSHALL', async () => {
    const count = async (sql: string) => (await db.query<{ n: number }>(sql, [journeyId])).rows[0].n;
    worker = startBackend(['worker'], env);
    await t.app.get(JourneyTriggers).triggerMany(contactIds.map((contactId) => ({ contactId, type: 'programme.started' })));

    // Killed while it works: some enrollments have sent their first message, others are mid-pass or waiting.
    await waitFor(
      async () => ((await count(`SELECT count(*)::int AS n FROM deliveries WHERE journey_id = $1`)) >= 120 ? true : undefined),
      60_000,
      'sends to start',
    );
    await worker.stop('SIGKILL');
    const before = {
      steps: await count(`SELECT count(*)::int AS n FROM journey_steps WHERE journey_id = $1`),
      active: await count(`SELECT count(*)::int AS n FROM journey_enrollments WHERE journey_id = $1 AND state = 'active'`),
    };
    expect(before.active).toBeGreaterThan(0);

    // Every queued and delayed job is gone.
    const client = new Redis(redis.url);
    await client.flushall();
    await client.quit();
    // What the dead worker was sending goes back to the queue (only now: no worker is alive to be sending it).
    await t.app.get(DeliveryService).requeueOverdue({ stuckAfterSeconds: 0, overdueAfterSeconds: 0 });

    worker = startBackend(['worker'], env);
    const runner = t.app.get(JourneyRunner);
    const deliveries = t.app.get(DeliveryService);
    await waitFor(
      async () => {
        // The scheduler's sweeps, at a test cadence: wake overdue enrollments, re-queue deliveries whose job was lost.
        await runner.requeueOverdue(500);
        await deliveries.requeueOverdue({ stuckAfterSeconds: 600, overdueAfterSeconds: 2 });
        const done = await count(`SELECT count(*)::int AS n FROM journey_enrollments WHERE journey_id = $1 AND state = 'completed'`);
        const sent = await count(`SELECT count(*)::int AS n FROM deliveries WHERE journey_id = $1 AND status = 'sent'`);
        await sleep(500);
        return done === CONTACTS && sent === CONTACTS * SENDS.length ? true : undefined;
      },
      120_000,
      'every enrollment to complete and every message to be sent',
    );

    // Each enrollment ran each node once, in order, and has one delivery per send step.
    const { rows: steps } = await db.query<{ enrollment_id: string; nodes: string[] }>(
      `SELECT enrollment_id::text AS enrollment_id, array_agg(node_id ORDER BY split_part(step_key, ':', 1)::int) AS nodes FROM journey_steps WHERE journey_id = $1 GROUP BY 1`,
      [journeyId],
    );
    expect(steps).toHaveLength(CONTACTS);
    for (const s of steps) expect(s.nodes).toEqual(NODES);
    const { rows: perEnrollment } = await db.query<{ n: number; keys: number }>(
      `SELECT count(*)::int AS n, count(DISTINCT step_key)::int AS keys FROM deliveries WHERE journey_id = $1 GROUP BY enrollment_id`,
      [journeyId],
    );
    expect(perEnrollment).toHaveLength(CONTACTS);
    expect(perEnrollment.every((r) => r.n === 3 && r.keys === 3)).toBe(true);
    const { rows: linked } = await db.query<{ n: number }>(
      `SELECT count(*)::int AS n FROM journey_steps s JOIN deliveries d ON d.id = s.delivery_id WHERE s.journey_id = $1`,
      [journeyId],
    );
    expect(linked[0].n).toBe(CONTACTS * SENDS.length);

    // At SMTP: every message arrived; one arrived twice only if it was being sent when the worker died (attempts > 1).
    await sleep(500);
    const { rows: sent } = await db.query<{ message_id: string; attempts: number }>(`SELECT message_id, attempts FROM deliveries WHERE journey_id = $1`, [
      journeyId,
    ]);
    const received = new Map<string, number>();
    for (const m of smtp.received) {
      const id = (await simpleParser(m.raw)).messageId ?? '';
      received.set(id, (received.get(id) ?? 0) + 1);
    }
    for (const d of sent) {
      const n = received.get(d.message_id) ?? 0;
      expect(n, `message ${d.message_id}`).toBeGreaterThanOrEqual(1);
      if (d.attempts === 1) expect(n, `message ${d.message_id}`).toBe(1);
    }
  });
});
