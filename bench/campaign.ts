/**
 * bench:campaign — a 50,000-recipient campaign end to end: approval, audience snapshot from a saved segment,
 * fan-out in batches through BullMQ into deliveries, consent re-check, render, tracking links, MIME, DKIM-less
 * TLS-only SMTP to a local STARTTLS sink, with a worker and a scheduler process as in production. Then, in the same
 * run, a bare nodemailer pool sends the same rendered message to the same sink. The sink's own record counts
 * recipients lost and messages duplicated.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Queue } from 'bullmq';
import { MessageStore } from '../backend/src/dev/mail-sink/index.js';
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

const N = Number(process.env.BENCH_RECIPIENTS ?? 50_000);
const AUTHOR = { type: 'user' as const, id: 'bench-author' };
const REVIEWER = { type: 'user' as const, id: 'bench-reviewer' };

function startProcess(role: 'worker' | 'scheduler', env: Record<string, string>): ChildProcess {
  return spawn(process.execPath, [MAIN_JS, role], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'inherit', 'inherit'] });
}

/** Every message the sink stored, as the recipient and Message-ID it recorded. */
async function sinkRecord(dataDir: string): Promise<{ rcpt: string; messageId: string | null }[]> {
  const { store } = await MessageStore.open(dataDir);
  const out: { rcpt: string; messageId: string | null }[] = [];
  for (let offset = 0; offset < store.count; offset += 500) {
    for (const m of store.list({ offset, limit: 500 }).items) out.push({ rcpt: m.envelope.rcptTo[0], messageId: m.messageId });
  }
  return out;
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'hm-bench-campaign-'));
  const services = await startServices(dir);
  const sink = await startSinkChild();
  const children: ChildProcess[] = [];
  try {
    const env = await sendBenchEnv(dir, services, sink, { CAMPAIGN_SWEEP_SECONDS: '1' });
    const db = await seedNewsletterPatients(dir, env, N);
    const app = await appContext(env);
    const { SavedSegmentsService } = (await import(join(DIST, 'modules/segments/index.js'))) as typeof import('../backend/src/modules/segments/index.js');
    const { CampaignsService } = (await import(join(DIST, 'modules/campaigns/index.js'))) as typeof import('../backend/src/modules/campaigns/index.js');
    const { templates, versionId } = await publishNewsletterStarter(app, AUTHOR);
    const segment = await app.get(SavedSegmentsService).create({ name: 'Newsletter subscribers', rule: { field: 'consent', topic: 'newsletter' } }, AUTHOR);
    const campaigns = app.get(CampaignsService);
    const campaign = await campaigns.create(
      {
        name: 'Benchmark newsletter',
        topic: 'newsletter',
        includeSegmentIds: [segment.id],
        templateVersionId: versionId,
        sender: { fromName: 'Example Health', replyTo: 'care@health.example' },
      },
      AUTHOR,
    );
    await campaigns.submit(campaign.id, AUTHOR);
    await campaigns.approve(campaign.id, REVIEWER);

    // A worker and a scheduler, each a process of its own, as in production.
    children.push(startProcess('worker', env), startProcess('scheduler', env));
    const queues = ['campaigns', 'delivery'].map((name) => new Queue(name, { connection: { url: services.redis.url }, prefix: '{hm}' }));
    for (let i = 0; i < 300 && (await Promise.all(queues.map((q) => q.getWorkers()))).some((w) => w.length === 0); i++)
      await new Promise((r) => setTimeout(r, 100));

    const started = performance.now();
    await campaigns.schedule(campaign.id, AUTHOR);
    let state = { status: 'sending', done: 0, sent: 0, snapshot: null as number | null, fanned: null as number | null };
    const deadline = Date.now() + 30 * 60_000;
    let doneAt: number | undefined;
    while (state.status !== 'sent' && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 250));
      state = (
        await db.query<typeof state>(
          `SELECT c.status,
                  (SELECT count(*) FILTER (WHERE status NOT IN ('queued', 'sending', 'deferred', 'paused'))::int FROM deliveries WHERE campaign_id = c.id) AS done,
                  (SELECT count(*) FILTER (WHERE status = 'sent')::int FROM deliveries WHERE campaign_id = c.id) AS sent,
                  extract(epoch FROM c.snapshot_at - c.started_at)::float AS snapshot,
                  extract(epoch FROM c.fanout_completed_at - c.started_at)::float AS fanned
             FROM campaigns c WHERE c.id = $1`,
          [campaign.id],
        )
      ).rows[0];
      if (state.done >= N) doneAt ??= performance.now();
    }
    const seconds = ((doneAt ?? performance.now()) - started) / 1000;
    const sentSeconds = (performance.now() - started) / 1000;
    for (const child of children) child.kill('SIGTERM');
    await Promise.all(children.map((c) => new Promise((r) => c.once('exit', r))));
    await Promise.all(queues.map((q) => q.close()));

    // What the sink holds: every recipient once is the goal.
    const record = await sinkRecord(sink.dataDir);
    const perRecipient = new Map<string, number>();
    for (const r of record) perRecipient.set(r.rcpt, (perRecipient.get(r.rcpt) ?? 0) + 1);
    const lost = Array.from({ length: N }, (_, i) => `bench.${String(i)}@example.org`).filter((r) => !perRecipient.has(r)).length;
    const duplicates = record.length - perRecipient.size;
    const messageIds = new Set(record.map((r) => r.messageId)).size;

    // Baseline: a default nodemailer pool, the same rendered message, the same sink, TLS required.
    const { msgsPerS: baseline } = await renderedBaseline(templates, versionId, sink, N);
    await app.close();
    await db.end();

    const msgsPerS = Math.round(N / seconds);
    process.stderr.write(
      `campaign: ${String(state.sent)}/${String(N)} sent in ${seconds.toFixed(1)} s (audience frozen at ${String(state.snapshot?.toFixed(1))} s, ` +
        `fan-out done at ${String(state.fanned?.toFixed(1))} s, status ${state.status} at ${sentSeconds.toFixed(1)} s)\n` +
        `sink: ${String(record.length)} campaign messages, ${String(perRecipient.size)} recipients, ${String(messageIds)} Message-IDs; lost ${String(lost)}, duplicated ${String(duplicates)}\n` +
        `nodemailer pool: ${baseline.toFixed(0)} msgs/s\n`,
    );
    bench('campaign', {
      recipients: N,
      msgs_per_s: msgsPerS,
      baseline_msgs_per_s: Math.round(baseline),
      ratio: Number((msgsPerS / baseline).toFixed(2)),
      lost,
      duplicates,
    });
  } catch (err) {
    process.stderr.write(`bench failed: ${(err as Error).stack ?? String(err)}\n`);
    process.exitCode = 1;
  } finally {
    for (const child of children) child.kill('SIGKILL');
    sink.child.kill('SIGTERM');
    await services.stop();
  }
}

await main();
