import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditActor } from '../../backend/src/modules/audit/index.js';
import { UsersService } from '../../backend/src/modules/auth/index.js';
import { ConsentService, TopicsService } from '../../backend/src/modules/consent/index.js';
import { ContactsService } from '../../backend/src/modules/contacts/index.js';
import { DeliveryService, SendingDomainsService } from '../../backend/src/modules/delivery/index.js';
import { TemplatesService } from '../../backend/src/modules/templates/index.js';
import { Role } from '../../backend/src/platform/http/index.js';
import { ApiClient } from '../support/api-client.js';
import { waitFor } from '../support/backend-process.js';
import { pathIs, signInWithRecoveryCode, UI_TIMEOUT_MS, withBrowser } from '../support/browser.js';
import { createTestCa, issueCert } from '../support/pki.js';
import { startSmtpServer, type TestSmtpServer } from '../support/smtp-servers.js';
import { startTestApp, type TestApp } from '../support/stack.js';

/**
 * The delivery screens in a real Chromium against the real app (API and worker in one process): three
 * messages go through the delivery tier to loopback SMTP servers, one that requires STARTTLS (TLS 1.3)
 * and one without STARTTLS. An administrator reads the delivery log with its TLS evidence, filters the
 * dropped message, opens messages with their timelines, finds the no-TLS domain in the domain report,
 * probes it, reads the TLS report, adds a sending domain and sees its DKIM record, then sends a template
 * test from the editor and follows it into the log.
 */

const SYSTEM: AuditActor = { type: 'system' };
const EMAIL = 'dana.delivery@example.test';
const PASSWORD = 'Correct-Horse-Battery-42!';
const MJML = `<mjml lang="en"><mj-body><mj-section><mj-column>
  <mj-text>Dear {{contact.firstName}}, your flu shot is waiting.</mj-text>
  <mj-text>{{organization_address}} <a href="{{unsubscribe_url}}">Unsubscribe</a> <a href="{{preferences_url}}">Preferences</a></mj-text>
</mj-column></mj-section></mj-body></mjml>`;
const PATIENTS = [
  { key: 'ok1', email: 'Harriet.Lindqvist@tls.test', firstName: 'Harriet' },
  { key: 'ok2', email: 'Osvaldo.Mirabelli@tls.test', firstName: 'Osvaldo' },
  { key: 'notls', email: 'Agnieszka.Thornbury@notls.test', firstName: 'Agnieszka' },
] as const;

let t: TestApp;
let tlsServer: TestSmtpServer;
let noTlsServer: TestSmtpServer;
let recoveryCodes: string[] = [];
let nextRecoveryCode = 0;
let templateId: number;
const deliveryIds = new Map<string, string>();

async function signIn(page: Page) {
  const code = recoveryCodes[nextRecoveryCode++];
  if (!code) throw new Error('out of recovery codes');
  await signInWithRecoveryCode(page, t.baseUrl, { email: EMAIL, password: PASSWORD, recoveryCode: code });
}

/** A react-admin (MUI) select filter: open it by its label, pick an option. */
async function choose(page: Page, label: string, option: string) {
  await page.getByRole('combobox', { name: label }).click();
  // By its text: the empty choice is labelled "Clear value" for screen readers.
  await page.getByRole('listbox').getByRole('option').getByText(option, { exact: true }).click();
}

const rows = (page: Page, testId: string) => page.getByTestId(testId).locator('tbody tr');

const finished = (id: string) =>
  waitFor(
    async () => {
      const d = await t.app.get(DeliveryService).get(id);
      return ['queued', 'sending', 'deferred'].includes(d.status) ? undefined : d;
    },
    20_000,
    `delivery ${id} to finish`,
  );

beforeAll(async () => {
  const ca = await createTestCa();
  const cert = await issueCert(ca, ['localhost', '127.0.0.1']);
  tlsServer = await startSmtpServer('accept', { tls: cert });
  noTlsServer = await startSmtpServer('no-starttls', { tls: cert });
  t = await startTestApp({
    entrypoint: 'all',
    env: {
      SMTP_TRANSPORT_MAP: `tls.test=127.0.0.1:${String(tlsServer.port)},notls.test=127.0.0.1:${String(noTlsServer.port)}`,
      SMTP_CA_FILE: ca.file,
      SMTP_TIMEOUT_SECONDS: '3',
      MAIL_FROM: 'Example Health <news@health.example>',
      BOUNCE_DOMAIN: 'bounces.health.example',
    },
  });
  await t.app.get(UsersService).create({ email: EMAIL, displayName: 'Dana Delivery', role: Role.Admin, password: PASSWORD });
  ({ recoveryCodes } = await new ApiClient(t.baseUrl).signInAndEnroll(EMAIL, PASSWORD));

  const topicId = (await t.app.get(TopicsService).create({ key: 'flu', name: 'Flu season', kind: 'marketing' }, SYSTEM)).id;
  const templates = t.app.get(TemplatesService);
  const created = await templates.create({ name: 'Flu shot', category: 'marketing', subject: 'Your flu shot', mjml: MJML }, SYSTEM);
  templateId = created.template.id;
  const versionId = (await templates.publish(templateId, SYSTEM)).version.id;
  const requests = [];
  for (const patient of PATIENTS) {
    const contactId = (await t.app.get(ContactsService).create({ email: patient.email, firstName: patient.firstName }, SYSTEM)).id;
    await t.app.get(ConsentService).recordOne({ contactId, topicId, status: 'confirmed', method: 'api', source: 'e2e', actor: SYSTEM });
    requests.push({ idempotencyKey: `e2e:${patient.key}`, templateVersionId: versionId, contactId, topicId, purpose: 'campaign' as const, campaignId: '7' });
  }
  const { created: ids } = await t.app.get(DeliveryService).enqueue(requests);
  PATIENTS.forEach((patient, i) => deliveryIds.set(patient.key, ids[i]));
  for (const id of ids) await finished(id);
}, 120_000);

