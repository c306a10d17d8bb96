import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Redis } from 'ioredis';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailSink } from '../../backend/src/dev/mail-sink/index.js';
import { freePort } from '../../backend/src/embedded/free-port.js';
import { startRedis, type RunningRedis } from '../../backend/src/embedded/redis.js';
import { UsersService } from '../../backend/src/modules/auth/index.js';
import { TopicsService } from '../../backend/src/modules/consent/index.js';
import { ContactsService } from '../../backend/src/modules/contacts/index.js';
import { SavedSegmentsService } from '../../backend/src/modules/segments/index.js';
import { Role } from '../../backend/src/platform/http/index.js';
import { ApiClient } from '../support/api-client.js';
import { type RunningBackend, startBackend, waitFor } from '../support/backend-process.js';
import { launchCampaign, publishTemplate, SYSTEM } from '../support/campaigns.js';
import { startTestApp, superuser, TEST_MASTER_KEY, type TestApp } from '../support/stack.js';

const RECIPIENTS = 5000;
const KILLS = 5;
const PASSWORD = 'granite-otter-lantern-42';

const random = (min: number, max: number) => min + Math.random() * (max - min);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * A 5,000-recipient campaign while its worker process is killed with SIGKILL at random points five times (the
 * first during the fan-out) and restarted, and Redis is flushed once mid-send. The scheduler process heals what
 * was lost from Postgres. The sink must hold every recipient exactly once, except at most the messages that were
 * in flight (claimed, in an SMTP session) at a kill.
 */
