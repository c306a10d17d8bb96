import { simpleParser } from 'mailparser';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsersService } from '../../backend/src/modules/auth/index.js';
import { DeliveryService } from '../../backend/src/modules/delivery/index.js';
import { Role } from '../../backend/src/platform/http/index.js';
import { ApiClient } from '../support/api-client.js';
import { waitFor } from '../support/backend-process.js';
import { createTestCa, issueCert } from '../support/pki.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-servers.js';
import { startTestApp, superuser, type TestApp } from '../support/stack.js';

/**
 * A test send of a published template version to a seed list, through the real delivery tier to a real
 * STARTTLS server: rendered with the built-in sample patient (the seed address is no contact), refused for
 * a version that is not published, validated, and audited without the addresses.
 */

const PASSWORD = 'granite-otter-lantern-42';
const SEEDS = ['Marketing.Lead@seed.test', 'qa-inbox@seed.test'];

const MJML = `<mjml lang="en"><mj-body><mj-section><mj-column>
  <mj-text>Dear {{contact.firstName}} {{contact.lastName}}, your visit with {{contact.primaryProvider}} is coming up.</mj-text>
  <mj-text>{{organization_address}} <a href="{{unsubscribe_url}}">Unsubscribe</a> <a href="{{preferences_url}}">Preferences</a></mj-text>
</mj-column></mj-section></mj-body></mjml>`;

