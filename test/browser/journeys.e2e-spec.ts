import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailSink } from '../../backend/src/dev/mail-sink/index.js';
import type { AuditActor } from '../../backend/src/modules/audit/index.js';
import { ApiKeysService, UsersService } from '../../backend/src/modules/auth/index.js';
import { TopicsService } from '../../backend/src/modules/consent/index.js';
import { ContactsService } from '../../backend/src/modules/contacts/index.js';
import { TemplatesService } from '../../backend/src/modules/templates/index.js';
import { Permission, Role } from '../../backend/src/platform/http/index.js';
import { ApiClient } from '../support/api-client.js';
import { signInWithRecoveryCode, withBrowser } from '../support/browser.js';
import { startTestApp, type TestApp } from '../support/stack.js';

/**
 * A journey through the admin UI in a real Chromium against the real app (API, worker and scheduler in one process)
 * and the local TLS mail sink: a marketer builds it in the builder (the trigger's problem shown on its node until it
 * is fixed), publishes it; an EHR integration posts an `appointment.booked` event to the events API; the confirmation
 * arrives in the sink's web inbox, the builder's figures count it on the send node, and the contact's page shows the
 * journey's steps.
 */

const SYSTEM: AuditActor = { type: 'system' };
const PASSWORD = 'Correct-Horse-Battery-42!';
const MARKETER = 'jo.journeys@clinic.test';
const PATIENT = 'Anneliese.Okonjo@inbox.test';
const MJML = `<mjml lang="en"><mj-body><mj-section><mj-column>
  <mj-text>Dear {{default contact.firstName "patient"}}, your cardiology appointment is booked for {{appointment.startsAt}}.</mj-text>
  <mj-text>{{organization_address}}</mj-text>
</mj-column></mj-section></mj-body></mjml>`;

let t: TestApp;
let sink: MailSink;
let sinkDir: string;
let apiKey: string;
let patientId: string;
let codes: string[] = [];

async function signIn(page: Page) {
  const code = codes.shift();
  if (!code) throw new Error('out of recovery codes');
  await signInWithRecoveryCode(page, t.baseUrl, { email: MARKETER, password: PASSWORD, recoveryCode: code });
}

beforeAll(async () => {
  sinkDir = await mkdtemp(join(tmpdir(), 'hm-e2e-journey-sink-'));
  sink = await MailSink.start({ dataDir: sinkDir, httpPort: 0 });
  t = await startTestApp({
    entrypoint: 'all',
    env: {
      SMTP_TRANSPORT_MAP: `*=127.0.0.1:${String(sink.smtpPort)}`,
      SMTP_CA_FILE: join(sink.dataDir, 'tls', 'ca.crt'),
      MAIL_FROM: 'Heart Clinic <care@clinic.example>',
    },
  });
  await t.app.get(UsersService).create({ email: MARKETER, displayName: 'Jo', role: Role.Marketer, password: PASSWORD });
  codes = (await new ApiClient(t.baseUrl).signInAndEnroll(MARKETER, PASSWORD)).recoveryCodes;
  await t.app.get(TopicsService).create({ key: 'appointments', name: 'Appointments', kind: 'transactional' }, SYSTEM);
  const templates = t.app.get(TemplatesService);
  const created = await templates.create(
    { name: 'Appointment confirmation', category: 'transactional', subject: 'Your cardiology appointment is booked', mjml: MJML },
    SYSTEM,
  );
  await templates.publish(created.template.id, SYSTEM);
  patientId = (await t.app.get(ContactsService).create({ email: PATIENT, firstName: 'Anneliese' }, SYSTEM)).id;
  apiKey = (await t.app.get(ApiKeysService).create({ name: 'EHR interface', scopes: [Permission.EventsWrite] }, SYSTEM)).key;
}, 120_000);

afterAll(async () => {
  await (t as TestApp | undefined)?.close();
  await (sink as MailSink | undefined)?.stop();
  await rm(sinkDir, { recursive: true, force: true });
});

