import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsersService } from '../../backend/src/modules/auth/index.js';
import { TemplatesService } from '../../backend/src/modules/templates/index.js';
import { Role } from '../../backend/src/platform/http/index.js';
import { ApiClient } from '../support/api-client.js';
import { startTestApp, superuser, type TestApp } from '../support/stack.js';

const PASSWORD = 'granite-otter-lantern-42';
const STARTERS = join(import.meta.dirname, '../../templates');

interface Warning {
  code: string;
  field: string;
  message: string;
  detail?: string;
  line?: number;
}
interface Saved {
  template: { id: number; publishedVersion: number | null; draftVersion: number | null; versions: { version: number; status: string }[] };
  version: { id: number; version: number; status: string; subject: string; mjml: string; compiledHtml: string | null };
  warnings: Warning[];
}
interface Rendered {
  subject: string;
  html: string;
  text: string;
  warnings: Warning[];
}
interface ErrorBody {
  code: string;
  message: string;
  fields?: { field: string; message: string }[];
}

const mjml = (body: string, footer = '<mj-text>{{organization_address}} <a href="{{unsubscribe_url}}">Unsubscribe</a></mj-text>') => `<mjml lang="en">
  <mj-body>
    <mj-section>
      <mj-column>
        ${body}
        ${footer}
      </mj-column>
    </mj-section>
  </mj-body>
</mjml>`;

