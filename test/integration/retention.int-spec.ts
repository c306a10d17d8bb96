import { randomBytes } from 'node:crypto';
import { getQueueToken } from '@nestjs/bullmq';
import type { Queue } from 'bullmq';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type AuditActor, AuditService } from '../../backend/src/modules/audit/index.js';
import { UsersService } from '../../backend/src/modules/auth/index.js';
import { ContactsService } from '../../backend/src/modules/contacts/index.js';
import { CryptoService } from '../../backend/src/modules/crypto/index.js';
import { EngagementService } from '../../backend/src/modules/engagement/index.js';
import type { RetentionCounts, RetentionRunView } from '../../backend/src/modules/retention/index.js';
import { TemplatesService } from '../../backend/src/modules/templates/index.js';
import { Role } from '../../backend/src/platform/http/index.js';
import { JobName, QueueName } from '../../backend/src/platform/queue/index.js';
import { ApiClient } from '../support/api-client.js';
import { ageAuditEntries } from '../support/audit-age.js';
import { dumpDatabase, phiFound, startTestApp, superuser, type TestApp } from '../support/stack.js';

const SYSTEM: AuditActor = { type: 'system' };
const PASSWORD = 'granite-otter-lantern-42';
const DAY_MS = 86_400_000;
const MJML = `<mjml lang="en"><mj-body><mj-section><mj-column><mj-text>Hello {{contact.firstName}}. {{organization_address}} <a href="{{unsubscribe_url}}">Unsubscribe</a></mj-text></mj-column></mj-section></mj-body></mjml>`;

const ago = (days: number) => new Date(Date.now() - days * DAY_MS);

/** Inactive for 24 months or more: both go. */
const anna = { email: 'annabel.quasimodo@example.org', firstName: 'Annabel', lastName: 'Quasimodo', conditions: ['E11.9'], postalCode: '02139' };
const bert = { email: 'bertrand.zimmerwald@example.org', firstName: 'Bertrand', lastName: 'Zimmerwald', birthDate: '1950-07-04' };
/** Old, but opened a message ten days ago: stays. */
const cleo = { email: 'cleopatra.vanderbilt@example.org', firstName: 'Cleopatra', lastName: 'Vanderbilt' };
/** Old, but a late bounce changed one of its messages twenty days ago: stays. */
const egon = { email: 'egon.fairweather@example.org', firstName: 'Egon', lastName: 'Fairweather' };
/** New: stays. */
const dora = { email: 'dora.newcombe@example.org', firstName: 'Dora', lastName: 'Newcombe' };
/** Old, disposed of by the scheduled run with the `delete` action. */
const finn = { email: 'finnegan.holloway@example.org', firstName: 'Finnegan', lastName: 'Holloway' };

const POLICY = {
  contactInactiveMonths: 24,
  contactAction: 'anonymize',
  messageDetailDays: 365,
  engagementDays: 365,
  inboundPayloadDays: 30,
  auditDays: 2190,
  scheduleEnabled: true,
};

/**
 * Retention against a real database: rows of every category with old timestamps (set in SQL) beside recent ones;
 * the dry run's counts, the real run disposing of exactly those rows, the PHI of disposed contacts gone from the
 * database (values and ciphertexts), one audit entry per run, the audit floor, and the daily job.
 */
