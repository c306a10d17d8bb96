import { spawn, spawnSync } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { createConnection } from 'node:net';

export interface RunningRedis {
  url: string;
  port: number;
  stop(): Promise<void>;
}

/** Finds redis-server; installs it with apt when missing and we are root on Debian/Ubuntu. */
export function ensureRedisServer(log: (line: string) => void = () => undefined): string {
  const found = which('redis-server');
  if (found) return found;
  const isRoot = process.getuid?.() === 0;
  if (isRoot && which('apt-get')) {
    log('redis-server is missing: installing it with apt-get (redis-server)');
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    spawnSync('apt-get', ['update', '-qq'], { stdio: 'ignore', env });
    const result = spawnSync('apt-get', ['install', '-y', '-qq', 'redis-server'], { stdio: 'ignore', env });
    const installed = which('redis-server');
    if (result.status === 0 && installed) return installed;
  }
  throw new Error('redis-server not found: install it (sudo apt-get install redis-server) or set REDIS_URL');
}

function which(command: string): string | undefined {
  const result = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  const path = result.stdout.trim();
  return result.status === 0 && path ? path : undefined;
}

/** A private redis-server on loopback; with `dataDir` it keeps an append-only file there. */
export async function startRedis(opts: { port: number; dataDir?: string; log?: (line: string) => void }): Promise<RunningRedis> {
  const binary = ensureRedisServer(opts.log);
  const args = ['--bind', '127.0.0.1', '--port', String(opts.port), '--protected-mode', 'yes', '--save', ''];
  if (opts.dataDir) {
    await mkdir(opts.dataDir, { recursive: true });
    args.push('--dir', opts.dataDir, '--appendonly', 'yes');
  } else {
    args.push('--appendonly', 'no');
  }
  const child = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.on('data', (chunk: Buffer) => opts.log?.(chunk.toString().trim()));
  child.stderr.on('data', (chunk: Buffer) => opts.log?.(chunk.toString().trim()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitForPort(opts.port, 10_000, () => child.exitCode !== null);
  return {
    url: `redis://127.0.0.1:${opts.port}`,
    port: opts.port,
    stop: async () => {
      if (child.exitCode === null) child.kill('SIGTERM');
      await exited;
    },
  };
}

async function waitForPort(port: number, timeoutMs: number, failed: () => boolean) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (failed()) throw new Error(`redis-server exited before listening on ${port}`);
    const open = await new Promise<boolean>((resolve) => {
      const socket = createConnection({ port, host: '127.0.0.1' }, () => {
        socket.end();
        resolve(true);
      });
      socket.once('error', () => resolve(false));
    });
    if (open) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`redis-server did not listen on ${port} within ${timeoutMs} ms`);
}
