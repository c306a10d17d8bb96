import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createWriteStream, readFileSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import type { INestApplicationContext } from '@nestjs/common';
import nodemailer from 'nodemailer';
import pg from 'pg';
import type { TemplatesService } from '../backend/src/modules/templates/index.js';
import { csvStream } from '../test/support/csv-generator.js';
import { freePort } from '../backend/src/embedded/free-port.js';
import { startEmbeddedPostgres, type RunningPostgres } from '../backend/src/embedded/postgres.js';
import { startRedis, type RunningRedis } from '../backend/src/embedded/redis.js';

export const ROOT = join(import.meta.dirname, '..');
export const MAIN_JS = join(ROOT, 'backend/dist/backend/src/main.js');
const CLI_SH = join(ROOT, 'backend/scripts/cli.sh');
export const DIST = join(ROOT, 'backend/dist/backend/src');
export const BENCH_FROM = 'Example Health <news@health.example>';

export async function startServices(dir: string): Promise<{ pg: RunningPostgres; redis: RunningRedis; stop(): Promise<void> }> {
  const pg = await startEmbeddedPostgres({ dataDir: join(dir, 'pg'), port: await freePort(), password: 'bench', database: 'bench', persistent: false });
  const redis = await startRedis({ port: await freePort() });
  return {
    pg,
    redis,
    stop: async () => {
      await redis.stop();
      await pg.stop();
    },
  };
}

export interface ChildRun {
  code: number | null;
  stdout: string;
  stderr: string;
  seconds: number;
  peakRssMb: number;
}

/** Runs the built backend and samples its resident memory (VmRSS) every 50 ms for the peak. */
export function runMain(args: string[], env: Record<string, string>, onStderr?: (s: string) => void): Promise<ChildRun> {
  return new Promise((resolve) => {
    const started = performance.now();
    // Through the operators' wrapper, its heap ceiling included (it execs node: the pid sampled
    // below is node's). BENCH_NODE_ARGS="--cpu-prof --cpu-prof-dir=/tmp/prof" profiles the process.
    const child = spawn('bash', [CLI_SH, ...args], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH ?? '',
        HM_NODE_ARGS: process.env.BENCH_NODE_ARGS ?? '',
        ...(process.env.CLI_MAX_OLD_SPACE_MB ? { CLI_MAX_OLD_SPACE_MB: process.env.CLI_MAX_OLD_SPACE_MB } : {}),
        ...env,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    let peak = 0;
    const sample = setInterval(() => {
      try {
        const status = readFileSync(`/proc/${child.pid}/status`, 'utf8');
        const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0);
        peak = Math.max(peak, kb);
      } catch {
        // exited
      }
    }, 50);
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => {
      stderr += c.toString();
      onStderr?.(c.toString());
    });
    child.once('exit', (code) => {
      clearInterval(sample);
      resolve({ code, stdout, stderr, seconds: (performance.now() - started) / 1000, peakRssMb: Math.round(peak / 1024) });
    });
  });
}

export function bench(name: string, figures: Record<string, unknown>) {
  process.stdout.write(`BENCH ${JSON.stringify({ name, ...figures })}\n`);
}

export interface SinkChild {
  port: number;
  caPem: string;
  caFile: string;
  /** Where the sink keeps its messages (`messages/<id>.json` with envelope and Message-ID). */
  dataDir: string;
  child: ChildProcess;
}

/** The dev mail sink in a process of its own (bench/mail-sink-child.ts), so both sides of a comparison pay for it equally. */
export async function startSinkChild(): Promise<SinkChild> {
  const child = spawn(process.execPath, ['--import', 'tsx', join(ROOT, 'bench/mail-sink-child.ts')], { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] });
  const line = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (c: Buffer) => {
      out += c.toString();
      const found = out.split('\n').find((l) => l.startsWith('SINK '));
      if (found) resolve(found.slice(5));
    });
    child.once('exit', (code) => {
      reject(new Error(`sink exited ${String(code)}`));
    });
  });
  const info = JSON.parse(line) as { port: number; caPem: string; caFile: string };
  return { ...info, dataDir: dirname(dirname(info.caFile)), child };
}

type MailOptions = Parameters<ReturnType<typeof nodemailer.createTransport>['sendMail']>[0];

/** The raw baseline: a default nodemailer pool, STARTTLS required (TLS 1.2+, the sink's CA pinned), 50 sends in flight. Returns messages/s. */
export async function nodemailerBaseline(sink: { port: number; caPem: string }, n: number, message: (i: number) => MailOptions): Promise<number> {
  const pool = nodemailer.createTransport({
    pool: true,
    host: '127.0.0.1',
    port: sink.port,
    requireTLS: true,
    tls: { ca: sink.caPem, servername: 'localhost', minVersion: 'TLSv1.2' },
  });
  const t0 = performance.now();
  let next = 0;
  await Promise.all(
    Array.from({ length: 50 }, async () => {
      while (next < n) await pool.sendMail(message(next++));
    }),
  );
  const rate = n / ((performance.now() - t0) / 1000);
  pool.close();
  return rate;
}

