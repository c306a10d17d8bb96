/**
 * bench:delivery — 20,000 messages of a rendered starter template through the delivery worker (consent
 * re-check, render, tracking links, MIME, TLS-only SMTP sessions, per-message evidence and events) to a
 * local STARTTLS sink; then, in the same run, a bare nodemailer pool sending the same message to the
 * same sink. The sink runs in a process of its own for both.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { INestApplicationContext } from '@nestjs/common';
import { Queue } from 'bullmq';
import pg from 'pg';
import { csvStream } from '../test/support/csv-generator.js';
import { bench, MAIN_JS, nodemailerBaseline, ROOT, runMain, startServices, startSinkChild } from './lib.js';

const N = Number(process.env.BENCH_MESSAGES ?? 20_000);
const DIST = join(ROOT, 'backend/dist/backend/src');
const FROM = 'Example Health <news@health.example>';

async function appContext(env: Record<string, string>): Promise<INestApplicationContext> {
  const { NestFactory } = await import('@nestjs/core');
  const { AppModule } = (await import(join(DIST, 'app.module.js'))) as typeof import('../backend/src/app.module.js');
  const { parseConfig } = (await import(join(DIST, 'config/index.js'))) as typeof import('../backend/src/config/index.js');
  return NestFactory.createApplicationContext(AppModule.forEntrypoint('cli', parseConfig(env)), { logger: ['warn', 'error'] });
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'hm-bench-delivery-'));
  const services = await startServices(dir);
  const sink = await startSinkChild();
  let worker: ChildProcess | undefined;
  try {
    const caFile = join(dir, 'sink-ca.crt');
    await import('node:fs/promises').then((fs) => fs.writeFile(caFile, sink.caPem));
    const env: Record<string, string> = {
      DATABASE_URL: services.pg.url,
      REDIS_URL: services.redis.url,
      MASTER_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'warn',
      SMTP_TRANSPORT_MAP: `*=127.0.0.1:${String(sink.port)}`,
      SMTP_CA_FILE: caFile,
      MAIL_FROM: FROM,
      PUBLIC_URL: 'https://mail.health.example',
      DELIVERY_CONCURRENCY: process.env.BENCH_CONCURRENCY ?? '4',
      DELIVERY_DOMAIN_CONNECTIONS: process.env.BENCH_DOMAIN_CONNECTIONS ?? '4',
      DELIVERY_BATCH_SIZE: '100',
    };
    if ((await runMain(['migrate'], env)).code !== 0) throw new Error('migrate failed');
    const db = new pg.Client({ connectionString: services.pg.url });
    db.on('error', () => undefined);
    await db.connect();
    await db.query(`INSERT INTO topics (key, name, kind) VALUES ('newsletter', 'Newsletter', 'marketing')`);
    const csv = join(dir, 'patients.csv');
    await pipeline(csvStream(N, 'bench'), createWriteStream(csv));
    const imported = await runMain(['import', csv, '--topic', 'newsletter', '--attest', 'Benchmark data: synthetic patients with recorded consent.'], env);
    if (imported.code !== 0) throw new Error(`import failed: ${imported.stderr.slice(-500)}`);

    const app = await appContext(env);
    const { TemplatesService } = (await import(join(DIST, 'modules/templates/index.js'))) as typeof import('../backend/src/modules/templates/index.js');
    const { DeliveryService } = (await import(join(DIST, 'modules/delivery/index.js'))) as typeof import('../backend/src/modules/delivery/index.js');
    const templates = app.get(TemplatesService);
    const meta = JSON.parse(await readFile(join(ROOT, 'templates/health-newsletter/meta.json'), 'utf8')) as {
      name: string;
      subject: string;
      preheader: string;
    };
    const mjml = await readFile(join(ROOT, 'templates/health-newsletter/index.mjml'), 'utf8');
    const actor = { type: 'system' as const, id: 'bench' };
    const created = await templates.create({ name: meta.name, category: 'marketing', subject: meta.subject, preheader: meta.preheader, mjml }, actor);
    const version = (await templates.publish(created.template.id, actor)).version;
    const published = await templates.publishedVersion(version.id);
    const topicId = (await db.query<{ id: number }>(`SELECT id FROM topics WHERE key = 'newsletter'`)).rows[0].id;
    const contactIds = (await db.query<{ id: string }>(`SELECT id::text AS id FROM contacts ORDER BY id`)).rows.map((r) => r.id);

    // The worker: a process of its own, as in production.
    worker = spawn(process.execPath, [...(process.env.BENCH_PROFILE ? ['--cpu-prof', `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : []), MAIN_JS, 'worker'], {
      env: { PATH: process.env.PATH ?? '', ...env },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const queue = new Queue('delivery', { connection: { url: services.redis.url }, prefix: '{hm}' });
    for (let i = 0; i < 200 && (await queue.getWorkers()).length === 0; i++) await new Promise((r) => setTimeout(r, 100));

    const started = performance.now();
    const deliveries = app.get(DeliveryService);
    for (let i = 0; i < contactIds.length; i += 2000) {
      await deliveries.enqueue(
        contactIds.slice(i, i + 2000).map((contactId) => ({
          idempotencyKey: `bench:1:${contactId}`,
          templateVersionId: version.id,
          contactId,
          topicId,
          purpose: 'campaign' as const,
          campaignId: '1',
        })),
      );
    }
    const enqueueSeconds = (performance.now() - started) / 1000;
    let counts = { done: 0, sent: 0 };
    while (counts.done < N) {
      await new Promise((r) => setTimeout(r, 250));
      counts = (
        await db.query<{ done: number; sent: number }>(
          `SELECT count(*) FILTER (WHERE status NOT IN ('queued', 'sending', 'deferred'))::int AS done, count(*) FILTER (WHERE status = 'sent')::int AS sent FROM deliveries`,
        )
      ).rows[0];
    }
    const seconds = (performance.now() - started) / 1000;
    const tls = (await db.query<{ v: string; n: number }>(`SELECT evidence->>'tlsVersion' AS v, count(*)::int AS n FROM deliveries GROUP BY 1`)).rows;
    worker.kill('SIGTERM');
    await new Promise((r) => worker?.once('exit', r));
    await queue.close();

    // Baseline: a default nodemailer pool, same rendered message, same sink, TLS required.
    const sample = templates.renderPublished(published, {
      contact: { firstName: 'Alex', lastName: 'Sample', timeZone: 'America/New_York', locale: 'en-US' },
      unsubscribe_url: 'https://mail.health.example/u/x',
      preferences_url: 'https://mail.health.example/p/x',
      organization_name: 'Example Health',
      organization_address: 'Example Health, 100 Main Street, Springfield, ST 00000',
    });
    const baseline = await nodemailerBaseline(sink, N, (i) => ({
      from: FROM,
      to: `patient${String(i)}@example.com`,
      subject: sample.subject,
      html: sample.html,
      text: sample.text,
      list: { unsubscribe: 'https://mail.health.example/u/x' },
    }));
    await app.close();
    await db.end();

    const msgsPerS = Math.round(N / seconds);
    process.stderr.write(
      `delivery worker: ${String(counts.sent)}/${String(N)} sent in ${seconds.toFixed(1)} s (enqueue ${enqueueSeconds.toFixed(1)} s), TLS ${JSON.stringify(tls)}\n` +
        `nodemailer pool: ${baseline.toFixed(0)} msgs/s; message ${String(Buffer.byteLength(sample.html) + Buffer.byteLength(sample.text))} bytes of HTML+text\n`,
    );
    bench('delivery', {
      messages: N,
      sent: counts.sent,
      msgs_per_s: msgsPerS,
      baseline_msgs_per_s: Math.round(baseline),
      ratio: Number((msgsPerS / baseline).toFixed(2)),
    });
  } catch (err) {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  } finally {
    worker?.kill('SIGKILL');
    sink.child.kill('SIGTERM');
    await services.stop();
  }
}

await main();
