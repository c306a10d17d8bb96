import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser } from 'mailparser';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailSink } from '../../backend/src/dev/mail-sink/index.js';
import { UsersService } from '../../backend/src/modules/auth/index.js';
import { ConsentService, TopicsService } from '../../backend/src/modules/consent/index.js';
import { ContactsService } from '../../backend/src/modules/contacts/index.js';
import { SendingDomainsService } from '../../backend/src/modules/delivery/index.js';
import { SavedSegmentsService } from '../../backend/src/modules/segments/index.js';
import { Role } from '../../backend/src/platform/http/index.js';
import { ApiClient } from '../support/api-client.js';
import { waitFor } from '../support/backend-process.js';
import { launchCampaign, publishTemplate, SinkIndex, SYSTEM } from '../support/campaigns.js';
import { dumpDatabase, phiFound, startTestApp, superuser, type TestApp } from '../support/stack.js';

const PASSWORD = 'granite-otter-lantern-42';
const BROWSER = 'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0 Safari/537.36';

interface Campaign {
  id: string;
  status: string;
  editable: boolean;
  fourEyes: boolean;
  reviewNote: string | null;
  audienceCount: number | null;
  abPhase: string | null;
  abWinner: string | null;
}
interface Progress {
  status: string;
  total: number | null;
  queued: number;
  sent: number;
  paused: number;
  dropped: number;
  cancelled: number;
  notQueued: number;
}
interface Checks {
  ready: boolean;
  problems: { field: string }[];
  audience: { included: number; excludedBySegments: number; total: number; eligible: number; frozen: boolean };
  exclusions: { reason: string; count: number }[];
  domains: { noTls: { domain: string; recipients: number }[]; byStatus: Record<string, number> };
  template: { warnings: { code: string; field: string; variant: string }[] };
  sendingDomain: { domain: string; dkim: string };
}