describe('retention and disposal', () => {
  let t: TestApp;
  let db: pg.Client;
  let officer: ApiClient;
  let marketer: ApiClient;
  const ids: Record<string, string> = {};
  /** Hex of ciphertexts (as a dump shows bytea) that must be gone after the run, and of ones that must still be there. */
  const ciphertexts: Record<string, string[]> = { disposed: [], kept: [] };
  const contextOf: Record<string, string> = {};
  let dryRun: RetentionRunView;
  let realRun: RetentionRunView;

  const hex = (b: Buffer) => b.toString('hex');
  const one = async <T extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<T> => (await db.query<T>(sql, params)).rows[0];
  const count = async (sql: string, params: unknown[] = []) => Number((await one<{ n: string }>(sql, params)).n);

  async function waitForRun(id: string): Promise<RetentionRunView> {
    for (let i = 0; i < 300; i++) {
      const res = await officer.get<RetentionRunView>(`/api/v1/retention/runs/${id}`);
      if (res.body.status === 'succeeded' || res.body.status === 'failed') return res.body;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`retention run ${id} did not finish`);
  }

  beforeAll(async () => {
    // The events module's own hourly purge of inbound payloads must not run ahead of the policy here.
    t = await startTestApp({ entrypoint: 'all', env: { INBOUND_RETENTION_DAYS: '3650' } });
    db = await superuser(t.databaseUrl);
    // The audit trail so far, and a few entries more, as if written seven years ago: the audit category's share.
    for (let i = 0; i < 12; i++) await t.app.get(AuditService).record({ actor: SYSTEM, action: 'test.old', subject: { type: 'thing', id: String(i) } });
    const oldAudit = await one<{ id: string; n: string }>(`SELECT max(id)::text AS id, count(*) AS n FROM audit_log`);
    ids.auditOld = oldAudit.id;
    expected.auditEntries = Number(oldAudit.n);
    const sevenYearsAgo = Date.now() - 7 * 365 * DAY_MS;
    await ageAuditEntries(t.databaseUrl, Number(oldAudit.id), (id) => new Date(sevenYearsAgo + id * 1000));
    const users = t.app.get(UsersService);
    await users.create({ email: 'officer@clinic.test', displayName: 'C', role: Role.ComplianceOfficer, password: PASSWORD });
    await users.create({ email: 'marketer@clinic.test', displayName: 'M', role: Role.Marketer, password: PASSWORD });
    officer = new ApiClient(t.baseUrl);
    await officer.signInAndEnroll('officer@clinic.test', PASSWORD);
    marketer = new ApiClient(t.baseUrl);
    await marketer.signInAndEnroll('marketer@clinic.test', PASSWORD);

    const contacts = t.app.get(ContactsService);
    const crypto = t.app.get(CryptoService);
    const engagement = t.app.get(EngagementService);
    const seal = (value: string) => crypto.encrypt('phi', value, 'retention-test');
    for (const [key, person] of Object.entries({ anna, bert, cleo, egon, dora })) ids[key] = (await contacts.create(person, SYSTEM)).id;
    for (const key of ['anna', 'bert', 'cleo', 'egon']) {
      await db.query(`UPDATE contacts SET created_at = $2, updated_at = $2 WHERE id = $1`, [ids[key], ago(key === 'bert' ? 800 : 900)]);
    }

    const templates = t.app.get(TemplatesService);
    const created = await templates.create({ name: 'R', category: 'marketing', subject: 'S', mjml: MJML }, SYSTEM);
    const versionId = (await templates.publish(created.template.id, SYSTEM)).version.id;
    const evidence = {
      route: 'mx',
      mxHost: 'mx1.clinic-mail.test',
      mxIp: '198.51.100.23',
      tlsVersion: 'TLSv1.3',
      cipher: 'TLS_AES_256_GCM_SHA384',
      cipherBits: 256,
      certVerified: true,
      mtaStsMode: 'enforce',
      smtpCode: 250,
      smtpResponse: '250 2.0.0 queued as 4F2A9',
      attemptedAt: '2020-01-01T00:00:00.000Z',
    };
    const delivery = async (
      key: string,
      contact: string | null,
      createdDays: number,
      status: string,
      extra: { updatedDays?: number; purpose?: string } = {},
    ) => {
      const recipient = seal(`recipient-of-${key}@example.org`);
      const context = seal(JSON.stringify({ appointment: `context-of-${key}` }));
      contextOf[key] = hex(contact === null ? recipient : context);
      const row = await one<{ id: string }>(
        `INSERT INTO deliveries (idempotency_key, contact_id, recipient_domain, template_version_id, category, purpose, status, reason, detail, evidence,
                                 recipient_enc, context_enc, created_at, updated_at)
         VALUES ($1, $2, 'example.org', $3, 'marketing', $4, $5, 'r', 'SMTP detail of the message', $6, $7, $8, $9, $10) RETURNING id::text AS id`,
        [
          `retention:${key}`,
          contact === null ? null : ids[contact],
          versionId,
          extra.purpose ?? (contact === null ? 'test' : 'campaign'),
          status,
          JSON.stringify(evidence),
          recipient,
          contact === null ? null : context,
          ago(createdDays),
          ago(extra.updatedDays ?? createdDays),
        ],
      );
      ids[key] = row.id;
    };
    await delivery('d_anna', 'anna', 900, 'sent');
    await delivery('d_egon', 'egon', 900, 'bounced', { updatedDays: 20 });
    await delivery('d_cleo_old', 'cleo', 400, 'sent');
    await delivery('d_cleo_deferred', 'cleo', 400, 'deferred');
    await delivery('d_cleo_recent', 'cleo', 10, 'sent');
    await delivery('t_old', null, 400, 'sent');
    await delivery('t_recent', null, 5, 'sent');
    ciphertexts.disposed.push(...['d_anna', 'd_egon', 'd_cleo_old', 't_old'].map((k) => contextOf[k]));
    ciphertexts.kept.push(...['d_cleo_deferred', 'd_cleo_recent', 't_recent'].map((k) => contextOf[k]));

    // Engagement: Anna's events in a monthly partition wholly past the cut-off, Cleo's old delivery in the default
    // partition, and her recent open.
    await db.query(`SELECT ensure_engagement_partition($1::date)`, [ago(900)]);
    ids.oldPartition = (
      await one<{ name: string }>(`SELECT 'engagement_events_' || to_char(date_trunc('month', $1::date), 'YYYY_MM') AS name`, [ago(900)])
    ).name;
    await engagement.record([
      { type: 'delivered', contactId: ids.anna, deliveryId: ids.d_anna, occurredAt: ago(900) },
      { type: 'opened', contactId: ids.anna, deliveryId: ids.d_anna, occurredAt: ago(900) },
      { type: 'delivered', contactId: ids.cleo, deliveryId: ids.d_cleo_old, occurredAt: ago(400) },
      { type: 'opened', contactId: ids.cleo, deliveryId: ids.d_cleo_recent, occurredAt: ago(10) },
    ]);

    const anneEvent = seal('appointment of Annabel with Dr Quasimodo-Hartley');
    ciphertexts.disposed.push(hex(anneEvent));
    await db.query(
      `INSERT INTO contact_events (contact_id, type, occurred_at, properties, source, recorded_at) VALUES ($1, 'appointment.booked', $2, $3, 'api', $2)`,
      [ids.anna, ago(900), anneEvent],
    );

    const [{ phi: annaPhi }, { phi: bertPhi }] = (
      await db.query<{ phi: Buffer }>(`SELECT phi FROM contacts WHERE id = ANY($1::bigint[]) ORDER BY id`, [[ids.anna, ids.bert]])
    ).rows;
    ciphertexts.disposed.push(hex(annaPhi), hex(bertPhi));
    for (const key of ['cleo', 'egon', 'dora'])
      ciphertexts.kept.push(hex((await one<{ phi: Buffer }>(`SELECT phi FROM contacts WHERE id = $1`, [ids[key]])).phi));

    const sub = await one<{ id: number }>(
      `INSERT INTO webhook_subscriptions (name, url, event_types, status, secret_enc) VALUES ('crm', 'https://hooks.example.test/in', '{complained}', 'paused', $1) RETURNING id`,
      [randomBytes(48)],
    );
    for (const [key, status, days] of [
      ['w_ok_old', 'succeeded', 400],
      ['w_dead_old', 'dead', 400],
      ['w_retrying_old', 'retrying', 400],
      ['w_ok_recent', 'succeeded', 5],
    ] as const) {
      const row = await one<{ id: string }>(
        `INSERT INTO webhook_deliveries (subscription_id, event_key, event_type, payload_enc, status, created_at) VALUES ($1, $2, 'complained', $3, $4, $5) RETURNING id::text AS id`,
        [sub.id, key, randomBytes(64), status, ago(days)],
      );
      ids[key] = row.id;
      await db.query(`INSERT INTO webhook_attempts (delivery_id, status_code, duration_ms, attempted_at) VALUES ($1, 200, 12, $2)`, [row.id, ago(days)]);
    }

    for (const [key, days, payload] of [
      ['i_100', 100, true],
      ['i_40', 40, true],
      ['i_5', 5, true],
      ['i_purged', 100, false],
    ] as const) {
      const row = await one<{ id: string }>(
        `INSERT INTO inbound_messages (channel, kind, status, payload_enc, received_at) VALUES ('fhir', 'Patient', 'processed', $1, $2) RETURNING id::text AS id`,
        [payload ? randomBytes(80) : null, ago(days)],
      );
      ids[key] = row.id;
    }
  });
  afterAll(async () => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await db?.end();
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await t?.close();
  });

  it('is for compliance officers and administrators only', async () => {
    expect((await marketer.get('/api/v1/retention/policy')).status).toBe(403);
    expect((await marketer.post('/api/v1/retention/runs', { dryRun: true })).status).toBe(403);
    const policy = await officer.get('/api/v1/retention/policy');
    expect(policy.status).toBe(200);
    expect(policy.body).toMatchObject({ contactInactiveMonths: null, messageDetailDays: null, engagementDays: null, inboundPayloadDays: 30, auditDays: 2190 });
  });

  it('keeps the audit trail six years at least: a lower value is a 400 naming auditDays', async () => {
    const res = await officer.request('PUT', '/api/v1/retention/policy', { ...POLICY, auditDays: 2189 });
    expect(res.status).toBe(400);
    expect(res.body).toMatchObject({ fields: [{ field: 'auditDays' }] });
    expect(String(res.body.message)).toMatch(/^auditDays/);
    const missing = await officer.request('PUT', '/api/v1/retention/policy', { ...POLICY, messageDetailDays: undefined, contactInactiveMonths: 2 });
    expect(missing.status).toBe(400);
    expect([...new Set((missing.body.fields as { field: string }[]).map((f) => f.field))].sort()).toEqual(['contactInactiveMonths', 'messageDetailDays']);
    expect((await officer.get('/api/v1/retention/policy')).body).toMatchObject({ auditDays: 2190, contactInactiveMonths: null });

    const saved = await officer.request('PUT', '/api/v1/retention/policy', { ...POLICY, auditDays: 2600 });
    expect(saved.status).toBe(200);
    expect(saved.body).toMatchObject({ ...POLICY, auditDays: 2600 });
    expect((await officer.request('PUT', '/api/v1/retention/policy', POLICY)).status).toBe(200);
  });

  const expected: RetentionCounts = {
    contacts: 2,
    deliveries: 3,
    testSends: 1,
    webhookDeliveries: 2,
    engagementEvents: 3,
    engagementPartitions: 1,
    inboundPayloads: 2,
    /** Set once the old entries are written. */
    auditEntries: -1,
  };

  /** Every row of every table a run disposes of from, as text. */
  async function disposableData(): Promise<string> {
    const tables = ['contacts', 'contact_identifiers', 'consent_events', 'deliveries', 'webhook_deliveries', 'webhook_attempts', 'engagement_events'];
    const more = ['contact_engagement', 'contact_events', 'inbound_messages', 'journey_enrollments', 'journey_contacts'];
    const parts: string[] = [];
    for (const table of [...tables, ...more]) {
      const rows = await db.query<{ r: string }>(`SELECT row_to_json(x)::text AS r FROM ${table} x ORDER BY 1`);
      parts.push(table, ...rows.rows.map((r) => r.r));
    }
    return parts.join('\n');
  }

  it('dry run: counts exactly what would go, and changes nothing', async () => {
    const before = await disposableData();
    const res = await officer.post<RetentionRunView>('/api/v1/retention/runs', { dryRun: true });
    expect(res.status).toBe(201);
    dryRun = res.body;
    expect(dryRun).toMatchObject({ dryRun: true, status: 'succeeded', trigger: 'manual', counts: expected });
    expect(await disposableData()).toBe(before);
    expect((await one<{ r: string | null }>(`SELECT to_regclass($1)::text AS r`, [ids.oldPartition])).r).not.toBeNull();
  });

  it('refuses a second real run while one is queued or running', async () => {
    const fake = await one<{ id: string }>(
      `INSERT INTO retention_runs (dry_run, trigger, status, policy, cutoffs, actor_type) VALUES (false, 'manual', 'queued', '{}', '{}', 'system') RETURNING id::text AS id`,
    );
    const res = await officer.post('/api/v1/retention/runs', { dryRun: false });
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ code: 'retention_run_active' });
    await db.query(`DELETE FROM retention_runs WHERE id = $1`, [fake.id]);
  });

  it('real run: disposes of exactly what the dry run counted, in every category, and nothing newer', async () => {
    const res = await officer.post<RetentionRunView>('/api/v1/retention/runs', { dryRun: false });
    expect(res.status).toBe(201);
    expect(res.body.status).toMatch(/queued|running|succeeded/);
    realRun = await waitForRun(res.body.id);
    expect(realRun).toMatchObject({ dryRun: false, status: 'succeeded', error: null, counts: expected });
    expect(realRun.counts).toEqual(dryRun.counts);

    // Contacts: the two inactive ones erased (tombstones), the others untouched.
    const status = async (key: string) => (await one<{ status: string }>(`SELECT status FROM contacts WHERE id = $1`, [ids[key]])).status;
    expect([await status('anna'), await status('bert')]).toEqual(['erased', 'erased']);
    expect([await status('cleo'), await status('egon'), await status('dora')]).toEqual(['active', 'active', 'active']);
    expect(await count(`SELECT count(*) AS n FROM contact_events WHERE contact_id = $1 AND properties IS NOT NULL`, [ids.anna])).toBe(0);

    // Message detail: purged on old final deliveries (TLS summary kept), untouched on recent or unfinished ones.
    const d = async (key: string) =>
      one<{ recipient_enc: Buffer | null; context_enc: Buffer | null; detail: string | null; evidence: Record<string, unknown>; purged: boolean }>(
        `SELECT recipient_enc, context_enc, detail, evidence, detail_purged_at IS NOT NULL AS purged FROM deliveries WHERE id = $1`,
        [ids[key]],
      );
    for (const key of ['d_anna', 'd_egon', 'd_cleo_old']) {
      const row = await d(key);
      expect(row).toMatchObject({ recipient_enc: null, context_enc: null, detail: null, purged: true });
      expect(row.evidence).toEqual({
        route: 'mx',
        tlsVersion: 'TLSv1.3',
        cipher: 'TLS_AES_256_GCM_SHA384',
        cipherBits: 256,
        certVerified: true,
        mtaStsMode: 'enforce',
      });
    }
    for (const key of ['d_cleo_deferred', 'd_cleo_recent']) {
      const row = await d(key);
      expect(row.purged).toBe(false);
      expect(row.detail).toBe('SMTP detail of the message');
      expect(row.context_enc).not.toBeNull();
      expect(row.evidence).toHaveProperty('mxHost');
    }
    expect(await count(`SELECT count(*) AS n FROM deliveries WHERE id = ANY($1::bigint[])`, [[ids.t_old, ids.t_recent]])).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM deliveries WHERE id = $1`, [ids.t_recent])).toBe(1);

    // Webhook deliveries: finished old ones gone with their attempts; retrying and recent ones stay.
    const webhooks = (await db.query<{ event_key: string }>(`SELECT event_key FROM webhook_deliveries ORDER BY event_key`)).rows.map((r) => r.event_key);
    expect(webhooks).toEqual(['w_ok_recent', 'w_retrying_old']);
    expect(await count(`SELECT count(*) AS n FROM webhook_attempts`)).toBe(2);

    // Engagement: the old month's partition dropped, old rows elsewhere deleted, the recent open kept.
    expect((await one<{ r: string | null }>(`SELECT to_regclass($1)::text AS r`, [ids.oldPartition])).r).toBeNull();
    const events = (await db.query<{ type: string; contact_id: string }>(`SELECT type, contact_id::text AS contact_id FROM engagement_events ORDER BY id`))
      .rows;
    expect(events).toEqual([{ type: 'opened', contact_id: ids.cleo }]);
    // contact_engagement agrees with the events left: Cleo's delivery 400 days ago is forgotten, her open kept; Anna's row gone.
    const summaries = (
      await db.query<{ contact_id: string; d: Date | null; o: Date | null }>(
        `SELECT contact_id::text AS contact_id, last_delivered_at AS d, last_opened_at AS o FROM contact_engagement ORDER BY contact_id`,
      )
    ).rows;
    expect(summaries.map((s) => ({ id: s.contact_id, delivered: s.d, opened: s.o !== null }))).toEqual([{ id: ids.cleo, delivered: null, opened: true }]);

    // Inbound: payloads past 30 days gone, records kept; the recent payload kept.
    const inbound = (
      await db.query<{ id: string; kept: boolean; purged: boolean }>(
        `SELECT id::text AS id, payload_enc IS NOT NULL AS kept, purged_at IS NOT NULL AS purged FROM inbound_messages ORDER BY id`,
      )
    ).rows;
    expect(inbound).toEqual([
      { id: ids.i_100, kept: false, purged: true },
      { id: ids.i_40, kept: false, purged: true },
      { id: ids.i_5, kept: true, purged: false },
      { id: ids.i_purged, kept: false, purged: false },
    ]);

    // Audit: the entries older than auditDays gone behind the run's anchor, recorded in the chain; the rest kept.
    expect(expected.auditEntries).toBeGreaterThanOrEqual(12);
    expect(await count(`SELECT count(*) AS n FROM audit_log WHERE id <= $1`, [ids.auditOld])).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM audit_log WHERE id = $1 + 1`, [ids.auditOld])).toBe(1);
    const anchor = await one<{ through: string; n: string; run: string }>(
      `SELECT purged_through_id::text AS through, purged_count::text AS n, retention_run_id::text AS run FROM audit_anchors`,
    );
    expect(anchor).toEqual({ through: ids.auditOld, n: String(expected.auditEntries), run: realRun.id });
    const purged = await one<{ actor_id: string; details: { throughId: number; count: number } }>(
      `SELECT actor_id, details FROM audit_log WHERE action = 'audit.purged'`,
    );
    expect(purged).toMatchObject({ actor_id: `retention-run-${realRun.id}`, details: { throughId: Number(ids.auditOld), count: expected.auditEntries } });
    expect(await t.app.get(AuditService).verify()).toMatchObject({ valid: true, problems: [], anchoredAt: { throughId: Number(ids.auditOld) } });
  });

  it('leaves no trace of the disposed PHI in the database: neither values nor their ciphertexts', async () => {
    const dump = await dumpDatabase(t.databaseUrl);
    const disposed = [anna.email, anna.firstName, anna.lastName, bert.email, 'Bertrand', 'Zimmerwald', 'recipient-of-d_anna@example.org', 'Quasimodo-Hartley'];
    expect(phiFound(dump, disposed)).toEqual([]);
    expect(ciphertexts.disposed).toHaveLength(7);
    expect(ciphertexts.disposed.filter((c) => dump.includes(c))).toEqual([]);
    // What was kept is still there, byte for byte: the search above would have found a ciphertext that survived.
    expect(ciphertexts.kept).toHaveLength(6);
    expect(ciphertexts.kept.filter((c) => !dump.includes(c))).toEqual([]);
  });

  it('audits each run once with its counts and dry-run flag, and each erasure with the run as actor', async () => {
    const entries = (
      await db.query<{ subject_id: string; actor_id: string; outcome: string; details: { dryRun: boolean; counts: RetentionCounts; trigger: string } }>(
        `SELECT subject_id, actor_id, outcome, details FROM audit_log WHERE action = 'retention.run' ORDER BY id`,
      )
    ).rows;
    expect(entries).toHaveLength(2);
    expect(entries[0]).toMatchObject({ subject_id: dryRun.id, outcome: 'success', details: { dryRun: true, trigger: 'manual', counts: expected } });
    expect(entries[1]).toMatchObject({ subject_id: realRun.id, outcome: 'success', details: { dryRun: false, trigger: 'manual', counts: expected } });
    expect(await count(`SELECT count(*) AS n FROM audit_log WHERE action = 'contact.erased' AND actor_id = $1`, [`retention-run-${realRun.id}`])).toBe(2);
    const policyChanges = await count(`SELECT count(*) AS n FROM audit_log WHERE action = 'retention.policy_updated'`);
    expect(policyChanges).toBe(2);
    expect((await t.app.get(AuditService).verify()).valid).toBe(true);
    const list = await officer.get<{ data: RetentionRunView[]; total: number }>('/api/v1/retention/runs');
    expect(list.body.total).toBe(2);
    expect(list.body.data.map((r) => [r.id, r.dryRun, r.counts.contacts])).toEqual([
      [realRun.id, false, 2],
      [dryRun.id, true, 2],
    ]);
  });

  it('registers the daily job, whose run applies the policy: with `delete`, the contact’s activity is unlinked too', async () => {
    const queue = t.app.get<Queue>(getQueueToken(QueueName.Retention), { strict: false });
    const schedulers = await queue.getJobSchedulers();
    expect(schedulers).toEqual([expect.objectContaining({ key: JobName.RetentionSweep, name: JobName.RetentionSweep, pattern: '0 3 * * *', tz: 'UTC' })]);

    const id = (await t.app.get(ContactsService).create(finn, SYSTEM)).id;
    await db.query(`UPDATE contacts SET created_at = $2, updated_at = $2 WHERE id = $1`, [id, ago(1000)]);
    await t.app.get(EngagementService).record([{ type: 'opened', contactId: id, deliveryId: null, occurredAt: ago(1000) }]);
    await db.query(
      `INSERT INTO contact_events (contact_id, type, occurred_at, properties, source, recorded_at) VALUES ($1, 'patient.discharged', $2, $3, 'hl7', $2)`,
      [id, ago(1000), randomBytes(40)],
    );
    expect(
      (
        await officer.request('PUT', '/api/v1/retention/policy', {
          ...POLICY,
          contactAction: 'delete',
          messageDetailDays: null,
          engagementDays: null,
          inboundPayloadDays: null,
        })
      ).status,
    ).toBe(200);

    // What the scheduler's repeatable job does at 03:00, now.
    await queue.add(JobName.RetentionSweep, { scheduledAt: new Date().toISOString() });
    let scheduled: RetentionRunView | undefined;
    for (let i = 0; i < 300 && !scheduled; i++) {
      const list = await officer.get<{ data: RetentionRunView[] }>('/api/v1/retention/runs');
      scheduled = list.body.data.find((r) => r.trigger === 'schedule' && (r.status === 'succeeded' || r.status === 'failed'));
      if (!scheduled) await new Promise((r) => setTimeout(r, 100));
    }
    expect(scheduled).toMatchObject({ status: 'succeeded', dryRun: false, actorType: 'system', counts: { contacts: 1, deliveries: 0, engagementEvents: 0 } });
    expect((await one<{ status: string }>(`SELECT status FROM contacts WHERE id = $1`, [id])).status).toBe('erased');
    expect(await count(`SELECT count(*) AS n FROM contact_events WHERE contact_id = $1`, [id])).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM engagement_events WHERE contact_id = $1`, [id])).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM engagement_events WHERE contact_id IS NULL AND type = 'opened'`)).toBe(1);
    expect(await count(`SELECT count(*) AS n FROM contact_engagement WHERE contact_id = $1`, [id])).toBe(0);
    expect(await count(`SELECT count(*) AS n FROM audit_log WHERE action = 'retention.run' AND subject_id = $1`, [scheduled?.id])).toBe(1);
    expect(phiFound(await dumpDatabase(t.databaseUrl), [finn.email, finn.firstName, finn.lastName])).toEqual([]);
  });
});
