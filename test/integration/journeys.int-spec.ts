import { createServer } from 'node:http';
import { simpleParser } from 'mailparser';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditActor } from '../../backend/src/modules/audit/index.js';
import { UsersService } from '../../backend/src/modules/auth/index.js';
import { ConsentService, TopicsService } from '../../backend/src/modules/consent/index.js';
import { AttributesService, ContactsService } from '../../backend/src/modules/contacts/index.js';
import { DeliveryService } from '../../backend/src/modules/delivery/index.js';
import { EventsService } from '../../backend/src/modules/events/index.js';
import { JourneyClock, JourneyRunner, JourneyTriggers, type JourneyStats, type JourneyView } from '../../backend/src/modules/journeys/index.js';
import { SavedSegmentsService } from '../../backend/src/modules/segments/index.js';
import { TemplatesService } from '../../backend/src/modules/templates/index.js';
import { verifyWebhook, WebhooksService } from '../../backend/src/modules/webhooks/index.js';
import { Role } from '../../backend/src/platform/http/index.js';
import { ApiClient } from '../support/api-client.js';
import { waitFor } from '../support/backend-process.js';
import { createTestCa, issueCert } from '../support/pki.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-servers.js';
import { dumpDatabase, phiFound, startTestApp, superuser, type TestApp } from '../support/stack.js';

const SYSTEM: AuditActor = { type: 'system' };
const PASSWORD = 'granite-otter-lantern-42';
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

const FOOTER = `<mj-text>{{organization_address}} <a href="{{unsubscribe_url}}">Unsubscribe</a></mj-text>`;
const mjml = (body: string) => `<mjml lang="en"><mj-body><mj-section><mj-column><mj-text>${body}</mj-text>${FOOTER}</mj-column></mj-section></mj-body></mjml>`;

const PATIENTS = {
  opener: { email: 'Wilhelmina.Quarshie@patients.test', firstName: 'Wilhelmina', lastName: 'Quarshie' },
  ignorer: { email: 'Bartholomew.Nakashima@patients.test', firstName: 'Bartholomew', lastName: 'Nakashima' },
  canceller: { email: 'Philippa.Oyelaran@patients.test', firstName: 'Philippa', lastName: 'Oyelaran' },
  dermatology: { email: 'Cornelius.Abernathy@patients.test', firstName: 'Cornelius', lastName: 'Abernathy' },
  tokyo: { email: 'Evangeline.Mbeki@patients.test', firstName: 'Evangeline', lastName: 'Mbeki', timeZone: 'Asia/Tokyo' },
  capped: { email: 'Ignatius.Featherstone@patients.test', firstName: 'Ignatius', lastName: 'Featherstone' },
  reentry: { email: 'Rosalind.Achterberg@patients.test', firstName: 'Rosalind', lastName: 'Achterberg' },
  first: { email: 'Leopold.Szymanski@patients.test', firstName: 'Leopold', lastName: 'Szymanski' },
  second: { email: 'Octavia.Pemberton@patients.test', firstName: 'Octavia', lastName: 'Pemberton' },
  paused: { email: 'Thaddeus.Wainwright@patients.test', firstName: 'Thaddeus', lastName: 'Wainwright' },
  removed: { email: 'Marguerite.Okonkwo@patients.test', firstName: 'Marguerite', lastName: 'Okonkwo' },
  ehr: { email: 'Florian.Vasquez-Lindqvist@patients.test', firstName: 'Florian', lastName: 'Vasquez-Lindqvist' },
} as const;
type Key = keyof typeof PATIENTS;

/** A value only an event carries (a location): it must reach the message and never rest in plaintext. */
const LOCATION = 'Heartwell Pavilion Suite 4417';