describe('template test send', () => {
  let t: TestApp;
  let db: pg.Client;
  let smtp: TestSmtpServer;
  let marketer: ApiClient;
  let publishedId: number;
  let draftOnlyId: number;

  const testSend = (id: number, version: number, body: unknown) => marketer.post(`/api/v1/templates/${id}/versions/${version}/test-send`, body);

  beforeAll(async () => {
    const ca = await createTestCa();
    smtp = await startSmtpServer('accept', { tls: await issueCert(ca, ['localhost', '127.0.0.1']) });
    t = await startTestApp({
      entrypoint: 'all',
      env: {
        SMTP_TRANSPORT_MAP: `seed.test=127.0.0.1:${String(smtp.port)}`,
        SMTP_CA_FILE: ca.file,
        SMTP_TIMEOUT_SECONDS: '3',
        MAIL_FROM: 'Example Health <news@health.example>',
        BOUNCE_DOMAIN: 'bounces.health.example',
      },
    });
    db = await superuser(t.databaseUrl);
    await t.app.get(UsersService).create({ email: 'mara.marketer@clinic.test', displayName: 'Mara', role: Role.Marketer, password: PASSWORD });
    marketer = new ApiClient(t.baseUrl);
    await marketer.signInAndEnroll('mara.marketer@clinic.test', PASSWORD);

    const created = await marketer.post<{ template: { id: number } }>('/api/v1/templates', {
      name: 'Visit reminder',
      category: 'marketing',
      subject: 'See you soon, {{contact.firstName}}',
      mjml: MJML,
    });
    expect(created.status).toBe(201);
    publishedId = created.body.template.id;
    expect((await marketer.post(`/api/v1/templates/${publishedId}/publish`)).status).toBe(200);
    const draft = await marketer.post<{ template: { id: number } }>('/api/v1/templates', { name: 'Unfinished', category: 'marketing', mjml: MJML });
    draftOnlyId = draft.body.template.id;
  }, 60_000);

  afterAll(async () => {
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await db?.end();
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await t?.close();
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
    await smtp?.close();
  });

  it('delivers the published version over TLS to each seed address, rendered with the sample patient', async () => {
    const res = await testSend(publishedId, 1, { addresses: SEEDS });
    expect(res.status).toBe(201);
    const ids = res.body.deliveryIds as string[];
    expect(ids).toHaveLength(2);

    const deliveries = t.app.get(DeliveryService);
    for (const id of ids) {
      const sent = await waitFor(
        async () => {
          const d = await deliveries.get(id);
          return ['sent', 'failed', 'dropped_no_tls', 'bounced'].includes(d.status) ? d : undefined;
        },
        20_000,
        `delivery ${id} to finish`,
      );
      expect(sent).toMatchObject({ status: 'sent', purpose: 'test', contactId: null, recipientDomain: 'seed.test' });
      expect(sent.evidence).toMatchObject({ tlsVersion: 'TLSv1.3', certVerified: true, smtpCode: 250 });
    }

    expect(smtp.received.map((m) => m.to[0]).sort()).toEqual([...SEEDS].sort());
    const message = smtp.received[0];
    expect(message.secure).toBe(true);
    const parsed = await simpleParser(message.raw);
    // The seed address is no contact: the sample patient fills the contact fields, in subject and body alike.
    expect(parsed.subject).toBe('See you soon, Alex');
    expect(parsed.html).toContain('Dear Alex Sample, your visit with Dr. Jordan Example is coming up.');
    expect(parsed.text).toContain('Dear Alex Sample');

    // The seed addresses are stored encrypted only.
    const { rows } = await db.query<{ row: string }>(`SELECT row_to_json(d)::text AS row FROM deliveries d`);
    for (const seed of SEEDS)
      expect(
        rows
          .map((r) => r.row)
          .join('\n')
          .toLowerCase(),
      ).not.toContain(seed.toLowerCase());
  });

  it('audits the test send with a count, never an address', async () => {
    const { rows } = await db.query<{ actor_type: string; subject_id: string; details: Record<string, unknown> }>(
      `SELECT actor_type, subject_id, details FROM audit_log WHERE action = 'template.test_sent'`,
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ actor_type: 'user', subject_id: String(publishedId), details: { version: 1, count: 2 } });
    const text = JSON.stringify(rows[0]).toLowerCase();
    for (const seed of SEEDS) expect(text).not.toContain(seed.toLowerCase());
    expect(text).not.toContain('seed.test');
  });

  it('refuses a version that is not published, naming the field', async () => {
    const res = await testSend(draftOnlyId, 1, { addresses: ['qa-inbox@seed.test'] });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ code: 'template_version_not_published', fields: [{ field: 'version' }] });
    expect((await testSend(publishedId, 9, { addresses: ['qa-inbox@seed.test'] })).status).toBe(404);
  });

  it('answers 400 naming the field for a bad address, an empty list or more than 10, without echoing the value', async () => {
    const bad = await testSend(publishedId, 1, { addresses: ['qa-inbox@seed.test', 'not-an-address'] });
    expect(bad.status).toBe(400);
    expect(bad.body.fields).toEqual([expect.objectContaining({ field: 'addresses' })]);
    expect(JSON.stringify(bad.body)).not.toContain('not-an-address');
    expect((await testSend(publishedId, 1, { addresses: [] })).status).toBe(400);
    const many = await testSend(publishedId, 1, { addresses: Array.from({ length: 11 }, (_, i) => `seed${i}@seed.test`) });
    expect(many.status).toBe(400);
    expect(many.body.fields).toEqual([expect.objectContaining({ field: 'addresses' })]);
    expect((await testSend(publishedId, 1, {})).status).toBe(400);
    // Nothing was queued by the refused calls.
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM deliveries`);
    expect(rows[0].n).toBe(2);
  });

  it('needs templates:manage', async () => {
    await t.app.get(UsersService).create({ email: 'cora.compliance@clinic.test', displayName: 'Cora', role: Role.ComplianceOfficer, password: PASSWORD });
    const officer = new ApiClient(t.baseUrl);
    await officer.signInAndEnroll('cora.compliance@clinic.test', PASSWORD);
    const res = await officer.post(`/api/v1/templates/${publishedId}/versions/1/test-send`, { addresses: ['qa-inbox@seed.test'] });
    expect(res.status).toBe(403);
  });
});
