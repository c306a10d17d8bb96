/**
 * bench:segments — 1,000,000 synthetic contacts (blind-index tokens and an encrypted PHI record each, written
 * with COPY straight into the contacts table, as the real writer lays them out) and engagement events for a
 * third of them; then 30+ counts of "condition E11.x AND age 45–70 AND one of two plans AND opened in the
 * last 30 days" through the real SegmentsService, against the same count with index scans turned off.
 *
 * The load bypasses validation and the importer (bench:import measures that path): this bench measures
 * counting. Each row's PHI is still a real ciphertext bound to its row, since age boundaries are decided
 * by decrypting the rows whose birth year cannot decide.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { pathToFileURL } from 'node:url';
import type { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import pg from 'pg';
import { from as copyFrom } from 'pg-copy-streams';
import type { AppConfig } from '../backend/src/config/index.js';
import type { tokenOf as TokenOf } from '../backend/src/modules/contacts/index.js';
import type { CryptoService as CryptoServiceType } from '../backend/src/modules/crypto/index.js';
import type { SegmentRule, SegmentsService as SegmentsServiceType } from '../backend/src/modules/segments/index.js';
import { bench, ROOT, runMain, startServices } from './lib.js';

const CONTACTS = Number(process.env.BENCH_CONTACTS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 31);
const ENGAGED_SHARE = 0.35;
const DAY_MS = 86_400_000;

const CODES: [string, number][] = [
  ['I10', 0.3],
  ['E78.5', 0.25],
  ['Z00.00', 0.2],
  ['E66.9', 0.15],
  ['M54.5', 0.1],
  ['E11.9', 0.08],
  ['J45.909', 0.08],
  ['F32.9', 0.08],
  ['E11.65', 0.03],
  ['N18.3', 0.03],
  ['C50.919', 0.01],
];
const PLANS = [
  'Blue Horizon PPO',
  'CareFirst HMO',
  'Medicare Advantage Plus',
  'Evergreen EPO',
  'Summit Medicaid',
  'Harbor Gold',
  'Prairie Silver',
  'Keystone Bronze',
];
const STATES = ['MA', 'NY', 'CA', 'TX', 'FL', 'IL', 'PA', 'OH'];
const STATUSES = ['commercial', 'medicare', 'medicaid', 'uninsured'];
const SEXES = ['female', 'male', 'other'];
const RULE: SegmentRule = {
  op: 'and',
  rules: [
    { field: 'condition', codes: ['E11'] },
    { field: 'age', min: 45, max: 70 },
    { field: 'insurancePlan', in: ['Blue Horizon PPO', 'CareFirst HMO'] },
    { field: 'engagement', event: 'opened', withinDays: 30 },
  ],
};

/** mulberry32: the data is the same on every run. */
function prng(seed: number) {
  return () => {
    seed |= 0;
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function ageOn(birthDate: string, today: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = today.split('-').map(Number) as [number, number, number];
  return ty - by - (tm < bm || (tm === bm && td < bd) ? 1 : 0);
}

const percentile = (sorted: number[], p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
const dist = (path: string) => pathToFileURL(join(ROOT, 'backend/dist/backend/src', path)).href;

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'hm-bench-segments-'));
  const services = await startServices(dir);
  let app: INestApplicationContext | undefined;
  try {
    const env = { DATABASE_URL: services.pg.url, REDIS_URL: services.redis.url, MASTER_KEY: randomBytes(32).toString('base64'), LOG_LEVEL: 'warn' };
    const migrated = await runMain(['migrate'], env);
    if (migrated.code !== 0) throw new Error(`migrate failed: ${migrated.stderr}`);

    // The compiled backend (tsx cannot emit the decorator metadata Nest's injection needs).
    const { AppModule } = (await import(dist('app.module.js'))) as { AppModule: { forEntrypoint: (e: 'cli', c: AppConfig) => never } };
    const { parseConfig } = (await import(dist('config/index.js'))) as { parseConfig: (env: Record<string, string>) => AppConfig };
    const { CryptoService } = (await import(dist('modules/crypto/index.js'))) as { CryptoService: typeof CryptoServiceType };
    const { tokenOf } = (await import(dist('modules/contacts/index.js'))) as { tokenOf: typeof TokenOf };
    const { SegmentsService } = (await import(dist('modules/segments/index.js'))) as { SegmentsService: typeof SegmentsServiceType };
    app = await NestFactory.createApplicationContext(AppModule.forEntrypoint('cli', parseConfig(env)), { logger: false, abortOnError: false });
    const crypto = app.get(CryptoService);
    const segments = app.get(SegmentsService);

    const db = new pg.Client({ connectionString: services.pg.url });
    await db.connect();
    const today = new Date().toISOString().slice(0, 10);
    const now = Date.parse(`${today}T12:00:00Z`);
    const since = Date.parse(`${today}T00:00:00Z`) - 30 * DAY_MS;
    const [{ first }] = (await db.query<{ first: string }>(`SELECT nextval('contacts_id_seq')::text AS first`)).rows;
    const firstId = Number(first);
    const hex = (b: Buffer) => `\\\\x${b.toString('hex')}`;
    const events: string[] = [];
    let expected = 0;

    const loadStarted = performance.now();
    function* rows(): Generator<string> {
      const rand = prng(20261123);
      const pick = <T>(list: readonly T[]) => list[Math.floor(rand() * list.length)];
      let batch = '';
      for (let i = 0; i < CONTACTS; i++) {
        const id = firstId + i;
        const birthDate = new Date(Date.UTC(1930, 0, 1) + Math.floor(rand() * 79 * 365.25) * DAY_MS).toISOString().slice(0, 10);
        const conditions = CODES.filter(([, share]) => rand() < share).map(([code]) => ({ system: 'ICD-10' as const, code }));
        const plan = rand() < 0.85 ? pick(PLANS) : undefined;
        const phi = {
          email: `patient${i}@example.org`,
          birthDate,
          sex: pick(SEXES),
          state: pick(STATES),
          insuranceStatus: pick(STATUSES),
          insurancePlan: plan,
          conditions,
        };
        const conditionTokens = new Set<string>();
        for (const c of conditions) {
          conditionTokens.add(tokenOf.condition(crypto, c.system, c.code));
          conditionTokens.add(tokenOf.conditionCategory(crypto, c.system, c.code.slice(0, 3)));
        }
        let openedRecently = false;
        if (rand() < ENGAGED_SHARE) {
          for (let k = 1 + Math.floor(rand() * 3); k > 0; k--) {
            const at = now - Math.floor(rand() * 90 * DAY_MS);
            const campaign = 1 + Math.floor(rand() * 12);
            events.push(`${new Date(at).toISOString()}\tdelivered\t${id}\t${campaign}\tf`);
            if (rand() < 0.45) {
              const machine = rand() < 0.15;
              const openedAt = at + Math.floor(rand() * 3 * 3_600_000);
              events.push(`${new Date(openedAt).toISOString()}\topened\t${id}\t${campaign}\t${machine ? 't' : 'f'}`);
              if (!machine && openedAt >= since) openedRecently = true;
              if (rand() < 0.3) events.push(`${new Date(openedAt + 60_000).toISOString()}\tclicked\t${id}\t${campaign}\tf`);
            }
          }
        }
        const age = ageOn(birthDate, today);
        if (conditions.some((c) => c.code.startsWith('E11')) && age >= 45 && age <= 70 && (plan === PLANS[0] || plan === PLANS[1]) && openedRecently)
          expected++;
        const sealed = crypto.encrypt('phi', JSON.stringify(phi), CryptoService.aad('contacts', 'phi', id));
        batch += `${[
          id,
          hex(tokenOf.email(crypto, phi.email)),
          hex(sealed),
          tokenOf.sex(crypto, phi.sex),
          tokenOf.birthYear(crypto, birthDate.slice(0, 4)),
          tokenOf.state(crypto, phi.state),
          tokenOf.insuranceStatus(crypto, phi.insuranceStatus),
          plan ? tokenOf.insurancePlan(crypto, plan) : '\\N',
          `{${[...conditionTokens].join(',')}}`,
        ].join('\t')}\n`;
        if (i % 2000 === 1999) {
          yield batch;
          batch = '';
        }
        if (i % 100_000 === 99_999) process.stderr.write(`  ${i + 1} contacts\n`);
      }
      if (batch) yield batch;
    }
    await pipeline(
      Readable.from(rows()),
      db.query(
        copyFrom(
          `COPY contacts (id, email_token, phi, sex_token, birth_year_token, state_token, insurance_status_token, insurance_plan_token, condition_tokens) FROM STDIN`,
        ),
      ),
    );
    await db.query(`SELECT setval('contacts_id_seq', $1)`, [firstId + CONTACTS]);
    await pipeline(
      Readable.from(
        (function* () {
          for (let i = 0; i < events.length; i += 5000) yield `${events.slice(i, i + 5000).join('\n')}\n`;
        })(),
      ),
      db.query(copyFrom(`COPY engagement_events (occurred_at, type, contact_id, campaign_id, machine) FROM STDIN`)),
    );
    await db.query('VACUUM ANALYZE');
    const loadSeconds = (performance.now() - loadStarted) / 1000;
    process.stderr.write(`loaded ${CONTACTS} contacts and ${events.length} engagement events in ${loadSeconds.toFixed(0)} s\n`);

    // Warm up, then time.
    for (let i = 0; i < 3; i++) await segments.count(RULE, today);
    const times: number[] = [];
    let counted = 0;
    let exactChecks = 0;
    for (let i = 0; i < RUNS; i++) {
      const started = performance.now();
      ({ count: counted, exactChecks } = await segments.count(RULE, today));
      times.push(performance.now() - started);
    }
    if (counted !== expected) throw new Error(`count ${counted}, expected ${expected} from the generated plaintext`);
    times.sort((a, b) => a - b);

    const query = await segments.countQuery(RULE, today);
    const plans = (await db.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, BUFFERS) ${query.sql}`, query.params)).rows.map((r) => r['QUERY PLAN']);
    const indexes = [
      ...new Set([...plans.join('\n').matchAll(/(?:Index Only Scan|Index Scan|Bitmap Index Scan)(?: Backward)? (?:using|on) (\w+)/g)].map((m) => m[1])),
    ];

    // Baseline: the same statement with index scans off (what a table scan costs).
    await db.query('SET enable_indexscan = off; SET enable_bitmapscan = off; SET enable_indexonlyscan = off');
    const baselineStarted = performance.now();
    await db.query(query.sql, query.params);
    const baselineMs = performance.now() - baselineStarted;
    await db.end();

    const p50 = Number(percentile(times, 50).toFixed(1));
    const p95 = Number(percentile(times, 95).toFixed(1));
    process.stderr.write(
      [
        '',
        'EXPLAIN (ANALYZE, BUFFERS) of the count:',
        ...plans,
        '',
        `indexes used:        ${indexes.join(', ') || 'none'}`,
        `count:               ${counted} contacts (matches the plaintext reference), ${exactChecks} rows decrypted for the exact age check`,
        `segment count:       p50 ${p50} ms, p95 ${p95} ms over ${RUNS} runs (min ${times[0].toFixed(1)}, max ${times[times.length - 1].toFixed(1)})`,
        `without indexes:     ${baselineMs.toFixed(0)} ms (the same statement, one run)`,
        '',
      ].join('\n'),
    );
    bench('segments', { contacts: CONTACTS, events: events.length, count: counted, p50_ms: p50, p95_ms: p95, baseline_no_index_ms: Math.round(baselineMs) });
  } finally {
    await app?.close();
    await services.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${err instanceof Error ? err.stack : String(err)}\n`);
  process.exit(1);
});
