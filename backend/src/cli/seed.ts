import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { INestApplicationContext } from '@nestjs/common';
import { AuditService } from '../modules/audit/index.js';
import { UsersService } from '../modules/auth/index.js';
import { Role } from '../platform/http/index.js';
import { TopicsService } from '../modules/consent/index.js';
import { AttributesService, ContactsService } from '../modules/contacts/index.js';
import { DeliveryService } from '../modules/delivery/index.js';
import { TemplatesService } from '../modules/templates/index.js';
import { repoRoot } from '../platform/process/repo-root.js';
import { demoContacts } from './demo-data.js';

export const DEMO_ADMIN_EMAIL = 'admin@hipaa-mail.local';

export interface SeedResult {
  adminCreated: boolean;
  adminEmail: string;
  /** Only when the admin was created now: shown once, never stored in plaintext. */
  adminPassword?: string;
}

/** Demo data for the embedded default. Idempotent: runs on every start, creates only what is missing. */
export async function seedDemoData(app: INestApplicationContext): Promise<SeedResult> {
  const users = app.get(UsersService);
  const audit = app.get(AuditService);
  if ((await users.count()) > 0) return { adminCreated: false, adminEmail: DEMO_ADMIN_EMAIL };
  await seedAudience(app);
  const password = `${randomBytes(12).toString('base64url')}-${randomBytes(3).toString('hex')}`;
  const admin = await users.create({ email: DEMO_ADMIN_EMAIL, displayName: 'Administrator', role: Role.Admin, password });
  await audit.record({
    actor: { type: 'system' },
    action: 'user.created',
    subject: { type: 'user', id: admin.id },
    details: { role: admin.role, via: 'seed' },
  });
  return { adminCreated: true, adminEmail: DEMO_ADMIN_EMAIL, adminPassword: password };
}

/** Topics, a custom attribute and 200 synthetic patients with consent, so the screens are not empty. */
async function seedAudience(app: INestApplicationContext) {
  const actor = { type: 'system' as const, id: 'seed' };
  const topics = app.get(TopicsService);
  if ((await topics.list(true)).length > 0) return;
  await topics.create({ key: 'newsletter', name: 'Monthly health newsletter', description: 'Seasonal health tips and clinic news.', kind: 'marketing' }, actor);
  await topics.create(
    {
      key: 'screening-reminders',
      name: 'Screening reminders',
      description: 'Annual screenings you are due for.',
      kind: 'marketing',
      requiresAuthorization: true,
    },
    actor,
  );
  await topics.create({ key: 'appointment-reminders', name: 'Appointment reminders', description: 'About visits you booked.', kind: 'transactional' }, actor);
  await app
    .get(AttributesService)
    .create({ key: 'smokingStatus', label: 'Smoking status', type: 'enum', options: ['never', 'former', 'current'], isPhi: true }, actor);
  await app
    .get(ContactsService)
    .bulkUpsert(demoContacts(200), 'update', actor, { topic: 'newsletter', status: 'confirmed', method: 'admin', source: 'demo data' });
  await seedDemoSend(app, actor);
}

/** The newsletter starter, published, sent to 20 demo patients through the real delivery tier (into the local mail sink). */
async function seedDemoSend(app: INestApplicationContext, actor: { type: 'system'; id: string }) {
  const dir = join(repoRoot(), 'templates', 'health-newsletter');
  const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8')) as { name: string; category: 'marketing'; subject: string; preheader: string };
  const templates = app.get(TemplatesService);
  const created = await templates.create({ ...meta, mjml: await readFile(join(dir, 'index.mjml'), 'utf8') }, actor);
  const version = (await templates.publish(created.template.id, actor)).version;
  const topic = await app.get(TopicsService).byKey('newsletter');
  const { data } = await app.get(ContactsService).list({ status: 'active' }, { offset: 0, limit: 20, order: 'ASC' });
  await app.get(DeliveryService).enqueue(
    data.map((c) => ({
      idempotencyKey: `demo:newsletter:${c.id}`,
      templateVersionId: version.id,
      contactId: c.id,
      topicId: topic.id,
      purpose: 'campaign' as const,
    })),
  );
}
