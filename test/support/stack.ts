import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import type { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import pg from 'pg';
import { inject } from 'vitest';
import { AppModule } from '../../backend/src/app.module.js';
import { type AppConfig, parseConfig } from '../../backend/src/config/index.js';
import { runMigrations } from '../../backend/src/platform/database/index.js';
import { configureHttp } from '../../backend/src/platform/http/configure-http.js';
import { createLogger, NestPinoLogger } from '../../backend/src/platform/logging/index.js';
import type { Entrypoint } from '../../backend/src/platform/process/process-role.js';

export const TEST_MASTER_KEY = randomBytes(32).toString('base64');

/** A fresh, migrated database of its own for one test file. */
export async function createTestDatabase(): Promise<string> {
  const adminUrl = inject('postgresAdminUrl');
  const name = `t_${randomBytes(6).toString('hex')}`;
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** A superuser connection to a test database, for tampering and inspection that the app must not be able to do. */
export async function superuser(databaseUrl: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  return client;
}

export function testConfig(overrides: Partial<Record<string, string>> = {}): AppConfig {
  return parseConfig({
    NODE_ENV: 'test',
    DATABASE_URL: overrides.DATABASE_URL ?? 'postgres://unset@127.0.0.1:1/unset',
    REDIS_URL: inject('redisUrl'),
    QUEUE_PREFIX: `t${randomBytes(4).toString('hex')}`,
    MASTER_KEY: TEST_MASTER_KEY,
    LOG_LEVEL: 'silent',
    PORT: '3999',
    RATE_LIMIT_LOGIN_PER_MINUTE: '1000',
    ...overrides,
  });
}

export interface TestApp {
  app: INestApplication;
  baseUrl: string;
  config: AppConfig;
  databaseUrl: string;
  close(): Promise<void>;
}

/** The real application, in this process, on a free port, over a fresh migrated database. */
export async function startTestApp(
  options: { entrypoint?: Entrypoint; env?: Record<string, string>; databaseUrl?: string; logs?: string[] } = {},
): Promise<TestApp> {
  const databaseUrl = options.databaseUrl ?? (await createTestDatabase());
  const config = testConfig({ DATABASE_URL: databaseUrl, ...(options.logs ? { LOG_LEVEL: 'trace' } : {}), ...options.env });
  await runMigrations(config);
  // With `logs`, every log line the app writes is captured there (to scan it for PHI).
  const lines = options.logs;
  const destination = lines
    ? new Writable({
        write(chunk: Buffer, _enc, done) {
          lines.push(chunk.toString());
          done();
        },
      })
    : undefined;
  const logger = new NestPinoLogger(createLogger({ level: config.LOG_LEVEL, destination }));
  const app = await NestFactory.create<NestExpressApplication>(AppModule.forEntrypoint(options.entrypoint ?? 'all', config), {
    logger,
    bodyParser: false,
    abortOnError: false,
  });
  configureHttp(app, config);
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  return { app, config, databaseUrl, baseUrl: `http://127.0.0.1:${address.port}`, close: () => app.close() };
}

/**
 * Every row of every table as text, the data a pg_dump would hold (row_to_json renders bytea as
 * \\x-hex, as pg_dump does). Tests search it for PHI values in plain text and in hex.
 */
export async function dumpDatabase(databaseUrl: string): Promise<string> {
  const db = await superuser(databaseUrl);
  try {
    const tables = (
      await db.query<{ t: string }>(
        `SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE' ORDER BY 1`,
      )
    ).rows;
    const parts: string[] = [];
    for (const { t } of tables) {
      const rows = await db.query<{ r: string }>(`SELECT row_to_json(x)::text AS r FROM "${t}" x`);
      parts.push(`-- ${t}`, ...rows.rows.map((r) => r.r));
    }
    return parts.join('\n');
  } finally {
    await db.end();
  }
}

/**
 * The PHI values that occur in `haystack`, as plain text, or as the hex a bytea dump shows.
 * Probes that could turn up by chance are refused: shorter than 5 characters, or made only of
 * hex digits and shorter than 10 (they occur inside the hex of ciphertexts). The hex form is
 * searched for probes of 8 bytes or more.
 */
export function phiFound(haystack: string, values: string[]): string[] {
  const weak = values.filter((v) => v.length < 5 || (/^[0-9a-f]+$/i.test(v) && v.length < 10));
  if (weak.length) throw new Error(`PHI probes that could match by chance: ${weak.join(', ')}`);
  const lower = haystack.toLowerCase();
  return values.filter((v) => lower.includes(v.toLowerCase()) || (Buffer.byteLength(v) >= 8 && lower.includes(Buffer.from(v).toString('hex'))));
}
