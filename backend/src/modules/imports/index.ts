export { detectDelimiter, detectEncoding, suggestMapping } from './csv-format.js';
export type { ColumnMapping } from './csv-format.js';
export { ImportRunner } from './import-runner.js';
export type { ImportView } from './import.types.js';
export { ImportsModule } from './imports.module.js';
export { ImportsService } from './imports.service.js';
