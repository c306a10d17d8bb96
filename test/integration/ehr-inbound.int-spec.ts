import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { connect, type Socket } from 'node:net';
import { join } from 'node:path';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsersService } from '../../backend/src/modules/auth/index.js';
import { TopicsService } from '../../backend/src/modules/consent/index.js';
import { ContactsService } from '../../backend/src/modules/contacts/index.js';
import { freePort } from '../../backend/src/embedded/free-port.js';
import { EventsService, Hl7Message, InboundService, MllpFramer, mllpFrame, MllpListener } from '../../backend/src/modules/events/index.js';
import { Role } from '../../backend/src/platform/http/index.js';
import { ApiClient } from '../support/api-client.js';
import { dumpDatabase, phiFound, startTestApp, superuser, type TestApp } from '../support/stack.js';

const FIXTURES = join(import.meta.dirname, '../../backend/src/modules/events/fixtures');
const fhir = (name: string) => JSON.parse(readFileSync(join(FIXTURES, 'fhir', `${name}.json`), 'utf8')) as Record<string, unknown>;
const hl7 = (name: string) =>
  readFileSync(join(FIXTURES, 'hl7', `${name}.hl7`), 'utf8')
    .trim()
    .replace(/\n/g, '\r');
const SYSTEM = { type: 'system' } as const;
const PASSWORD = 'granite-otter-lantern-42';

// Every patient value the fixtures carry that must never rest or be logged in plain text.
const PHI = [
  'Chalmers',
  'peter.chalmers@example.com',
  'p.heuvel@gmail.com',
  'van de Heuvel',
  'adam.everyman@example.org',
  'EVERYMAN',
  'PATID1234',
  'siobhan.obrien@example.net',
  'O&BRIEN',
  'SIOBHAN',
  '2222 HOME STREET',
  'Burnt Ear',
  'Burn of ear',
  'Type 2 diabetes',
  'Annual physical',
  'Good Health PPO Gold',
  'Full Coverage: Medical',
  'walter.fourth@example.com',
  'ebenezer.eventful@example.com',
];

interface Outcome {
  resourceType: string;
  issue: { severity: string; code: string; diagnostics: string; expression?: string[] }[];
}

/** A small MLLP client: sends frames, collects ACK frames in order. */
class MllpClient {
  private readonly framer = new MllpFramer();
  private readonly acks: string[] = [];
  private waiters: (() => void)[] = [];
  constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => {
      for (const f of this.framer.push(chunk)) this.acks.push(f.payload.toString('utf8'));
      for (const w of this.waiters.splice(0)) w();
    });
  }
  static async open(port: number): Promise<MllpClient> {
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new MllpClient(socket);
  }
  write(bytes: Buffer | string) {
    this.socket.write(bytes);
  }
  async next(count = 1, timeoutMs = 10_000): Promise<Hl7Message[]> {
    const deadline = Date.now() + timeoutMs;
    while (this.acks.length < count) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${count} ACK(s), have ${this.acks.length}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 200);
      });
    }
    return this.acks.splice(0, count).map((a) => Hl7Message.parse(a));
  }
  async send(message: string): Promise<Hl7Message> {
    this.write(mllpFrame(message));
    return (await this.next())[0];
  }
  close() {
    this.socket.end();
  }
}

const msa = (ack: Hl7Message) => ack.get('MSA')?.fields[1]?.[0]?.[0]?.[0];
const errText = (ack: Hl7Message) => ack.all('ERR').map((e) => `${e.fields[3]?.[0]?.[0]?.[0]} ${e.fields[8]?.[0]?.[0]?.[0] ?? ''}`);