describe('journeys: event-driven multi-step journeys over real Postgres, Redis and SMTP', () => {
  let t: TestApp;
  let db: pg.Client;
  let smtp: TestSmtpServer;
  let admin: ApiClient;
  let clock: JourneyClock;
  let runner: JourneyRunner;
  let triggers: JourneyTriggers;
  const ids = {} as Record<Key, string>;
  const templates: Record<string, number> = {};
  const topics: Record<string, number> = {};
  const logs: string[] = [];

  const inbox = (key: Key) => smtp.received.filter((m) => m.to[0] === PATIENTS[key].email.toLowerCase());
  const subjects = async (key: Key) => Promise.all(inbox(key).map(async (m) => (await simpleParser(m.raw)).subject ?? ''));
  const mailFor = (key: Key, count: number, what = `${String(count)} message(s) for ${key}`) =>
    waitFor(() => Promise.resolve(inbox(key).length >= count ? inbox(key) : undefined), 30_000, what);
  /** Waits until every delivery of the journey reached a final state (nothing queued or being sent). */
  const settled = (journeyId: string) =>
    waitFor(
      async () => {
        const { rows } = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM deliveries WHERE journey_id = $1 AND status IN ('queued', 'sending', 'deferred')`,
          [journeyId],
        );
        const pending = await db.query<{ n: number }>(
          `SELECT count(*)::int AS n FROM journey_enrollments e WHERE journey_id = $1 AND state = 'active' AND next_wake_at <= $2`,
          [journeyId, clock.now()],
        );
        return rows[0].n === 0 && pending.rows[0].n === 0 ? true : undefined;
      },
      30_000,
      `journey ${journeyId} to settle`,
    );
  /** Moves journey time and runs what became due, as the wake-up jobs would. */
  const advance = async (ms: number) => {
    clock.advance(ms);
    await runner.runDue();
  };
  const publish = async (name: string, graph: unknown): Promise<JourneyView> => {
    const created = await admin.post<{ journey: JourneyView; problems: unknown[] }>('/api/v1/journeys', { name, graph });
    expect(created.status, JSON.stringify(created.body)).toBe(201);
    expect(created.body.problems).toEqual([]);
    const published = await admin.post<JourneyView>(`/api/v1/journeys/${created.body.journey.id}/publish`);
    expect(published.status, JSON.stringify(published.body)).toBe(200);
    return published.body;
  };
  const enrollments = async (journeyId: string) =>
    (
      await db.query<{ id: string; contact_id: string; state: string; node_id: string; version: number; exit_reason: string | null }>(
        `SELECT id::text AS id, contact_id::text AS contact_id, state, node_id, version, exit_reason FROM journey_enrollments WHERE journey_id = $1 ORDER BY id`,
        [journeyId],
      )
    ).rows;
  const stats = async (journeyId: string) => (await admin.get<JourneyStats>(`/api/v1/journeys/${journeyId}/stats`)).body;

  beforeAll(async () => {
    const ca = await createTestCa();
    smtp = await startSmtpServer('accept', { tls: await issueCert(ca, ['localhost', '127.0.0.1']) });
    t = await startTestApp({
      entrypoint: 'all',
      logs,
      env: {
        SMTP_TRANSPORT_MAP: `patients.test=127.0.0.1:${String(smtp.port)}`,
        SMTP_CA_FILE: ca.file,
        MAIL_FROM: 'Heart Clinic <care@clinic.example>',
        DELIVERY_RETRY_BASE_SECONDS: '1',
        FREQUENCY_CAP_PER_WEEK: '1',
      },
    });
    db = await superuser(t.databaseUrl);
    clock = t.app.get(JourneyClock);
    runner = t.app.get(JourneyRunner);
    triggers = t.app.get(JourneyTriggers);
    await t.app.get(UsersService).create({ email: 'admin@clinic.test', displayName: 'Admin', role: Role.Admin, password: PASSWORD });
    admin = new ApiClient(t.baseUrl);
    await admin.signInAndEnroll('admin@clinic.test', PASSWORD);

    const topicsService = t.app.get(TopicsService);
    topics.appointments = (await topicsService.create({ key: 'appointments', name: 'Appointments', kind: 'transactional' }, SYSTEM)).id;
    topics.newsletter = (await topicsService.create({ key: 'newsletter', name: 'Newsletter', kind: 'marketing' }, SYSTEM)).id;
    await t.app.get(AttributesService).create({ key: 'loyaltyTier', label: 'Loyalty tier', type: 'text', isPhi: false }, SYSTEM);
    const contacts = t.app.get(ContactsService);
    const consent = t.app.get(ConsentService);
    for (const [key, patient] of Object.entries(PATIENTS) as [Key, (typeof PATIENTS)[Key]][]) {
      ids[key] = (await contacts.create(patient, SYSTEM)).id;
      await consent.recordOne({ contactId: ids[key], topicId: topics.newsletter, status: 'confirmed', method: 'api', source: 'test', actor: SYSTEM });
    }
    const service = t.app.get(TemplatesService);
    const template = async (key: string, category: 'marketing' | 'transactional', subject: string, body: string) => {
      const created = await service.create({ name: key, category, subject, mjml: mjml(body) }, SYSTEM);
      await service.publish(created.template.id, SYSTEM);
      templates[key] = created.template.id;
    };
    await template('confirm', 'transactional', 'Your cardiology appointment is booked', 'Dear {{contact.firstName}}, see you at {{appointment.location}}.');
    await template('remind1', 'transactional', 'Your appointment is in two days', 'Your visit at {{appointment.location}} is in two days.');
    await template('remind2', 'transactional', 'Your appointment is tomorrow', 'Your visit is tomorrow.');
    await template('feedback', 'transactional', 'How was your visit?', 'Tell us how it went.');
    await template('promo', 'marketing', 'Heart-healthy recipes', 'Our newsletter <a href="https://clinic.example/recipes">recipes</a>.');
    await template('promo2', 'marketing', 'More heart-healthy recipes', 'Our newsletter, again.');
    await template('notice', 'transactional', 'Your lab results are ready', 'Sign in to see them.');
    await template('first', 'transactional', 'Welcome to the heart programme', 'Welcome.');
    await template('v1second', 'transactional', 'Programme week 2 (v1)', 'Week two.');
    await template('v2second', 'transactional', 'Programme week 2 (v2)', 'Week two.');
    await template('v3second', 'transactional', 'Programme week 2 (v3)', 'Week two.');
  }, 120_000);

  afterAll(async () => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await db?.end();
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await t?.close();
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await smtp?.close();
  });

  const cardiology = (): { nodes: Record<string, unknown>[]; settings: Record<string, unknown> } => ({
    nodes: [
      {
        id: 'booked',
        type: 'trigger',
        trigger: { kind: 'event', eventType: 'appointment.booked', where: [{ property: 'serviceType', op: 'eq', value: 'cardiology' }] },
        next: 'confirm',
      },
      { id: 'confirm', type: 'send', templateId: templates.confirm, topicId: topics.appointments, ignoreQuietHours: true, next: 'before48' },
      {
        id: 'before48',
        type: 'wait_until',
        relativeTo: { source: 'event', property: 'startsAt' },
        offset: { value: -48, unit: 'hours' },
        pastNext: 'before24',
        next: 'remind1',
      },
      { id: 'remind1', type: 'send', templateId: templates.remind1, topicId: topics.appointments, next: 'before24' },
      {
        id: 'before24',
        type: 'wait_until',
        relativeTo: { source: 'event', property: 'startsAt' },
        offset: { value: -24, unit: 'hours' },
        pastNext: 'after',
        next: 'opened',
      },
      { id: 'opened', type: 'branch', condition: { kind: 'engagement', event: 'opened', nodeId: 'remind1' }, yes: 'after', no: 'remind2' },
      { id: 'remind2', type: 'send', templateId: templates.remind2, topicId: topics.appointments, next: 'after' },
      { id: 'after', type: 'wait_until', relativeTo: { source: 'event', property: 'startsAt' }, offset: { value: 2, unit: 'hours' }, next: 'feedback' },
      { id: 'feedback', type: 'send', templateId: templates.feedback, topicId: topics.appointments, next: 'done' },
      { id: 'done', type: 'exit' },
      { id: 'cancelled', type: 'goal', eventType: 'appointment.cancelled', where: [{ property: 'appointmentId', op: 'eq', sameAsTrigger: 'appointmentId' }] },
    ],
    settings: { entry: { rule: 'always' } },
  });

  it('refuses to publish an invalid graph, naming each node and problem', async () => {
    const graph = cardiology();
    graph.nodes[1] = { ...graph.nodes[1], templateId: 999_999 };
    graph.nodes[6] = { ...graph.nodes[6], templateId: templates.promo, topicId: undefined };
    graph.nodes.push({ id: 'orphan', type: 'exit' });
    graph.nodes.push({
      id: 'listen',
      type: 'wait_for_event',
      eventType: 'appointment.fulfilled',
      next: 'done',
      timeoutNext: 'done',
    });
    const created = await admin.post<{ journey: JourneyView; problems: { field: string; message: string }[] }>('/api/v1/journeys', { name: 'Broken', graph });
    expect(created.status).toBe(201);
    expect(created.body.problems).toEqual([expect.objectContaining({ field: 'nodes.listen.timeout' })]);
    const refused = await admin.post<{ message: string; fields: { field: string; message: string }[] }>(`/api/v1/journeys/${created.body.journey.id}/publish`);
    expect(refused.status).toBe(400);
    expect(refused.body.fields).toEqual([expect.objectContaining({ field: 'nodes.listen.timeout' })]);

    graph.nodes[graph.nodes.length - 1].timeout = { value: 2, unit: 'days' };
    await admin.request('PATCH', `/api/v1/journeys/${created.body.journey.id}`, { graph });
    const again = await admin.post<{ message: string; fields: { field: string; message: string }[] }>(`/api/v1/journeys/${created.body.journey.id}/publish`);
    expect(again.status).toBe(400);
    expect(again.body.fields).toEqual(
      expect.arrayContaining([
        { field: 'nodes.orphan', message: 'unreachable from the trigger' },
        { field: 'nodes.listen', message: 'unreachable from the trigger' },
      ]),
    );
    // Structure first: references are checked once the graph hangs together.
    graph.nodes.splice(-2, 2);
    await admin.request('PATCH', `/api/v1/journeys/${created.body.journey.id}`, { graph });
    const third = await admin.post<{ message: string; fields: { field: string; message: string }[] }>(`/api/v1/journeys/${created.body.journey.id}/publish`);
    expect(third.body.fields).toEqual([
      { field: 'nodes.confirm.templateId', message: 'no such template' },
      { field: 'nodes.remind2.topicId', message: 'marketing mail needs a topic the contact consented to' },
    ]);
    expect(third.body.message).toContain('nodes.confirm.templateId: no such template');
    const validated = await admin.post<{ problems: unknown[] }>('/api/v1/journeys/validate', { graph: cardiology() });
    expect(validated.body.problems).toEqual([]);
  });

  it('runs the cardiology journey end to end: confirmation, reminder 48 h before, a second reminder only without an open, goal exit on cancel', async () => {
    const journey = await publish('Cardiology appointment', cardiology());
    const start = new Date(clock.now().getTime() + 5 * DAY);
    const booking = (key: Key, serviceType: string) => ({
      contactId: ids[key],
      type: 'appointment.booked',
      properties: { appointmentId: `A-${key}`, serviceType, startsAt: start.toISOString(), location: LOCATION },
    });
    const result = await triggers.triggerMany([
      booking('opener', 'Cardiology'),
      booking('ignorer', 'cardiology'),
      booking('canceller', 'cardiology'),
      booking('dermatology', 'dermatology'),
    ]);
    expect(result.enrolled).toHaveLength(3);

    // Confirmations go out at once, with the appointment's details from the event.
    const [confirmation] = await mailFor('opener', 1);
    const parsed = await simpleParser(confirmation.raw);
    expect(parsed.subject).toBe('Your cardiology appointment is booked');
    expect(parsed.html).toContain(`Dear Wilhelmina, see you at ${LOCATION}.`);
    expect(confirmation.secure).toBe(true);
    await mailFor('ignorer', 1);
    await mailFor('canceller', 1);
    expect(inbox('dermatology')).toHaveLength(0);

    // The canceller cancels that appointment (another appointment's cancellation would not count).
    expect((await triggers.trigger(ids.canceller, 'appointment.cancelled', { appointmentId: 'A-other' })).goals).toEqual([]);
    expect((await triggers.trigger(ids.canceller, 'appointment.cancelled', { appointmentId: 'A-canceller' })).goals).toHaveLength(1);

    // Two days before: the first reminder.
    await advance(start.getTime() - 48 * HOUR + 60_000 - clock.now().getTime());
    await settled(journey.id);
    const [, firstReminder] = await mailFor('opener', 2);
    await mailFor('ignorer', 2);
    expect(await subjects('opener')).toEqual(['Your cardiology appointment is booked', 'Your appointment is in two days']);
    expect(inbox('canceller')).toHaveLength(1);

    // The opener opens it: the tracking pixel from the received message, fetched like a mail client would (after the
    // few seconds a person needs, or it would count as a scanner's).
    const html = (await simpleParser(firstReminder.raw)).html || '';
    const pixel = /src="([^"]*\/t\/o\/[^"]+)"/.exec(html)?.[1] as string;
    expect(pixel).toBeTruthy();
    await new Promise((r) => setTimeout(r, 5_500));
    const hit = await fetch(pixel.replace(t.config.PUBLIC_URL, t.baseUrl), { headers: { 'user-agent': BROWSER } });
    expect(hit.status).toBe(200);

    // The day before: only the one who did not open gets the second reminder.
    await advance(24 * HOUR);
    await settled(journey.id);
    await mailFor('ignorer', 3);
    expect(await subjects('ignorer')).toEqual(['Your cardiology appointment is booked', 'Your appointment is in two days', 'Your appointment is tomorrow']);
    expect(inbox('opener')).toHaveLength(2);

    // After the visit: feedback, then the exit.
    await advance(26 * HOUR);
    await settled(journey.id);
    await mailFor('opener', 3);
    await mailFor('ignorer', 4);
    expect(inbox('canceller')).toHaveLength(1);
    const rows = await enrollments(journey.id);
    expect(rows.map((r) => [r.contact_id, r.state, r.exit_reason])).toEqual([
      [ids.opener, 'completed', 'exit'],
      [ids.ignorer, 'completed', 'exit'],
      [ids.canceller, 'completed', 'goal'],
    ]);

    const s = await stats(journey.id);
    expect(s.nodes.confirm).toMatchObject({ entered: 3, completed: 3, sent: 3 });
    expect(s.nodes.remind1).toMatchObject({ sent: 2, opened: 1, clicked: 0 });
    expect(s.nodes.opened).toMatchObject({ completed: 2 });
    expect(s.nodes.remind2).toMatchObject({ entered: 1, sent: 1 });
    expect(s.nodes.feedback).toMatchObject({ sent: 2 });
    expect(s.nodes.done).toMatchObject({ entered: 2, exited: 2 });
    expect(s.nodes.cancelled).toMatchObject({ goalReached: 1, exited: 1 });
    expect(s.enrollments).toMatchObject({ total: 3, completed: 3, active: 0 });
    expect(s.conversions).toEqual({ count: 1, rate: 1 / 3, byGoal: { cancelled: 1 } });

    // Each step once: unique keys per enrollment, one delivery per send step.
    const { rows: dupes } = await db.query(`SELECT enrollment_id, node_id, count(*) FROM journey_steps GROUP BY 1, 2 HAVING count(*) > 1`);
    expect(dupes).toEqual([]);
    const timeline = await admin.get<{ steps: { nodeId: string; outcome: string }[] }[]>(`/api/v1/journeys/contacts/${ids.ignorer}`);
    expect(timeline.body[0].steps.map((st) => `${st.nodeId}:${st.outcome}`)).toEqual([
      'booked:entered',
      'confirm:queued',
      'before48:waited',
      'remind1:queued',
      'before24:waited',
      'opened:no',
      'remind2:queued',
      'after:waited',
      'feedback:queued',
      'done:exit',
    ]);
  });

  it('holds sends for quiet hours in the contact time zone', async () => {
    const journey = await publish('Lab results', {
      nodes: [
        { id: 'api', type: 'trigger', trigger: { kind: 'api' }, next: 'notice' },
        { id: 'notice', type: 'send', templateId: templates.notice, topicId: topics.appointments, next: 'done' },
        { id: 'done', type: 'exit' },
      ],
      settings: { entry: { rule: 'always' }, quietHours: { start: '21:00', end: '08:00', timeZone: 'America/New_York' } },
    });
    // Journey time to the next 23:00 in Tokyo (14:00 UTC).
    const now = clock.now();
    const target = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate(), 14, 0));
    if (target <= now) target.setUTCDate(target.getUTCDate() + 1);
    clock.set(target);
    const enrolled = await admin.post<{ enrolled: boolean; enrollmentId: string }>(`/api/v1/journeys/${journey.id}/enroll`, { contactId: ids.tokyo });
    expect(enrolled.body.enrolled).toBe(true);
    await waitFor(async () => ((await enrollments(journey.id))[0]?.node_id === 'notice' ? true : undefined), 10_000, 'the enrollment to reach the send');
    const [held] = await db
      .query<{ next_wake_at: Date }>(`SELECT next_wake_at FROM journey_enrollments WHERE id = $1`, [enrolled.body.enrollmentId])
      .then((r) => r.rows);
    // 08:00 in Tokyo is 23:00 UTC.
    expect(held.next_wake_at.toISOString()).toBe(new Date(target.getTime() + 9 * HOUR).toISOString());
    expect((await stats(journey.id)).nodes.notice).toMatchObject({ waiting: 1, sent: 0 });

    await advance(9 * HOUR - 60_000);
    expect(inbox('tokyo')).toHaveLength(0);
    await advance(2 * 60_000);
    await mailFor('tokyo', 1);
    await settled(journey.id);
    expect((await enrollments(journey.id))[0]).toMatchObject({ state: 'completed' });
  });

  it('enforces the weekly frequency cap on marketing mail across journeys and campaigns; transactional mail is exempt', async () => {
    const journey = await publish('Heart-healthy newsletter', {
      nodes: [
        { id: 'api', type: 'trigger', trigger: { kind: 'api' }, next: 'promo' },
        { id: 'promo', type: 'send', templateId: templates.promo, topicId: topics.newsletter, next: 'wait' },
        { id: 'wait', type: 'wait', duration: { value: 2, unit: 'days' }, next: 'promo2' },
        { id: 'promo2', type: 'send', templateId: templates.promo2, topicId: topics.newsletter, next: 'notice' },
        { id: 'notice', type: 'send', templateId: templates.notice, topicId: topics.appointments, next: 'done' },
        { id: 'done', type: 'exit' },
      ],
      settings: { entry: { rule: 'once' } },
    });
    await admin.post(`/api/v1/journeys/${journey.id}/enroll`, { contactId: ids.capped });
    await mailFor('capped', 1);
    await settled(journey.id);
    // A campaign's marketing message to the same contact in the same week is held back by the same cap.
    const [campaignDelivery] = (
      await t.app.get(DeliveryService).enqueue([
        {
          idempotencyKey: 'campaign:77:capped',
          templateVersionId: await versionOf('promo'),
          contactId: ids.capped,
          topicId: topics.newsletter,
          purpose: 'campaign',
          campaignId: '77',
        },
      ])
    ).created;
    await waitFor(
      async () => ((await t.app.get(DeliveryService).get(campaignDelivery)).status === 'dropped_frequency' ? true : undefined),
      20_000,
      'the campaign message capped',
    );

    await advance(2 * DAY + 60_000);
    await settled(journey.id);
    await mailFor('capped', 2);
    expect(await subjects('capped')).toEqual(['Heart-healthy recipes', 'Your lab results are ready']);
    const { rows } = await db.query<{ step_key: string; status: string; reason: string | null }>(
      `SELECT d.step_key, d.status, d.reason FROM deliveries d WHERE d.journey_id = $1 ORDER BY d.id`,
      [journey.id],
    );
    expect(rows.map((r) => [r.status, r.reason])).toEqual([
      ['sent', null],
      ['dropped_frequency', 'frequency_cap'],
      ['sent', null],
    ]);
    const s = await stats(journey.id);
    expect(s.nodes.promo2).toMatchObject({ completed: 1, sent: 0 });
    expect(s.nodes.notice).toMatchObject({ sent: 1 });
  });

  it('applies entry rules: once, once per period, always', async () => {
    const graph = (rule: Record<string, unknown>) => ({
      nodes: [
        { id: 'visit', type: 'trigger', trigger: { kind: 'event', eventType: 'patient.discharged' }, next: 'wait' },
        { id: 'wait', type: 'wait', duration: { value: 60, unit: 'days' }, next: 'done' },
        { id: 'done', type: 'exit' },
      ],
      settings: { entry: rule },
    });
    const once = await publish('Discharge once', graph({ rule: 'once' }));
    const period = await publish('Discharge monthly', graph({ rule: 'once_per_period', periodDays: 30 }));
    const always = await publish('Discharge always', graph({ rule: 'always' }));
    const discharge = () => triggers.trigger(ids.reentry, 'patient.discharged', { ward: 'cardiology' });
    await discharge();
    await discharge();
    const count = async (id: string) => (await enrollments(id)).length;
    expect([await count(once.id), await count(period.id), await count(always.id)]).toEqual([1, 1, 2]);
    // Two events in one batch: `always` lets both in.
    await triggers.triggerMany([
      { contactId: ids.reentry, type: 'patient.discharged' },
      { contactId: ids.reentry, type: 'patient.discharged' },
    ]);
    expect(await count(always.id)).toBe(4);
    clock.advance(10 * DAY);
    await discharge();
    expect([await count(once.id), await count(period.id)]).toEqual([1, 1]);
    clock.advance(21 * DAY);
    await discharge();
    expect([await count(once.id), await count(period.id), await count(always.id)]).toEqual([1, 2, 6]);
    // The API-call trigger follows the same rules.
    const again = await admin.post<{ enrolled: boolean }>(`/api/v1/journeys/${once.id}/enroll`, { contactId: ids.reentry });
    expect(again.body).toEqual({ enrolled: false, enrollmentId: null });
    for (const j of [once, period, always]) await admin.request('DELETE', `/api/v1/journeys/${j.id}`);
    expect((await enrollments(always.id)).every((e) => e.state === 'exited' && e.exit_reason === 'journey_archived')).toBe(true);
  });

  it('keeps running enrollments on their version, and moves them only when migrated explicitly', async () => {
    const programme = (second: string, waitId = 'week') => ({
      nodes: [
        { id: 'api', type: 'trigger', trigger: { kind: 'api' }, next: 'welcome' },
        { id: 'welcome', type: 'send', templateId: templates.first, topicId: topics.appointments, next: waitId },
        { id: waitId, type: 'wait', duration: { value: 7, unit: 'days' }, next: 'second' },
        { id: 'second', type: 'send', templateId: templates[second], topicId: topics.appointments, next: 'done' },
        { id: 'done', type: 'exit' },
      ],
      settings: { entry: { rule: 'always' } },
    });
    const v1 = await publish('Heart programme', programme('v1second'));
    await admin.post(`/api/v1/journeys/${v1.id}/enroll`, { contactId: ids.first });
    await mailFor('first', 1);
    await admin.request('PATCH', `/api/v1/journeys/${v1.id}`, { graph: programme('v2second') });
    expect((await admin.post<JourneyView>(`/api/v1/journeys/${v1.id}/publish`)).body.currentVersion).toBe(2);
    await admin.post(`/api/v1/journeys/${v1.id}/enroll`, { contactId: ids.second });
    await mailFor('second', 1);
    // Version 3 renames the wait; the version-2 enrollment is moved to it with a node map, the version-1 one stays.
    await admin.request('PATCH', `/api/v1/journeys/${v1.id}`, { graph: programme('v3second', 'week-long') });
    await admin.post(`/api/v1/journeys/${v1.id}/publish`);
    const badMap = await admin.post(`/api/v1/journeys/${v1.id}/migrate`, { fromVersion: 2, nodeMap: { week: 'nowhere' } });
    expect(badMap.status).toBe(400);
    const migrated = await admin.post<{ migrated: number; stayed: number; toVersion: number }>(`/api/v1/journeys/${v1.id}/migrate`, {
      fromVersion: 2,
      nodeMap: { week: 'week-long' },
    });
    expect(migrated.body).toEqual({ migrated: 1, stayed: 0, toVersion: 3 });
    await settled(v1.id);
    expect((await enrollments(v1.id)).map((e) => [e.contact_id, e.version, e.node_id])).toEqual([
      [ids.first, 1, 'week'],
      [ids.second, 3, 'week-long'],
    ]);
    await advance(7 * DAY + 60_000);
    await settled(v1.id);
    await mailFor('first', 2);
    await mailFor('second', 2);
    expect((await subjects('first'))[1]).toBe('Programme week 2 (v1)');
    expect((await subjects('second'))[1]).toBe('Programme week 2 (v3)');
    const version1 = await admin.get<{ graph: { nodes: { id: string; templateVersionId?: number }[] } }>(`/api/v1/journeys/${v1.id}/versions/1`);
    expect(version1.body.graph.nodes.find((n) => n.id === 'second')?.templateVersionId).toBe(await versionOf('v1second'));
  });

  it('pauses and resumes a journey, and removes a contact from it', async () => {
    const journey = await publish('Follow-up', {
      nodes: [
        { id: 'api', type: 'trigger', trigger: { kind: 'api' }, next: 'wait' },
        { id: 'wait', type: 'wait', duration: { value: 1, unit: 'days' }, next: 'tier' },
        { id: 'tier', type: 'update', update: { kind: 'attribute', attribute: 'loyaltyTier', value: 'gold' }, next: 'notice' },
        { id: 'notice', type: 'send', templateId: templates.notice, topicId: topics.appointments, next: 'done' },
        { id: 'done', type: 'exit' },
      ],
    });
    await admin.post(`/api/v1/journeys/${journey.id}/enroll`, { contactId: ids.paused });
    await admin.post(`/api/v1/journeys/${journey.id}/enroll`, { contactId: ids.removed });
    await settled(journey.id);
    expect((await admin.post<JourneyView>(`/api/v1/journeys/${journey.id}/pause`)).body.status).toBe('paused');
    expect((await admin.post(`/api/v1/journeys/${journey.id}/enroll`, { contactId: ids.first })).status).toBe(409);
    expect((await admin.post<{ removed: number }>(`/api/v1/journeys/${journey.id}/remove`, { contactId: ids.removed })).body).toEqual({ removed: 1 });
    await advance(DAY + 60_000);
    expect(inbox('paused')).toHaveLength(0);
    expect((await enrollments(journey.id)).map((e) => [e.state, e.node_id])).toEqual([
      ['active', 'wait'],
      ['removed', 'wait'],
    ]);
    await admin.post(`/api/v1/journeys/${journey.id}/resume`);
    await runner.runDue();
    await mailFor('paused', 1);
    await settled(journey.id);
    expect(inbox('removed')).toHaveLength(0);
    expect((await t.app.get(ContactsService).get(ids.paused)).attributes).toEqual({ loyaltyTier: 'gold' });
    const s = await stats(journey.id);
    expect(s.nodes.wait).toMatchObject({ entered: 2, completed: 1, exited: 1 });
    expect(s.enrollments).toMatchObject({ completed: 1, removed: 1 });

    // A pass that died after recording a send step but before queueing its message leaves the step without a
    // delivery: the sweep queues it by the same idempotency key, which finds the message if it exists (no second one).
    const linked = async () =>
      (
        await db.query<{ delivery_id: string | null }>(
          `SELECT delivery_id::text AS delivery_id FROM journey_steps WHERE journey_id = $1 AND node_id = 'notice'`,
          [journey.id],
        )
      ).rows[0].delivery_id;
    const original = await linked();
    await db.query(`UPDATE journey_steps SET delivery_id = NULL WHERE journey_id = $1 AND node_id = 'notice'`, [journey.id]);
    await runner.requeueOverdue(0);
    expect(await linked()).toBe(original);
    expect((await db.query(`SELECT 1 FROM deliveries WHERE journey_id = $1`, [journey.id])).rowCount).toBe(1);
    await new Promise((r) => setTimeout(r, 300));
    expect(inbox('paused')).toHaveLength(1);
  });

  it('starts journeys from contact events recorded by the events module', async () => {
    const journey = await publish('EHR discharge follow-up', {
      nodes: [
        {
          id: 'discharged',
          type: 'trigger',
          trigger: { kind: 'event', eventType: 'patient.admitted', where: [{ property: 'ward', op: 'eq', value: 'cardiac' }] },
          next: 'notice',
        },
        { id: 'notice', type: 'send', templateId: templates.notice, topicId: topics.appointments, next: 'done' },
        { id: 'done', type: 'exit' },
      ],
      settings: { entry: { rule: 'always' } },
    });
    await t.app.get(EventsService).record([
      { contactId: ids.ehr, type: 'patient.admitted', occurredAt: new Date(), properties: { ward: 'oncology' }, source: 'api' },
      { contactId: ids.ehr, type: 'patient.admitted', occurredAt: new Date(), properties: { ward: 'cardiac' }, source: 'api' },
    ]);
    await mailFor('ehr', 1, 'the event-started journey message');
    await settled(journey.id);
    expect(await enrollments(journey.id)).toHaveLength(1);
    await waitFor(async () => ((await stats(journey.id)).nodes.notice.sent === 1 ? true : undefined), 10_000, 'the message counted as sent');
    const list = await admin.get<{ data: JourneyView[]; total: number }>(`/api/v1/journeys?filter=${encodeURIComponent(JSON.stringify({ status: 'active' }))}`);
    expect(list.body.data.map((j) => j.name)).toContain('EHR discharge follow-up');
  });

  it('enrolls on entering a segment and on a date attribute, through the periodic checks', async () => {
    // The scheduler in this process runs the same checks on its own timer: assertions are on the enrollments, whoever ran them.
    const segment = await t.app
      .get(SavedSegmentsService)
      .create({ name: 'Platinum', rule: { field: 'attribute', key: 'loyaltyTier', in: ['platinum'] } }, SYSTEM);
    const exitGraph = (trigger: Record<string, unknown>) => ({
      nodes: [
        { id: 'start', type: 'trigger', trigger, next: 'done' },
        { id: 'done', type: 'exit' },
      ],
      settings: { entry: { rule: 'once_per_period', periodDays: 300 } },
    });
    const contacts = t.app.get(ContactsService);
    await t.app.get(AttributesService).create({ key: 'surgeryDate', label: 'Surgery date', type: 'date', isPhi: true }, SYSTEM);
    const today = clock.now().toISOString().slice(0, 10);
    const monthAgo = new Date(Date.parse(`${today}T00:00:00Z`) - 30 * DAY).toISOString().slice(0, 10);
    await contacts.update(ids.second, { attributes: { surgeryDate: monthAgo } }, SYSTEM);
    await contacts.update(ids.ehr, { attributes: { surgeryDate: today } }, SYSTEM);
    await contacts.update(ids.first, { attributes: { loyaltyTier: 'platinum' } }, SYSTEM);
    const platinum = await publish('Platinum welcome', exitGraph({ kind: 'segment', segmentId: segment.id }));
    const followUp = await publish(
      '30 days after surgery',
      exitGraph({ kind: 'date_attribute', attribute: 'surgeryDate', offset: { value: 30, unit: 'days' } }),
    );
    const contactsOf = async (id: string) => (await enrollments(id)).map((e) => e.contact_id);

    // The first segment check only records who is in it; newcomers after that enter.
    await triggers.checkSegmentTriggers();
    expect(await contactsOf(platinum.id)).toEqual([]);
    // (ContactsService.update replaces the custom attributes as a whole: both are given.)
    await contacts.update(ids.second, { attributes: { loyaltyTier: 'platinum', surgeryDate: monthAgo } }, SYSTEM);
    await triggers.checkSegmentTriggers();
    await waitFor(async () => ((await contactsOf(platinum.id)).length ? true : undefined), 10_000, 'the newcomer enrolled');
    expect(await contactsOf(platinum.id)).toEqual([ids.second]);
    // Daily: the contact whose surgery was 30 days ago, once a day however often the check runs.
    await triggers.checkDateTriggers();
    await waitFor(async () => ((await contactsOf(followUp.id)).length ? true : undefined), 10_000, 'the date trigger');
    expect(await triggers.checkDateTriggers()).toBe(0);
    expect(await contactsOf(followUp.id)).toEqual([ids.second]);
    await settled(followUp.id);
    for (const j of [platinum, followUp]) await admin.request('DELETE', `/api/v1/journeys/${j.id}`);
  });

  it('waits for an event or its timeout, splits by percentages and branches on attributes', async () => {
    const journey = await publish('Lab follow-up', {
      nodes: [
        { id: 'api', type: 'trigger', trigger: { kind: 'api' }, next: 'tier' },
        { id: 'tier', type: 'branch', condition: { kind: 'attribute', attribute: 'loyaltyTier', op: 'eq', value: 'Platinum' }, yes: 'lab', no: 'split' },
        {
          id: 'split',
          type: 'split',
          branches: [
            { percent: 0, next: 'lab' },
            { percent: 100, next: 'other' },
          ],
        },
        {
          id: 'lab',
          type: 'wait_for_event',
          eventType: 'lab.resulted',
          where: [{ property: 'panel', op: 'eq', value: 'lipids' }],
          timeout: { value: 2, unit: 'days' },
          next: 'got',
          timeoutNext: 'late',
        },
        { id: 'got', type: 'exit' },
        { id: 'late', type: 'exit' },
        { id: 'other', type: 'exit' },
      ],
      settings: { entry: { rule: 'always' } },
    });
    for (const key of ['first', 'second', 'reentry'] as const) await admin.post(`/api/v1/journeys/${journey.id}/enroll`, { contactId: ids[key] });
    await settled(journey.id);
    await triggers.trigger(ids.first, 'lab.resulted', { panel: 'cbc' });
    await triggers.trigger(ids.first, 'lab.resulted', { panel: 'lipids' });
    await settled(journey.id);
    await advance(2 * DAY + 60_000);
    await settled(journey.id);
    expect((await enrollments(journey.id)).map((e) => [e.contact_id, e.state, e.node_id])).toEqual([
      [ids.first, 'completed', 'got'],
      [ids.second, 'completed', 'late'],
      [ids.reentry, 'completed', 'other'],
    ]);
    const s = await stats(journey.id);
    expect(s.nodes.tier).toMatchObject({ completed: 3 });
    expect(s.nodes.lab).toMatchObject({ completed: 2, entered: 2 });
  });

  it('posts a webhook step to a subscription, signed, with identifiers only, once', async () => {
    const received: { headers: Record<string, string | string[] | undefined>; body: string }[] = [];
    const receiver = createServer((req, res) => {
      let body = '';
      req.on('data', (c: Buffer) => (body += c.toString()));
      req.on('end', () => {
        received.push({ headers: req.headers, body });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    try {
      const port = (receiver.address() as { port: number }).port;
      const subscription = await t.app
        .get(WebhooksService)
        .create({ name: 'CRM', url: `http://127.0.0.1:${String(port)}/hooks`, eventTypes: ['complained'] }, SYSTEM);
      const missing = await admin.post<{ problems: { field: string; message: string }[] }>('/api/v1/journeys/validate', {
        graph: {
          nodes: [
            { id: 'api', type: 'trigger', trigger: { kind: 'api' }, next: 'crm' },
            { id: 'crm', type: 'webhook', subscriptionId: 999, next: 'done' },
            { id: 'done', type: 'exit' },
          ],
        },
      });
      expect(missing.body.problems).toEqual([{ field: 'nodes.crm.subscriptionId', message: 'no such webhook subscription' }]);
      const journey = await publish('Tell the CRM', {
        nodes: [
          { id: 'api', type: 'trigger', trigger: { kind: 'api' }, next: 'crm' },
          { id: 'crm', type: 'webhook', subscriptionId: subscription.id, next: 'done' },
          { id: 'done', type: 'exit' },
        ],
      });
      const { enrollmentId } = (await admin.post<{ enrollmentId: string }>(`/api/v1/journeys/${journey.id}/enroll`, { contactId: ids.removed })).body;
      const [hit] = await waitFor(() => Promise.resolve(received.length ? received : undefined), 20_000, 'the webhook post');
      expect(hit.headers['x-hm-event-type']).toBe('journey.step');
      expect(verifyWebhook(subscription.secret, hit.headers['x-hm-signature'] as string, hit.body)).toBe('ok');
      expect(JSON.parse(hit.body)).toMatchObject({
        type: 'journey.step',
        data: { journeyId: journey.id, enrollmentId, contactId: ids.removed, nodeId: 'crm', stepKey: '1:crm' },
      });
      expect(phiFound(hit.body, [PATIENTS.removed.email, PATIENTS.removed.firstName, PATIENTS.removed.lastName])).toEqual([]);
      await settled(journey.id);
      await new Promise((r) => setTimeout(r, 300));
      expect(received.filter((r) => r.headers['x-hm-event-type'] === 'journey.step')).toHaveLength(1);
      expect((await enrollments(journey.id))[0]).toMatchObject({ state: 'completed' });
    } finally {
      receiver.close();
    }
  });

  it('keeps PHI (names, addresses, appointment details) out of the database dump and the logs', async () => {
    const values = [...Object.values(PATIENTS).flatMap((p) => [p.email, p.firstName, p.lastName]), LOCATION];
    expect(phiFound(await dumpDatabase(t.databaseUrl), values)).toEqual([]);
    expect(phiFound(logs.join('\n'), values)).toEqual([]);
  });

  async function versionOf(template: string): Promise<number> {
    const view = await t.app.get(TemplatesService).get(templates[template]);
    return view.versions.find((v) => v.version === view.publishedVersion)?.id as number;
  }
});