/** The backend's environment in a send benchmark: every message to the sink (its CA pinned), the worker's delivery settings. */
export async function sendBenchEnv(
  dir: string,
  services: { pg: RunningPostgres; redis: RunningRedis },
  sink: { port: number; caPem: string },
  extra: Record<string, string> = {},
): Promise<Record<string, string>> {
  const caFile = join(dir, 'sink-ca.crt');
  await writeFile(caFile, sink.caPem);
  return {
    DATABASE_URL: services.pg.url,
    REDIS_URL: services.redis.url,
    MASTER_KEY: randomBytes(32).toString('base64'),
    LOG_LEVEL: 'warn',
    SMTP_TRANSPORT_MAP: `*=127.0.0.1:${String(sink.port)}`,
    SMTP_CA_FILE: caFile,
    MAIL_FROM: BENCH_FROM,
    PUBLIC_URL: 'https://mail.health.example',
    DELIVERY_CONCURRENCY: process.env.BENCH_CONCURRENCY ?? '4',
    DELIVERY_DOMAIN_CONNECTIONS: process.env.BENCH_DOMAIN_CONNECTIONS ?? '4',
    DELIVERY_BATCH_SIZE: '100',
    ...extra,
  };
}

/** Migrates, adds the `newsletter` topic and imports `n` synthetic patients (`bench.<i>@example.org`) with its consent through the CLI. */
export async function seedNewsletterPatients(dir: string, env: Record<string, string>, n: number): Promise<pg.Client> {
  if ((await runMain(['migrate'], env)).code !== 0) throw new Error('migrate failed');
  const db = new pg.Client({ connectionString: env.DATABASE_URL });
  db.on('error', () => undefined);
  await db.connect();
  await db.query(`INSERT INTO topics (key, name, kind) VALUES ('newsletter', 'Newsletter', 'marketing')`);
  const csv = join(dir, 'patients.csv');
  await pipeline(csvStream(n, 'bench'), createWriteStream(csv));
  const imported = await runMain(['import', csv, '--topic', 'newsletter', '--attest', 'Benchmark data: synthetic patients with recorded consent.'], env);
  if (imported.code !== 0) throw new Error(`import failed: ${imported.stderr.slice(-500)}`);
  return db;
}

/** The built backend as an application context without roles (services only), like a CLI command. */
export async function appContext(env: Record<string, string>): Promise<INestApplicationContext> {
  const { NestFactory } = await import('@nestjs/core');
  const { AppModule } = (await import(join(DIST, 'app.module.js'))) as typeof import('../backend/src/app.module.js');
  const { parseConfig } = (await import(join(DIST, 'config/index.js'))) as typeof import('../backend/src/config/index.js');
  return NestFactory.createApplicationContext(AppModule.forEntrypoint('cli', parseConfig(env)), { logger: ['warn', 'error'] });
}

/** The health-newsletter starter, created and published through the built TemplatesService; returns the service and the version id. */
export async function publishNewsletterStarter(app: INestApplicationContext, actor: { type: 'system' | 'user'; id: string }) {
  const { TemplatesService } = (await import(join(DIST, 'modules/templates/index.js'))) as typeof import('../backend/src/modules/templates/index.js');
  const templates = app.get(TemplatesService);
  const meta = JSON.parse(await readFile(join(ROOT, 'templates/health-newsletter/meta.json'), 'utf8')) as { name: string; subject: string; preheader: string };
  const mjml = await readFile(join(ROOT, 'templates/health-newsletter/index.mjml'), 'utf8');
  const created = await templates.create({ name: meta.name, category: 'marketing', subject: meta.subject, preheader: meta.preheader, mjml }, actor);
  const versionId = (await templates.publish(created.template.id, actor)).version.id;
  return { templates, versionId };
}

/** The baseline's message: the published version rendered once for a sample patient. */
export async function sampleMessage(templates: TemplatesService, versionId: number) {
  return templates.renderPublished(await templates.publishedVersion(versionId), {
    contact: { firstName: 'Alex', lastName: 'Sample', timeZone: 'America/New_York', locale: 'en-US' },
    unsubscribe_url: 'https://mail.health.example/u/x',
    preferences_url: 'https://mail.health.example/p/x',
    organization_name: 'Example Health',
    organization_address: 'Example Health, 100 Main Street, Springfield, ST 00000',
  });
}

/** The baseline run of the send benchmarks: a default nodemailer pool sending the sample message `n` times to the sink. */
export async function renderedBaseline(templates: TemplatesService, versionId: number, sink: { port: number; caPem: string }, n: number) {
  const sample = await sampleMessage(templates, versionId);
  const msgsPerS = await nodemailerBaseline(sink, n, (i) => ({
    from: BENCH_FROM,
    to: `patient${String(i)}@example.com`,
    subject: sample.subject,
    html: sample.html,
    text: sample.text,
    list: { unsubscribe: 'https://mail.health.example/u/x' },
  }));
  return { sample, msgsPerS };
}
