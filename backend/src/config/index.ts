export { APP_CONFIG, ConfigModule } from './config.module.js';
export { ConfigError, maskedConfig, parseConfig, SECRET_VARIABLES } from './app-config.js';
export type { AppConfig, TransportRoute } from './app-config.js';
