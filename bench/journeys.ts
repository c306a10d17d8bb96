/**
 * bench:journeys — 100,000 enrollments waiting (bulk-inserted with SQL, five per contact, in a journey whose goal
 * listens to appointment cancellations, so every event must look at them), then a burst of 20,000
 * `appointment.booked` events recorded through the events module at a steady rate (BENCH_RATE per second). The
 * worker, a process of its own, consumes them from contact_events, enrolls each contact in a cardiology journey and
 * runs it to its first message: a confirmation queued for delivery (the delivery row). Latency is from the event's
 * `recorded_at` (the events API's 202) to that delivery row's `created_at`. The delivery queue is paused during the
 * burst so SMTP sending does not share the two cores; its jobs are counted instead.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, readFileSync } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { INestApplicationContext } from '@nestjs/common';
import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import pg from 'pg';
import { csvStream } from '../test/support/csv-generator.js';
import { bench, MAIN_JS, ROOT, runMain, startServices } from './lib.js';

const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 20_000);
const WAITING = Number(process.env.BENCH_WAITING ?? 100_000);
const EVENTS = Number(process.env.BENCH_EVENTS ?? 20_000);
const RATE = Number(process.env.BENCH_RATE ?? 1_200);
const TICK_MS = 50;
const DIST = join(ROOT, 'backend/dist/backend/src');
const ACTOR = { type: 'system' as const, id: 'bench' };

async function appContext(env: Record<string, string>): Promise<INestApplicationContext> {
  const { NestFactory } = await import('@nestjs/core');
  const { AppModule } = (await import(join(DIST, 'app.module.js'))) as typeof import('../backend/src/app.module.js');
  const { parseConfig } = (await import(join(DIST, 'config/index.js'))) as typeof import('../backend/src/config/index.js');
  return NestFactory.createApplicationContext(AppModule.forEntrypoint('cli', parseConfig(env)), { logger: ['warn', 'error'] });
}

function rssMb(pid: number | undefined): number {
  try {
    const status = readFileSync(`/proc/${String(pid)}/status`, 'utf8');
    return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
  } catch {
    return 0;
  }
}

function pssKb(pid: number): number {
  try {
    return Number(/^Pss:\s+(\d+)/m.exec(readFileSync(`/proc/${String(pid)}/smaps_rollup`, 'utf8'))?.[1] ?? 0);
  } catch {
    return 0;
  }
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'hm-bench-journeys-'));
  const services = await startServices(dir);
  let worker: ChildProcess | undefined;
  try {
    const env: Record<string, string> = {
      DATABASE_URL: services.pg.url,
      REDIS_URL: services.redis.url,
      MASTER_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'warn',
      SMTP_TRANSPORT_MAP: '*=127.0.0.1:9',
      PUBLIC_URL: 'https://mail.health.example',
    };
    if ((await runMain(['migrate'], env)).code !== 0) throw new Error('migrate failed');
    const db = new pg.Client({ connectionString: services.pg.url });
    db.on('error', () => undefined);
    await db.connect();
    await db.query(`INSERT INTO topics (key, name, kind) VALUES ('appointments', 'Appointments', 'transactional')`);
    const csv = join(dir, 'patients.csv');
    await pipeline(csvStream(CONTACTS, 'bench'), createWriteStream(csv));
    const imported = await runMain(['import', csv, '--topic', 'appointments', '--attest', 'Benchmark data: synthetic patients with recorded consent.'], env);
    if (imported.code !== 0) throw new Error(`import failed: ${imported.stderr.slice(-500)}`);

    const app = await appContext(env);
    const { TemplatesService } = (await import(join(DIST, 'modules/templates/index.js'))) as typeof import('../backend/src/modules/templates/index.js');
    const { JourneysService } = (await import(join(DIST, 'modules/journeys/index.js'))) as typeof import('../backend/src/modules/journeys/index.js');
    const { EventsService } = (await import(join(DIST, 'modules/events/index.js'))) as typeof import('../backend/src/modules/events/index.js');
    const templates = app.get(TemplatesService);
    const meta = JSON.parse(await readFile(join(ROOT, 'templates/appointment-reminder/meta.json'), 'utf8')) as {
      name: string;
      subject: string;
      preheader: string;
    };
    const mjml = await readFile(join(ROOT, 'templates/appointment-reminder/index.mjml'), 'utf8');
    const template = await templates.create({ name: meta.name, category: 'transactional', subject: meta.subject, preheader: meta.preheader, mjml }, ACTOR);
    await templates.publish(template.template.id, ACTOR);
    const topicId = (await db.query<{ id: number }>(`SELECT id FROM topics WHERE key = 'appointments'`)).rows[0].id;
    const journeys = app.get(JourneysService);
    const publish = async (name: string, graph: unknown) => {
      const created = await journeys.create({ name, graph }, ACTOR);
      if (created.problems.length) throw new Error(`${name}: ${JSON.stringify(created.problems)}`);
      return (await journeys.publish(created.journey.id, ACTOR)).id;
    };
    const waitingJourney = await publish('Annual check-up cadence', {
      nodes: [
        { id: 'api', type: 'trigger', trigger: { kind: 'api' }, next: 'wait' },
        { id: 'wait', type: 'wait', duration: { value: 30, unit: 'days' }, next: 'remind' },
        { id: 'remind', type: 'send', templateId: template.template.id, topicId, next: 'done' },
        { id: 'done', type: 'exit' },
        { id: 'cancelled', type: 'goal', eventType: 'appointment.cancelled' },
      ],
      settings: { entry: { rule: 'always' } },
    });
    const cardiology = await publish('Cardiology appointment', {
      nodes: [
        {
          id: 'booked',
          type: 'trigger',
          trigger: { kind: 'event', eventType: 'appointment.booked', where: [{ property: 'serviceType', op: 'eq', value: 'cardiology' }] },
          next: 'confirm',
        },
        { id: 'confirm', type: 'send', templateId: template.template.id, topicId, next: 'before48' },
        { id: 'before48', type: 'wait_until', relativeTo: { source: 'event', property: 'startsAt' }, offset: { value: -48, unit: 'hours' }, next: 'remind' },
        { id: 'remind', type: 'send', templateId: template.template.id, topicId, next: 'done' },
        { id: 'done', type: 'exit' },
        { id: 'cancelled', type: 'goal', eventType: 'appointment.cancelled', where: [{ property: 'appointmentId', op: 'eq', sameAsTrigger: 'appointmentId' }] },
      ],
      settings: { entry: { rule: 'always' } },
    });
    const contactIds = (await db.query<{ id: string }>(`SELECT id::text AS id FROM contacts ORDER BY id`)).rows.map((r) => r.id);

    // 100,000 enrollments waiting at the 30-day wait, spread over the next month, with the trigger step they ran.
    const t0 = performance.now();
    await db.query(
      `WITH e AS (
         INSERT INTO journey_enrollments (journey_id, version, contact_id, node_id, step_seq, arrived_at, next_wake_at, entered_at)
         SELECT $1, 1, c.id, 'wait', 1, now(), now() + make_interval(days => 1 + (g % 29), secs => g % 86400), now()
           FROM generate_series(0, $2 - 1) AS g JOIN LATERAL (SELECT ($3::bigint[])[1 + g % array_length($3::bigint[], 1)] AS id) c ON true
         RETURNING id)
       INSERT INTO journey_steps (enrollment_id, step_key, journey_id, version, node_id, node_type, outcome, at)
       SELECT id, '0:api', $1, 1, 'api', 'trigger', 'entered', now() FROM e`,
      [waitingJourney, WAITING, contactIds],
    );
    await db.query(`ANALYZE journey_enrollments; ANALYZE journey_steps`);
    process.stderr.write(`${String(WAITING)} waiting enrollments inserted in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);

    // The worker: a process of its own, as in production. Delivery jobs are held (paused queue) while the burst runs.
    const delivery = new Queue('delivery', { connection: { url: services.redis.url }, prefix: '{hm}' });
    const journeyQueue = new Queue('journeys', { connection: { url: services.redis.url }, prefix: '{hm}' });
    await delivery.pause();
    worker = spawn(process.execPath, [...(process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : []), MAIN_JS, 'worker'], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    for (let i = 0; i < 300 && (await journeyQueue.getWorkers()).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    // Let the event consumer read past the import's history before the clock starts.
    await new Promise((r) => setTimeout(r, 1500));

    const events = app.get(EventsService);
    const startsAt = new Date(Date.now() + 10 * 86_400_000).toISOString();
    const burstStart = performance.now();
    let peakWorkerMb = 0;
    let sent = 0;
    for (let tick = 0; sent < EVENTS; tick++) {
      const due = Math.min(EVENTS, Math.round(((tick + 1) * TICK_MS * RATE) / 1000));
      const batch = [];
      for (; sent < due; sent++) {
        const contactId = contactIds[sent % contactIds.length];
        batch.push({
          contactId,
          type: 'appointment.booked',
          occurredAt: new Date(),
          source: 'api' as const,
          idempotencyKey: `bench-${String(sent)}`,
          properties: { appointmentId: `A${String(sent)}`, serviceType: 'cardiology', startsAt, location: 'Heart Center, Suite 200' },
        });
      }
      if (batch.length) await events.record(batch);
      peakWorkerMb = Math.max(peakWorkerMb, rssMb(worker.pid));
      const wait = burstStart + (tick + 1) * TICK_MS - performance.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
    }
    const ingestSeconds = (performance.now() - burstStart) / 1000;
    let queued = 0;
    const deadline = Date.now() + 10 * 60_000;
    while (queued < EVENTS && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 200));
      peakWorkerMb = Math.max(peakWorkerMb, rssMb(worker.pid));
      queued = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM deliveries WHERE journey_id = $1`, [cardiology])).rows[0].n;
    }
    const [figures] = (
      await db.query<{
        first: Date;
        last: Date;
        p50: number;
        p95: number;
        p99: number;
        max: number;
        enrolled_p50: number;
        enrolled_p95: number;
        picked_p50: number;
      }>(
        `WITH l AS (
           SELECT ce.recorded_at, d.created_at, extract(epoch FROM d.created_at - ce.recorded_at) * 1000 AS ms,
                  extract(epoch FROM e.entered_at - ce.recorded_at) * 1000 AS enrolled_ms,
                  extract(epoch FROM (SELECT s.at FROM journey_steps s WHERE s.enrollment_id = e.id AND s.step_key = '0:booked') - e.entered_at) * 1000 AS picked_ms
             FROM contact_events ce
             JOIN journey_enrollments e ON e.journey_id = $1 AND e.contact_id = ce.contact_id
             JOIN deliveries d ON d.enrollment_id = e.id
            WHERE ce.type = 'appointment.booked')
         SELECT min(recorded_at) AS first, max(created_at) AS last,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY ms) AS p50, percentile_cont(0.95) WITHIN GROUP (ORDER BY ms) AS p95,
                percentile_cont(0.99) WITHIN GROUP (ORDER BY ms) AS p99, max(ms)::float8 AS max,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY enrolled_ms) AS enrolled_p50, percentile_cont(0.95) WITHIN GROUP (ORDER BY enrolled_ms) AS enrolled_p95,
                percentile_cont(0.5) WITHIN GROUP (ORDER BY picked_ms) AS picked_p50
           FROM l`,
        [cardiology],
      )
    ).rows;
    const seconds = (figures.last.getTime() - figures.first.getTime()) / 1000;
    const stillWaiting = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM journey_enrollments WHERE state = 'active' AND node_id = 'wait'`))
      .rows[0].n;
    const pgSize = (
      await db.query<{ db: string; journeys: string }>(
        `SELECT pg_database_size(current_database())::text AS db,
                (pg_total_relation_size('journey_enrollments') + pg_total_relation_size('journey_steps') + pg_total_relation_size('journey_contacts'))::text AS journeys`,
      )
    ).rows[0];
    // Proportional set size of every Postgres process (shared buffers counted once, not once per backend).
    const pgPids = (await db.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity`)).rows.map((r) => r.pid);
    const pgPssMb = Math.round(pgPids.reduce((sum, pid) => sum + pssKb(pid), 0) / 1024);
    const redis = new Redis(services.redis.url);
    const redisUsed = Number(/used_memory:(\d+)/.exec(await redis.info('memory'))?.[1] ?? 0);
    const deliveryJobs = await delivery.getJobCounts('waiting', 'delayed');
    await redis.quit();
    worker.kill('SIGTERM');
    await new Promise((r) => worker?.once('exit', r));
    await Promise.all([delivery.close(), journeyQueue.close()]);
    await app.close();
    await db.end();

    const mb = (bytes: number | string) => Math.round(Number(bytes) / 1024 / 1024);
    process.stderr.write(
      `events: ${String(EVENTS)} recorded in ${ingestSeconds.toFixed(1)} s (offered ${String(RATE)}/s); first e-mail queued for ${String(queued)} ` +
        `in ${seconds.toFixed(1)} s; latency p50 ${figures.p50.toFixed(0)} ms, p95 ${figures.p95.toFixed(0)} ms, p99 ${figures.p99.toFixed(0)} ms, max ${figures.max.toFixed(0)} ms ` +
        `(of which event to enrollment p50 ${figures.enrolled_p50.toFixed(0)} ms, p95 ${figures.enrolled_p95.toFixed(0)} ms; enrollment to its first pass p50 ${figures.picked_p50.toFixed(0)} ms)\n` +
        `waiting enrollments untouched: ${String(stillWaiting)}; delivery jobs held: ${JSON.stringify(deliveryJobs)}\n` +
        `memory: Postgres database ${String(mb(pgSize.db))} MB on disk (journey tables ${String(mb(pgSize.journeys))} MB), Postgres processes ${String(pgPssMb)} MB (PSS), ` +
        `Redis used ${String(mb(redisUsed))} MB, worker peak RSS ${String(peakWorkerMb)} MB\n`,
    );
    bench('journeys', {
      waiting_enrollments: stillWaiting,
      events_per_s: Math.round(queued / seconds),
      p50_ms: Math.round(figures.p50),
      p95_ms: Math.round(figures.p95),
      p99_ms: Math.round(figures.p99),
      events: EVENTS,
      offered_per_s: RATE,
      pg_db_mb: mb(pgSize.db),
      pg_pss_mb: pgPssMb,
      redis_mb: mb(redisUsed),
    });
  } catch (err) {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  } finally {
    worker?.kill('SIGKILL');
    await services.stop();
  }
}

await main();