afterAll(async () => {
  await (t as TestApp | undefined)?.close();
  await tlsServer.close();
  await noTlsServer.close();
});

describe('delivery screens', () => {
  it('the delivery log shows TLS evidence, filters by status and opens a message with its timeline', () =>
    withBrowser('delivery > log, filter, message and timeline', async ({ page }) => {
      // The seeded deliveries ended as expected, and nothing reached the server without STARTTLS.
      expect((await t.app.get(DeliveryService).get(deliveryIds.get('ok1')!)).status).toBe('sent');
      expect((await t.app.get(DeliveryService).get(deliveryIds.get('notls')!)).status).toBe('dropped_no_tls');
      expect(noTlsServer.received).toHaveLength(0);

      await signIn(page);
      await page.getByRole('menuitem', { name: 'Delivery log', exact: true }).click();
      await page.waitForURL(pathIs('/admin/deliveries'));
      await expect.poll(() => rows(page, 'deliveries-table').count(), { timeout: UI_TIMEOUT_MS }).toBe(3);
      const table = await page.getByTestId('deliveries-table').innerText();
      expect(table).toContain('TLSv1.3');
      expect(table).toContain('Dropped: no TLS');
      expect(table).toContain('STARTTLS not offered');
      // Recipients by domain only: no address, no name.
      for (const patient of PATIENTS) {
        expect(table.toLowerCase()).not.toContain(patient.email.toLowerCase());
        expect(table).not.toContain(patient.firstName);
      }

      await choose(page, 'Status', 'Dropped: no TLS');
      await expect.poll(() => rows(page, 'deliveries-table').count(), { timeout: UI_TIMEOUT_MS }).toBe(1);
      const dropped = rows(page, 'deliveries-table').first();
      expect(await dropped.innerText()).toContain('notls.test');
      await dropped.click();
      await page.waitForURL(pathIs(`/admin/deliveries/${deliveryIds.get('notls')!}/show`));
      expect(await page.getByTestId('delivery-reason-detail').innerText()).toContain('STARTTLS not offered (starttls_not_offered)');
      const droppedTimeline = page.getByTestId('delivery-timeline');
      await droppedTimeline.waitFor();
      expect(await droppedTimeline.getByTestId('timeline-queued').count()).toBe(1);
      expect(await droppedTimeline.getByTestId('timeline-dropped').innerText()).toContain('reason STARTTLS not offered');

      // Back to the log, filtered by TLS version this time, and open a sent message.
      await page.goBack();
      await page.waitForURL(pathIs('/admin/deliveries'));
      await choose(page, 'Status', 'Any status');
      await choose(page, 'TLS version', 'TLS 1.3');
      await expect.poll(() => rows(page, 'deliveries-table').count(), { timeout: UI_TIMEOUT_MS }).toBe(2);
      await page.goto(`${t.baseUrl}/admin/deliveries/${deliveryIds.get('ok1')!}/show`);
      const evidence = page.getByTestId('delivery-evidence');
      await evidence.waitFor();
      const evidenceText = await evidence.innerText();
      expect(evidenceText).toContain('TLSv1.3');
      expect(evidenceText).toMatch(/Certificate\s+Verified/);
      expect(evidenceText).toMatch(/SMTP response\s+250/);
      expect(evidenceText).toContain(`127.0.0.1:${String(tlsServer.port)}`);
      const timeline = page.getByTestId('delivery-timeline');
      await timeline.getByTestId('timeline-delivered').waitFor();
      expect(await timeline.locator('tbody tr').count()).toBe(2);
      expect(await timeline.getByTestId('timeline-delivered').innerText()).toContain('tlsVersion TLSv1.3');
    }));

  it('the domain TLS report lists the no-TLS domain, probes a domain and shows the TLS report', () =>
    withBrowser('delivery > domain TLS, probe and report', async ({ page }) => {
      await signIn(page);
      await page.getByRole('menuitem', { name: 'Domain TLS', exact: true }).click();
      await page.waitForURL(pathIs('/admin/domain-tls'));
      await expect.poll(() => rows(page, 'domain-tls-table').count(), { timeout: UI_TIMEOUT_MS }).toBe(2);
      await choose(page, 'Status', 'No TLS');
      await expect.poll(() => rows(page, 'domain-tls-table').count(), { timeout: UI_TIMEOUT_MS }).toBe(1);
      const row = await rows(page, 'domain-tls-table').first().innerText();
      expect(row).toContain('notls.test');
      expect(row).toContain('STARTTLS not offered');

      // A probe connects and says EHLO, nothing more: the server without STARTTLS still received no message.
      const connections = noTlsServer.connections;
      await page.getByTestId('probe-domain').click();
      await page.getByTestId('probe-domain-input').fill('NoTLS.test');
      await page.getByRole('dialog').getByRole('button', { name: 'Probe', exact: true }).click();
      const result = page.getByTestId('probe-result');
      await result.waitFor();
      expect(await result.innerText()).toContain('notls.test');
      expect(await result.getByTestId('domain-tls-status').getAttribute('data-status')).toBe('no_tls');
      expect(noTlsServer.connections).toBeGreaterThan(connections);
      expect(noTlsServer.received).toHaveLength(0);
      await page.getByRole('dialog').getByRole('button', { name: 'Close', exact: true }).click();

      await page.getByTestId('tls-report-button').click();
      const report = page.getByTestId('tls-report');
      await report.waitFor();
      const json = JSON.parse(await report.innerText()) as { 'date-range': { 'start-datetime': string }; policies: { policy: { 'policy-domain': string } }[] };
      expect(json.policies.map((p) => p.policy['policy-domain'])).toContain('tls.test');
      expect(Date.now() - new Date(json['date-range']['start-datetime']).getTime()).toBeGreaterThan(23 * 3_600_000);
    }));

  it('an administrator adds a sending domain and sees the DKIM record to publish', () =>
    withBrowser('delivery > sending domain with DKIM record', async ({ page }) => {
      await signIn(page);
      await page.getByRole('menuitem', { name: 'Sending domains', exact: true }).click();
      await page.waitForURL(pathIs('/admin/sending-domains'));
      await page.getByTestId('empty-state').getByRole('link', { name: 'Add a sending domain' }).click();
      await page.waitForURL(pathIs('/admin/sending-domains/create'));
      await page.getByRole('textbox', { name: /^Domain/ }).fill('News.Health.example');
      await page.getByRole('textbox', { name: /^DKIM selector/ }).fill('hm2026');
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      await page.waitForURL((url) => /^\/admin\/sending-domains\/\d+\/show$/.test(url.pathname));

      const [stored] = await t.app.get(SendingDomainsService).list();
      expect(stored.domain).toBe('news.health.example');
      const dkim = page.getByTestId('dns-record-dkim');
      await dkim.waitFor();
      expect(await dkim.getByTestId('dns-name').innerText()).toBe('hm2026._domainkey.news.health.example');
      const value = await dkim.getByTestId('dns-value').innerText();
      expect(value).toMatch(/^v=DKIM1; k=rsa; p=[A-Za-z0-9+/=]{300,}$/);
      expect(value).toBe(stored.dns[0].value);
      expect(await dkim.getByRole('button', { name: 'Copy value' }).count()).toBe(1);
      expect(await page.getByTestId('dns-record-dmarc').getByTestId('dns-name').innerText()).toBe('_dmarc.news.health.example');
      expect(await page.getByTestId('alignment-guidance').innerText()).toContain('d=news.health.example');

      await page.getByRole('menuitem', { name: 'Sending domains', exact: true }).click();
      await expect.poll(() => rows(page, 'sending-domains-table').count(), { timeout: UI_TIMEOUT_MS }).toBe(1);
      expect(await rows(page, 'sending-domains-table').first().innerText()).toContain('hm2026');
    }));

  it('a template test send from the editor shows its delivery, which arrives over TLS', () =>
    withBrowser('delivery > template test send', async ({ page }) => {
      await signIn(page);
      await page.goto(`${t.baseUrl}/admin/templates/${String(templateId)}`);
      await page.getByTestId('template-editor').waitFor();
      await page.getByTestId('test-send').click();
      await page.getByTestId('test-send-addresses').fill('not-an-address');
      await page.getByRole('dialog').getByRole('button', { name: 'Send', exact: true }).click();
      await page.getByText('Addresses: every entry must be a valid e-mail address').waitFor();

      await page.getByTestId('test-send-addresses').fill('qa.seed@tls.test');
      await page.getByRole('dialog').getByRole('button', { name: 'Send', exact: true }).click();
      const result = page.getByTestId('test-send-result');
      await result.waitFor();
      const link = result.getByRole('link');
      const id = (await link.innerText()).replace('Message #', '');
      const sent = await finished(id);
      expect(sent).toMatchObject({ status: 'sent', purpose: 'test' });
      expect(tlsServer.received.some((m) => m.to[0] === 'qa.seed@tls.test')).toBe(true);

      await link.click();
      await page.waitForURL(pathIs(`/admin/deliveries/${id}/show`));
      await expect
        .poll(() => page.getByTestId('delivery-details').getByTestId('delivery-status').getAttribute('data-status'), { timeout: UI_TIMEOUT_MS })
        .toBe('sent');
      expect(await page.getByTestId('delivery-details').innerText()).toContain('Test send');
    }));
});
