import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type pg from 'pg';
import { UsersService } from '../../backend/src/modules/auth/index.js';
import type { AuditActor } from '../../backend/src/modules/audit/index.js';
import { ConsentService, TopicsService } from '../../backend/src/modules/consent/index.js';
import { ContactsService } from '../../backend/src/modules/contacts/index.js';
import { OpaqueIdPurpose, OpaqueIds } from '../../backend/src/modules/crypto/index.js';
import { EngagementService, type StoredEngagementEvent } from '../../backend/src/modules/engagement/index.js';
import { TemplatesService } from '../../backend/src/modules/templates/index.js';
import { LinkTracking } from '../../backend/src/modules/tracking/index.js';
import { Role } from '../../backend/src/platform/http/index.js';
import { ApiClient } from '../support/api-client.js';
import { phiFound, startTestApp, superuser, type TestApp } from '../support/stack.js';

const PASSWORD = 'granite-otter-lantern-42';
const SYSTEM: AuditActor = { type: 'system' };
const CHROME = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36';
const CAMPAIGN = '4242';
// Large, distinctive delivery ids: a test that they never show in a URL is meaningful only for ids that cannot occur by chance.
const D_MAIN = '7340029';
const D_FRESH = '7340031';
const D_BURST = '7340037';
const D_NO_TOPIC = '7340041';

const patient = { email: 'Ruth.Okafor-Lindqvist@example.org', firstName: 'Ruthanne', lastName: 'Okafor-Lindqvist' };
const other = { email: 'Teodor.Vasquez-Hale@example.org', firstName: 'Teodoro', lastName: 'Vasquez-Hale' };
const PHI = ['ruth.okafor-lindqvist@example.org', 'Ruthanne', 'Okafor-Lindqvist', 'teodor.vasquez-hale@example.org', 'Vasquez-Hale'];

const MJML = `<mjml lang="en"><mj-body><mj-section><mj-column>
  <mj-text>Dear {{contact.firstName}}, flu season is here.</mj-text>
  <mj-button href="https://clinic.example/flu?utm_source=email&utm_medium=newsletter">Book a flu shot</mj-button>
  <mj-text><a href="https://clinic.example/hours">Opening hours</a> · <a href="https://clinic.example/map">Find us</a>
    · <a href="https://portal.clinic.example/visits/{{visit_ref}}">Your visit</a> · <a href="mailto:desk@clinic.example">Write to us</a></mj-text>
  <mj-text>{{organization_address}} <a href="{{unsubscribe_url}}">Unsubscribe</a> <a href="{{preferences_url}}">Preferences</a></mj-text>
</mj-column></mj-section></mj-body></mjml>`;

