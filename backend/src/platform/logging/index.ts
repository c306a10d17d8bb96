export { createLogger, NestPinoLogger } from './logger.js';
export { isPhiKey, redact, REDACTED, scrubText } from './redact.js';
