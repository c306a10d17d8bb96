import { DataSource } from 'typeorm';
import type { AppConfig } from '../../config/index.js';
import { dataSourceOptions } from './data-source-options.js';

/** Applies pending migrations and returns their names. Safe to run concurrently: Postgres serialises it with an advisory lock. */
export async function runMigrations(config: AppConfig): Promise<string[]> {
  const dataSource = new DataSource(dataSourceOptions(config));
  await dataSource.initialize();
  try {
    await dataSource.query('SELECT pg_advisory_lock(727274)');
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    await dataSource.query('SELECT pg_advisory_unlock(727274)');
    return applied.map((m) => m.name);
  } finally {
    await dataSource.destroy();
  }
}
