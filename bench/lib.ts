import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
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
