import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createReadStream, createWriteStream } from 'node:fs';
import { rename, stat, unlink } from 'node:fs/promises';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom, to as copyTo } from 'pg-copy-streams';
import { DataSource, MigrationExecutor } from 'typeorm';
import { migrations as allMigrations } from '../../../../migrations/index.js';
import { dataSourceOptions } from '../../platform/database/index.js';
import { LocalKeyProvider } from '../crypto/index.js';
import { BackupDecryptStream, BackupEncryptStream, BackupError, type BackupHeader } from './backup-file.js';
import { type Frame, FrameType, FrameWriter, parseJson, readFrames } from './backup-frames.js';

/** What the backup records besides the rows: enough to rebuild the same schema and check the result. */
export interface BackupManifest {
  createdAt: string;
  serverVersion: string;
  /** Applied migrations, in order; the last one is the schema version. */
  migrations: string[];
  schemaVersion: string;
  /** Tables in load order (a table after every table it references). Partitioned tables are one entry, loaded through the parent. */
  tables: { name: string; columns: string[]; partitioned: boolean }[];
  partitions: { name: string; parent: string; bound: string }[];
  sequences: { name: string; lastValue: string | null; isCalled: boolean }[];
}

export interface BackupSummary {
  file: string;
  bytes: number;
  keyId: string;
  schemaVersion: string;
  createdAt: string;
  tables: number;
  rows: number;
  counts: Record<string, number>;
}

export interface RestoreSummary {
  keyId: string;
  schemaVersion: string;
  backupCreatedAt: string;
  tables: number;
  rows: number;
  counts: Record<string, number>;
  migrationsApplied: number;
  dataKeys: number;
}

/** The migrations table belongs to the schema, not the data: restore rebuilds it by running the recorded migrations. */
const SCHEMA_TABLE = 'schema_migrations';
const DATA_FRAME_BYTES = 256 * 1024;

const ident = (name: string) => `"${name.replace(/"/g, '""')}"`;

/**
 * Session settings that make COPY text identical whichever server defaults each side has, and lift the
 * server's timeouts for this long-running session (as pg_dump does).
 */
async function setSessionFormat(client: pg.ClientBase): Promise<void> {
  await client.query(
    `SET client_encoding = 'UTF8'; SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; SET TimeZone = 'UTC'; SET extra_float_digits = 3; SET bytea_output = 'hex';
     SET statement_timeout = 0; SET lock_timeout = 0; SET idle_in_transaction_session_timeout = 0`,
  );
}

/**
 * Streams every table of the application schema with COPY inside one REPEATABLE READ, read-only
 * transaction (one consistent snapshot, writers never blocked) through the encrypting writer into
 * `file`. Written under a temporary name and renamed at the end, so a failed run leaves no file that
 * looks like a backup.
 */
export async function writeBackup(
  databaseUrl: string,
  backupKey: Buffer,
  file: string,
  progress: (line: string) => void = () => undefined,
): Promise<BackupSummary> {
  const partial = `${file}.partial-${randomBytes(4).toString('hex')}`;
  const encrypt = new BackupEncryptStream(backupKey);
  const written = pipeline(encrypt, createWriteStream(partial, { flags: 'wx', mode: 0o600, flush: true }));
  // An early failure of the file side must not surface as an unhandled rejection before it is awaited.
  written.catch(() => undefined);
  const client = new pg.Client({ connectionString: databaseUrl, application_name: 'hipaa-mail-backup' });
  client.on('error', () => undefined); // a dropped connection fails the running query; that is the error reported
  try {
    await client.connect();
    await setSessionFormat(client);
    await client.query('BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY');
    const manifest = await readManifest(client);
    const frames = new FrameWriter(encrypt);
    await frames.json(FrameType.Manifest, manifest);
    const counts: Record<string, number> = {};
    for (const table of manifest.tables) {
      await frames.json(FrameType.Table, { name: table.name });
      const columns = table.columns.map(ident).join(', ');
      const source = table.partitioned ? `(SELECT ${columns} FROM ${ident(table.name)})` : `${ident(table.name)} (${columns})`;
      const stream = client.query(copyTo(`COPY ${source} TO STDOUT`));
      let batch: Buffer[] = [];
      let size = 0;
      for await (const chunk of stream as AsyncIterable<Buffer>) {
        batch.push(chunk);
        size += chunk.length;
        if (size >= DATA_FRAME_BYTES) {
          await frames.write(FrameType.Data, Buffer.concat(batch));
          batch = [];
          size = 0;
        }
      }
      if (size) await frames.write(FrameType.Data, Buffer.concat(batch));
      counts[table.name] = stream.rowCount;
      await frames.json(FrameType.TableEnd, { name: table.name, rows: stream.rowCount });
      progress(`${table.name}: ${stream.rowCount} row(s)`);
    }
    const rows = Object.values(counts).reduce((a, b) => a + b, 0);
    await frames.json(FrameType.End, { tables: manifest.tables.length, rows });
    await client.query('COMMIT');
    encrypt.end();
    await written;
    await rename(partial, file);
    return {
      file,
      bytes: (await stat(file)).size,
      keyId: encrypt.header.keyId,
      schemaVersion: manifest.schemaVersion,
      createdAt: manifest.createdAt,
      tables: manifest.tables.length,
      rows,
      counts,
    };
  } catch (err) {
    encrypt.destroy();
    await written.catch(() => undefined);
    await unlink(partial).catch(() => undefined);
    throw err;
  } finally {
    await client.end().catch(() => undefined);
  }
}

