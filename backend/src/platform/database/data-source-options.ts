import type { DataSourceOptions } from 'typeorm';
import { migrations } from '../../../../migrations/index.js';
import type { AppConfig } from '../../config/index.js';

/** One definition of the connection, shared by the Nest app and the migrate command. */
export function dataSourceOptions(config: Pick<AppConfig, 'DATABASE_URL' | 'DATABASE_POOL_SIZE'>): DataSourceOptions {
  return {
    type: 'postgres',
    url: config.DATABASE_URL,
    migrations,
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    logging: false,
    extra: { max: config.DATABASE_POOL_SIZE, application_name: 'hipaa-mail' },
  };
}
