/**
 * bench:delivery — 20,000 messages of a rendered starter template through the delivery worker (consent
 * re-check, render, tracking links, MIME, TLS-only SMTP sessions, per-message evidence and events) to a
 * local STARTTLS sink; then, in the same run, a bare nodemailer pool sending the same message to the
 * same sink. The sink runs in a process of its own for both.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import {
  appContext,
  bench,
  DIST,
  MAIN_JS,
  publishNewsletterStarter,
  renderedBaseline,
  seedNewsletterPatients,
  sendBenchEnv,
  startServices,
  startSinkChild,
} from './lib.js';

const N = Number(process.env.BENCH_MESSAGES ?? 20_000);

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'hm-bench-delivery-'));
  const services = await startServices(dir);
  const sink = await startSinkChild();
  let worker: ChildProcess | undefined;
  try {
    const env = await sendBenchEnv(dir, services, sink);
    const db = await seedNewsletterPatients(dir, env, N);
    const app = await appContext(env);
    const { DeliveryService } = (await import(join(DIST, 'modules/delivery/index.js'))) as typeof import('../backend/src/modules/delivery/index.js');
    const { templates, versionId } = await publishNewsletterStarter(app, { type: 'system', id: 'bench' });
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
          templateVersionId: versionId,
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
    const { sample, msgsPerS: baseline } = await renderedBaseline(templates, versionId, sink, N);
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
