import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailSink } from '../../backend/src/dev/mail-sink/index.js';
import { UsersService } from '../../backend/src/modules/auth/index.js';
import { ConsentService, PreferenceTokens } from '../../backend/src/modules/consent/index.js';
import { Role } from '../../backend/src/platform/http/index.js';
import { ApiClient } from '../support/api-client.js';
import { dumpDatabase, phiFound, startTestApp, superuser, type TestApp } from '../support/stack.js';

const PASSWORD = 'granite-otter-lantern-42';

const maria = {
  email: 'Maria.Gonzalez@Example.org',
  firstName: 'Maria',
  lastName: 'Gonzalez',
  birthDate: '03/14/1961',
  sex: 'F',
  phone: '(617) 555-0142',
  postalCode: '02139',
  state: 'ma',
  timeZone: 'America/New_York',
  language: 'es-US',
  identifiers: [{ kind: 'mrn', system: 'urn:oid:1.2.840.114350', value: 'MRN-7745120' }],
  conditions: [{ system: 'ICD-10', code: 'E11.9', display: 'Type 2 diabetes mellitus without complications' }],
  lastVisitDate: '2025-12-02',
  insuranceStatus: 'commercial',
  insurancePlan: 'Blue Horizon PPO',
  primaryProvider: 'Dr. Alan Whitfield',
  attributes: { smokingStatus: 'former', newsletterSegment: 'north' },
};
// (Enum options such as "former" are schema, not PHI: they appear in attribute_definitions.)
const MARIA_PHI = [
  'maria.gonzalez@example.org',
  'Gonzalez',
  '1961-03-14',
  '6175550142',
  'MRN-7745120',
  'E11.9',
  'Type 2 diabetes',
  'Blue Horizon',
  'Whitfield',
  '2025-12-02',
];

