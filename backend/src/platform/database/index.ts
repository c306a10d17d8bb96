export { dataSourceOptions } from './data-source-options.js';
export { DatabaseModule } from './database.module.js';
export { runMigrations } from './migrate.js';
export { nextIds } from './sequences.js';