describe('campaign reliability: SIGKILLed workers and a flushed Redis lose and duplicate nothing', () => {
  let t: TestApp;
  let db: pg.Client;
  let redis: RunningRedis;
  let sink: MailSink;
  let sinkDir: string;
  let scheduler: RunningBackend | undefined;
  let worker: RunningBackend | undefined;
  let env: Record<string, string>;
  let marketer: ApiClient;
  let officer: ApiClient;
  let segmentId: number;
  let versionId: number;
  const received: { rcpt: string; messageId: string | null }[] = [];

  beforeAll(async () => {
    // A Redis of its own: FLUSHALL must not touch the other test files' queues.
    redis = await startRedis({ port: await freePort() });
    sinkDir = await mkdtemp(join(tmpdir(), 'hm-reliability-sink-'));
    sink = await MailSink.start({ dataDir: sinkDir, httpPort: null });
    sink.onMessage((meta) => received.push({ rcpt: meta.envelope.rcptTo[0], messageId: meta.messageId }));
    const recovery = {
      SMTP_TRANSPORT_MAP: `*=127.0.0.1:${String(sink.smtpPort)}`,
      SMTP_CA_FILE: join(sink.dataDir, 'tls', 'ca.crt'),
      MAIL_FROM: 'Example Health <news@health.example>',
      REDIS_URL: redis.url,
      CAMPAIGN_SWEEP_SECONDS: '2',
      CAMPAIGN_STUCK_SENDING_SECONDS: '20',
      CAMPAIGN_REQUEUE_AFTER_SECONDS: '20',
      CAMPAIGN_FANOUT_BATCH: '250',
      DELIVERY_BATCH_SIZE: '50',
      DELIVERY_CONCURRENCY: '4',
    };
    t = await startTestApp({ entrypoint: 'api', env: recovery });
    env = {
      ...recovery,
      NODE_ENV: 'test',
      DATABASE_URL: t.databaseUrl,
      QUEUE_PREFIX: t.config.QUEUE_PREFIX,
      MASTER_KEY: TEST_MASTER_KEY,
      LOG_LEVEL: 'warn',
    };
    db = await superuser(t.databaseUrl);
    const users = t.app.get(UsersService);
    await users.create({ email: 'mk@clinic.test', displayName: 'Mk', role: Role.Marketer, password: PASSWORD });
    await users.create({ email: 'co@clinic.test', displayName: 'Co', role: Role.ComplianceOfficer, password: PASSWORD });
    marketer = new ApiClient(t.baseUrl);
    officer = new ApiClient(t.baseUrl);
    await marketer.signInAndEnroll('mk@clinic.test', PASSWORD);
    await officer.signInAndEnroll('co@clinic.test', PASSWORD);

    await t.app.get(TopicsService).create({ key: 'newsletter', name: 'Newsletter', kind: 'marketing' }, SYSTEM);
    versionId = await publishTemplate(t.app);
    const contacts = Array.from({ length: RECIPIENTS }, (_, i) => ({ email: `patient${String(i)}@inbox${String(i % 7)}.test`, firstName: `P${String(i)}` }));
    const bulk = await t.app
      .get(ContactsService)
      .bulkUpsert(contacts, 'update', SYSTEM, { topic: 'newsletter', status: 'confirmed', method: 'api', source: 'reliability test' });
    expect(bulk.summary.created).toBe(RECIPIENTS);
    segmentId = (await t.app.get(SavedSegmentsService).create({ name: 'Newsletter subscribers', rule: { field: 'consent', topic: 'newsletter' } }, SYSTEM)).id;

    scheduler = startBackend(['scheduler'], env);
  }, 240_000);

  afterAll(async () => {
    await worker?.stop('SIGKILL');
    await scheduler?.stop('SIGKILL');
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await db?.end();
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await t?.close();
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await sink?.stop();
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await redis?.stop();
    await rm(sinkDir, { recursive: true, force: true });
  });

  it('delivers every recipient exactly once through five kills and a FLUSHALL', async () => {
    const startWorker = () => {
      worker = startBackend(['worker'], env);
      return worker;
    };
    const state = async () =>
      (
        await db.query<{ status: string; position: number; total: number | null; sent: number; sending: number }>(
          `SELECT c.status, c.fanout_position AS position, c.audience_count AS total,
                  (SELECT count(*)::int FROM deliveries d WHERE d.campaign_id = c.id AND d.status = 'sent') AS sent,
                  (SELECT count(*)::int FROM deliveries d WHERE d.campaign_id = c.id AND d.status = 'sending') AS sending
             FROM campaigns c WHERE c.id = $1`,
          [id],
        )
      ).rows[0];
    const kills: { at: string; sent: number; inFlight: number }[] = [];
    let since = new Date(0);
    const kill = async (at: string) => {
      const w = worker as RunningBackend;
      await w.stop('SIGKILL');
      // Claimed by the dead worker (since it started) and not recorded: the only messages that may have reached the sink already.
      const [{ now, inFlight }] = (
        await db.query<{ now: Date; inFlight: number }>(
          `SELECT now() AS now, count(*) FILTER (WHERE status = 'sending' AND updated_at >= $2)::int AS "inFlight" FROM deliveries WHERE campaign_id = $1`,
          [id, since],
        )
      ).rows;
      since = now;
      kills.push({ at, sent: (await state()).sent, inFlight });
      await sleep(random(300, 1500));
      startWorker();
    };

    startWorker();
    const id = await launchCampaign(marketer, officer, {
      name: 'Reliability',
      topic: 'newsletter',
      includeSegmentIds: [segmentId],
      templateVersionId: versionId,
    });

    // The first kill lands in the fan-out: after the audience is frozen, before every delivery exists.
    await waitFor(
      async () => {
        const s = await state();
        return s.position > 0 ? s : undefined;
      },
      60_000,
      'the fan-out to start',
    );
    await sleep(random(0, 300));
    const fanOut = await state();
    await kill(`fan-out at position ${String(fanOut.position)} of ${String(fanOut.total)}`);

    // The other four at random points of the send, and one FLUSHALL between the second and the third.
    const marks = Array.from({ length: KILLS - 1 }, () => Math.floor(random(0.1, 0.85) * RECIPIENTS)).sort((a, b) => a - b);
    const flushAt = Math.floor(random(marks[0] + 1, marks[1]));
    const events = [...marks.map((sent) => ({ sent, kind: 'kill' as const })), { sent: flushAt, kind: 'flush' as const }].sort((a, b) => a.sent - b.sent);
    let flushed: { sent: number; sending: number } | undefined;
    for (const event of events) {
      // Each kill finds the restarted worker sending (at least 100 more messages since the last kill).
      const target = event.kind === 'kill' ? Math.max(event.sent, (kills.at(-1)?.sent ?? 0) + 100) : event.sent;
      await waitFor(
        async () => {
          const s = await state();
          return s.sent >= target ? s : undefined;
        },
        180_000,
        `${String(event.sent)} messages sent`,
      );
      if (event.kind === 'kill') await kill(`${String(target)} sent`);
      else {
        const client = new Redis(redis.url, { maxRetriesPerRequest: 2 });
        await client.flushall();
        await client.quit();
        const s = await state();
        flushed = { sent: s.sent, sending: s.sending };
      }
    }

    const done = await waitFor(
      async () => {
        const s = await state();
        return s.status === 'sent' ? s : undefined;
      },
      240_000,
      'the campaign to finish',
    );
    await sleep(500);

    const perRecipient = new Map<string, number>();
    for (const r of received) perRecipient.set(r.rcpt, (perRecipient.get(r.rcpt) ?? 0) + 1);
    const expected = Array.from({ length: RECIPIENTS }, (_, i) => `patient${String(i)}@inbox${String(i % 7)}.test`);
    const lost = expected.filter((r) => !perRecipient.has(r));
    const duplicates = received.length - perRecipient.size;
    const allowed = kills.reduce((n, k) => n + k.inFlight, 0);
    const messageIds = new Set(received.map((r) => r.messageId));
    process.stdout.write(
      `campaign reliability: ${String(RECIPIENTS)} recipients, ${String(received.length)} messages at the sink, ${String(lost.length)} lost, ` +
        `${String(duplicates)} duplicated (allowed: ${String(allowed)} in flight at the kills)\n` +
        kills.map((k, i) => `  kill ${String(i + 1)} at ${k.at}: ${String(k.sent)} sent, ${String(k.inFlight)} in flight\n`).join('') +
        `  FLUSHALL at ${String(flushed?.sent)} sent (${String(flushed?.sending)} in an SMTP session)\n`,
    );
    expect(kills).toHaveLength(KILLS);
    expect(flushed).toBeDefined();
    expect(done.sent).toBe(RECIPIENTS);
    expect(lost).toEqual([]);
    expect(perRecipient.size).toBe(RECIPIENTS);
    expect(duplicates).toBeLessThanOrEqual(allowed);
    // One Message-ID per delivery: a repeat is the same message again, never a second delivery row.
    expect(messageIds.size).toBe(RECIPIENTS);
    const rows = await db.query<{ status: string; n: number }>(`SELECT status, count(*)::int AS n FROM deliveries WHERE campaign_id = $1 GROUP BY status`, [
      id,
    ]);
    expect(rows.rows).toEqual([{ status: 'sent', n: RECIPIENTS }]);
    const progress = await marketer.get<{ total: number; sent: number; done: number }>(`/api/v1/campaigns/${id}/progress`);
    expect(progress.body).toMatchObject({ total: RECIPIENTS, sent: RECIPIENTS, done: 1 });
  }, 600_000);
});
