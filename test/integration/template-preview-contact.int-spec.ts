import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsersService } from '../../backend/src/modules/auth/index.js';
import { Role } from '../../backend/src/platform/http/index.js';
import { ApiClient } from '../support/api-client.js';
import { startTestApp, superuser, type TestApp } from '../support/stack.js';

const PASSWORD = 'granite-otter-lantern-42';
const MJML = `<mjml lang="en">
  <mj-body>
    <mj-section>
      <mj-column>
        <mj-text>Dear {{contact.firstName}} {{contact.lastName}}, your plan {{contact.insurancePlan}} covers this.</mj-text>
        <mj-text>Born {{formatDate contact.birthDate time=false style="long"}}. Visit: {{formatDate appointment.startsAt style="short"}}</mj-text>
        <mj-text>{{organization_address}} <a href="{{unsubscribe_url}}">Unsubscribe</a></mj-text>
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>`;

interface Rendered {
  subject: string;
  html: string;
  text: string;
  contactId?: string;
}

describe('template preview with a chosen contact', () => {
  let t: TestApp;
  let marketer: ApiClient;
  let officer: ApiClient;
  let templateId: number;
  let contactId: string;
  let erasedId: string;

  beforeAll(async () => {
    t = await startTestApp({ entrypoint: 'api' });
    const users = t.app.get(UsersService);
    await users.create({ email: 'mk@clinic.test', displayName: 'Mk', role: Role.Marketer, password: PASSWORD });
    await users.create({ email: 'co@clinic.test', displayName: 'Co', role: Role.ComplianceOfficer, password: PASSWORD });
    marketer = new ApiClient(t.baseUrl);
    await marketer.signInAndEnroll('mk@clinic.test', PASSWORD);
    officer = new ApiClient(t.baseUrl);
    await officer.signInAndEnroll('co@clinic.test', PASSWORD);
    const created = await marketer.post<{ template: { id: number } }>('/api/v1/templates', {
      name: 'Coverage note',
      category: 'transactional',
      subject: 'For {{contact.firstName}}',
      mjml: MJML,
    });
    expect(created.status).toBe(201);
    templateId = created.body.template.id;
    const bulk = await marketer.post<{ results: { id: string }[] }>('/api/v1/contacts/bulk', {
      contacts: [
        {
          email: 'zebulon.q@example.org',
          firstName: 'Zebulon',
          lastName: 'Quartermaine',
          birthDate: '1961-04-09',
          insurancePlan: 'Harborview Gold',
          timeZone: 'Asia/Tokyo',
        },
        { email: 'gone@example.org', firstName: 'Erased' },
      ],
    });
    [contactId, erasedId] = bulk.body.results.map((r) => r.id);
    expect((await officer.request('DELETE', `/api/v1/contacts/${erasedId}`)).status).toBe(200);
  }, 60_000);
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- t is unset when beforeAll failed
  afterAll(() => t?.close());

  const preview = (client: ApiClient, body: Record<string, unknown>) => client.post<Rendered>(`/api/v1/templates/${templateId}/versions/1/preview`, body);

  it('renders with the contact’s own data and time zone for a user who may reveal PHI, and audits it as a reveal', async () => {
    const res = await preview(officer, { contactId });
    expect(res.status).toBe(200);
    expect(res.body.subject).toBe('For Zebulon');
    expect(res.body.text).toContain('Dear Zebulon Quartermaine, your plan Harborview Gold covers this.');
    expect(res.body.text).toContain('Born April 9, 1961');
    // The sample appointment (2026-03-08T15:00Z) shown in the contact's zone: Tokyo is 9 hours ahead.
    const tokyo = new Intl.DateTimeFormat('en-US', { timeZone: 'Asia/Tokyo', dateStyle: 'short', timeStyle: 'short' }).format(new Date('2026-03-08T15:00:00Z'));
    expect(res.body.text).toContain(`Visit: ${tokyo}`);
    expect(res.body.contactId).toBe(contactId);

    // Without a contact: the sample patient, as before.
    const sample = await preview(marketer, {});
    expect(sample.status).toBe(200);
    expect(sample.body.text).toContain('Dear Alex Sample');

    const db = await superuser(t.databaseUrl);
    try {
      const rows = await db.query<{ outcome: string; details: Record<string, unknown> }>(
        `SELECT outcome, details FROM audit_log WHERE action = 'phi.revealed' AND subject_type = 'contact' AND subject_id = $1 ORDER BY id`,
        [contactId],
      );
      expect(rows.rows).toEqual([{ outcome: 'success', details: { purpose: 'template_preview', templateId, version: 1 } }]);
    } finally {
      await db.end();
    }
  });

  it('refuses (403, audited) a user without phi:reveal, and answers 404 for an unknown or erased contact', async () => {
    const denied = await preview(marketer, { contactId });
    expect(denied.status).toBe(403);
    expect(JSON.stringify(denied.body)).not.toContain('Zebulon');
    expect((await preview(officer, { contactId: '999999' })).status).toBe(404);
    expect((await preview(officer, { contactId: erasedId })).status).toBe(404);
    expect((await preview(officer, { contactId: 'abc' })).status).toBe(400);

    const db = await superuser(t.databaseUrl);
    try {
      const rows = await db.query<{ outcome: string }>(
        `SELECT outcome FROM audit_log WHERE action = 'phi.revealed' AND outcome = 'denied' AND subject_id = $1`,
        [contactId],
      );
      expect(rows.rowCount).toBe(1);
    } finally {
      await db.end();
    }
  });
});