describe('campaigns: approval, pre-send checks, sending, pause/resume/cancel, snapshots, A/B, reports', () => {
  let t: TestApp;
  let db: pg.Client;
  let sink: MailSink;
  let sinkDir: string;
  let inbox: SinkIndex;
  let admin: ApiClient;
  let marketer: ApiClient;
  let officer: ApiClient;
  let versionId: number;
  let ids: Record<string, string>;
  const segments: Record<string, number> = {};

  const campaign = (id: string) => marketer.get<Campaign>(`/api/v1/campaigns/${id}`).then((r) => r.body);
  const progress = (id: string) => marketer.get<Progress>(`/api/v1/campaigns/${id}/progress`).then((r) => r.body);
  const until = <T>(probe: () => Promise<T | undefined>, what: string, ms = 30_000) => waitFor(probe, ms, what);
  const local = (url: string) => url.replace(t.config.PUBLIC_URL, t.baseUrl);

  beforeAll(async () => {
    sinkDir = await mkdtemp(join(tmpdir(), 'hm-campaign-sink-'));
    sink = await MailSink.start({ dataDir: sinkDir, httpPort: null });
    inbox = new SinkIndex(sink);
    t = await startTestApp({
      entrypoint: 'all',
      env: {
        SMTP_TRANSPORT_MAP: `*=127.0.0.1:${String(sink.smtpPort)}`,
        SMTP_CA_FILE: join(sink.dataDir, 'tls', 'ca.crt'),
        MAIL_FROM: 'Example Health <news@health.example>',
        CAMPAIGN_SWEEP_SECONDS: '1',
        CAMPAIGN_FANOUT_BATCH: '3',
      },
    });
    db = await superuser(t.databaseUrl);
    const users = t.app.get(UsersService);
    for (const [email, role] of [
      ['admin@clinic.test', Role.Admin],
      ['mk@clinic.test', Role.Marketer],
      ['co@clinic.test', Role.ComplianceOfficer],
    ] as const)
      await users.create({ email, displayName: email, role, password: PASSWORD });
    admin = new ApiClient(t.baseUrl);
    marketer = new ApiClient(t.baseUrl);
    officer = new ApiClient(t.baseUrl);
    await admin.signInAndEnroll('admin@clinic.test', PASSWORD);
    await marketer.signInAndEnroll('mk@clinic.test', PASSWORD);
    await officer.signInAndEnroll('co@clinic.test', PASSWORD);

    await t.app.get(TopicsService).create({ key: 'newsletter', name: 'Newsletter', kind: 'marketing' }, SYSTEM);
    versionId = await publishTemplate(t.app);
    await t.app.get(SendingDomainsService).create({ domain: 'health.example' }, SYSTEM);

    // Massachusetts patients: eight consented at sink.test, and one each without consent, suppressed, at a domain
    // known to lack TLS, and in the excluded postal code.
    const people = [
      ...Array.from({ length: 8 }, (_, i) => ({ key: `ok${i}`, email: `patient${i}@sink.test`, postalCode: '02110', consent: true })),
      { key: 'noConsent', email: 'noconsent@sink.test', postalCode: '02111', consent: false },
      { key: 'suppressed', email: 'suppressed@sink.test', postalCode: '02111', consent: true },
      { key: 'noTls', email: 'patient@notls.test', postalCode: '02111', consent: true },
      { key: 'excluded', email: 'excluded@sink.test', postalCode: '02999', consent: true },
    ];
    const contacts = t.app.get(ContactsService);
    const consent = t.app.get(ConsentService);
    const topicId = (await t.app.get(TopicsService).byKey('newsletter')).id;
    ids = {};
    for (const p of people) {
      ids[p.key] = (
        await contacts.create({ email: p.email, firstName: p.key, state: 'MA', postalCode: p.postalCode, timeZone: 'America/New_York' }, SYSTEM)
      ).id;
      if (p.consent) await consent.recordOne({ contactId: ids[p.key], topicId, status: 'confirmed', method: 'api', source: 'test', actor: SYSTEM });
    }
    await consent.suppress((await contacts.emailTokenOf(ids.suppressed)) as Buffer, 'manual', 'test', SYSTEM);
    await db.query(
      `INSERT INTO domain_tls (domain, status, reason, next_probe_at) VALUES ('notls.test', 'no_tls', 'starttls_not_offered', now() + interval '1 day')`,
    );
    const saved = t.app.get(SavedSegmentsService);
    segments.ma = (await saved.create({ name: 'Massachusetts', rule: { field: 'state', in: ['MA'] } }, SYSTEM)).id;
    segments.excluded = (await saved.create({ name: 'Excluded postal code', rule: { field: 'postalCode', in: ['02999'] } }, SYSTEM)).id;
    segments.boston = (await saved.create({ name: 'Boston 02110', rule: { field: 'postalCode', in: ['02110'] } }, SYSTEM)).id;
  }, 120_000);

  afterAll(async () => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await db?.end();
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await t?.close();
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await sink?.stop();
    await rm(sinkDir, { recursive: true, force: true });
  });

  const newsletter = (extra: Record<string, unknown> = {}) => ({
    name: 'Autumn newsletter',
    topic: 'newsletter',
    includeSegmentIds: [segments.ma],
    excludeSegmentIds: [segments.excluded],
    templateVersionId: versionId,
    sender: { fromName: 'Example Health News', fromLocalPart: 'news', sendingDomain: 'health.example', replyTo: 'care@health.example' },
    ...extra,
  });

  it('runs the approval workflow: drafts edit, submitted and approved campaigns are frozen, four eyes, every step audited', async () => {
    expect((await officer.post('/api/v1/campaigns', newsletter())).status).toBe(403);
    const incomplete = await marketer.post<Campaign>('/api/v1/campaigns', { name: 'Incomplete' });
    expect(incomplete.status).toBe(201);
    const refused = await marketer.post<{ code: string; fields: { field: string }[] }>(`/api/v1/campaigns/${incomplete.body.id}/submit`);
    expect(refused.status).toBe(422);
    expect(refused.body.fields.map((f) => f.field)).toEqual(expect.arrayContaining(['topic', 'includeSegmentIds', 'templateVersionId']));
    expect((await marketer.post('/api/v1/campaigns', { ...newsletter(), topic: 'no-such-topic' })).status).toBe(422);
    expect((await marketer.post('/api/v1/campaigns', { ...newsletter(), includeSegmentIds: [999_999] })).status).toBe(422);

    const created = await marketer.post<Campaign>('/api/v1/campaigns', newsletter({ fourEyes: false }));
    const id = created.body.id;
    expect(created.body).toMatchObject({ status: 'draft', editable: true, fourEyes: true }); // CAMPAIGN_FOUR_EYES is on: no opting out
    expect((await marketer.request<Campaign>('PATCH', `/api/v1/campaigns/${id}`, { name: 'Autumn newsletter 2026' })).body).toMatchObject({
      name: 'Autumn newsletter 2026',
    });
    expect((await marketer.post<Campaign>(`/api/v1/campaigns/${id}/submit`)).body.status).toBe('submitted');
    expect((await marketer.request('PATCH', `/api/v1/campaigns/${id}`, { name: 'Changed after submit' })).status).toBe(409);
    // A marketer cannot approve at all; a compliance officer rejects with a note, back to draft.
    expect((await marketer.post(`/api/v1/campaigns/${id}/approve`)).status).toBe(403);
    const rejected = await officer.post<Campaign>(`/api/v1/campaigns/${id}/reject`, { note: 'Add the reply-to address' });
    expect(rejected.body).toMatchObject({ status: 'draft', reviewNote: 'Add the reply-to address' });
    await marketer.post(`/api/v1/campaigns/${id}/submit`);
    const approved = await officer.post<Campaign>(`/api/v1/campaigns/${id}/approve`, { note: 'OK' });
    expect(approved.body).toMatchObject({ status: 'approved', editable: false });
    expect((await marketer.request('PATCH', `/api/v1/campaigns/${id}`, { name: 'Changed after approval' })).status).toBe(409);
    expect((await officer.post(`/api/v1/campaigns/${id}/approve`)).status).toBe(409);

    // Four eyes: an admin may approve, but not a campaign they wrote or submitted.
    const own = (await admin.post<Campaign>('/api/v1/campaigns', newsletter({ name: 'Admin draft' }))).body.id;
    await admin.post(`/api/v1/campaigns/${own}/submit`);
    const self = await admin.post<{ code: string }>(`/api/v1/campaigns/${own}/approve`);
    expect(self.status).toBe(403);
    expect(self.body.code).toBe('four_eyes');
    const bySubmitter = (await admin.post<Campaign>('/api/v1/campaigns', newsletter({ name: 'Marketer submits' }))).body.id;
    // Written by the admin, submitted by the marketer: neither may approve; the officer may.
    await marketer.post(`/api/v1/campaigns/${bySubmitter}/submit`);
    expect((await admin.post(`/api/v1/campaigns/${bySubmitter}/approve`)).status).toBe(403);
    expect((await officer.post(`/api/v1/campaigns/${bySubmitter}/approve`)).status).toBe(200);
    for (const other of [own, bySubmitter, incomplete.body.id])
      expect((await admin.post<Campaign>(`/api/v1/campaigns/${other}/cancel`)).body.status).toBe('cancelled');

    const list = await officer.get<{ data: Campaign[]; total: number }>(
      `/api/v1/campaigns?filter=${encodeURIComponent(JSON.stringify({ status: 'approved' }))}`,
    );
    expect(list.body.data.map((c) => c.id)).toEqual([id]);
    const audit = await db.query<{ action: string; actor_id: string }>(
      `SELECT action, actor_id FROM audit_log WHERE subject_type = 'campaign' AND subject_id = $1 ORDER BY id`,
      [id],
    );
    expect(audit.rows.map((r) => r.action)).toEqual([
      'campaign.created',
      'campaign.updated',
      'campaign.submitted',
      'campaign.rejected',
      'campaign.submitted',
      'campaign.approved',
    ]);
    await marketer.post(`/api/v1/campaigns/${id}/cancel`);
  });

  it('shows pre-send checks: audience, exclusions with reasons, non-TLS domains, lint warnings, DKIM', async () => {
    const id = (
      await marketer.post<Campaign>(
        '/api/v1/campaigns',
        newsletter({ abTest: { kind: 'subject', subjectB: 'News for {{contact.firstName}}', splitPercent: 50, metric: 'opens', afterHours: 2 } }),
      )
    ).body.id;
    const checks = (await officer.get<Checks>(`/api/v1/campaigns/${id}/checks`)).body;
    expect(checks.ready).toBe(true);
    expect(checks.audience).toEqual({ included: 12, excludedBySegments: 1, total: 11, eligible: 8, frozen: false });
    expect(checks.exclusions).toEqual(
      expect.arrayContaining([
        { reason: 'no_consent', count: 1 },
        { reason: 'suppressed', count: 1 },
        { reason: 'no_tls_domain', count: 1 },
      ]),
    );
    expect(checks.domains.noTls).toEqual([expect.objectContaining({ domain: 'notls.test', recipients: 1 })]);
    // Variant B's subject names the patient: a lock-screen PHI warning.
    expect(checks.template.warnings).toContainEqual(expect.objectContaining({ code: 'phi_in_header', field: 'subject', variant: 'b' }));
    expect(checks.sendingDomain).toEqual({ domain: 'health.example', dkim: 'configured', selector: expect.any(String) as string });
    const count = await marketer.post('/api/v1/campaigns/audience-count', { includeSegmentIds: [segments.ma], excludeSegmentIds: [segments.excluded] });
    expect(count.body).toEqual({ included: 12, excludedBySegments: 1, audience: 11 });
    await marketer.post(`/api/v1/campaigns/${id}/cancel`);
  });

  it('sends with the sender identity, once per recipient, and reports consistently with the delivery log', async () => {
    const id = await launchCampaign(marketer, officer, newsletter());
    const done = await until(async () => {
      const c = await campaign(id);
      return c.status === 'sent' ? c : undefined;
    }, 'campaign to be sent');
    expect(done.audienceCount).toBe(11);
    const messages = await inbox.of(id);
    expect(messages.map((m) => m.envelope.rcptTo[0]).sort()).toEqual(Array.from({ length: 8 }, (_, i) => `patient${i}@sink.test`));
    const parsed = await simpleParser((await sink.store.raw(messages[0].id)) as Buffer);
    expect(parsed.from?.text).toBe('"Example Health News" <news@health.example>');
    expect(parsed.replyTo?.text).toBe('care@health.example');
    expect(parsed.subject).toBe('Autumn news from your clinic');
    expect(parsed.headers.get('dkim-signature')).toBeTruthy();

    // Two people open (after the 5 s a scanner would not wait), a privacy proxy opens, one person clicks.
    const urlsOf = async (metaId: string) =>
      [...((await simpleParser((await sink.store.raw(metaId)) as Buffer)).html || '').matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => m[1]);
    await new Promise((r) => setTimeout(r, 5200));
    const first = await urlsOf(messages[0].id);
    const second = await urlsOf(messages[1].id);
    const pixel = (urls: string[]) => local(urls.find((u) => u.includes('/t/o/')) as string);
    expect((await fetch(pixel(first), { headers: { 'user-agent': BROWSER } })).status).toBe(200);
    expect((await fetch(pixel(first), { headers: { 'user-agent': BROWSER } })).status).toBe(200);
    expect((await fetch(pixel(second), { headers: { 'user-agent': BROWSER } })).status).toBe(200);
    expect((await fetch(pixel(second), { headers: { 'user-agent': 'Mozilla/5.0' } })).status).toBe(200);
    const click = await fetch(local(first.find((u) => u.includes('/t/c/')) as string), { headers: { 'user-agent': BROWSER }, redirect: 'manual' });
    expect(click.headers.get('location')).toBe('https://clinic.example/flu-shots');

    const report = (
      await officer.get<{
        totals: Record<string, unknown>;
        links: { url: string; humanClicks: number }[];
        domains: { domain: string; delivered: number; droppedNoTls: number }[];
        hourly: { delivered: number }[];
      }>(`/api/v1/campaigns/${id}/report`)
    ).body;
    const stats = (await officer.get<Record<string, number>>(`/api/v1/delivery/stats?campaignId=${id}`)).body;
    expect(report.totals).toMatchObject({
      audience: 11,
      deliveries: 11,
      delivered: stats.sent,
      droppedNoTls: stats.dropped_no_tls,
      droppedConsent: stats.dropped_consent,
      droppedSuppressed: stats.dropped_suppressed,
      dropped: 3,
      bounced: 0,
      opens: { total: 4, human: 3, machine: 1, uniqueContacts: 2, uniqueHumanContacts: 2 },
      clicks: { total: 1, human: 1, machine: 0, uniqueContacts: 1, uniqueHumanContacts: 1 },
      openRate: 0.25,
      clickThroughRate: 0.125,
      clickToOpenRate: 0.5,
      complaints: 0,
    });
    expect(stats.sent).toBe(8);
    expect(report.links).toEqual([expect.objectContaining({ url: 'https://clinic.example/flu-shots', humanClicks: 1 })]);
    expect(report.domains).toEqual(
      expect.arrayContaining([
        expect.objectContaining({ domain: 'sink.test', delivered: 8 }),
        expect.objectContaining({ domain: 'notls.test', delivered: 0, droppedNoTls: 1 }),
      ]),
    );
    expect(report.hourly.reduce((n, h) => n + h.delivered, 0)).toBe(8);
    const csv = await officer.get<string>(`/api/v1/campaigns/${id}/report.csv`);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.body).toContain('\r\ndelivered,8\r\n');
    expect(csv.body).toContain('https://clinic.example/flu-shots,1,1,1');
    expect((await new ApiClient(t.baseUrl).get(`/api/v1/campaigns/${id}/report.csv`)).status).toBe(401);
    // Aggregates and domains only: no address in the report, the checks or the CSV, nor in plain text anywhere in the database.
    const addresses = ['patient0@sink.test', 'patient7@sink.test', 'noconsent@sink.test', 'patient@notls.test'];
    const checks = await officer.get(`/api/v1/campaigns/${id}/checks`);
    expect(phiFound(JSON.stringify(report) + JSON.stringify(checks.body) + csv.body, addresses)).toEqual([]);
    expect(phiFound(await dumpDatabase(t.databaseUrl), addresses)).toEqual([]);

    const audit = await db.query<{ action: string }>(`SELECT action FROM audit_log WHERE subject_type = 'campaign' AND subject_id = $1 ORDER BY id`, [id]);
    expect(audit.rows.map((r) => r.action)).toEqual([
      'campaign.created',
      'campaign.submitted',
      'campaign.approved',
      'campaign.scheduled',
      'campaign.sending_started',
      'campaign.audience_frozen',
      'campaign.fanned_out',
      'campaign.sent',
      'campaign.report_exported',
    ]);
  });

  it('pauses (nothing leaves), resumes (the throttle continues), freezes its audience, and cancels within seconds', async () => {
    // 3,600 an hour: one message a second to the Boston eight.
    const id = await launchCampaign(
      marketer,
      officer,
      newsletter({ name: 'Throttled', includeSegmentIds: [segments.boston], excludeSegmentIds: [], throttlePerHour: 3600 }),
    );
    await until(async () => ((await inbox.of(id)).length >= 2 ? true : undefined), 'two throttled messages');
    const paused = await marketer.post<Campaign>(`/api/v1/campaigns/${id}/pause`);
    expect(paused.body.status).toBe('paused');
    await new Promise((r) => setTimeout(r, 1500)); // a batch already claimed may finish
    const atPause = (await inbox.of(id)).length;
    await new Promise((r) => setTimeout(r, 3000));
    expect((await inbox.of(id)).length).toBe(atPause);
    const held = await progress(id);
    expect(held).toMatchObject({ status: 'paused', total: 8 });
    expect(held.paused).toBe(8 - atPause);

    // The audience was frozen when sending started: a new Boston patient is not added.
    const late = await t.app.get(ContactsService).create({ email: 'late@sink.test', state: 'MA', postalCode: '02110' }, SYSTEM);
    const topicId = (await t.app.get(TopicsService).byKey('newsletter')).id;
    await t.app.get(ConsentService).recordOne({ contactId: late.id, topicId, status: 'confirmed', method: 'api', source: 'test', actor: SYSTEM });
    const frozen = (await marketer.get<Checks>(`/api/v1/campaigns/${id}/checks`)).body;
    expect(frozen.audience).toMatchObject({ total: 8, frozen: true });
    expect((await marketer.post('/api/v1/campaigns/audience-count', { includeSegmentIds: [segments.boston] })).body).toMatchObject({ audience: 9 });

    expect((await marketer.post<Campaign>(`/api/v1/campaigns/${id}/resume`)).body.status).toBe('sending');
    await until(async () => ((await inbox.of(id)).length >= atPause + 2 ? true : undefined), 'sending to continue after resume');
    const cancelled = await marketer.post<Campaign>(`/api/v1/campaigns/${id}/cancel`);
    expect(cancelled.body.status).toBe('cancelled');
    await new Promise((r) => setTimeout(r, 1500));
    const atCancel = (await inbox.of(id)).length;
    await new Promise((r) => setTimeout(r, 3000));
    expect((await inbox.of(id)).length).toBe(atCancel);
    expect(atCancel).toBeLessThan(8);
    const end = await progress(id);
    expect(end.cancelled).toBe(8 - atCancel);
    expect(end.sent).toBe(atCancel);
    const recipients = (await inbox.of(id)).map((m) => m.envelope.rcptTo[0]);
    expect(new Set(recipients).size).toBe(recipients.length);
    expect(recipients).not.toContain('late@sink.test');
    const actions = (
      await db.query<{ action: string }>(`SELECT action FROM audit_log WHERE subject_type = 'campaign' AND subject_id = $1 ORDER BY id`, [id])
    ).rows.map((r) => r.action);
    expect(actions).toEqual(
      expect.arrayContaining(['campaign.paused', 'campaign.deliveries_held', 'campaign.resumed', 'campaign.cancelled', 'campaign.deliveries_cancelled']),
    );
    await t.app.get(ContactsService).erase(late.id, SYSTEM);
  });

  it('starts a scheduled campaign when due, and spreads a local-time send over the recipients’ time zones', async () => {
    const at = new Date(Date.now() + 3000).toISOString();
    const id = await launchCampaign(
      marketer,
      officer,
      newsletter({ name: 'At a time', includeSegmentIds: [segments.boston], excludeSegmentIds: [], schedule: { kind: 'at', sendAt: at } }),
    );
    expect((await campaign(id)).status).toBe('scheduled');
    await until(async () => ((await campaign(id)).status === 'sent' ? true : undefined), 'the scheduled campaign to be sent');
    const startedAt = (await db.query<{ started_at: Date }>(`SELECT started_at FROM campaigns WHERE id = $1`, [id])).rows[0].started_at;
    expect(startedAt.getTime()).toBeGreaterThanOrEqual(Date.parse(at) - 50);

    // 09:00 on the clock of each recipient, on a day that is still ahead in New York and already past in Tokyo.
    await db.query(`UPDATE contacts SET time_zone = 'Asia/Tokyo' WHERE id = $1`, [ids.ok0]);
    const wall = new Date(Date.now() + 2 * 3_600_000);
    const schedule = { kind: 'local_time', date: wall.toISOString().slice(0, 10), time: wall.toISOString().slice(11, 16), fallbackTimeZone: 'UTC' };
    const localId = await launchCampaign(
      marketer,
      officer,
      newsletter({ name: 'Local time', includeSegmentIds: [segments.boston], excludeSegmentIds: [], schedule }),
    );
    const rows = await until(async () => {
      const r = await db.query<{ contact_id: string; status: string; next_attempt_at: Date }>(
        `SELECT contact_id::text AS contact_id, status, next_attempt_at FROM deliveries WHERE campaign_id = $1`,
        [localId],
      );
      return r.rows.length === 8 && r.rows.some((x) => x.status === 'sent') ? r.rows : undefined;
    }, 'local-time deliveries');
    const tokyo = rows.find((r) => r.contact_id === ids.ok0);
    expect(tokyo?.status).toBe('sent');
    const newYork = rows.find((r) => r.contact_id === ids.ok1);
    expect(newYork?.status).toBe('queued');
    const expected = new Date(`${schedule.date}T${schedule.time}:00Z`).getTime();
    const offsetHours = ((newYork?.next_attempt_at.getTime() ?? 0) - expected) / 3_600_000;
    expect([4, 5]).toContain(offsetHours); // EDT or EST
    await marketer.post(`/api/v1/campaigns/${localId}/cancel`);
    await db.query(`UPDATE contacts SET time_zone = 'America/New_York' WHERE id = $1`, [ids.ok0]);
  });

  it('tests subject A against B on a split, picks the winner by human opens, and sends the rest the winner', async () => {
    const body = newsletter({
      name: 'Subject test',
      includeSegmentIds: [segments.boston],
      excludeSegmentIds: [],
      abTest: { kind: 'subject', subjectB: 'A flu shot takes ten minutes', splitPercent: 50, metric: 'opens', afterHours: 4 },
    });
    const id = await launchCampaign(marketer, officer, body);
    const testing = await until(async () => {
      const c = await campaign(id);
      return c.abPhase === 'testing' && (await inbox.of(id)).length === 4 ? c : undefined;
    }, 'the test groups to be sent');
    expect(testing.status).toBe('sending');
    expect(await progress(id)).toMatchObject({ total: 8, notQueued: 4, sent: 4 });
    const test = await Promise.all((await inbox.of(id)).map(async (m) => simpleParser((await sink.store.raw(m.id)) as Buffer)));
    const bySubject = (s: string) => test.filter((m) => m.subject === s);
    expect(bySubject('Autumn news from your clinic')).toHaveLength(2);
    expect(bySubject('A flu shot takes ten minutes')).toHaveLength(2);
    // Both B recipients open (as people, after 5 s); one A recipient's privacy proxy fetches the pixel (a machine open).
    await new Promise((r) => setTimeout(r, 5200));
    const pixel = (m: (typeof test)[number]) => local([...(m.html || '').matchAll(/src="([^"]+\/t\/o\/[^"]+)"/g)][0][1]);
    for (const m of bySubject('A flu shot takes ten minutes')) await fetch(pixel(m), { headers: { 'user-agent': BROWSER } });
    await fetch(pixel(bySubject('Autumn news from your clinic')[0]), { headers: { 'user-agent': 'Mozilla/5.0' } });
    // The test window (4 hours) passes.
    await db.query(`UPDATE campaigns SET ab_decide_at = now() WHERE id = $1`, [id]);
    const decided = await until(async () => {
      const c = await campaign(id);
      return c.status === 'sent' ? c : undefined;
    }, 'the winner and the rest to be sent');
    expect(decided).toMatchObject({ abPhase: 'decided', abWinner: 'b' });
    const all = await Promise.all((await inbox.of(id)).map(async (m) => simpleParser((await sink.store.raw(m.id)) as Buffer)));
    expect(all).toHaveLength(8);
    expect(all.filter((m) => m.subject === 'A flu shot takes ten minutes')).toHaveLength(6);
    expect(new Set(all.map((m) => m.to && !Array.isArray(m.to) && m.to.text)).size).toBe(8);
    const report = (await officer.get<{ variants: { variant: string; deliveries: number; uniqueHumanOpens: number }[] }>(`/api/v1/campaigns/${id}/report`))
      .body;
    expect(report.variants).toEqual([
      { variant: 'a', deliveries: 2, delivered: 2, uniqueHumanOpens: 0, uniqueHumanClicks: 0 },
      { variant: 'b', deliveries: 2, delivered: 2, uniqueHumanOpens: 2, uniqueHumanClicks: 0 },
      { variant: 'rest', deliveries: 4, delivered: 4, uniqueHumanOpens: 0, uniqueHumanClicks: 0 },
    ]);
    const [entry] = (
      await db.query<{ details: Record<string, unknown> }>(`SELECT details FROM audit_log WHERE subject_id = $1 AND action = 'campaign.ab_winner_selected'`, [
        id,
      ])
    ).rows;
    expect(entry.details).toMatchObject({ winner: 'b', metric: 'opens', rateA: 0, rateB: 1, remainder: true });
  });
});
