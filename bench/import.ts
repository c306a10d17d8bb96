/**
 * bench:import — a 1,000,000-row CSV of realistic PHI imported end to end (upload into encrypted
 * storage, parse, validate, encrypt, blind-index, write, consent ledger), against a bare COPY of the
 * same file into a plain table, in the same run on the same Postgres.
 */
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import { csvStream } from '../test/support/csv-generator.js';
import { bench, runMain, startServices } from './lib.js';

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'hm-bench-import-'));
  const services = await startServices(dir);
  try {
    const file = join(dir, 'patients.csv');
    await pipeline(csvStream(ROWS, 'bench'), createWriteStream(file));
    const bytes = (await stat(file)).size;
    process.stderr.write(`generated ${ROWS} rows, ${(bytes / 1e6).toFixed(0)} MB\n`);

    const env = { DATABASE_URL: services.pg.url, REDIS_URL: services.redis.url, MASTER_KEY: randomBytes(32).toString('base64'), LOG_LEVEL: 'warn' };
    const migrated = await runMain(['migrate'], env);
    if (migrated.code !== 0) throw new Error(`migrate failed: ${migrated.stderr}`);
    const db = new pg.Client({ connectionString: services.pg.url });
    await db.connect();
    await db.query(`INSERT INTO topics (key, name, kind) VALUES ('newsletter', 'Newsletter', 'marketing')`);

    // Baseline: the same bytes into a plain table with COPY.
    await db.query(
      `CREATE TABLE bench_copy (email text, first_name text, last_name text, dob text, sex text, phone text, zip text, state text, mrn text, dx_codes text, last_visit text, insurance text, plan text, pcp text)`,
    );
    const copyStarted = performance.now();
    await pipeline(createReadStream(file), db.query(copyFrom(`COPY bench_copy FROM STDIN WITH (FORMAT csv, HEADER true)`)));
    const copySeconds = (performance.now() - copyStarted) / 1000;
    const copied = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM bench_copy`)).rows[0].n;
    await db.query(`DROP TABLE bench_copy`);
    await db.query(`CHECKPOINT`);

    const run = await runMain(['import', file, '--topic', 'newsletter', '--attest', 'Benchmark data: synthetic patients with recorded consent.'], env, (s) =>
      process.stderr.write(s),
    );
    if (run.code !== 0) throw new Error(`import failed (${run.code}): ${run.stderr.slice(-2000)}`);
    const summary = JSON.parse(
      run.stdout
        .split('\n')
        .find((l) => l.startsWith('IMPORT '))!
        .slice(7),
    ) as { created: number; errors: number; rows: number };
    const imported = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM contacts`)).rows[0].n;
    await db.end();

    const rowsPerS = Math.round(ROWS / run.seconds);
    const baselineRowsPerS = Math.round(copied / copySeconds);
    process.stderr.write(
      [
        '',
        `bare COPY:          ${copied} rows in ${copySeconds.toFixed(1)} s = ${baselineRowsPerS} rows/s`,
        `importer end to end: ${imported} contacts (${summary.errors} error rows) in ${run.seconds.toFixed(1)} s = ${rowsPerS} rows/s, peak RSS ${run.peakRssMb} MB`,
        `ratio:              ${(rowsPerS / baselineRowsPerS).toFixed(3)}`,
        '',
      ].join('\n'),
    );
    if (imported !== ROWS) throw new Error(`expected ${ROWS} contacts, found ${imported}`);
    bench('import', {
      rows: ROWS,
      rows_per_s: rowsPerS,
      baseline_rows_per_s: baselineRowsPerS,
      ratio: Number((rowsPerS / baselineRowsPerS).toFixed(3)),
      peak_rss_mb: run.peakRssMb,
    });
  } finally {
    await services.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