describe('EHR integration in: events API, FHIR R4, HL7 v2 over MLLP and HTTP', () => {
  let t: TestApp;
  let db: pg.Client;
  let admin: ApiClient;
  let key: string;
  let mllpPort: number;
  let contacts: ContactsService;
  let ehrServer: Server;
  let ehrUrl: string;
  const logs: string[] = [];

  // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- the caller names the body it expects
  const api = async <T = unknown>(method: string, path: string, body?: unknown, headers: Record<string, string> = {}) => {
    const res = await fetch(`${t.baseUrl}${path}`, {
      method,
      headers: { 'x-api-key': key, ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers },
      body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // HL7 ACKs are text
    }
    return { status: res.status, body: parsed as T, headers: res.headers };
  };
  const postFhir = (body: unknown, path = '/api/v1/fhir') =>
    api<Outcome & { type?: string; entry?: { response: { status: string; outcome: Outcome } }[] }>('POST', path, body, {
      'content-type': 'application/fhir+json',
    });
  const phi = async (id: string) => (await contacts.phiForProcessing(id))!;
  const eventTypes = async (contactId: string) => (await t.app.get(EventsService).forContact(contactId)).map((e) => e.type).sort();

  beforeAll(async () => {
    mllpPort = await freePort();
    t = await startTestApp({ entrypoint: 'all', logs, env: { HL7_MLLP_PORT: String(mllpPort), INBOUND_RETENTION_DAYS: '7' } });
    db = await superuser(t.databaseUrl);
    contacts = t.app.get(ContactsService);
    await t.app.get(UsersService).create({ email: 'admin@clinic.test', displayName: 'Admin', role: Role.Admin, password: PASSWORD });
    admin = new ApiClient(t.baseUrl);
    await admin.signInAndEnroll('admin@clinic.test', PASSWORD);
    const created = await admin.post<{ key: string }>('/api/v1/api-keys', { name: 'EHR interface', scopes: ['events:write'] });
    key = created.body.key;
    await t.app.get(TopicsService).create({ key: 'care', name: 'Care reminders', kind: 'marketing', doubleOptIn: false }, SYSTEM);
    // The EHR's FHIR server, for id-only subscription notifications.
    ehrServer = createServer((req, res) => {
      if (req.url === '/fhir/r4/Encounter/86009987-eabe-42bf-8c02-b112b18cb616') {
        const full = fhir('subscription-notification-full-resource') as { entry: { resource: unknown }[] };
        res.writeHead(200, { 'content-type': 'application/fhir+json' }).end(JSON.stringify(full.entry[1].resource));
      } else res.writeHead(404).end();
    });
    await new Promise<void>((resolve) => ehrServer.listen(0, '127.0.0.1', resolve));
    ehrUrl = `http://127.0.0.1:${(ehrServer.address() as { port: number }).port}/fhir/r4`;
  });
  afterAll(async () => {
    /* eslint-disable @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed */
    await db?.end();
    await t?.close();
    ehrServer?.close();
    /* eslint-enable @typescript-eslint/no-unnecessary-condition */
  });

  describe('events API', () => {
    it('accepts good events, names the fields of bad ones, and ignores retried deliveries', async () => {
      const c = await contacts.create(
        { email: 'ebenezer.eventful@example.com', identifiers: [{ kind: 'mrn', system: 'urn:test:mrn', value: 'EV-1' }] },
        SYSTEM,
      );
      const batch = {
        events: [
          {
            type: 'portal.login',
            contact: { email: 'ebenezer.eventful@example.com' },
            occurredAt: '2026-01-02T03:04:05Z',
            properties: { device: 'ios' },
            idempotencyKey: 'evt-1',
          },
          { type: 'Bad Type!', contact: { email: 'ebenezer.eventful@example.com' }, idempotencyKey: 'evt-2' },
          { type: 'lab.result-ready', contact: { identifier: { system: 'urn:test:mrn', value: 'EV-1' } }, idempotencyKey: 'evt-3' },
          { type: 'portal.login', contact: { email: 'nobody@example.com' }, idempotencyKey: 'evt-4' },
          { type: 'portal.login', contact: {}, occurredAt: 'yesterday', properties: { nested: { a: 1 } } },
        ],
      };
      const first = await api<{ results: { index: number; status: string; id?: string; errors?: { field: string }[] }[]; summary: Record<string, number> }>(
        'POST',
        '/api/v1/events',
        batch,
      );
      expect(first.status).toBe(202);
      expect(first.body.summary).toEqual({ accepted: 2, duplicate: 0, error: 3 });
      expect(first.body.results.map((r) => r.status)).toEqual(['accepted', 'error', 'accepted', 'error', 'error']);
      expect(first.body.results[1].errors?.map((e) => e.field)).toEqual(['events[1].type']);
      expect(first.body.results[3].errors?.map((e) => e.field)).toEqual(['events[3].contact']);
      expect(first.body.results[4].errors?.map((e) => e.field).sort()).toEqual(
        ['events[4].contact', 'events[4].idempotencyKey', 'events[4].occurredAt', 'events[4].properties.nested'].sort(),
      );
      const again = await api<{ results: { status: string; id?: string }[] }>('POST', '/api/v1/events', batch);
      expect(again.body.results.map((r) => r.status)).toEqual(['duplicate', 'error', 'duplicate', 'error', 'error']);
      expect(again.body.results[0].id).toBe(first.body.results[0].id);
      expect(await eventTypes(c.id)).toEqual(['lab.result-ready', 'portal.login']);
      expect(await t.app.get(EventsService).propertiesOf(first.body.results[0].id as string)).toEqual({ device: 'ios' });

      // A batch key covers events without their own key, per position.
      const single = { type: 'portal.logout', contact: { email: 'ebenezer.eventful@example.com' } };
      const keyed = await api<{ results: { status: string }[] }>('POST', '/api/v1/events', { events: [single, single] }, { 'idempotency-key': 'batch-0001' });
      expect(keyed.body.results.map((r) => r.status)).toEqual(['accepted', 'accepted']);
      const rekeyed = await api<{ results: { status: string }[] }>('POST', '/api/v1/events', { events: [single, single] }, { 'idempotency-key': 'batch-0001' });
      expect(rekeyed.body.results.map((r) => r.status)).toEqual(['duplicate', 'duplicate']);

      const tooMany = await api('POST', '/api/v1/events', { events: Array.from({ length: 1001 }, () => single) });
      expect(tooMany.status).toBe(400);
      const unscoped = await admin.post<{ key: string }>('/api/v1/api-keys', { name: 'read only', scopes: ['contacts:read'] });
      const refused = await fetch(`${t.baseUrl}/api/v1/events`, {
        method: 'POST',
        headers: { 'x-api-key': unscoped.body.key, 'content-type': 'application/json' },
        body: '{}',
      });
      expect(refused.status).toBe(403);
    });
  });

  describe('FHIR R4', () => {
    it('maps the official examples through the endpoint', async () => {
      // patient-example has no e-mail: it cannot become a contact, and is kept as a dead letter.
      const noEmail = await postFhir(fhir('patient-example'), '/api/v1/fhir/Patient');
      expect(noEmail.status).toBe(422);
      expect(noEmail.body.resourceType).toBe('OperationOutcome');
      expect(noEmail.body.issue.map((i) => i.diagnostics).join(' ')).toMatch(/no e-mail address/);

      const pieter = await postFhir(fhir('patient-example-f001-pieter'));
      expect(pieter.status).toBe(200);
      const pieterId = (await contacts.lookup({ email: 'p.heuvel@gmail.com' })).id;
      expect(await phi(pieterId)).toMatchObject({ firstName: 'Pieter', lastName: 'van de Heuvel', birthDate: '1944-11-17', sex: 'male' });
      // A Dutch postal code is not a US ZIP: left out with a warning, not a failure.
      expect(pieter.body.issue.some((i) => i.diagnostics.includes('postalCode') && i.diagnostics.includes('left out'))).toBe(true);

      const withEmail = fhir('patient-example');
      (withEmail.telecom as unknown[]).push({ system: 'email', value: 'peter.chalmers@example.com', use: 'home' });
      const chalmers = await postFhir(withEmail, '/api/v1/fhir/Patient');
      expect(chalmers.status).toBe(200);
      const id = (await contacts.lookup({ identifier: { system: 'urn:oid:1.2.36.146.595.217.0.1', value: '12345' } })).id;
      expect(await phi(id)).toMatchObject({
        email: 'peter.chalmers@example.com',
        firstName: 'Peter',
        lastName: 'Chalmers',
        birthDate: '1974-12-25',
        sex: 'male',
      });

      expect((await postFhir(fhir('appointment-example'), '/api/v1/fhir/Appointment')).status).toBe(200);
      expect((await postFhir(fhir('condition-example'))).status).toBe(200);
      expect((await postFhir(fhir('encounter-example'))).status).toBe(200);
      const home = await postFhir(fhir('encounter-example-home'));
      expect(home.status).toBe(200);
      // The same discharge again records nothing twice (a new body: not a duplicate delivery, but the same event key).
      expect((await postFhir({ ...fhir('encounter-example-home'), meta: { versionId: '2' } })).status).toBe(200);
      const p = await phi(id);
      expect(p.conditions).toEqual([{ system: 'SNOMED-CT', code: '39065001', display: 'Burn of ear' }]);
      expect(p).toMatchObject({ lastVisitDate: '2015-01-17', visitCount12m: 1 });
      expect(await eventTypes(id)).toEqual(['appointment.booked', 'condition.recorded', 'patient.admitted', 'patient.discharged']);

      // coverage-example names Patient/4, unknown here: a dead letter until that patient arrives.
      const coverage = await postFhir(fhir('coverage-example'));
      expect(coverage.status).toBe(422);
      const deadId = coverage.headers.get('x-inbound-message-id') as string;
      expect((await admin.get<{ status: string; reason: string }>(`/api/v1/integrations/inbound-messages/${deadId}`)).body).toMatchObject({
        status: 'dead_letter',
      });
      await postFhir({ resourceType: 'Patient', id: '4', telecom: [{ system: 'email', value: 'walter.fourth@example.com' }] });
      const reprocessed = await admin.post<{ status: string; attempts: number }>(`/api/v1/integrations/inbound-messages/${deadId}/reprocess`);
      expect(reprocessed.body).toMatchObject({ status: 'processed', attempts: 2 });
      const fourth = (await contacts.lookup({ email: 'walter.fourth@example.com' })).id;
      expect(await phi(fourth)).toMatchObject({ insuranceStatus: 'commercial', insurancePlan: 'Full Coverage: Medical, Dental, Pharmacy, Vision, EHC' });
    });

    it('answers transaction and batch bundles per entry, and rejects a transaction with a bad entry whole', async () => {
      const patient = {
        resourceType: 'Patient',
        identifier: [{ type: { coding: [{ code: 'MR' }] }, system: 'urn:test:mrn', value: 'TX-1' }],
        telecom: [{ system: 'email', value: 'tx.patient@example.com' }],
      };
      const appointment = {
        resourceType: 'Appointment',
        status: 'booked',
        start: '2031-03-04T10:00:00Z',
        participant: [{ actor: { reference: 'urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a' } }],
      };
      const tx = await postFhir({
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [
          { fullUrl: 'urn:uuid:61ebe359-bfdc-4613-8bf2-c5e300945f0a', resource: patient, request: { method: 'POST', url: 'Patient' } },
          { resource: appointment, request: { method: 'POST', url: 'Appointment' } },
        ],
      });
      expect(tx.status).toBe(200);
      expect(tx.body.type).toBe('transaction-response');
      expect(tx.body.entry?.map((e) => e.response.status)).toEqual(['201 Created', '200 OK']);
      const txId = (await contacts.lookup({ email: 'tx.patient@example.com' })).id;
      expect((await phi(txId)).nextVisitDate).toBe('2031-03-04');

      const bad = { resourceType: 'Appointment', participant: [{ actor: { reference: 'Patient/x' } }] };
      const batch = await postFhir({
        resourceType: 'Bundle',
        type: 'batch',
        entry: [
          { resource: bad },
          {
            resource: {
              ...appointment,
              start: '2031-05-06T10:00:00Z',
              participant: [{ actor: { type: 'Patient', identifier: { system: 'urn:test:mrn', value: 'TX-1' } } }],
            },
          },
        ],
      });
      expect(batch.status).toBe(200);
      expect(batch.body.entry?.map((e) => e.response.status)).toEqual(['400 Bad Request', '200 OK']);
      expect(batch.body.entry?.[0].response.outcome.issue[0].expression).toEqual(['Bundle.entry[0].resource.Appointment.status']);

      const rejected = await postFhir({
        resourceType: 'Bundle',
        type: 'transaction',
        entry: [{ resource: { ...appointment, start: '2032-01-01T10:00:00Z' } }, { resource: bad }],
      });
      expect(rejected.status).toBe(400);
      expect(rejected.body.issue[0]).toMatchObject({ severity: 'error', code: 'invalid', expression: ['Bundle.entry[1].resource.Appointment.status'] });
      expect((await phi(txId)).nextVisitDate).toBe('2031-05-06');
    });

    it('answers bad input with an OperationOutcome naming the problem', async () => {
      const invalidJson = await api<Outcome>('POST', '/api/v1/fhir', '{"resourceType": "Patient", ', { 'content-type': 'application/fhir+json' });
      expect(invalidJson.status).toBe(400);
      expect(invalidJson.headers.get('content-type')).toContain('application/fhir+json');
      expect(invalidJson.body.issue[0]).toMatchObject({ severity: 'error', code: 'structure' });
      expect(invalidJson.body.issue[0].diagnostics).toMatch(/not valid JSON/);
      const wrongType = await postFhir(fhir('appointment-example'), '/api/v1/fhir/Patient');
      expect(wrongType.status).toBe(400);
      expect(wrongType.body.issue[0]).toMatchObject({ expression: ['resourceType'] });
      expect(wrongType.body.issue[0].diagnostics).toMatch(/expected Patient/);
      const unsupported = await postFhir({ resourceType: 'Observation', status: 'final' });
      expect(unsupported.status).toBe(422);
      expect(unsupported.body.issue[0].code).toBe('not-supported');
      const badGender = await postFhir({ resourceType: 'Patient', gender: 'yes', birthDate: '12/25/1974' });
      expect(badGender.status).toBe(400);
      expect(badGender.body.issue.flatMap((i) => i.expression)).toEqual(['Patient.gender', 'Patient.birthDate']);
      const badBundle = await postFhir({ resourceType: 'Bundle', type: 'searchset' });
      expect(badBundle.status).toBe(422);
      // Nothing is lost: each of them is on record, rejected with its reason.
      const rejected = await admin.get<{ data: { status: string; reason: string }[] }>(
        `/api/v1/integrations/inbound-messages?perPage=100&filter=${encodeURIComponent('{"status":"rejected"}')}`,
      );
      expect(rejected.body.data.length).toBeGreaterThanOrEqual(5);
      expect(rejected.body.data.every((m) => m.reason)).toBe(true);
    });

    it('takes R4 Subscriptions Backport notifications, full-resource and id-only', async () => {
      const full = await postFhir(fhir('subscription-notification-full-resource'));
      expect(full.status).toBe(200);
      const id = (await contacts.lookup({ email: 'peter.chalmers@example.com' })).id;
      expect((await phi(id)).lastVisitDate).toBe('2020-05-29');
      expect((await phi(id)).visitCount12m).toBe(2);
      const duplicate = await postFhir(fhir('subscription-notification-full-resource'));
      expect(duplicate.body.issue[0].diagnostics).toMatch(/duplicate/);

      const handshake = await postFhir({
        resourceType: 'Bundle',
        type: 'history',
        entry: [{ resource: { resourceType: 'Parameters', parameter: [{ name: 'type', valueCode: 'handshake' }] } }],
      });
      expect(handshake.status).toBe(200);

      const idOnly = fhir('subscription-notification-id-only') as { entry: { fullUrl: string }[] };
      idOnly.entry[1].fullUrl = `${ehrUrl}/Encounter/86009987-eabe-42bf-8c02-b112b18cb616`;
      const dead = await postFhir(idOnly);
      expect(dead.status).toBe(422);
      expect(dead.body.issue.map((i) => i.diagnostics).join(' ')).toMatch(/fhirServerUrl/);
      const deadId = dead.headers.get('x-inbound-message-id') as string;
      expect((await admin.request('PUT', '/api/v1/integrations/mapping', { fhirServerUrl: 'http://10.1.2.3/fhir' })).status).toBe(400);
      expect((await admin.request('PUT', '/api/v1/integrations/mapping', { fhirServerUrl: ehrUrl })).status).toBe(200);
      expect((await admin.post<{ status: string }>(`/api/v1/integrations/inbound-messages/${deadId}/reprocess`)).body.status).toBe('processed');
      // Same encounter as the full-resource notification: no second visit.
      expect((await phi(id)).visitCount12m).toBe(2);
    });
  });

  describe('HL7 v2', () => {
    it('maps ADT and SIU messages over MLLP and answers AA', async () => {
      expect(t.app.get(MllpListener).address?.port).toBe(mllpPort);
      const client = await MllpClient.open(mllpPort);
      try {
        const a01 = await client.send(hl7('adt-a01'));
        expect(msa(a01)).toBe('AA');
        expect(a01.get('MSA')?.fields[2]?.[0]?.[0]?.[0]).toBe('MSG00001');
        const id = (await contacts.lookup({ identifier: { system: 'GOOD HEALTH HOSPITAL', value: 'PATID1234' } })).id;
        expect(await phi(id)).toMatchObject({
          email: 'adam.everyman@example.org',
          firstName: 'ADAM',
          lastName: 'EVERYMAN',
          birthDate: '1961-06-15',
          sex: 'male',
          postalCode: '27401-1020',
          state: 'NC',
          primaryProvider: 'DR PAULA PRIMARY',
          insuranceStatus: 'commercial',
          insurancePlan: 'Good Health PPO Gold',
          conditions: [{ system: 'ICD-10', code: 'E11.9', display: 'Type 2 diabetes mellitus without complications' }],
        });
        expect(msa(await client.send(hl7('adt-a03')))).toBe('AA');
        expect(await phi(id)).toMatchObject({ lastVisitDate: '2007-08-21', visitCount12m: 1 });
        // A redelivered message (same sender and control id): acknowledged, nothing recorded again.
        const again = await client.send(hl7('adt-a03'));
        expect(msa(again)).toBe('AA');
        expect(errText(again).join()).toMatch(/duplicate/);
        expect((await phi(id)).visitCount12m).toBe(1);

        expect(msa(await client.send(hl7('siu-s12')))).toBe('AA');
        expect((await phi(id)).nextVisitDate).toBe('2030-01-15');
        expect(msa(await client.send(hl7('siu-s14')))).toBe('AA');
        expect((await phi(id)).nextVisitDate).toBe('2030-01-22');
        expect(msa(await client.send(hl7('siu-s15')))).toBe('AA');
        expect((await phi(id)).nextVisitDate).toBeUndefined();
        expect(msa(await client.send(hl7('adt-a08')))).toBe('AA');
        expect(await eventTypes(id)).toEqual([
          'appointment.booked',
          'appointment.cancelled',
          'appointment.rescheduled',
          'patient.admitted',
          'patient.discharged',
          'patient.updated',
        ]);

        // Escape sequences: \T\ \S\ \R\ are text, never delimiters.
        expect(msa(await client.send(hl7('adt-a04')))).toBe('AA');
        const siobhan = (await contacts.lookup({ email: 'siobhan.obrien@example.net' })).id;
        expect(await phi(siobhan)).toMatchObject({ lastName: 'O&BRIEN', firstName: 'SIOBHAN^ROSE', sex: 'female', postalCode: '02134', state: 'MA' });
      } finally {
        client.close();
      }
    });

    it('answers AE and AR with an ERR segment, and survives truncated frames', async () => {
      const client = await MllpClient.open(mllpPort);
      try {
        const noId = hl7('adt-a08').replace('MSG00008', 'MSG-NOID').replace('PATID1234^^^GOOD HEALTH HOSPITAL^MR', '');
        const ae = await client.send(noId);
        expect(msa(ae)).toBe('AE');
        expect(errText(ae)).toEqual(['101 PID-3: patient identifier list is required']);
        expect(ae.get('ERR')?.fields[2]?.[0]?.[0]?.[0]).toBe('PID');

        const oru = await client.send(hl7('adt-a08').replace('ADT^A08^ADT_A01', 'ORU^R01^ORU_R01').replace('MSG00008', 'MSG-ORU'));
        expect(msa(oru)).toBe('AR');
        expect(errText(oru)[0]).toMatch(/^200 /);
        const wrongEncoding = await client.send(hl7('adt-a08').replace('MSH|^~\\&|', 'MSH|^~\\|'));
        expect(msa(wrongEncoding)).toBe('AR');
        expect(errText(wrongEncoding)[0]).toMatch(/^102 MSH-2/);
        const badSegment = await client.send(hl7('adt-a08').replace('MSG00008', 'MSG-BADSEG').replace('\rPV1|', '\rpv1|'));
        expect(msa(badSegment)).toBe('AR');
        expect(errText(badSegment)[0]).toMatch(/^100 segment 4/);
        const wrongVersion = await client.send(hl7('adt-a08').replace('|P|2.5.1', '|P|3.0').replace('MSG00008', 'MSG-V3'));
        expect(msa(wrongVersion)).toBe('AR');
        expect(errText(wrongVersion)[0]).toMatch(/^203 /);

        // A frame cut short by the next start block: AR for it (its header is readable), AA for the next one.
        const cut = hl7('adt-a08').replace('MSG00008', 'MSG-CUT');
        client.write(Buffer.concat([Buffer.from([0x0b]), Buffer.from(cut.slice(0, 120)), mllpFrame(hl7('adt-a08').replace('MSG00008', 'MSG-AFTER'))]));
        const [truncated, after] = await client.next(2);
        expect(msa(truncated)).toBe('AR');
        expect(truncated.get('MSA')?.fields[2]?.[0]?.[0]?.[0]).toBe('MSG-CUT');
        expect(errText(truncated)[0]).toMatch(/truncated/);
        expect(msa(after)).toBe('AA');
      } finally {
        client.close();
      }
      // A connection closed inside a frame: recorded as rejected, nothing else happens.
      const closing = await MllpClient.open(mllpPort);
      closing.write(Buffer.concat([Buffer.from([0x0b]), Buffer.from(hl7('adt-a08').slice(0, 60))]));
      closing.close();
      const inbound = t.app.get(InboundService);
      await expect
        .poll(async () =>
          (await inbound.list({ status: 'rejected', channel: 'hl7-mllp' }, { offset: 0, limit: 50 })).data.some((m) =>
            /connection closed/.test(m.reason ?? ''),
          ),
        )
        .toBe(true);
    });

    it('takes the same messages over HTTP', async () => {
      const ok = await api<string>('POST', '/api/v1/hl7', hl7('adt-a08').replace('MSG00008', 'HTTP-1'), { 'content-type': 'text/plain' });
      expect(ok.status).toBe(200);
      expect(msa(Hl7Message.parse(ok.body))).toBe('AA');
      const bad = await api<string>('POST', '/api/v1/hl7', 'PID|1||X', { 'content-type': 'text/plain' });
      expect(bad.status).toBe(400);
      expect(msa(Hl7Message.parse(bad.body))).toBe('AR');
    });

    it('keeps unmappable messages as dead letters and reprocesses them after a mapping fix', async () => {
      expect((await admin.request('PUT', '/api/v1/integrations/mapping', { mrnSystem: 'OTHER-HOSPITAL', consentTopic: 'care' })).status).toBe(200);
      const message = hl7('adt-a04').replace('000001', 'DL-1');
      const ack = await api<string>('POST', '/api/v1/hl7', message, { 'content-type': 'text/plain' });
      expect(ack.status).toBe(422);
      const parsed = Hl7Message.parse(ack.body);
      expect(msa(parsed)).toBe('AE');
      expect(errText(parsed)[0]).toMatch(/MRN system/);
      const id = ack.headers.get('x-inbound-message-id') as string;
      const dead = await admin.get<{ data: { id: string; reason: string }[] }>(
        `/api/v1/integrations/inbound-messages?filter=${encodeURIComponent('{"status":"dead_letter"}')}`,
      );
      expect(dead.body.data.map((m) => m.id)).toContain(id);

      expect((await admin.request('PUT', '/api/v1/integrations/mapping', { mrnSystem: 'MCM' })).status).toBe(200);
      const reprocessed = await admin.post<{ status: string; contactIds: string[] }>(`/api/v1/integrations/inbound-messages/${id}/reprocess`);
      expect(reprocessed.body.status).toBe('processed');
      const contact = await contacts.lookup({ identifier: { system: 'MCM', value: '191919' } });
      expect(reprocessed.body.contactIds).toEqual([contact.id]);
      expect((await admin.post(`/api/v1/integrations/inbound-messages/${id}/reprocess`)).status).toBe(409);
      await admin.request('PUT', '/api/v1/integrations/mapping', { mrnSystem: null, consentTopic: null });
    });

    it('deletes raw payloads past the retention period, keeping the record', async () => {
      const [{ id }] = (await db.query<{ id: string }>(`SELECT id::text AS id FROM inbound_messages WHERE status = 'dead_letter' ORDER BY id LIMIT 1`)).rows;
      await db.query(`UPDATE inbound_messages SET received_at = now() - interval '8 days' WHERE id = $1`, [id]);
      expect(await t.app.get(InboundService).purgeExpired()).toBe(1);
      const view = await admin.get<{ payloadKept: boolean; status: string }>(`/api/v1/integrations/inbound-messages/${id}`);
      expect(view.body).toMatchObject({ payloadKept: false, status: 'dead_letter' });
      expect((await admin.post(`/api/v1/integrations/inbound-messages/${id}/reprocess`)).status).toBe(410);
    });
  });

  it('keeps no PHI in plain text in the database or the logs', async () => {
    const counts = (await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM inbound_messages WHERE payload_enc IS NOT NULL`)).rows[0].n;
    expect(counts).toBeGreaterThan(10);
    expect(phiFound(await dumpDatabase(t.databaseUrl), PHI)).toEqual([]);
    expect(phiFound(logs.join('\n'), PHI)).toEqual([]);
  });
});