describe('engagement tracking', () => {
  let t: TestApp;
  let db: pg.Client;
  let links: LinkTracking;
  let analyst: ApiClient;
  let admin: ApiClient;
  let contactId: string;
  let otherId: string;
  let versionId: number;
  let compiledHtml: string;
  let message: string;
  const logs: string[] = [];

  const get = (path: string, ua: string | null = CHROME, method = 'GET') =>
    fetch(`${t.baseUrl}${path}`, { method, redirect: 'manual', headers: ua ? { 'user-agent': ua } : {} });
  const local = (url: string) => url.replace(t.config.PUBLIC_URL, '');
  const events = (deliveryId: string) => t.app.get(EngagementService).forDelivery(deliveryId);
  const rejected = async () => (await admin.get<{ counts: Record<string, number> }>('/api/v1/dashboard')).body.counts.trackingRejectedTokens;
  const urlsOf = (html: string) => [...html.matchAll(/\s(?:href|src)="([^"]*)"/g)].map((m) => m[1]);

  beforeAll(async () => {
    t = await startTestApp({ entrypoint: 'api', logs });
    links = t.app.get(LinkTracking);
    const users = t.app.get(UsersService);
    await users.create({ email: 'analyst@clinic.test', displayName: 'A', role: Role.Analyst, password: PASSWORD });
    await users.create({ email: 'admin@clinic.test', displayName: 'B', role: Role.Admin, password: PASSWORD });
    analyst = new ApiClient(t.baseUrl);
    await analyst.signInAndEnroll('analyst@clinic.test', PASSWORD);
    admin = new ApiClient(t.baseUrl);
    await admin.signInAndEnroll('admin@clinic.test', PASSWORD);

    const topic = await t.app.get(TopicsService).create({ key: 'newsletter', name: 'Newsletter', kind: 'marketing' }, SYSTEM);
    const contacts = t.app.get(ContactsService);
    const consent = t.app.get(ConsentService);
    contactId = (await contacts.create(patient, SYSTEM)).id;
    otherId = (await contacts.create(other, SYSTEM)).id;
    for (const id of [contactId, otherId]) {
      await consent.recordOne({ contactId: id, topicId: topic.id, status: 'confirmed', method: 'api', source: 'test', actor: SYSTEM });
      expect(await consent.mayReceive(id, 'newsletter')).toEqual({ allowed: true });
    }

    const templates = t.app.get(TemplatesService);
    const created = await templates.create({ name: 'Flu season', category: 'marketing', subject: 'Flu shots', mjml: MJML }, SYSTEM);
    const published = await templates.publish(created.template.id, SYSTEM);
    versionId = published.version.id;
    compiledHtml = published.version.compiledHtml!;

    db = await superuser(t.databaseUrl);
    const insert = (id: string, contact: string, topicId: number | null, sentAgo: string) =>
      db.query(
        `INSERT INTO deliveries (id, idempotency_key, contact_id, recipient_domain, template_version_id, topic_id, category, campaign_id, status, sent_at)
         VALUES ($1, $2, $3, 'example.org', $4, $5, 'marketing', $6, 'sent', now() - $7::interval)`,
        [id, `campaign:${CAMPAIGN}:${id}`, contact, versionId, topicId, CAMPAIGN, sentAgo],
      );
    await insert(D_MAIN, contactId, topic.id, '1 hour');
    await insert(D_FRESH, contactId, topic.id, '0 seconds');
    await insert(D_BURST, otherId, topic.id, '1 hour');
    await insert(D_NO_TOPIC, otherId, null, '1 hour');

    await links.prepareVersion(versionId, compiledHtml);
    const rendered = await templates.render(versionId, {
      contact: { firstName: patient.firstName },
      visit_ref: 'V-55821',
      unsubscribe_url: links.unsubscribeUrl(D_MAIN),
      preferences_url: `${t.config.PUBLIC_URL}/p/preference-token`,
      organization_address: 'Example Health, 100 Main Street',
    });
    message = links.instrument(rendered.html, D_MAIN, versionId);
  });
  afterAll(async () => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- db is unset when beforeAll failed
    await db?.end();
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- t is unset when beforeAll failed
    await t?.close();
  });

  it('stores the static links of a version once, however often it is prepared', async () => {
    await links.prepareVersion(versionId, compiledHtml);
    const rows = (
      await db.query<{ link_index: number; url: string }>(`SELECT link_index, url FROM tracked_links WHERE template_version_id = $1 ORDER BY 1`, [versionId])
    ).rows;
    expect(rows).toEqual([
      { link_index: 0, url: 'https://clinic.example/flu?utm_source=email&utm_medium=newsletter' },
      { link_index: 1, url: 'https://clinic.example/hours' },
      { link_index: 2, url: 'https://clinic.example/map' },
    ]);
    expect(() => links.instrument('<p>x</p>', D_MAIN, versionId + 1000)).toThrow(/not prepared/);
  });

  it('instruments a message: static links tracked, dynamic, mailto and platform links kept, a pixel added, no PHI or id in any URL', () => {
    const urls = urlsOf(message);
    const tracked = urls.filter((u) => u.startsWith(`${t.config.PUBLIC_URL}/t/c/`));
    expect(tracked).toHaveLength(3);
    expect(urls).toContain('https://portal.clinic.example/visits/V-55821');
    expect(urls).toContain('mailto:desk@clinic.example');
    expect(urls).toContain(links.unsubscribeUrl(D_MAIN));
    expect(urls).toContain(`${t.config.PUBLIC_URL}/p/preference-token`);
    expect(urls.filter((u) => /\/t\/o\/[A-Za-z0-9_-]{35}\.gif$/.test(u))).toHaveLength(1);
    expect(message).not.toContain('https://clinic.example/');
    expect(message).toContain(patient.firstName); // the body itself is personal; its URLs are not
    const generated = [
      ...tracked,
      ...urls.filter((u) => u.includes('/t/o/')),
      links.unsubscribeUrl(D_MAIN),
      ...Object.values(links.unsubscribeHeaders(D_MAIN)),
    ];
    expect(phiFound(generated.join('\n'), PHI)).toEqual([]);
    for (const id of [D_MAIN, contactId, CAMPAIGN, String(versionId)].filter((v) => v.length > 3)) {
      for (const url of generated) expect(url.replace(t.config.PUBLIC_URL, '')).not.toContain(id);
    }
    expect(links.unsubscribeHeaders(D_MAIN)).toEqual({
      'List-Unsubscribe': `<${links.unsubscribeUrl(D_MAIN)}>`,
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    });
  });

  it('redirects a click to the destination looked up server-side and records it', async () => {
    const [first] = urlsOf(message).filter((u) => u.includes('/t/c/'));
    const res = await get(local(first));
    expect(res.status).toBe(302);
    expect(res.headers.get('location')).toBe('https://clinic.example/flu?utm_source=email&utm_medium=newsletter');
    expect(res.headers.get('cache-control')).toContain('no-store');
    const clicks = (await events(D_MAIN)).filter((e) => e.type === 'clicked');
    expect(clicks).toEqual([
      expect.objectContaining({ contactId, deliveryId: D_MAIN, campaignId: CAMPAIGN, journeyId: null, machine: false, detail: { link: 0, ua: 'browser' } }),
    ]);
  });

  it('serves the open pixel and records the open, flagging privacy proxies, HEAD requests and opens right after delivery', async () => {
    const pixel = local(urlsOf(message).find((u) => u.includes('/t/o/'))!);
    const res = await get(pixel);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('image/gif');
    expect(res.headers.get('cache-control')).toContain('no-store');
    expect(
      Buffer.from(await res.arrayBuffer())
        .subarray(0, 6)
        .toString(),
    ).toBe('GIF89a');
    expect((await get(pixel, 'Mozilla/5.0')).status).toBe(200);
    expect((await get(pixel, CHROME, 'HEAD')).status).toBe(200);
    const opens = (await events(D_MAIN)).filter((e) => e.type === 'opened');
    expect(opens.map((e) => [e.machine, e.detail])).toEqual([
      [false, { ua: 'browser' }],
      [true, { ua: 'apple_privacy_proxy', reason: 'privacy_proxy' }],
      [true, { ua: 'browser', reason: 'head_request' }],
    ]);
    expect(opens[0]).toMatchObject({ contactId, deliveryId: D_MAIN, campaignId: CAMPAIGN });

    // A delivery accepted a moment ago: whatever opens it now is a gateway scanning it on arrival.
    await db.query(`UPDATE deliveries SET sent_at = now() WHERE id = $1`, [D_FRESH]);
    const fresh = local(urlsOf(links.instrument(compiledHtml, D_FRESH, versionId)).find((u) => u.includes('/t/o/'))!);
    expect((await get(fresh)).status).toBe(200);
    expect((await events(D_FRESH)).map((e) => [e.type, e.machine, e.detail.reason])).toEqual([['opened', true, 'too_soon']]);
  });

  it('flags a scanner that follows every link of a message within a second', async () => {
    const clickUrls = urlsOf(links.instrument(compiledHtml, D_BURST, versionId)).filter((u) => u.includes('/t/c/'));
    for (const url of clickUrls) expect((await get(local(url), 'Mozilla/5.0 (Windows NT 10.0) Firefox/133.0')).status).toBe(302);
    const clicks = (await events(D_BURST)).filter((e) => e.type === 'clicked');
    expect(clicks.map((e) => [e.detail.link, e.machine, e.detail.reason ?? null])).toEqual([
      [0, false, null],
      [1, false, null],
      [2, true, 'click_burst'],
    ]);
    const scanned = await get(local(clickUrls[0]), 'Mozilla/5.0 (compatible; Proofpoint URL Defense)');
    expect(scanned.status).toBe(302);
    expect((await events(D_BURST)).at(-1)).toMatchObject({
      type: 'clicked',
      machine: true,
      detail: { link: 0, ua: 'security_gateway', reason: 'security_gateway' },
    });
  });

  it('answers forged, altered, misused and unknown tokens with one uniform 404, and counts them', async () => {
    const before = await rejected();
    const ids = t.app.get(OpaqueIds);
    const click = urlsOf(message)
      .find((u) => u.includes('/t/c/'))!
      .split('/t/c/')[1];
    const open = urlsOf(message)
      .find((u) => u.includes('/t/o/'))!
      .split('/t/o/')[1]
      .replace('.gif', '');
    const altered = click.slice(0, 10) + (click[10] === 'A' ? 'B' : 'A') + click.slice(11);
    const attempts: [string, string][] = [
      ['GET', `/t/c/${altered}`],
      ['GET', `/t/c/${'x'.repeat(35)}`],
      ['GET', '/t/c/not-a-token'],
      ['GET', `/t/c/${open}`], // an open token is not a click token
      ['GET', `/t/c/${ids.sign(OpaqueIdPurpose.Click, 99_999_999n, 0)}`], // well signed, no such delivery
      ['GET', `/t/c/${ids.sign(OpaqueIdPurpose.Click, BigInt(D_MAIN), 17)}`], // well signed, no such link
      ['GET', `/t/o/${altered}.gif`],
      ['GET', `/t/o/${click}.gif`],
      ['GET', `/u/${open}`],
      ['POST', `/u/${altered}`],
    ];
    const bodies = new Set<string>();
    for (const [method, path] of attempts) {
      const res = await fetch(`${t.baseUrl}${path}`, { method, redirect: 'manual' });
      expect(res.status, `${method} ${path}`).toBe(404);
      bodies.add(await res.text());
    }
    expect(bodies.size).toBe(1);
    expect([...bodies][0]).toContain('Link not valid');
    expect(await rejected()).toBe(before + attempts.length);
    expect((await events(D_MAIN)).filter((e) => e.type === 'clicked')).toHaveLength(1);
  });

  it('one-click unsubscribe (RFC 8058) revokes the topic at once; the GET page only shows a button', async () => {
    const consent = t.app.get(ConsentService);
    const path = local(links.unsubscribeUrl(D_MAIN));
    const page = await get(path);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(`<form method="post" action="${path}">`);
    expect(html).toContain('<input type="hidden" name="List-Unsubscribe" value="One-Click">');
    expect(await consent.mayReceive(contactId, 'newsletter')).toEqual({ allowed: true });

    const post = () =>
      fetch(`${t.baseUrl}${path}`, { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click' });
    const res = await post();
    expect(res.status).toBe(200);
    expect(await res.text()).toContain('You are unsubscribed');
    expect(await consent.mayReceive(contactId, 'newsletter')).toEqual({ allowed: false, reason: 'consent_revoked' });
    const history = await consent.history(contactId);
    expect(history.at(-1)).toMatchObject({ status: 'revoked', method: 'unsubscribe', source: 'list_unsubscribe', actorType: 'anonymous' });

    // A second POST (the reader presses the button after the mailbox provider's POST) changes nothing more.
    expect((await post()).status).toBe(200);
    expect((await consent.history(contactId)).length).toBe(history.length);
    const unsubscribed = (await events(D_MAIN)).filter((e) => e.type === 'unsubscribed');
    expect(unsubscribed).toEqual([expect.objectContaining({ contactId, campaignId: CAMPAIGN, machine: false })]);
  });

  it('a message without a topic unsubscribes by suppressing the address', async () => {
    const consent = t.app.get(ConsentService);
    const res = await fetch(`${t.baseUrl}${local(links.unsubscribeUrl(D_NO_TOPIC))}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(res.status).toBe(200);
    expect(await consent.mayReceive(otherId, 'newsletter')).toEqual({ allowed: false, reason: 'suppressed' });
    expect((await events(D_NO_TOPIC)).map((e) => e.type)).toEqual(['unsubscribed']);
  });

  it('reports opens, clicks and unsubscribes of a campaign, people and machines apart', async () => {
    const res = await analyst.get(`/api/v1/tracking/summary?campaignId=${CAMPAIGN}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({
      campaignId: CAMPAIGN,
      // D_MAIN: browser, Apple proxy, HEAD; D_FRESH: too soon.
      opens: { total: 4, human: 1, machine: 3, uniqueContacts: 1, uniqueHumanContacts: 1 },
      // D_MAIN: one; D_BURST: two people's, a burst, a gateway.
      clicks: { total: 5, human: 3, machine: 2, uniqueContacts: 2, uniqueHumanContacts: 2 },
      unsubscribes: { total: 2, human: 2, machine: 0, uniqueContacts: 2, uniqueHumanContacts: 2 },
    });
    expect((await analyst.get('/api/v1/tracking/summary?campaignId=abc')).status).toBe(400);
    expect((await analyst.get('/api/v1/tracking/summary')).status).toBe(400);
  });

  it('keeps PHI, user agents and ids out of what it stores and logs', async () => {
    const rows = async (table: string) => (await db.query<{ r: string }>(`SELECT row_to_json(x)::text AS r FROM ${table} x`)).rows.map((r) => r.r);
    const stored = [...(await rows('engagement_events')), ...(await rows('tracked_links'))].join('\n');
    expect(phiFound(stored, PHI)).toEqual([]);
    expect(stored).not.toContain('Chrome/131');
    expect(stored).not.toContain('127.0.0.1');
    const all: StoredEngagementEvent[] = [];
    for (const id of [D_MAIN, D_FRESH, D_BURST, D_NO_TOPIC]) all.push(...(await events(id)));
    expect(all.every((e) => Object.keys(e.detail).every((k) => ['ua', 'reason', 'link', 'topic'].includes(k)))).toBe(true);
    const logged = logs.join('');
    expect(phiFound(logged, PHI)).toEqual([]);
    expect(logged).not.toContain(D_MAIN);
  });
});
