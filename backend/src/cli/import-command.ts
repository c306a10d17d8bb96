import { createReadStream, existsSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import type { INestApplicationContext } from '@nestjs/common';
import type { AuditActor } from '../modules/audit/index.js';
import { ImportRunner, ImportsService, type ImportView } from '../modules/imports/index.js';

const USAGE = `usage: main.js import <file.csv> --topic <topic-key> --attest "<what you attest>"
       [--basis prior_express_consent|hipaa_authorization_on_file|existing_relationship_transactional]
       [--on-existing update|skip] [--dry-run]`;

/** The operator's import: the same pipeline as the API, run in this process with a progress bar. Returns the exit code. */
export async function importCommand(app: INestApplicationContext, argv: string[]): Promise<number> {
  let args: ReturnType<typeof parse>;
  try {
    args = parse(argv);
  } catch (err) {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n${USAGE}\n`);
    return 64;
  }
  const file = args.positionals[0];
  if (!file || !args.values.topic || !args.values.attest) {
    process.stderr.write(`${USAGE}\n`);
    return 64;
  }
  if (!existsSync(file)) {
    process.stderr.write(`file not found: ${file}\n`);
    return 66;
  }
  const imports = app.get(ImportsService);
  const runner = app.get(ImportRunner);
  const actor: AuditActor = { type: 'system', id: `cli:${userInfo().username}` };
  const size = statSync(file).size;
  process.stderr.write(`uploading ${basename(file)} (${(size / 1e6).toFixed(1)} MB, encrypted as it is stored)…\n`);
  const uploaded = await imports.upload(basename(file), createReadStream(file, { highWaterMark: 1024 * 1024 }), actor);
  process.stderr.write(`encoding ${uploaded.encoding}, delimiter ${JSON.stringify(uploaded.delimiter)}, ${uploaded.headers.length} columns\n`);
  for (const [column, m] of Object.entries(uploaded.mapping ?? {})) process.stderr.write(`  ${column.padEnd(24)} → ${describe(m)}\n`);
  await imports.configure(
    uploaded.id,
    {
      mapping: uploaded.mapping ?? {},
      onExisting: args.values['on-existing'] === 'skip' ? 'skip' : 'update',
      consent: { topic: args.values.topic, basis: (args.values.basis ?? 'prior_express_consent') as 'prior_express_consent', attestation: args.values.attest },
    },
    actor,
  );
  await imports.start(uploaded.id, Boolean(args.values['dry-run']), actor, { enqueue: false });
  const bar = new ProgressBar();
  await runner.run(uploaded.id, (row) => bar.draw(toViewLike(row)));
  const done = await imports.get(uploaded.id);
  bar.draw(done, true);
  process.stderr.write(
    `\n${done.status}: ${done.progress.rowsDone} rows, created ${done.counts.created}, updated ${done.counts.updated}, unchanged ${done.counts.unchanged}, skipped ${done.counts.skipped}, rows with errors ${done.counts.errors}\n`,
  );
  if (done.counts.errors) process.stderr.write(`error report: GET /api/v1/imports/${done.id}/errors.csv\n`);
  process.stdout.write(`IMPORT ${JSON.stringify({ id: done.id, status: done.status, rows: done.progress.rowsDone, ...done.counts })}\n`);
  return done.status === 'completed' || done.status === 'validated' ? 0 : 1;
}

function parse(argv: string[]) {
  return parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      topic: { type: 'string' },
      attest: { type: 'string' },
      basis: { type: 'string' },
      'on-existing': { type: 'string' },
      'dry-run': { type: 'boolean' },
    },
  });
}

function describe(m: { field: string; [k: string]: unknown }): string {
  return m.field === 'identifier' ? `identifier (${String(m.kind)}, ${String(m.system)})` : m.field === 'attribute' ? `attribute ${String(m.key)}` : m.field;
}

function toViewLike(row: {
  rows_done: number;
  bytes_done: string;
  bytes: string;
  started_at: Date | null;
  error_count: number;
}): Pick<ImportView, 'progress'> & { errors: number } {
  const bytes = Number(row.bytes);
  const done = Number(row.bytes_done);
  const elapsed = row.started_at ? (Date.now() - row.started_at.getTime()) / 1000 : 0;
  const rate = elapsed > 0 ? row.rows_done / elapsed : null;
  const total = done > 0 ? Math.round((row.rows_done * bytes) / done) : null;
  return {
    progress: {
      rowsDone: row.rows_done,
      rowsTotal: null,
      rowsTotalEstimate: total,
      percent: bytes ? Math.min(99, Math.floor((done / bytes) * 100)) : 0,
      rowsPerSecond: rate && Math.round(rate),
      etaSeconds: rate && total ? Math.round((total - row.rows_done) / rate) : null,
    },
    errors: row.error_count,
  };
}

/** One line, redrawn in place on a terminal; a line per 10% when stderr is not a terminal. */
class ProgressBar {
  private lastDecile = -1;

  draw(view: Pick<ImportView, 'progress'>, final = false) {
    const p = view.progress;
    const percent = final ? 100 : p.percent;
    const width = 30;
    const filled = Math.round((percent / 100) * width);
    const line = `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(percent).padStart(3)}%  ${p.rowsDone} rows  ${p.rowsPerSecond ?? '–'} rows/s  ETA ${p.etaSeconds === null ? '–' : `${p.etaSeconds}s`}`;
    if (process.stderr.isTTY) process.stderr.write(`\r${line}`);
    else if (Math.floor(percent / 10) !== this.lastDecile || final) {
      this.lastDecile = Math.floor(percent / 10);
      process.stderr.write(`${line}\n`);
    }
  }
}
