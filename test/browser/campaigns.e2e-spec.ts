import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MailSink } from '../../backend/src/dev/mail-sink/index.js';
import { UsersService } from '../../backend/src/modules/auth/index.js';
import { ConsentService, TopicsService } from '../../backend/src/modules/consent/index.js';
import { ContactsService } from '../../backend/src/modules/contacts/index.js';
import { SavedSegmentsService } from '../../backend/src/modules/segments/index.js';
import { Role } from '../../backend/src/platform/http/index.js';
import { ApiClient } from '../support/api-client.js';
import { signInWithRecoveryCode, withBrowser } from '../support/browser.js';
import { publishTemplate, SYSTEM } from '../support/campaigns.js';
import { startTestApp, type TestApp } from '../support/stack.js';

/**
 * A campaign through the admin UI in a real Chromium against the real app (API, worker and scheduler in one
 * process) and the local TLS mail sink: a marketer builds it in the wizard (audience with live count, template with
 * preview, schedule, review with the pre-send checks) and submits it; a compliance officer reads the checks and
 * approves it; the marketer sends it, watches the progress bar reach the end, reads the report, and the three
 * messages are in the sink's web inbox.
 */

const PASSWORD = 'Correct-Horse-Battery-42!';
const PATIENTS = ['Marisol.Quintero@inbox.test', 'Tobias.Wrenfield@inbox.test', 'Ngozi.Achebe@inbox.test'];

let t: TestApp;
let sink: MailSink;
let sinkDir: string;
const codes = new Map<string, string[]>();
let campaignPath = '';

async function signIn(page: Page, email: string) {
  const code = codes.get(email)?.shift();
  if (!code) throw new Error('out of recovery codes');
  await signInWithRecoveryCode(page, t.baseUrl, { email, password: PASSWORD, recoveryCode: code });
}

beforeAll(async () => {
  sinkDir = await mkdtemp(join(tmpdir(), 'hm-e2e-campaign-sink-'));
  sink = await MailSink.start({ dataDir: sinkDir, httpPort: 0 });
  t = await startTestApp({
    entrypoint: 'all',
    env: {
      SMTP_TRANSPORT_MAP: `*=127.0.0.1:${String(sink.smtpPort)}`,
      SMTP_CA_FILE: join(sink.dataDir, 'tls', 'ca.crt'),
      MAIL_FROM: 'Example Health <news@health.example>',
      CAMPAIGN_SWEEP_SECONDS: '1',
    },
  });
  const users = t.app.get(UsersService);
  for (const [email, role] of [
    ['mara.marketer@clinic.test', Role.Marketer],
    ['colin.compliance@clinic.test', Role.ComplianceOfficer],
  ] as const) {
    await users.create({ email, displayName: email.split('@')[0], role, password: PASSWORD });
    codes.set(email, (await new ApiClient(t.baseUrl).signInAndEnroll(email, PASSWORD)).recoveryCodes);
  }
  const topicId = (await t.app.get(TopicsService).create({ key: 'newsletter', name: 'Newsletter', kind: 'marketing' }, SYSTEM)).id;
  await publishTemplate(t.app, 'Autumn newsletter', 'Autumn news from your clinic');
  for (const email of PATIENTS) {
    const id = (await t.app.get(ContactsService).create({ email, state: 'VT' }, SYSTEM)).id;
    await t.app.get(ConsentService).recordOne({ contactId: id, topicId, status: 'confirmed', method: 'api', source: 'e2e', actor: SYSTEM });
  }
  await t.app.get(SavedSegmentsService).create({ name: 'Vermont patients', rule: { field: 'state', in: ['VT'] } }, SYSTEM);
}, 120_000);

afterAll(async () => {
  await (t as TestApp | undefined)?.close();
  await (sink as MailSink | undefined)?.stop();
  await rm(sinkDir, { recursive: true, force: true });
});