async function readManifest(client: pg.Client): Promise<BackupManifest> {
  const [{ now, version }] = (await client.query<{ now: Date; version: string }>(`SELECT now() AS now, current_setting('server_version') AS version`)).rows;
  const [{ migrated }] = (await client.query<{ migrated: boolean }>(`SELECT to_regclass($1) IS NOT NULL AS migrated`, [SCHEMA_TABLE])).rows;
  const applied = migrated ? (await client.query<{ name: string }>(`SELECT name FROM ${SCHEMA_TABLE} ORDER BY id`)).rows.map((r) => r.name) : [];
  if (applied.length === 0) throw new BackupError('schema', `the database has no applied migrations (no ${SCHEMA_TABLE} rows): nothing to back up`);
  const roots = (
    await client.query<{ oid: number; name: string; partitioned: boolean }>(
      `SELECT c.oid::int AS oid, c.relname AS name, c.relkind = 'p' AS partitioned FROM pg_class c
        WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p') AND NOT c.relispartition AND c.relname <> $1
        ORDER BY c.relname`,
      [SCHEMA_TABLE],
    )
  ).rows;
  const columns = await client.query<{ oid: number; name: string }>(
    `SELECT attrelid::int AS oid, attname AS name FROM pg_attribute
      WHERE attrelid = ANY($1::oid[]) AND attnum > 0 AND NOT attisdropped AND attgenerated = '' ORDER BY attrelid, attnum`,
    [roots.map((r) => r.oid)],
  );
  const columnsOf = new Map<number, string[]>();
  for (const c of columns.rows) columnsOf.set(c.oid, [...(columnsOf.get(c.oid) ?? []), c.name]);
  // Foreign keys between top-level tables (a partition's constraint counts for its root).
  const references = (
    await client.query<{ child: string; parent: string }>(
      `SELECT DISTINCT a.relname AS child, b.relname AS parent FROM pg_constraint k
         JOIN pg_class a ON a.oid = coalesce(pg_partition_root(k.conrelid), k.conrelid)
         JOIN pg_class b ON b.oid = coalesce(pg_partition_root(k.confrelid), k.confrelid)
        WHERE k.contype = 'f' AND a.relnamespace = current_schema()::regnamespace`,
    )
  ).rows;
  const partitions = (
    await client.query<{ name: string; parent: string; bound: string }>(
      `SELECT c.relname AS name, p.relname AS parent, pg_get_expr(c.relpartbound, c.oid) AS bound
         FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid JOIN pg_class p ON p.oid = i.inhparent
        WHERE c.relispartition AND c.relkind IN ('r', 'p') AND c.relnamespace = current_schema()::regnamespace
        ORDER BY (SELECT count(*) FROM pg_partition_ancestors(c.oid)), c.relname`,
    )
  ).rows;
  const sequenceNames = (
    await client.query<{ name: string }>(
      `SELECT s.relname AS name FROM pg_class s
        WHERE s.relkind = 'S' AND s.relnamespace = current_schema()::regnamespace
          AND NOT EXISTS (SELECT 1 FROM pg_depend d JOIN pg_class t ON t.oid = d.refobjid
                           WHERE d.classid = 'pg_class'::regclass AND d.objid = s.oid AND d.refclassid = 'pg_class'::regclass AND t.relname = $1)
        ORDER BY s.relname`,
      [SCHEMA_TABLE],
    )
  ).rows;
  const sequences: BackupManifest['sequences'] = [];
  for (const { name } of sequenceNames) {
    const [state] = (await client.query<{ last_value: string; is_called: boolean }>(`SELECT last_value::text, is_called FROM ${ident(name)}`)).rows;
    sequences.push({ name, lastValue: state.is_called ? state.last_value : null, isCalled: state.is_called });
  }
  const order = loadOrder(
    roots.map((r) => r.name),
    references,
  );
  const byName = new Map(roots.map((r) => [r.name, r]));
  return {
    createdAt: now.toISOString(),
    serverVersion: version,
    migrations: applied,
    schemaVersion: applied[applied.length - 1],
    tables: order.map((name) => {
      const root = byName.get(name) as (typeof roots)[number];
      return { name, columns: columnsOf.get(root.oid) ?? [], partitioned: root.partitioned };
    }),
    partitions,
    sequences,
  };
}