describe('templates', () => {
  let t: TestApp;
  let marketer: ApiClient;

  beforeAll(async () => {
    t = await startTestApp({ entrypoint: 'api' });
    await t.app.get(UsersService).create({ email: 'tpl-marketer@clinic.test', displayName: 'M', role: Role.Marketer, password: PASSWORD });
    marketer = new ApiClient(t.baseUrl);
    await marketer.signInAndEnroll('tpl-marketer@clinic.test', PASSWORD);
  });
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- t is unset when beforeAll failed
  afterAll(() => t?.close());

  const create = (body: Record<string, unknown>) => marketer.post<Saved>('/api/v1/templates', body);

  it('publishing freezes a version: edits go to the next draft and the old version stays viewable', async () => {
    const created = await create({ name: 'Versioned', category: 'marketing', subject: 'News v1', mjml: mjml('<mj-text>Version one</mj-text>') });
    expect(created.status).toBe(201);
    const id = created.body.template.id;
    expect(created.body.version).toMatchObject({ version: 1, status: 'draft', compiledHtml: null });

    const published = await marketer.post<Saved>(`/api/v1/templates/${id}/publish`);
    expect(published.status).toBe(200);
    expect(published.body.version).toMatchObject({ version: 1, status: 'published' });
    expect(published.body.version.compiledHtml).toContain('Version one');
    expect(published.body.version.compiledHtml).toContain('{{unsubscribe_url}}');

    const edited = await marketer.request<Saved>('PATCH', `/api/v1/templates/${id}/draft`, {
      subject: 'News v2',
      mjml: mjml('<mj-text>Version two</mj-text>'),
    });
    expect(edited.status).toBe(200);
    expect(edited.body.version).toMatchObject({ version: 2, status: 'draft', subject: 'News v2' });
    const again = await marketer.request<Saved>('PATCH', `/api/v1/templates/${id}/draft`, { subject: 'News v2b' });
    expect(again.body.version).toMatchObject({ version: 2, subject: 'News v2b' });

    const v1 = await marketer.get<Saved['version']>(`/api/v1/templates/${id}/versions/1`);
    expect(v1.body).toMatchObject({ version: 1, status: 'published', subject: 'News v1' });
    expect(v1.body.mjml).toContain('Version one');
    const template = await marketer.get<Saved['template']>(`/api/v1/templates/${id}`);
    expect(template.body).toMatchObject({ publishedVersion: 1, draftVersion: 2 });
    expect(template.body.versions.map((v) => v.status)).toEqual(['published', 'draft']);

    const list = await marketer.get<{ total: number }>('/api/v1/templates');
    expect(list.body.total).toBeGreaterThanOrEqual(1);

    const db = await superuser(t.databaseUrl);
    try {
      const audit = await db.query<{ action: string }>(`SELECT action FROM audit_log WHERE subject_type = 'template' AND subject_id = $1 ORDER BY id`, [
        String(id),
      ]);
      expect(audit.rows.map((r) => r.action)).toEqual(['template.created', 'template.published', 'template.draft_updated', 'template.draft_updated']);
    } finally {
      await db.end();
    }

    const second = await marketer.post<Saved>(`/api/v1/templates/${id}/publish`);
    expect(second.body.version).toMatchObject({ version: 2, status: 'published' });
    expect((await marketer.post<ErrorBody>(`/api/v1/templates/${id}/publish`)).status).toBe(409);
  });

  it('refuses invalid MJML with the line numbers', async () => {
    const created = await create({ name: 'Broken', category: 'transactional', mjml: mjml('<mj-text colour="red">Hi</mj-text>\n        <mj-bogus />', '') });
    const res = await marketer.post<ErrorBody>(`/api/v1/templates/${created.body.template.id}/publish`);
    expect(res.status).toBe(400);
    expect(res.body.code).toBe('mjml_invalid');
    expect(res.body.message).toMatch(/line 5: Attribute colour is illegal/);
    expect(res.body.fields?.map((f) => f.message)).toEqual([expect.stringMatching(/^line 5: /), expect.stringMatching(/^line 6: .*mj-bogus/)]);
    expect(res.body.message).not.toContain('/work');
  });

  it('refuses a Handlebars syntax error when saving', async () => {
    const res = await create({ name: 'Bad hbs', category: 'transactional', mjml: mjml('<mj-text>{{#if x}}open</mj-text>', '') });
    expect(res.status).toBe(400);
    expect((res.body as unknown as ErrorBody).code).toBe('template_syntax');
  });

  it('refuses to publish a marketing template without the unsubscribe link or postal address, naming what is missing', async () => {
    const noUnsub = await create({
      name: 'No unsub',
      category: 'marketing',
      mjml: mjml('<mj-text>Hi</mj-text>', '<mj-text>{{organization_address}}</mj-text>'),
    });
    const res = await marketer.post<ErrorBody>(`/api/v1/templates/${noUnsub.body.template.id}/publish`);
    expect(res.status).toBe(422);
    expect(res.body.code).toBe('template_can_spam');
    expect(res.body.message).toContain('{{unsubscribe_url}}');
    expect(res.body.message).not.toContain('{{organization_address}}');

    const noAddress = await create({
      name: 'No address',
      category: 'marketing',
      mjml: mjml('<mj-text>Hi</mj-text>', '<mj-text><a href="{{{unsubscribe_url}}}">Stop</a></mj-text>'),
    });
    const res2 = await marketer.post<ErrorBody>(`/api/v1/templates/${noAddress.body.template.id}/publish`);
    expect(res2.status).toBe(422);
    expect(res2.body.message).toContain('postal address {{organization_address}}');
    expect(res2.body.message).not.toContain('unsubscribe');

    // The same content is fine for a transactional message.
    const transactional = await create({ name: 'Receipt', category: 'transactional', mjml: mjml('<mj-text>Hi</mj-text>', '') });
    expect((await marketer.post(`/api/v1/templates/${transactional.body.template.id}/publish`)).status).toBe(200);
  });

  it('warns about PHI in the subject and contact data in a link query string, on drafts and publish', async () => {
    const created = await create({
      name: 'Leaky',
      category: 'marketing',
      subject: '{{contact.firstName}}, about your {{diagnosis}}',
      preheader: 'See you on {{formatDate contact.nextVisitDate}}',
      fromName: 'Clinic',
      mjml: mjml('<mj-button href="https://portal.example.com/visit?email={{contact.email}}">Go</mj-button>'),
    });
    expect(created.status).toBe(201);
    const messages = created.body.warnings.map((w) => `${w.field}:${w.message}:${w.detail ?? w.line ?? ''}`);
    expect(messages).toEqual(
      expect.arrayContaining([
        'subject:PHI in subject shows on lock screens:contact.firstName',
        'subject:PHI in subject shows on lock screens:diagnosis',
        'preheader:PHI in preheader shows on lock screens:contact.nextVisitDate',
        'mjml:link carries contact data in its query string:5',
      ]),
    );
    expect(created.body.warnings).toHaveLength(4);
    const published = await marketer.post<Saved>(`/api/v1/templates/${created.body.template.id}/publish`);
    expect(published.status).toBe(200);
    expect(published.body.warnings).toHaveLength(4);
    // Unsubscribe links and links without data in the query string are fine.
    const clean = await create({
      name: 'Clean',
      category: 'marketing',
      subject: 'Flu shots are here',
      mjml: mjml('<mj-button href="https://x.test/flu?src=email">Go</mj-button>'),
    });
    expect(clean.body.warnings).toEqual([]);
  });

  it('formats dates in the contact time zone and generates the plain-text part', async () => {
    const created = await create({
      name: 'Reminder',
      category: 'transactional',
      subject: 'Your visit on {{formatDate appointment.startsAt style="medium" time=false}}',
      preheader: 'Hello',
      mjml: mjml(
        '<mj-text><p>When: {{formatDate appointment.startsAt style="long"}}</p><p>Tokyo: {{formatDate appointment.startsAt tz="Asia/Tokyo" style="long"}}</p><p>Missing: [{{formatDate nothing}}] {{default contact.nickname "friend"}} {{#if (eq contact.locale "en-US")}}US{{/if}}{{#eq 1 2}}one{{else}}two{{/eq}}</p></mj-text>\n<mj-text>Manage <a href="https://x.test/m?a=1&amp;b=2">online</a> &amp; more</mj-text>',
        '',
      ),
    });
    const id = created.body.template.id;
    expect((await marketer.post(`/api/v1/templates/${id}/publish`)).status).toBe(200);
    const res = await marketer.post<Rendered>(`/api/v1/templates/${id}/versions/1/preview`, {
      data: { appointment: { startsAt: '2026-03-08T15:00:00Z' }, contact: { timeZone: 'America/New_York', locale: 'en-US' } },
    });
    expect(res.status).toBe(200);
    expect(res.body.subject).toBe('Your visit on Mar 8, 2026');
    expect(res.body.html).toContain('When: March 8, 2026 at 11:00 AM');
    expect(res.body.html).toContain('Tokyo: March 9, 2026 at 12:00 AM');
    expect(res.body.html).toContain('Missing: [] friend UStwo');
    expect(res.body.html).toContain('>Hello</div>');
    expect(res.body.text).toContain('When: March 8, 2026 at 11:00 AM\n\nTokyo: March 9, 2026 at 12:00 AM');
    expect(res.body.text).toContain('Manage online (https://x.test/m?a=1&b=2) & more');
    expect(res.body.text).not.toMatch(/<|mso|{{/);

    // The service renders a version for a recipient the same way, from the cache.
    const version = (await marketer.get<{ id: number }>(`/api/v1/templates/${id}/versions/1`)).body.id;
    const rendered = await t.app
      .get(TemplatesService)
      .render(version, { appointment: { startsAt: '2026-03-08T15:00:00Z' }, contact: { timeZone: 'Asia/Tokyo', locale: 'en-GB' } });
    expect(rendered.subject).toBe('Your visit on 9 Mar 2026');
  });

  it('previews a draft with the built-in sample patient', async () => {
    const created = await create({ name: 'Draft preview', category: 'marketing', subject: 'Hi', mjml: mjml('<mj-text>Hello {{contact.firstName}}</mj-text>') });
    const res = await marketer.post<Rendered>(`/api/v1/templates/${created.body.template.id}/versions/1/preview`);
    expect(res.status).toBe(200);
    expect(res.body.text).toContain('Hello Alex');
    expect(res.body.text).toContain('Unsubscribe (https://example.com/u/preview)');
  });

  it('every starter template compiles, passes CAN-SPAM when marketing and has a clean subject', async () => {
    const keys = readdirSync(STARTERS, { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => d.name);
    expect(keys).toEqual(
      expect.arrayContaining(['appointment-reminder', 'annual-screening', 'flu-vaccination', 'plan-enrollment', 'health-newsletter', 'double-opt-in']),
    );
    for (const key of keys) {
      const meta = JSON.parse(readFileSync(join(STARTERS, key, 'meta.json'), 'utf8')) as { name: string; category: string; subject: string; preheader: string };
      const source = readFileSync(join(STARTERS, key, 'index.mjml'), 'utf8');
      expect(source, key).toMatch(/<mjml lang="en"/);
      const created = await create({ ...meta, mjml: source });
      expect(created.status, key).toBe(201);
      expect(created.body.warnings, key).toEqual([]);
      const published = await marketer.post<Saved>(`/api/v1/templates/${created.body.template.id}/publish`);
      expect(published.status, `${key}: ${JSON.stringify(published.body)}`).toBe(200);
      const preview = await marketer.post<Rendered>(`/api/v1/templates/${created.body.template.id}/versions/1/preview`);
      expect(preview.status, key).toBe(200);
      expect(preview.body.html, key).not.toMatch(/googleapis|<img\b(?![^>]*\balt=)/);
      if (meta.category === 'marketing') expect(preview.body.text, key).toContain('Unsubscribe (https://example.com/u/preview)');
    }
  });
});
