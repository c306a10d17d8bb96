import 'reflect-metadata';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import { AppModule } from './app.module.js';
import { backupCommand, restoreCommand } from './cli/backup-commands.js';
import { importCommand } from './cli/import-command.js';
import { auditVerifyCommand, rewrapMasterKeyCommand, rotateKeyCommand } from './cli/security-commands.js';
import { seedDemoData } from './cli/seed.js';

import { type AppConfig, ConfigError, maskedConfig, parseConfig } from './config/index.js';
import { runMigrations } from './platform/database/index.js';
import { configureHttp } from './platform/http/configure-http.js';
import { createLogger, NestPinoLogger } from './platform/logging/index.js';
import type { Entrypoint } from './platform/process/process-role.js';

const COMMANDS = [
  'api',
  'worker',
  'scheduler',
  'all',
  'migrate',
  'seed',
  'import',
  'audit-verify',
  'rotate-key',
  'rewrap-master-key',
  'backup',
  'restore',
] as const;
type Command = (typeof COMMANDS)[number];

async function main() {
  const command = (process.argv[2] ?? 'all') as Command;
  if (!COMMANDS.includes(command)) {
    process.stderr.write(`usage: main.js <${COMMANDS.join('|')}>\n`);
    process.exit(64);
  }
  let config: AppConfig;
  try {
    config = parseConfig(process.env);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(78);
    }
    throw err;
  }
  const logger = createLogger({ level: config.LOG_LEVEL, name: command });
  if (command === 'migrate') {
    const applied = await runMigrations(config);
    logger.info({ applied }, applied.length ? `applied ${applied.length} migration(s)` : 'schema is up to date');
    logger.flush();
    return;
  }
  if (command === 'import' || command === 'audit-verify' || command === 'rotate-key' || command === 'rewrap-master-key') {
    const app = await NestFactory.createApplicationContext(AppModule.forEntrypoint('cli', config), { logger: new NestPinoLogger(logger), abortOnError: false });
    try {
      const args = process.argv.slice(3);
      const run = { import: importCommand, 'audit-verify': auditVerifyCommand, 'rotate-key': rotateKeyCommand, 'rewrap-master-key': rewrapMasterKeyCommand }[
        command
      ];
      process.exitCode = await run(app, args);
    } finally {
      await app.close();
    }
    return;
  }
  if (command === 'backup' || command === 'restore') {
    // Their own connections: a restore must not boot the app on the empty target before loading it.
    process.exitCode = await (command === 'backup' ? backupCommand : restoreCommand)(config, process.argv.slice(3), logger);
    logger.flush();
    return;
  }
  if (command === 'seed') {
    await seed(config, logger);
    return;
  }
  await start(command, config, logger);
}

/** Prints one JSON line on stdout with the result, for the embedded launcher to read. */
async function seed(config: AppConfig, logger: ReturnType<typeof createLogger>) {
  const app = await NestFactory.createApplicationContext(AppModule.forEntrypoint('cli', config), { logger: new NestPinoLogger(logger), abortOnError: false });
  try {
    const result = await seedDemoData(app);
    process.stdout.write(`SEED ${JSON.stringify(result)}\n`);
  } finally {
    await app.close();
  }
}

/**
 * On SIGTERM or SIGINT: stop taking work, let running jobs finish (an open SMTP transaction completes and its
 * outcome is recorded), close connections, then exit 0. Nest's default re-raises the signal, which reports a
 * clean stop as a kill to supervisors.
 */
const SHUTDOWN = { useProcessExit: true };

async function start(entrypoint: Entrypoint, config: AppConfig, logger: ReturnType<typeof createLogger>) {
  const nestLogger = new NestPinoLogger(logger);
  const module = AppModule.forEntrypoint(entrypoint, config);
  logger.info({ entrypoint, config: maskedConfig(config) }, 'starting');
  if (entrypoint === 'api' || entrypoint === 'all') {
    const app = await NestFactory.create<NestExpressApplication>(module, { logger: nestLogger, bodyParser: false, abortOnError: false });
    app.enableShutdownHooks([], SHUTDOWN);
    configureHttp(app, config);
    await app.listen(config.PORT, config.HOST);
    logger.info({ url: config.PUBLIC_URL, port: config.PORT }, 'listening');
  } else {
    const app = await NestFactory.createApplicationContext(module, { logger: nestLogger, abortOnError: false });
    app.enableShutdownHooks([], SHUTDOWN);
    await app.init();
  }
  logger.info({ entrypoint }, 'started');
}

main().catch((err: unknown) => {
  // Redacted, structured, and one line: no PHI can reach stderr through a crash.
  createLogger({ name: 'main', destination: process.stderr }).fatal({ err }, 'fatal error during start');
  setTimeout(() => process.exit(1), 100);
});