describe('journey builder', () => {
  it('a marketer builds and publishes a journey; a booking event sends its first message to the inbox', () =>
    withBrowser('journeys > build, publish, trigger, inbox', async ({ page }) => {
      await signIn(page);
      await page.getByRole('menuitem', { name: 'Journeys' }).click();
      await page.getByRole('link', { name: 'New journey' }).first().click();
      await page.getByTestId('journey-name').fill('Cardiology booking');
      await page.getByRole('button', { name: 'Create and open the builder' }).click();
      await page.getByTestId('journey-builder').waitFor();

      // Entering on an event: until it names its event type, the trigger node says what is wrong.
      await page.getByTestId('node-trigger-trigger-kind').selectOption('event');
      await expect.poll(() => page.getByTestId('node-problems-trigger').textContent()).toContain('trigger.eventType');
      await page.getByTestId('node-trigger-event-type').fill('appointment.booked');
      await page.getByTestId('node-trigger-where-add').click();
      await page.getByTestId('node-trigger-where-0-property').fill('serviceType');
      await page.getByTestId('node-trigger-where-0-value').fill('cardiology');
      await expect.poll(() => page.getByTestId('node-problems-trigger').count()).toBe(0);

      // A send node: invalid until it has a template; then the trigger leads to it.
      await page.getByTestId('journey-new-node-type').selectOption('send');
      await page.getByRole('button', { name: 'Add', exact: true }).click();
      await expect.poll(() => page.getByTestId('node-problems-send').textContent()).toContain('templateId');
      await page.getByTestId('node-send-template').selectOption({ label: 'Appointment confirmation (transactional)' });
      await page.getByTestId('node-send-topic').selectOption({ label: 'Appointments (transactional)' });
      await page.getByTestId('node-trigger-next').selectOption('send');
      await expect.poll(() => page.locator('[data-testid^="node-problems-"]').count()).toBe(0);

      // The canvas draws the graph: one node per step, an edge for every way forward.
      await expect
        .poll(() => page.getByTestId('journey-canvas').locator('.react-flow__node').count())
        .toBe(await page.locator('[data-testid^="journey-node-"]').count());
      expect(await page.getByTestId('journey-canvas').locator('.react-flow__edge').count()).toBeGreaterThanOrEqual(2);
      expect(await page.getByTestId('canvas-node-send').textContent()).toContain('Send e-mail');

      await page.getByRole('button', { name: 'Publish' }).click();
      await expect.poll(() => page.getByTestId('journey-status').textContent()).toBe('Active');
      await expect.poll(() => page.getByTestId('journey-version').textContent()).toContain('Version 1 live');
      const builderUrl = page.url();

      // The EHR interface posts the booking to the events API.
      const posted = await fetch(`${t.baseUrl}/api/v1/events`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${apiKey}` },
        body: JSON.stringify({
          type: 'appointment.booked',
          contact: { email: PATIENT },
          properties: { appointmentId: 'APT-2231', serviceType: 'cardiology', startsAt: '2026-12-02T15:00:00Z' },
          idempotencyKey: 'ehr-apt-2231-booked',
        }),
      });
      expect(posted.status).toBe(202);

      // The confirmation lands in the sink's inbox; the builder's figures count it on the send node.
      await page.goto(`http://127.0.0.1:${String(sink.httpPort)}/`);
      const rows = page.locator('tbody tr', { hasText: 'Your cardiology appointment is booked' });
      await expect
        .poll(
          async () => {
            await page.reload();
            return rows.count();
          },
          { timeout: 30_000, interval: 500 },
        )
        .toBe(1);
      expect(((await page.locator('tbody').textContent()) ?? '').toLowerCase()).toContain(PATIENT.toLowerCase());

      await page.goto(builderUrl);
      await page.getByTestId('journey-builder').waitFor();
      await expect.poll(() => page.getByTestId('journey-node-send').getByTestId('stat-sent').textContent(), { timeout: 20_000 }).toBe('sent 1');
      expect(await page.getByTestId('canvas-node-send').textContent()).toContain('1 sent');
      expect(await page.getByTestId('journey-node-trigger').getByTestId('stat-entered').textContent()).toBe('entered 1');

      // The contact's page shows the journey and the steps it ran.
      await page.goto(`${t.baseUrl}/admin/contacts/${patientId}/show`);
      await expect.poll(() => page.getByTestId('contact-journeys').textContent()).toContain('Cardiology booking');
      expect(await page.getByTestId('contact-journeys').textContent()).toContain('trigger: entered → send: queued → exit: exit');
    }));
});