/** Tables ordered so each comes after the tables it references (alphabetical among equals); a cycle is refused by name. */
export function loadOrder(tables: string[], references: { child: string; parent: string }[]): string[] {
  const deps = new Map(tables.map((t) => [t, new Set<string>()]));
  for (const { child, parent } of references) {
    if (child !== parent && deps.has(child) && deps.has(parent)) deps.get(child)?.add(parent);
  }
  const order: string[] = [];
  const placed = new Set<string>();
  const remaining = [...tables].sort();
  while (remaining.length) {
    const index = remaining.findIndex((t) => [...(deps.get(t) ?? [])].every((p) => placed.has(p)));
    if (index < 0) throw new BackupError('schema', `foreign keys form a cycle between ${remaining.join(', ')}: no load order exists`);
    const [next] = remaining.splice(index, 1);
    order.push(next);
    placed.add(next);
  }
  return order;
}

interface ReadBackup {
  header: BackupHeader;
  manifest: BackupManifest;
  counts: Record<string, number>;
}

/** The frames of a backup file, decrypted and authenticated chunk by chunk, with the layout checked as they pass. */
async function* backupFrames(file: string, backupKey: Buffer, onHeader: (h: BackupHeader) => void): AsyncGenerator<Frame> {
  const decrypt = new BackupDecryptStream(backupKey);
  const input = createReadStream(file);
  input.on('error', (err) => decrypt.destroy(err));
  input.pipe(decrypt);
  let told = false;
  const plaintext = async function* () {
    for await (const chunk of decrypt as AsyncIterable<Buffer>) {
      if (!told && decrypt.header) {
        told = true;
        onHeader(decrypt.header);
      }
      yield chunk;
    }
  };
  try {
    yield* readFrames(plaintext());
  } finally {
    input.destroy();
    decrypt.destroy();
  }
}

/** Walks a backup file through `visit` in order, checking its layout: manifest, then each table (start, data, end) in manifest order, then the end. */
async function walkBackup(
  file: string,
  backupKey: Buffer,
  visit: {
    manifest?: (m: BackupManifest) => Promise<void>;
    table?: (table: BackupManifest['tables'][number]) => Promise<void>;
    data?: (payload: Buffer) => Promise<void>;
    tableEnd?: (name: string, rows: number) => Promise<void>;
  } = {},
): Promise<ReadBackup> {
  const bad = (what: string) => new BackupError('damaged', `backup content is not in the expected layout (${what})`);
  let header: BackupHeader | undefined;
  let manifest: BackupManifest | undefined;
  let current: BackupManifest['tables'][number] | undefined;
  let next = 0;
  let ended = false;
  const counts: Record<string, number> = {};
  for await (const frame of backupFrames(file, backupKey, (h) => (header = h))) {
    if (ended) throw bad('frames after the end');
    if (!manifest) {
      if (frame.type !== FrameType.Manifest) throw bad('no manifest');
      manifest = parseJson(frame) as BackupManifest;
      if (!Array.isArray(manifest.tables) || !Array.isArray(manifest.migrations) || !manifest.migrations.length) throw bad('manifest');
      await visit.manifest?.(manifest);
      continue;
    }
    switch (frame.type) {
      case FrameType.Table: {
        const { name } = parseJson(frame) as { name: string };
        if (current || manifest.tables[next]?.name !== name) throw bad(`table ${name} out of order`);
        current = manifest.tables[next++];
        await visit.table?.(current);
        break;
      }
      case FrameType.Data:
        if (!current) throw bad('data outside a table');
        await visit.data?.(frame.payload);
        break;
      case FrameType.TableEnd: {
        const { name, rows } = parseJson(frame) as { name: string; rows: number };
        if (current?.name !== name || !Number.isInteger(rows)) throw bad(`end of table ${name}`);
        counts[name] = rows;
        await visit.tableEnd?.(name, rows);
        current = undefined;
        break;
      }
      case FrameType.End:
        if (current || next !== manifest.tables.length) throw bad('end before every table');
        ended = true;
        break;
      case FrameType.Manifest:
        throw bad('a second manifest');
    }
  }
  if (!ended || !manifest || !header) throw new BackupError('truncated', 'backup content ends before its end marker');
  return { header, manifest, counts };
}

