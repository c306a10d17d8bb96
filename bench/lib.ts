import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import nodemailer from 'nodemailer';
import { freePort } from '../backend/src/embedded/free-port.js';
import { startEmbeddedPostgres, type RunningPostgres } from '../backend/src/embedded/postgres.js';
import { startRedis, type RunningRedis } from '../backend/src/embedded/redis.js';

export const ROOT = join(import.meta.dirname, '..');
export const MAIN_JS = join(ROOT, 'backend/dist/backend/src/main.js');

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
    const child = spawn(process.execPath, [MAIN_JS, ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
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
