import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { freePort } from '../../backend/src/embedded/free-port.js';
import { startEmbeddedPostgres } from '../../backend/src/embedded/postgres.js';
import { startRedis } from '../../backend/src/embedded/redis.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresAdminUrl: string;
    redisUrl: string;
  }
}

/** One real Postgres and one real Redis for the whole run; each test file makes its own database. */
export default async function setup(project: TestProject) {
  const dir = await mkdtemp(join(tmpdir(), 'hm-test-'));
  const pg = await startEmbeddedPostgres({ dataDir: join(dir, 'pg'), port: await freePort(), password: 'test', database: 'postgres', persistent: false });
  const redis = await startRedis({ port: await freePort() });
  project.provide('postgresAdminUrl', pg.url);
  project.provide('redisUrl', redis.url);
  return async () => {
    await redis.stop();
    await pg.stop();
    await rm(dir, { recursive: true, force: true });
  };
}