/**
 * Restores a backup into an empty database. The whole file is checked first (key, integrity, layout);
 * then, in one transaction, the migrations the backup was taken at are applied, every table is loaded
 * with COPY in dependency order with user triggers off (their side effects are already in the rows),
 * sequences are restored, row counts compared and every data key must unwrap under this MASTER_KEY.
 * Any failure rolls everything back: the target is left as empty as it was. The caller verifies the
 * audit chain afterwards.
 */
export async function restoreBackup(options: {
  file: string;
  backupKey: Buffer;
  databaseUrl: string;
  masterKey: Buffer;
  progress?: (line: string) => void;
}): Promise<RestoreSummary> {
  const progress = options.progress ?? (() => undefined);
  const checked = await walkBackup(options.file, options.backupKey);
  const { manifest } = checked;
  progress(`backup ${checked.header.keyId} of ${manifest.createdAt} checked: schema ${manifest.schemaVersion}, ${manifest.tables.length} tables`);
  const known = new Map(allMigrations.map((m) => [m.name, m]));
  const unknown = manifest.migrations.filter((name) => !known.has(name));
  if (unknown.length)
    throw new BackupError(
      'schema',
      `the backup was taken at a schema this release does not know (${unknown.join(', ')}): restore with the release that made it, or a newer one`,
    );

  // One connection and one transaction for everything, migrations included: whatever fails, the target stays empty.
  const dataSource = new DataSource({
    ...dataSourceOptions({ DATABASE_URL: options.databaseUrl, DATABASE_POOL_SIZE: 1 }),
    migrations: manifest.migrations.map((name) => known.get(name) as (typeof allMigrations)[number]),
  });
  await dataSource.initialize();
  const runner = dataSource.createQueryRunner();
  let copy: ReturnType<typeof copyFrom> | undefined;
  let finished: Promise<unknown> | undefined;
  try {
    const client = (await runner.connect()) as pg.PoolClient;
    const existing = (
      await client.query<{ name: string }>(
        `SELECT n.nspname || '.' || c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
          WHERE c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f') AND n.nspname NOT IN ('pg_catalog', 'information_schema') AND n.nspname NOT LIKE 'pg\\_%'
          ORDER BY 1 LIMIT 5`,
      )
    ).rows;
    if (existing.length)
      throw new BackupError(
        'target_not_empty',
        `the target database is not empty (it holds ${existing.map((e) => e.name).join(', ')}${existing.length === 5 ? ', …' : ''}): restore into a newly created database`,
      );
    await setSessionFormat(client);
    await runner.startTransaction();
    const executor = new MigrationExecutor(dataSource, runner);
    executor.transaction = 'all';
    const migrationsApplied = (await executor.executePendingMigrations()).length;
    progress(`schema rebuilt: ${migrationsApplied} migration(s) applied`);
    await prepareTables(client, manifest);
    const { counts } = await walkBackup(options.file, options.backupKey, {
      table: (table) => {
        copy = client.query(copyFrom(`COPY ${ident(table.name)} (${table.columns.map(ident).join(', ')}) FROM STDIN`));
        finished = once(copy, 'finish');
        // Awaited at the table's end; until then a COPY error must not count as unhandled.
        finished.catch(() => undefined);
        return Promise.resolve();
      },
      data: async (payload) => {
        const stream = copy as ReturnType<typeof copyFrom>;
        if (!stream.write(payload)) await Promise.race([once(stream, 'drain'), finished]);
      },
      tableEnd: async (name, rows) => {
        const stream = copy as ReturnType<typeof copyFrom>;
        stream.end();
        await finished;
        if (stream.rowCount !== rows) throw new BackupError('damaged', `table ${name}: ${stream.rowCount} row(s) loaded, the backup recorded ${rows}`);
        progress(`${name}: ${rows} row(s)`);
      },
    });
    for (const table of manifest.tables) await client.query(`ALTER TABLE ${ident(table.name)} ENABLE TRIGGER USER`);
    for (const s of manifest.sequences) {
      if (s.lastValue !== null) await client.query(`SELECT setval($1::regclass, $2::bigint, $3)`, [ident(s.name), s.lastValue, s.isCalled]);
    }
    const dataKeys = await checkDataKeys(client, options.masterKey);
    await runner.commitTransaction();
    await client.query('ANALYZE');
    return {
      keyId: checked.header.keyId,
      schemaVersion: manifest.schemaVersion,
      backupCreatedAt: manifest.createdAt,
      tables: manifest.tables.length,
      rows: Object.values(counts).reduce((a, b) => a + b, 0),
      counts,
      migrationsApplied,
      dataKeys,
    };
  } catch (err) {
    // A COPY still open holds the connection: abort it (CopyFail) so the rollback can run.
    if (copy && !copy.writableFinished && !copy.destroyed) {
      copy.destroy(new Error('restore aborted'));
      await finished?.catch(() => undefined);
    }
    if (runner.isTransactionActive) await runner.rollbackTransaction().catch(() => undefined);
    throw err;
  } finally {
    await runner.release();
    await dataSource.destroy();
  }
}