describe('campaign screens', () => {
  it('a marketer builds a campaign in the wizard and submits it', () =>
    withBrowser('campaigns > wizard and submit', async ({ page }) => {
      await signIn(page, 'mara.marketer@clinic.test');
      await page.getByRole('menuitem', { name: 'Campaigns' }).click();
      await page.getByRole('link', { name: 'New campaign' }).first().click();
      await page.getByTestId('campaign-name').fill('Autumn newsletter');
      await page.getByLabel('Send to segments').click();
      await page.getByRole('option', { name: 'Vermont patients' }).click();
      await expect.poll(() => page.getByTestId('audience-count').getAttribute('data-value')).toBe('3');
      await page.getByTestId('wizard-next').click();

      await page.getByLabel('Consent topic').click();
      await page.getByRole('option', { name: 'Newsletter' }).click();
      await page.getByLabel('Template (published version)').click();
      await page.getByRole('option', { name: 'Autumn newsletter (v1)' }).click();
      await expect.poll(() => page.getByTestId('campaign-preview-subject').textContent()).toContain('Autumn news from your clinic');
      await page.getByLabel('From name').fill('Example Health News');
      await page.getByLabel('Reply-to address').fill('care@health.example');
      await page.getByTestId('wizard-next').click();

      // Sent as soon as it is scheduled (the default), then saved and reviewed with the pre-send checks.
      await page.getByTestId('wizard-next').click();
      await expect.poll(() => page.getByTestId('check-audience').getAttribute('data-value')).toBe('3');
      expect(await page.getByTestId('check-eligible').getAttribute('data-value')).toBe('3');
      await page.getByTestId('wizard-submit').click();
      await page.getByTestId('campaign-show').waitFor();
      await expect.poll(() => page.getByTestId('campaign-status').getAttribute('data-status')).toBe('submitted');
      campaignPath = new URL(page.url()).pathname;
      // A marketer has no approve button.
      expect(await page.getByTestId('campaign-approve').count()).toBe(0);
    }));

  it('a compliance officer reads the checks and approves it', () =>
    withBrowser('campaigns > approve', async ({ page }) => {
      await signIn(page, 'colin.compliance@clinic.test');
      await page.goto(`${t.baseUrl}${campaignPath}`);
      await expect.poll(() => page.getByTestId('check-eligible').getAttribute('data-value')).toBe('3');
      expect(await page.getByTestId('dkim-status').getAttribute('data-dkim')).toBe('missing');
      await page.getByTestId('campaign-approve').click();
      await page.getByTestId('review-note').fill('Consent topic and footer checked');
      await page.getByTestId('review-confirm').click();
      await expect.poll(() => page.getByTestId('campaign-status').getAttribute('data-status')).toBe('approved');
    }));

  it('the marketer sends it, follows the progress, reads the report, and the inbox holds the messages', () =>
    withBrowser('campaigns > send, progress, report, inbox', async ({ page }) => {
      await signIn(page, 'mara.marketer@clinic.test');
      await page.goto(`${t.baseUrl}${campaignPath}`);
      await page.getByTestId('campaign-schedule').click();
      await expect.poll(() => page.getByTestId('campaign-status').getAttribute('data-status'), { timeout: 30_000 }).toBe('sent');
      await expect.poll(() => page.getByTestId('progress-sent').getAttribute('data-value')).toBe('3');
      expect(await page.getByTestId('campaign-progress-bar').getAttribute('aria-valuenow')).toBe('100');
      await expect.poll(() => page.getByTestId('report-delivered').getAttribute('data-value')).toBe('3');
      expect(await page.getByTestId('report-dropped-no-tls').getAttribute('data-value')).toBe('0');
      await page.getByTestId('hourly-chart').waitFor();
      expect(await page.getByTestId('report-domains').locator('tbody tr[data-domain="inbox.test"]').count()).toBe(1);

      await page.goto(`http://127.0.0.1:${String(sink.httpPort)}/`);
      const rows = page.locator('tbody tr', { hasText: 'Autumn news from your clinic' });
      await expect.poll(() => rows.count()).toBe(3);
      const inbox = ((await page.locator('tbody').textContent()) ?? '').toLowerCase();
      for (const email of PATIENTS) expect(inbox).toContain(email.toLowerCase());
    }));
});
