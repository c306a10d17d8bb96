/**
 * bench:ingest — HL7 v2 messages over MLLP (to a worker process) and FHIR transaction Bundles over HTTP (to an api
 * process) at increasing offered rates, against the built backend on embedded Postgres and Redis. Every message
 * creates or updates a contact (encrypted PHI, blind indexes), records its events and its encrypted inbound record.
 * Prints, per step, the offered rate, the accepted rate (AA / 200) and latency percentiles.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { freePort } from '../backend/src/embedded/free-port.js';
import { bench, MAIN_JS, ROOT, runMain, startServices } from './lib.js';

const DIST = join(ROOT, 'backend/dist/backend/src');
const STEP_SECONDS = Number(process.env.BENCH_STEP_SECONDS ?? 5);
const HL7_RATES = (process.env.BENCH_HL7_RATES ?? '100,250,500,1000,0').split(',').map(Number);
const FHIR_RATES = (process.env.BENCH_FHIR_RATES ?? '10,25,50,0').split(',').map(Number);
const CONNECTIONS = Number(process.env.BENCH_CONNECTIONS ?? 16);
const VT = 0x0b;
const FS = 0x1c;

async function appContext(env: Record<string, string>): Promise<INestApplicationContext> {
  const { NestFactory } = await import('@nestjs/core');
  const { AppModule } = (await import(join(DIST, 'app.module.js'))) as typeof import('../backend/src/app.module.js');
  const { parseConfig } = (await import(join(DIST, 'config/index.js'))) as typeof import('../backend/src/config/index.js');
  return NestFactory.createApplicationContext(AppModule.forEntrypoint('cli', parseConfig(env)), { logger: ['warn', 'error'] });
}

let seq = 0;
function hl7Message(): string {
  const n = ++seq;
  const patient = n % 2000;
  const ts = '20260301101500';
  const pid = `PID|1||MRN${patient}^^^BENCH^MR||PATIENT${patient}^TEST^A||19700101|F|||1 MAIN ST^^SPRINGFIELD^IL^62701||^NET^Internet^p${patient}@bench.example`;
  const kind = n % 4;
  if (kind === 3) {
    return [
      `MSH|^~\\&|BENCH|HOSP|HM|HM|${ts}||SIU^S12^SIU_S12|B${n}|P|2.5.1`,
      `SCH|A${n}^A${n}|F${n}^F${n}|||||CHECKUP^Checkup^L|||^^30^20300101090000|||||||||||||Booked`,
      pid,
      `AIS|1|A|CHECKUP^Checkup^L|20300101090000`,
    ].join('\r');
  }
  const trigger = kind === 0 ? 'A01' : kind === 1 ? 'A08' : 'A03';
  return [
    `MSH|^~\\&|BENCH|HOSP|HM|HM|${ts}||ADT^${trigger}^ADT_A01|B${n}|P|2.5.1`,
    `EVN|${trigger}|${ts}`,
    pid,
    `PV1|1|I|W1^1^1||||100^DOC^DAN|||MED||||||||||V${n}|||||||||||||||||||||||||20260301080000|20260301100000`,
    `DG1|1||E11.9^Type 2 diabetes^I10`,
  ].join('\r');
}

function fhirBundle(): string {
  const n = ++seq;
  const patient = n % 2000;
  const full = `urn:uuid:${randomBytes(16)
    .toString('hex')
    .replace(/(.{8})(.{4})(.{4})(.{4})(.{12})/, '$1-$2-$3-$4-$5')}`;
  return JSON.stringify({
    resourceType: 'Bundle',
    type: 'transaction',
    entry: [
      {
        fullUrl: full,
        resource: {
          resourceType: 'Patient',
          identifier: [{ type: { coding: [{ code: 'MR' }] }, system: 'urn:bench:mrn', value: `F${patient}` }],
          name: [{ family: `Fhir${patient}`, given: ['Test'] }],
          telecom: [{ system: 'email', value: `f${patient}@bench.example` }],
          gender: 'male',
          birthDate: '1980-02-02',
        },
        request: { method: 'POST', url: 'Patient' },
      },
      {
        resource: { resourceType: 'Appointment', id: `a${n}`, status: 'booked', start: '2030-02-02T10:00:00Z', participant: [{ actor: { reference: full } }] },
        request: { method: 'POST', url: 'Appointment' },
      },
      {
        resource: {
          resourceType: 'Condition',
          id: `c${n}`,
          subject: { reference: full },
          code: { coding: [{ system: 'http://snomed.info/sct', code: '44054006', display: 'Diabetes mellitus type 2' }] },
        },
        request: { method: 'POST', url: 'Condition' },
      },
    ],
  });
}

class Mllp {
  private buffer = Buffer.alloc(0);
  private waiting: ((ack: string) => void)[] = [];
  constructor(private readonly socket: Socket) {
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      this.buffer = Buffer.concat([this.buffer, chunk]);
      for (;;) {
        const start = this.buffer.indexOf(VT);
        const end = this.buffer.indexOf(FS);
        if (start < 0 || end < 0) break;
        const ack = this.buffer.subarray(start + 1, end).toString();
        this.buffer = this.buffer.subarray(end + 2);
        this.waiting.shift()?.(ack);
      }
    });
  }
  static async open(port: number): Promise<Mllp> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new Mllp(socket);
  }
  send(message: string): Promise<string> {
    return new Promise((resolve) => {
      this.waiting.push(resolve);
      this.socket.write(Buffer.concat([Buffer.from([VT]), Buffer.from(message), Buffer.from([FS, 0x0d])]));
    });
  }
  close() {
    this.socket.destroy();
  }
}

interface Step {
  offered: number | 'max';
  accepted_per_s: number;
  errors: number;
  p50_ms: number;
  p95_ms: number;
}

/** Runs `workers` loops for STEP_SECONDS, each pacing its sends so that together they offer `rate` per second (0: as fast as possible). */
async function step(rate: number, workers: number, send: (w: number) => Promise<boolean>): Promise<Step> {
  const latencies: number[] = [];
  let ok = 0;
  let errors = 0;
  const started = performance.now();
  const until = started + STEP_SECONDS * 1000;
  const interval = rate ? (workers / rate) * 1000 : 0;
  await Promise.all(
    Array.from({ length: workers }, async (_, w) => {
      let next = started + (interval * w) / workers;
      while (performance.now() < until) {
        if (interval) {
          const wait = next - performance.now();
          if (wait > 0) await new Promise((r) => setTimeout(r, wait));
          next += interval;
        }
        const t0 = performance.now();
        if (await send(w)) ok++;
        else errors++;
        latencies.push(performance.now() - t0);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  const pct = (p: number) => Math.round((latencies[Math.min(latencies.length - 1, Math.floor(latencies.length * p))] ?? 0) * 10) / 10;
  return { offered: rate || 'max', accepted_per_s: Math.round(ok / seconds), errors, p50_ms: pct(0.5), p95_ms: pct(0.95) };
}

async function main() {
  const dir = await mkdtemp(join(tmpdir(), 'hm-bench-ingest-'));
  const services = await startServices(dir);
  const children: ChildProcess[] = [];
  try {
    const mllpPort = await freePort();
    const httpPort = await freePort();
    const env: Record<string, string> = {
      DATABASE_URL: services.pg.url,
      REDIS_URL: services.redis.url,
      MASTER_KEY: randomBytes(32).toString('base64'),
      LOG_LEVEL: 'warn',
      HL7_MLLP_PORT: String(mllpPort),
      PORT: String(httpPort),
      RATE_LIMIT_PUBLIC_PER_MINUTE: '100000',
    };
    if ((await runMain(['migrate'], env)).code !== 0) throw new Error('migrate failed');
    const app = await appContext(env);
    const { ApiKeysService } = (await import(join(DIST, 'modules/auth/index.js'))) as typeof import('../backend/src/modules/auth/index.js');
    const { Permission } = (await import(join(DIST, 'platform/http/index.js'))) as typeof import('../backend/src/platform/http/index.js');
    const created = await app.get(ApiKeysService).create({ name: 'bench', scopes: [Permission.EventsWrite] }, { type: 'system', id: 'bench' });
    await app.close();

    // As in production: MLLP in a worker process, HTTP in an api process.
    for (const role of ['worker', 'api']) {
      children.push(spawn(process.execPath, [MAIN_JS, role], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'ignore', 'inherit'] }));
    }
    const ready = async (probe: () => Promise<unknown>) => {
      for (let i = 0; i < 300; i++) {
        try {
          await probe();
          return;
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
      throw new Error('backend did not start');
    };
    await ready(async () => (await Mllp.open(mllpPort)).close());
    await ready(() => fetch(`http://127.0.0.1:${httpPort}/healthz`));

    const clients = await Promise.all(Array.from({ length: CONNECTIONS }, () => Mllp.open(mllpPort)));
    const hl7Steps: Step[] = [];
    for (const rate of HL7_RATES) {
      const s = await step(rate, CONNECTIONS, async (w) => (await clients[w].send(hl7Message())).includes('MSA|AA|'));
      hl7Steps.push(s);
      process.stdout.write(`hl7  mllp  ${JSON.stringify(s)}\n`);
    }
    for (const c of clients) c.close();

    const fhirSteps: Step[] = [];
    for (const rate of FHIR_RATES) {
      const s = await step(rate, 4, async () => {
        const res = await fetch(`http://127.0.0.1:${httpPort}/api/v1/fhir`, {
          method: 'POST',
          headers: { 'content-type': 'application/fhir+json', 'x-api-key': created.key },
          body: fhirBundle(),
        });
        await res.arrayBuffer();
        return res.status === 200;
      });
      fhirSteps.push(s);
      process.stdout.write(`fhir bundle ${JSON.stringify(s)} (3 resources per bundle)\n`);
    }
    const bestHl7 = hl7Steps.reduce((a, b) => (b.accepted_per_s > a.accepted_per_s ? b : a));
    const bestFhir = fhirSteps.reduce((a, b) => (b.accepted_per_s > a.accepted_per_s ? b : a));
    // p95 at the 500 msgs/s step (the target), else at the best step.
    const atTarget = hl7Steps.find((s) => s.offered === 500) ?? bestHl7;
    bench('ingest', {
      hl7_msgs_per_s: bestHl7.accepted_per_s,
      fhir_bundles_per_s: bestFhir.accepted_per_s,
      p95_ms: atTarget.p95_ms,
      hl7_p95_ms_at_max: bestHl7.p95_ms,
      fhir_p95_ms_at_max: bestFhir.p95_ms,
      hl7_errors: hl7Steps.reduce((n, s) => n + s.errors, 0),
      connections: CONNECTIONS,
    });
  } finally {
    for (const c of children) c.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 1000));
    await services.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`${(err as Error).stack ?? String(err)}\n`);
  process.exit(1);
});