describe('contacts, consent and the preference center', () => {
  let t: TestApp;
  let sink: MailSink;
  const logs: string[] = [];
  let admin: ApiClient;
  let marketer: ApiClient;
  let officer: ApiClient;
  let mariaId: string;

  beforeAll(async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hm-contacts-'));
    sink = await MailSink.start({ dataDir: join(dir, 'sink'), httpPort: null });
    await writeFile(join(dir, 'ca.pem'), sink.caPem);
    t = await startTestApp({
      entrypoint: 'api',
      logs,
      env: { SMTP_TRANSPORT_MAP: `*=127.0.0.1:${sink.smtpPort}`, SMTP_CA_FILE: join(dir, 'ca.pem'), PUBLIC_URL: 'http://localhost:3999' },
    });
    const users = t.app.get(UsersService);
    const clients: ApiClient[] = [];
    for (const [email, role] of [
      ['admin@clinic.test', Role.Admin],
      ['marketer@clinic.test', Role.Marketer],
      ['officer@clinic.test', Role.ComplianceOfficer],
    ] as const) {
      await users.create({ email, displayName: role, role, password: PASSWORD });
      const c = new ApiClient(t.baseUrl);
      await c.signInAndEnroll(email, PASSWORD);
      clients.push(c);
    }
    [admin, marketer, officer] = clients as [ApiClient, ApiClient, ApiClient];
    expect((await admin.post('/api/v1/topics', { key: 'newsletter', name: 'Monthly health newsletter', kind: 'marketing' })).status).toBe(201);
    expect((await admin.post('/api/v1/topics', { key: 'screening', name: 'Screening reminders', kind: 'marketing', requiresAuthorization: true })).status).toBe(
      201,
    );
    expect((await admin.post('/api/v1/topics', { key: 'appointments', name: 'Appointment reminders', kind: 'transactional' })).status).toBe(201);
    expect(
      (
        await admin.post('/api/v1/attributes', {
          key: 'smokingStatus',
          label: 'Smoking status',
          type: 'enum',
          options: ['never', 'former', 'current'],
          isPhi: true,
        })
      ).status,
    ).toBe(201);
    expect((await admin.post('/api/v1/attributes', { key: 'newsletterSegment', label: 'Newsletter segment', type: 'text', isPhi: false })).status).toBe(201);
  });
  afterAll(async () => {
    // Either is unset when beforeAll failed before assigning it.
    /* eslint-disable @typescript-eslint/no-unnecessary-condition */
    await t?.close();
    await sink?.stop();
    /* eslint-enable @typescript-eslint/no-unnecessary-condition */
  });

  it('creates a contact, and names each bad field without echoing it', async () => {
    const bad = await marketer.post('/api/v1/contacts', {
      ...maria,
      email: 'not-an-address',
      birthDate: '02/30/1990',
      sex: 'x',
      attributes: { smokingStatus: 'sometimes', unknownAttr: 1 },
    });
    expect(bad.status).toBe(400);
    const fields = (bad.body as { fields: { field: string; message: string }[] }).fields;
    expect(fields.map((f) => f.field).sort()).toEqual(['attributes.smokingStatus', 'attributes.unknownAttr', 'birthDate', 'email', 'sex']);
    expect(JSON.stringify(bad.body)).not.toContain('not-an-address');

    const created = await marketer.post<{ id: string; emailMasked: string; initials: string; phiFields: string[]; attributes: object }>(
      '/api/v1/contacts',
      maria,
    );
    expect(created.status).toBe(201);
    mariaId = created.body.id;
    expect(created.body.emailMasked).toBe('m•••@e•••.org');
    expect(created.body.initials).toBe('M. G.');
    expect(created.body.phiFields).toEqual(expect.arrayContaining(['birthDate', 'conditions', 'email', 'identifiers', 'insurancePlan']));
    expect(created.body.attributes).toEqual({ newsletterSegment: 'north' });
    expect(
      phiFound(
        JSON.stringify(created.body),
        MARIA_PHI.filter((v) => v !== 'north'),
      ),
    ).toEqual([]);

    const dup = await marketer.post('/api/v1/contacts', { email: 'maria.gonzalez@example.org' });
    expect(dup.status).toBe(409);
    expect(dup.body).toMatchObject({ fields: [{ field: 'email', message: 'already in use' }] });
  });

  it('finds a contact by e-mail or MRN through the request body, masked', async () => {
    const byEmail = await marketer.post<{ id: string }>('/api/v1/contacts/lookup', { email: ' MARIA.gonzalez@example.org ' });
    expect(byEmail.body.id).toBe(mariaId);
    const byMrn = await marketer.post<{ id: string }>('/api/v1/contacts/lookup', { identifier: { system: 'URN:OID:1.2.840.114350', value: 'MRN-7745120' } });
    expect(byMrn.body.id).toBe(mariaId);
    expect((await marketer.post('/api/v1/contacts/lookup', { email: 'nobody@example.org' })).status).toBe(404);
  });

  it('reveals PHI only with the reveal permission, and audits each reveal', async () => {
    expect((await marketer.post(`/api/v1/contacts/${mariaId}/reveal`)).status).toBe(403);
    const revealed = await officer.post<{ phi: Record<string, unknown> }>(`/api/v1/contacts/${mariaId}/reveal`);
    expect(revealed.status).toBe(200);
    expect(revealed.body.phi).toMatchObject({
      email: 'maria.gonzalez@example.org',
      birthDate: '1961-03-14',
      sex: 'female',
      phone: '+16175550142',
      state: 'MA',
      conditions: [{ system: 'ICD-10', code: 'E11.9' }],
      attributes: { smokingStatus: 'former' },
    });
    const audit = await officer.get<{ data: { action: string; subjectId: string }[] }>(
      `/api/v1/audit-events?filter=${encodeURIComponent(JSON.stringify({ action: 'phi.revealed' }))}`,
    );
    expect(audit.body.data).toEqual([expect.objectContaining({ action: 'phi.revealed', subjectId: mariaId })]);
  });

  it('bulk-upserts with a result per item: bad items fail alone', async () => {
    const items = [
      { email: 'a1@example.org', firstName: 'Ann', conditions: ['I10'] },
      { email: 'broken', firstName: 'Bad' },
      { email: 'a2@example.org', birthDate: '1975-13-01' },
      { email: 'a3@example.org', postalCode: '2139', insuranceStatus: 'Medicare' },
      'not an object',
      { email: 'A1@example.org', lastName: 'Again' },
      { email: 'a4@example.org', identifiers: [{ kind: 'mrn', system: 'urn:oid:1.2.840.114350', value: 'MRN-7745120' }] },
    ];
    const res = await marketer.post<{
      results: { index: number; status: string; errors?: { field: string }[]; id?: string }[];
      summary: Record<string, number>;
    }>('/api/v1/contacts/bulk', {
      contacts: items,
      onExisting: 'update',
      consent: { topic: 'newsletter', status: 'confirmed', method: 'api', source: 'crm-sync' },
    });
    expect(res.status).toBe(200);
    expect(res.body.results.map((r) => r.status)).toEqual(['created', 'error', 'error', 'created', 'error', 'updated', 'error']);
    expect(res.body.results[1].errors).toEqual([{ field: 'email', message: 'not a valid e-mail address' }]);
    expect(res.body.results[2].errors).toEqual([{ field: 'birthDate', message: 'must be a date as YYYY-MM-DD or MM/DD/YYYY' }]);
    expect(res.body.results[4].errors).toEqual([{ field: 'contacts[4]', message: 'must be an object' }]);
    expect(res.body.results[6].errors).toEqual([{ field: 'identifiers', message: 'this mrn identifier already belongs to another contact' }]);
    expect(res.body.summary).toEqual({ created: 2, updated: 1, unchanged: 0, skipped: 0, error: 4 });

    const again = await marketer.post<{ summary: Record<string, number> }>('/api/v1/contacts/bulk', {
      contacts: [{ email: 'a1@example.org' }, { email: 'new@example.org' }],
      onExisting: 'skip',
    });
    expect(again.body.summary).toEqual({ created: 1, updated: 0, unchanged: 0, skipped: 1, error: 0 });

    const a1 = res.body.results[0].id!;
    const merged = await officer.post<{ phi: Record<string, unknown> }>(`/api/v1/contacts/${a1}/reveal`);
    expect(merged.body.phi).toMatchObject({ firstName: 'Ann', lastName: 'Again', conditions: [{ code: 'I10' }] });
    expect((await marketer.get<{ current: { topicKey: string; status: string }[] }>(`/api/v1/contacts/${a1}/consents`)).body.current).toEqual([
      expect.objectContaining({ topicKey: 'newsletter', status: 'confirmed' }),
    ]);
    const tooMany = await marketer.post('/api/v1/contacts/bulk', { contacts: Array.from({ length: 10_001 }, (_, i) => ({ email: `x${i}@example.org` })) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body).toMatchObject({ fields: [{ field: 'contacts', message: 'at most 10000' }] });
  });

  it('two concurrent bulk writes of the same new e-mails make each contact once', async () => {
    const items = Array.from({ length: 300 }, (_, i) => ({ email: `race${i}@example.org`, firstName: 'Race' }));
    const [a, b] = await Promise.all([
      marketer.post<{ summary: Record<string, number> }>('/api/v1/contacts/bulk', { contacts: items }),
      marketer.post<{ summary: Record<string, number> }>('/api/v1/contacts/bulk', { contacts: items }),
    ]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect(a.body.summary.created + b.body.summary.created).toBe(300);
    expect(a.body.summary.error + b.body.summary.error).toBe(0);
    // The e-mail token is unique: a race cannot make a second row, so 300 created in all means each once.
    for (const i of [0, 150, 299]) expect((await marketer.post('/api/v1/contacts/lookup', { email: `race${i}@example.org` })).status).toBe(200);
  });

  it('updates a contact partially and keeps e-mails unique', async () => {
    const patched = await marketer.request<{ phiFields: string[] }>('PATCH', `/api/v1/contacts/${mariaId}`, {
      nextVisitDate: '2026-12-01',
      primaryProvider: 'Dr. Jane Okafor',
    });
    expect(patched.status).toBe(200);
    expect(patched.body.phiFields).toContain('nextVisitDate');
    const clash = await marketer.request('PATCH', `/api/v1/contacts/${mariaId}`, { email: 'a1@example.org' });
    expect(clash.status).toBe(409);
    const revealed = await officer.post<{ phi: Record<string, unknown> }>(`/api/v1/contacts/${mariaId}/reveal`);
    expect(revealed.body.phi).toMatchObject({
      primaryProvider: 'Dr. Jane Okafor',
      nextVisitDate: '2026-12-01',
      email: 'maria.gonzalez@example.org',
      insurancePlan: 'Blue Horizon PPO',
    });

    // Custom attributes merge key by key, PHI or not; null removes one.
    const segmentOnly = await marketer.request<{ attributes: Record<string, unknown> }>('PATCH', `/api/v1/contacts/${mariaId}`, {
      attributes: { newsletterSegment: 'south' },
    });
    expect(segmentOnly.status).toBe(200);
    expect(segmentOnly.body.attributes).toEqual({ newsletterSegment: 'south' });
    const kept = await officer.post<{ phi: { attributes?: Record<string, unknown> } }>(`/api/v1/contacts/${mariaId}/reveal`);
    expect(kept.body.phi.attributes).toEqual({ smokingStatus: 'former' });
    const removed = await marketer.request('PATCH', `/api/v1/contacts/${mariaId}`, { attributes: { smokingStatus: null } });
    expect(removed.status).toBe(200);
    const after = await officer.post<{ phi: { attributes?: Record<string, unknown> }; attributes: Record<string, unknown> }>(
      `/api/v1/contacts/${mariaId}/reveal`,
    );
    expect(after.body.phi.attributes).toBeUndefined();
    expect(after.body.attributes).toEqual({ newsletterSegment: 'south' });
  });

  it('keeps an append-only consent ledger and decides who may receive what', async () => {
    const consent = t.app.get(ConsentService);
    expect(await consent.mayReceive(mariaId, 'newsletter')).toEqual({ allowed: false, reason: 'no_consent' });
    expect(await consent.mayReceive(mariaId, 'appointments')).toEqual({ allowed: true });
    expect(
      (
        await marketer.post(`/api/v1/contacts/${mariaId}/consents`, {
          topic: 'newsletter',
          status: 'confirmed',
          method: 'web_form',
          source: 'clinic-website',
          evidence: { ip: '203.0.113.7', userAgent: 'Mozilla/5.0' },
        })
      ).status,
    ).toBe(201);
    expect(await consent.mayReceive(mariaId, 'newsletter')).toEqual({ allowed: true });

    // Screening needs a HIPAA marketing authorization as well as consent.
    await marketer.post(`/api/v1/contacts/${mariaId}/consents`, { topic: 'screening', status: 'confirmed', method: 'api', source: 'portal' });
    expect(await consent.mayReceive(mariaId, 'screening')).toEqual({ allowed: false, reason: 'authorization_missing' });
    const text = await admin.post<{ id: number }>('/api/v1/authorization-texts', {
      version: '2026.1',
      title: 'Marketing authorization',
      purpose: 'Screening outreach',
      body: 'I authorize…',
    });
    const signed = await marketer.post<{ id: string }>(`/api/v1/contacts/${mariaId}/authorizations`, {
      textId: text.body.id,
      signedAt: new Date().toISOString(),
      expiresAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    expect(signed.status).toBe(201);
    expect(await consent.mayReceive(mariaId, 'screening')).toEqual({ allowed: true });
    expect(await consent.mayReceive(mariaId, 'screening', new Date(Date.now() + 2 * 86_400_000))).toEqual({ allowed: false, reason: 'authorization_missing' });
    await marketer.post(`/api/v1/contacts/${mariaId}/authorizations/${signed.body.id}/revoke`);
    expect(await consent.mayReceive(mariaId, 'screening')).toEqual({ allowed: false, reason: 'authorization_missing' });

    await marketer.post(`/api/v1/contacts/${mariaId}/consents`, { topic: 'newsletter', status: 'revoked', method: 'admin', source: 'phone call' });
    expect(await consent.mayReceive(mariaId, 'newsletter')).toEqual({ allowed: false, reason: 'consent_revoked' });
    const overview = await marketer.get<{ history: { topicKey: string; status: string; evidence: unknown }[] }>(`/api/v1/contacts/${mariaId}/consents`);
    expect(overview.body.history.filter((h) => h.topicKey === 'newsletter').map((h) => h.status)).toEqual(['confirmed', 'revoked']);
    expect(overview.body.history[0].evidence).toEqual({ recorded: true });

    const db = await superuser(t.databaseUrl);
    try {
      await expect(db.query(`UPDATE consent_events SET status = 'confirmed'`)).rejects.toThrow(/append-only/);
    } finally {
      await db.end();
    }
  });

  it('suppression stops marketing at once; transactional mail only stops for bounces and complaints', async () => {
    const consent = t.app.get(ConsentService);
    const created = await marketer.post<{ id: string }>('/api/v1/contacts', { email: 'sup@example.org' });
    const id = created.body.id;
    await marketer.post(`/api/v1/contacts/${id}/consents`, { topic: 'newsletter', status: 'confirmed', method: 'api', source: 'x' });
    expect(await consent.mayReceive(id, 'newsletter')).toEqual({ allowed: true });
    expect((await marketer.post('/api/v1/suppressions', { email: 'SUP@example.org', reason: 'manual' })).body).toEqual({ created: true });
    expect(await consent.mayReceive(id, 'newsletter')).toEqual({ allowed: false, reason: 'suppressed' });
    expect(await consent.mayReceive(id, 'appointments')).toEqual({ allowed: false, reason: 'suppressed' });
    const list = await marketer.get<{ data: { id: string; reason: string; contactId: string }[] }>('/api/v1/suppressions');
    const row = list.body.data.find((s) => s.contactId === id)!;
    expect(row.reason).toBe('manual');
    expect(JSON.stringify(list.body)).not.toContain('sup@example.org');
    expect((await marketer.request('DELETE', `/api/v1/suppressions/${row.id}`)).status).toBe(200);
    expect(await consent.mayReceive(id, 'newsletter')).toEqual({ allowed: true });
  });

  it('double opt-in: pending until the link in the e-mail (sent over TLS) is confirmed', async () => {
    const created = await marketer.post<{ id: string }>('/api/v1/contacts', { email: 'doi@example.org', firstName: 'Dee' });
    const res = await marketer.post<{ status: string; confirmationSent: boolean }>(`/api/v1/contacts/${created.body.id}/consents`, {
      topic: 'newsletter',
      status: 'confirmed',
      method: 'double_opt_in',
      source: 'signup form',
    });
    expect(res.body).toEqual({ topic: 'newsletter', status: 'pending', confirmationSent: true });
    expect(await t.app.get(ConsentService).mayReceive(created.body.id, 'newsletter')).toEqual({ allowed: false, reason: 'consent_pending' });
    const messages = await sink.waitForMessages(1, 10_000);
    const message = (await sink.store.get(messages[0].id))!;
    expect(message.envelope.rcptTo).toEqual(['doi@example.org']);
    expect(message.tls.protocol).toMatch(/^TLSv1\.[23]$/);
    const link = /http:\/\/localhost:3999(\/p\/confirm\/[A-Za-z0-9_-]+)/.exec(message.text ?? '')![1];
    // The token is opaque: its bytes are a ciphertext, not a readable contact id.
    expect(Buffer.from(link.split('/').pop()!, 'base64url').toString('latin1')).not.toMatch(/"c"|contact/);

    // GET shows a button only: a link scanner's prefetch confirms nothing.
    const page = await fetch(`${t.baseUrl}${link}`);
    expect(await page.text()).toContain('Confirm my subscription');
    expect(await t.app.get(ConsentService).mayReceive(created.body.id, 'newsletter')).toEqual({ allowed: false, reason: 'consent_pending' });
    const confirmed = await fetch(`${t.baseUrl}${link}`, { method: 'POST' });
    expect(confirmed.status).toBe(200);
    expect(await confirmed.text()).toContain('Subscription confirmed');
    expect(await t.app.get(ConsentService).mayReceive(created.body.id, 'newsletter')).toEqual({ allowed: true });
    const tampered = `${link.slice(0, -3)}${link.endsWith('AAA') ? 'BBB' : 'AAA'}`;
    expect((await fetch(`${t.baseUrl}${tampered}`, { method: 'POST' })).status).toBe(404);
  });

  it('preference center: change topics or unsubscribe from all with a token, no login', async () => {
    const created = await marketer.post<{ id: string }>('/api/v1/contacts', { email: 'pref@example.org' });
    const id = created.body.id;
    await marketer.post(`/api/v1/contacts/${id}/consents`, { topic: 'newsletter', status: 'confirmed', method: 'api', source: 'x' });
    const token = t.app.get(PreferenceTokens).issue('preferences', id);
    const page = await fetch(`${t.baseUrl}/p/${token}`);
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain('<html lang="en">');
    expect(html).toMatch(/<input type="checkbox" name="topic" value="newsletter" checked>/);
    expect(html).toContain('p•••@e•••.org');
    expect(html).not.toContain('pref@example.org');

    const save = await fetch(`${t.baseUrl}/p/${token}`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'topic=screening',
    });
    expect(await save.text()).toContain('Your preferences are saved.');
    const states = await marketer.get<{ current: { topicKey: string; status: string }[] }>(`/api/v1/contacts/${id}/consents`);
    expect(Object.fromEntries(states.body.current.map((s) => [s.topicKey, s.status]))).toEqual({ newsletter: 'revoked', screening: 'confirmed' });

    const unsub = await fetch(`${t.baseUrl}/p/${token}/unsubscribe`, { method: 'POST' });
    expect(await unsub.text()).toContain('You are unsubscribed');
    expect(await t.app.get(ConsentService).mayReceive(id, 'screening')).toEqual({ allowed: false, reason: 'consent_revoked' });
    expect((await marketer.get<{ suppression: { reason: string } }>(`/api/v1/contacts/${id}/consents`)).body.suppression).toMatchObject({
      reason: 'unsubscribe',
    });
    // Transactional mail still reaches a contact who unsubscribed from marketing.
    expect(await t.app.get(ConsentService).mayReceive(id, 'appointments')).toEqual({ allowed: true });

    expect((await fetch(`${t.baseUrl}/p/${'A'.repeat(80)}`)).status).toBe(404);
    expect((await fetch(`${t.baseUrl}/p/${t.app.get(PreferenceTokens).issue('confirm', id, 1)}`)).status).toBe(404);
  });

  it('exports a full record (audited) and erases on request, keeping the ledger without PHI', async () => {
    const exported = await officer.get<{ contact: { phi: { email: string } }; consentHistory: { evidence: unknown }[] }>(`/api/v1/contacts/${mariaId}/export`);
    expect(exported.status).toBe(200);
    expect(exported.body.contact.phi.email).toBe('maria.gonzalez@example.org');
    expect(exported.body.consentHistory[0].evidence).toEqual({ ip: '203.0.113.7', userAgent: 'Mozilla/5.0' });
    expect((await marketer.get(`/api/v1/contacts/${mariaId}/export`)).status).toBe(403);

    expect((await marketer.request('DELETE', `/api/v1/contacts/${mariaId}`)).status).toBe(403);
    const erased = await officer.request<{ status: string; emailMasked: null }>('DELETE', `/api/v1/contacts/${mariaId}`);
    expect(erased.body).toMatchObject({ status: 'erased', emailMasked: null });
    const after = await officer.get<{ history: { status: string; evidence: unknown }[] }>(`/api/v1/contacts/${mariaId}/consents`);
    expect(after.body.history.map((h) => h.status)).toEqual(['confirmed', 'confirmed', 'revoked']);
    expect(after.body.history.every((h) => h.evidence === null)).toBe(true);
    expect((await marketer.post('/api/v1/contacts/lookup', { identifier: { system: 'urn:oid:1.2.840.114350', value: 'MRN-7745120' } })).status).toBe(404);
    // The address can be used again for a new, separate contact.
    expect((await marketer.post('/api/v1/contacts', { email: 'maria.gonzalez@example.org' })).status).toBe(201);
  });

  it('leaves no PHI in plaintext in the database or the logs', async () => {
    const dump = await dumpDatabase(t.databaseUrl);
    expect(dump.length).toBeGreaterThan(10_000);
    // The re-created contact holds Maria's address again, encrypted: scan for everything else plus other contacts' values.
    const values = [
      ...MARIA_PHI.filter((v) => v !== 'maria.gonzalez@example.org'),
      'a1@example.org',
      'doi@example.org',
      'pref@example.org',
      '203.0.113.7',
      'Okafor',
    ];
    expect(phiFound(dump, values)).toEqual([]);
    expect(dump).not.toContain('maria.gonzalez@example.org');
    const log = logs.join('');
    expect(log.length).toBeGreaterThan(1000);
    expect(phiFound(log, [...values, 'maria.gonzalez@example.org'])).toEqual([]);
  });
});