/** The rebuilt schema must hold every backed-up column; missing partitions are made, user triggers turned off and rows written by migrations cleared. */
async function prepareTables(client: pg.ClientBase, manifest: BackupManifest): Promise<void> {
  const present = await client.query<{ name: string; columns: string[] }>(
    `SELECT c.relname AS name, array_agg(a.attname::text ORDER BY a.attnum) AS columns FROM pg_class c
       JOIN pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped AND a.attgenerated = ''
      WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
      GROUP BY c.relname`,
  );
  const columnsOf = new Map(present.rows.map((r) => [r.name, new Set(r.columns)]));
  for (const table of manifest.tables) {
    const have = columnsOf.get(table.name);
    const missing = have ? table.columns.filter((c) => !have.has(c)) : ['(the table)'];
    if (missing.length) throw new BackupError('schema', `the rebuilt schema does not match the backup: ${table.name} lacks ${missing.join(', ')}`);
  }
  for (const p of manifest.partitions) {
    if (!columnsOf.has(p.name)) await client.query(`CREATE TABLE ${ident(p.name)} PARTITION OF ${ident(p.parent)} ${p.bound}`);
  }
  const filled: string[] = [];
  for (const table of manifest.tables) {
    await client.query(`ALTER TABLE ${ident(table.name)} DISABLE TRIGGER USER`);
    const [{ some }] = (await client.query<{ some: boolean }>(`SELECT EXISTS (SELECT 1 FROM ${ident(table.name)}) AS some`)).rows;
    if (some) filled.push(table.name);
  }
  if (filled.length) await client.query(`TRUNCATE ${filled.map(ident).join(', ')} CASCADE`);
}

/** Every data key must unwrap under the configured master key, or the restored PHI could not be read: refuse before committing. */
async function checkDataKeys(client: pg.ClientBase, masterKey: Buffer): Promise<number> {
  const provider = new LocalKeyProvider(masterKey);
  const keys = (
    await client.query<{ id: number; master_key_id: string; wrapped_key: Buffer }>(`SELECT id, master_key_id, wrapped_key FROM data_keys ORDER BY id`)
  ).rows;
  for (const key of keys) {
    try {
      await provider.unwrap(key.wrapped_key);
    } catch {
      throw new BackupError(
        'keys',
        `data key ${key.id} does not unwrap under MASTER_KEY (${provider.id}); it was wrapped by ${key.master_key_id}: restore with the master key the backup's data keys were wrapped by`,
      );
    }
  }
  return keys.length;
}
