import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { NestFactory } from '@nestjs/core';
import type { INestApplicationContext } from '@nestjs/common';
import pg from 'pg';
import type { Logger } from 'pino';
import { AppModule } from '../app.module.js';
import { type AppConfig, ConfigError } from '../config/index.js';
import { type AuditActor, AuditService } from '../modules/audit/index.js';
import { BackupError, restoreBackup, writeBackup } from '../modules/backup/index.js';
import { NestPinoLogger } from '../platform/logging/index.js';

const BACKUP_USAGE = 'usage: main.js backup --out <file>';
const RESTORE_USAGE = 'usage: main.js restore --in <file> [--database-url postgres://…] [--create]   (the target database must be empty; --create makes it)';

const say = (line: string) => process.stderr.write(`${line}\n`);
const actor = (): AuditActor => ({ type: 'system', id: `cli:${userInfo().username}` });

/** The backup key, checked when a backup or restore starts (other processes run without it). */
function backupKey(config: AppConfig): Buffer {
  if (!config.BACKUP_ENCRYPTION_KEY)
    throw new ConfigError(['BACKUP_ENCRYPTION_KEY: required for backup and restore (or BACKUP_ENCRYPTION_KEY_FILE): 32 bytes, base64-encoded']);
  return Buffer.from(config.BACKUP_ENCRYPTION_KEY, 'base64');
}

async function withApp<T>(config: AppConfig, logger: Logger, use: (app: INestApplicationContext) => Promise<T>): Promise<T> {
  const app = await NestFactory.createApplicationContext(AppModule.forEntrypoint('cli', config), { logger: new NestPinoLogger(logger), abortOnError: false });
  try {
    return await use(app);
  } finally {
    await app.close();
  }
}

function parse(argv: string[], option: 'out' | 'in', usage: string): { file: string; databaseUrl?: string; create: boolean } | number {
  try {
    const { values } = parseArgs({
      args: argv,
      options: { out: { type: 'string' }, in: { type: 'string' }, 'database-url': { type: 'string' }, create: { type: 'boolean' } },
      strict: true,
    });
    const other = option === 'out' ? ['in', 'database-url', 'create'] : ['out'];
    const stray = other.find((o) => o in values);
    if (stray) throw new Error(`--${stray} is not an option of this command`);
    const file = values[option];
    if (!file) throw new Error(`--${option} is required`);
    return { file: resolve(file), databaseUrl: values['database-url'], create: values.create ?? false };
  } catch (err) {
    say(`${err instanceof Error ? err.message : String(err)}\n${usage}`);
    return 64;
  }
}

/** Creates the database a URL names, through the server's `postgres` database (the role needs CREATEDB). */
async function createDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.slice(1));
  if (!/^[a-z_][a-z0-9_]{0,62}$/i.test(name)) throw new BackupError('invalid', `--create needs a plain database name (letters, digits, _), not "${name}"`);
  target.pathname = '/postgres';
  const client = new pg.Client({ connectionString: target.toString() });
  await client.connect();
  try {
    await client.query(`CREATE DATABASE "${name}"`);
  } catch (err) {
    throw new BackupError('target_not_empty', `cannot create database ${name}: ${(err as Error).message}`);
  } finally {
    await client.end();
  }
}

/** Maps the expected failures to a message and an exit code; anything else is a crash for main to log. */
function failed(err: unknown, what: string): number {
  if (err instanceof ConfigError) {
    say(err.message);
    return 78;
  }
  if (err instanceof BackupError) {
    say(`${what} failed: ${err.message}`);
    return err.code === 'target_not_empty' ? 73 : 65;
  }
  throw err;
}

/** `main.js backup --out <file>`: an encrypted logical backup of the database; the backup itself is audited. */
export async function backupCommand(config: AppConfig, argv: string[], logger: Logger): Promise<number> {
  const args = parse(argv, 'out', BACKUP_USAGE);
  if (typeof args === 'number') return args;
  try {
    const key = backupKey(config);
    if (existsSync(args.file)) throw new BackupError('invalid', `${args.file} already exists: choose a new file name`);
    say(`backing up to ${args.file} (one consistent snapshot, encrypted as it is written)…`);
    const started = Date.now();
    const summary = await writeBackup(config.DATABASE_URL, key, args.file, (line) => say(`  ${line}`));
    const seconds = (Date.now() - started) / 1000;
    const details = { keyId: summary.keyId, schemaVersion: summary.schemaVersion, tables: summary.tables, rows: summary.rows, bytes: summary.bytes };
    await withApp(config, logger, (app) => app.get(AuditService).record({ actor: actor(), action: 'backup.create', outcome: 'success', details }));
    say(
      `backup complete: ${summary.rows} rows in ${summary.tables} tables, ${(summary.bytes / 1e6).toFixed(1)} MB in ${seconds.toFixed(1)} s, key ${summary.keyId}`,
    );
    process.stdout.write(`BACKUP ${JSON.stringify({ ...summary, seconds })}\n`);
    return 0;
  } catch (err) {
    return failed(err, 'backup');
  }
}

/** `main.js restore --in <file> [--database-url …]`: restores into an empty database, then verifies the audit chain there. */
export async function restoreCommand(config: AppConfig, argv: string[], logger: Logger): Promise<number> {
  const args = parse(argv, 'in', RESTORE_USAGE);
  if (typeof args === 'number') return args;
  try {
    const key = backupKey(config);
    if (!existsSync(args.file)) throw new BackupError('invalid', `${args.file} does not exist`);
    const target = { ...config, DATABASE_URL: args.databaseUrl ?? config.DATABASE_URL };
    if (args.create) await createDatabase(target.DATABASE_URL);
    say(`restoring ${args.file}: checking the whole file first…`);
    const summary = await restoreBackup({
      file: args.file,
      backupKey: key,
      databaseUrl: target.DATABASE_URL,
      masterKey: Buffer.from(config.MASTER_KEY, 'base64'),
      progress: (line) => say(`  ${line}`),
    });
    say(`restored ${summary.rows} rows in ${summary.tables} tables; ${summary.dataKeys} data key(s) unwrap under MASTER_KEY; verifying the audit chain…`);
    const audit = await withApp(target, logger, async (app) => {
      const audits = app.get(AuditService);
      const verification = await audits.verify();
      await audits.record({
        actor: actor(),
        action: 'backup.restore',
        outcome: verification.valid ? 'success' : 'failure',
        details: {
          keyId: summary.keyId,
          backupCreatedAt: summary.backupCreatedAt,
          schemaVersion: summary.schemaVersion,
          rows: summary.rows,
          chainValid: verification.valid,
        },
      });
      return verification;
    });
    for (const p of audit.problems) say(`  ${p.kind}: ${p.message}`);
    say(
      audit.valid
        ? `audit chain intact: ${audit.rowsChecked} entries, head ${audit.headHash ?? '(empty)'}`
        : `audit chain BROKEN in the restored data: ${audit.problems.length} problem(s) (the rows are restored as they were backed up)`,
    );
    process.stdout.write(`RESTORE ${JSON.stringify({ ...summary, auditValid: audit.valid, auditRows: audit.rowsChecked })}\n`);
    return audit.valid ? 0 : 1;
  } catch (err) {
    return failed(err, 'restore');
  }
}
