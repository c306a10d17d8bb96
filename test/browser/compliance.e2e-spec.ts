import { readFile } from 'node:fs/promises';
import { getQueueToken } from '@nestjs/bullmq';
import { type Queue, Worker } from 'bullmq';
import type pg from 'pg';
import type { Download, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AuditService } from '../../backend/src/modules/audit/index.js';
import { UsersService } from '../../backend/src/modules/auth/index.js';
import { ContactsService } from '../../backend/src/modules/contacts/index.js';
import { Role } from '../../backend/src/platform/http/index.js';
import { JobName, QueueName } from '../../backend/src/platform/queue/index.js';
import { ApiClient } from '../support/api-client.js';
import { waitFor } from '../support/backend-process.js';
import { pathIs, signInWithRecoveryCode, withBrowser } from '../support/browser.js';
import { publishTemplate, SYSTEM } from '../support/campaigns.js';
import { startTestApp, superuser, type TestApp } from '../support/stack.js';

/**
 * The Compliance section and the queue dashboard in a real Chromium against the real app (API role:
 * no workers of its own, so queued jobs stay where the test puts them; the one job that must run and
 * fail runs on a BullMQ worker the test starts). Known delivery rows in, exact figures out.
 */

const ADMIN_EMAIL = 'ada.admin@example.test';
const DORMANT_EMAIL = 'old.account@example.test';
const PASSWORD = 'Correct-Horse-Battery-42!';

let t: TestApp;
let db: pg.Client;
let recoveryCodes: string[] = [];
let worker: Worker | undefined;
let fanOutRuns = 0;

async function signIn(page: Page) {
  const code = recoveryCodes.shift();
  if (!code) throw new Error('out of recovery codes');
  await signInWithRecoveryCode(page, t.baseUrl, { email: ADMIN_EMAIL, password: PASSWORD, recoveryCode: code });
}

async function openMenu(page: Page, label: string) {
  await page.getByRole('menuitem', { name: label, exact: true }).click();
}

async function saved(download: Download): Promise<Buffer> {
  return readFile(await download.path());
}

const queue = (name: QueueName) => t.app.get<Queue>(getQueueToken(name), { strict: false });

beforeAll(async () => {
  t = await startTestApp({ entrypoint: 'api' });
  db = await superuser(t.databaseUrl);
  const users = t.app.get(UsersService);
  await users.create({ email: ADMIN_EMAIL, displayName: 'Ada Admin', role: Role.Admin, password: PASSWORD });
  recoveryCodes = (await new ApiClient(t.baseUrl).signInAndEnroll(ADMIN_EMAIL, PASSWORD)).recoveryCodes;
  // An account nobody has used for 200 days: dormant under the access review's 90-day default.
  const dormant = await users.create({ email: DORMANT_EMAIL, displayName: 'Old Account', role: Role.Analyst, password: PASSWORD });
  await db.query(`UPDATE users SET created_at = now() - interval '200 days', last_login_at = NULL WHERE id = $1`, [dormant.id]);

  // Two messages sent over TLS 1.3 and one dropped for lack of STARTTLS.
  const contactId = (await t.app.get(ContactsService).create({ email: 'report.subject@example.org' }, SYSTEM)).id;
  const versionId = await publishTemplate(t.app);
  const rows: [string, string, string | null, object][] = [
    ['a.test', 'sent', null, { route: 'mx', tlsVersion: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', certVerified: true, mtaStsMode: 'enforce' }],
    ['a.test', 'sent', null, { route: 'mx', tlsVersion: 'TLSv1.3', cipher: 'TLS_AES_256_GCM_SHA384', certVerified: true, mtaStsMode: 'enforce' }],
    ['c.test', 'dropped_no_tls', 'starttls_not_offered', { route: 'mx', mtaStsMode: 'none' }],
  ];
  for (const [i, [domain, status, reason, evidence]] of rows.entries()) {
    await db.query(
      `INSERT INTO deliveries (idempotency_key, contact_id, recipient_domain, template_version_id, category, status, reason, evidence, sent_at)
       VALUES ($1, $2, $3, $4, 'marketing', $5, $6, $7, CASE WHEN $5 = 'sent' THEN now() - interval '1 hour' END)`,
      [`e2e:${String(i)}`, contactId, domain, versionId, status, reason, JSON.stringify(evidence)],
    );
  }

  // Queues: one import waiting, and a campaign fan-out that fails its only attempt (and succeeds when retried).
  await queue(QueueName.Imports).add(JobName.ImportsRun, { importId: '6f1c2d3e-4b5a-4c6d-8e7f-0a1b2c3d4e5f' });
  worker = new Worker(
    QueueName.Campaigns,
    () => {
      fanOutRuns += 1;
      return fanOutRuns === 1 ? Promise.reject(new Error('fan-out refused by the database')) : Promise.resolve();
    },
    { connection: { url: t.config.REDIS_URL, maxRetriesPerRequest: null }, prefix: `{${t.config.QUEUE_PREFIX}}` },
  );
  await queue(QueueName.Campaigns).add(JobName.CampaignsFanOut, { campaignId: '42' }, { attempts: 1 });
  await waitFor(async () => ((await queue(QueueName.Campaigns).getJobCounts('failed')).failed === 1 ? true : undefined), 10_000, 'the fan-out to fail');
});

afterAll(async () => {
  await worker?.close();
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
  await db?.end();
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
  await t?.close();
});

describe('compliance section', () => {
  it('an admin downloads the transmission-security report as CSV and PDF, and views it in the page', () =>
    withBrowser('compliance > transmission-security report', async ({ page }) => {
      await signIn(page);
      await page.getByTestId('menu-section-Compliance').waitFor();
      await openMenu(page, 'Reports');
      await page.waitForURL(pathIs('/admin/compliance-reports'));
      const card = page.getByTestId('report-card-transmission-security');
      await card.getByLabel('From').waitFor();

      const [csvDownload] = await Promise.all([page.waitForEvent('download'), card.getByTestId('report-csv').click()]);
      expect(csvDownload.suggestedFilename()).toMatch(/^transmission-security.*\.csv$/);
      const csv = (await saved(csvDownload)).toString('utf8').split('\r\n');
      expect(csv[0]).toBe('Transmission security report');
      expect(csv).toContain('Messages sent,2');
      expect(csv).toContain('TLS version,Cipher,Messages');
      expect(csv).toContain('TLSv1.3,TLS_AES_256_GCM_SHA384,2');
      expect(csv).toContain('Recipient domain,Reason,Messages');
      expect(csv).toContain('c.test,starttls_not_offered,1');

      const [pdfDownload] = await Promise.all([page.waitForEvent('download'), card.getByTestId('report-pdf').click()]);
      expect(pdfDownload.suggestedFilename()).toMatch(/^transmission-security.*\.pdf$/);
      const pdf = await saved(pdfDownload);
      expect(pdf.subarray(0, 5).toString('latin1')).toBe('%PDF-');
      expect(pdf.toString('latin1')).toContain('(Transmission security report)');

      await card.getByTestId('report-view').click();
      const doc = card.getByTestId('report-document');
      expect(await doc.getByTestId('report-title').innerText()).toBe('Transmission security report');
      expect(await doc.locator('[data-testid="report-summary-item"][data-label="Messages sent"]').getAttribute('data-value')).toBe('2');
      const sections = doc.getByTestId('report-section');
      expect(await sections.count()).toBe(3);
      expect(await sections.nth(0).getByTestId('report-row').allInnerTexts()).toEqual([expect.stringMatching(/TLSv1\.3\s+TLS_AES_256_GCM_SHA384\s+2/)]);
      expect(await sections.nth(1).getByTestId('report-row').allInnerTexts()).toEqual([expect.stringMatching(/c\.test\s+starttls_not_offered\s+1/)]);

      // Each download and view is in the audit log.
      const audited = await t.app.get(AuditService).search({ subjectId: 'transmission-security' }, { offset: 0, limit: 10, order: 'ASC' });
      expect(audited.data.length).toBeGreaterThanOrEqual(3);
    }));

  it('the access review highlights the dormant account', () =>
    withBrowser('compliance > access review', async ({ page }) => {
      await signIn(page);
      await openMenu(page, 'Access review');
      await page.waitForURL(pathIs('/admin/access-review'));
      const review = page.getByTestId('access-review');
      await review.getByTestId('report-document').waitFor();
      expect(await review.getByTestId('dormant-count').getAttribute('data-value')).toBe('1');
      const highlighted = review.locator('[data-testid="report-row"][data-highlighted]');
      expect(await highlighted.allInnerTexts()).toEqual([expect.stringContaining(DORMANT_EMAIL)]);
      await review.getByTestId('report-row').filter({ hasText: ADMIN_EMAIL }).waitFor();
      expect(await review.getByTestId('report-row').count()).toBe(2);
    }));

  it('the breach-response page asks for an account, key or address, then renders and downloads the report', () =>
    withBrowser('compliance > breach response', async ({ page }) => {
      await signIn(page);
      await openMenu(page, 'Breach response');
      await page.waitForURL(pathIs('/admin/breach-response'));
      const form = page.getByTestId('breach-response');
      await form.getByTestId('breach-response-problem').waitFor();

      await form.getByRole('combobox', { name: 'User' }).click();
      await page.getByRole('option', { name: `Ada Admin (${ADMIN_EMAIL})` }).click();
      await form.getByTestId('breach-response-problem').waitFor({ state: 'detached' });
      await form.getByTestId('report-view').click();
      const doc = form.getByTestId('report-document');
      await doc.waitFor();
      expect(await doc.getAttribute('data-report-id')).toBe('breach-response');
      expect(await doc.getByTestId('report-parameters').innerText()).toContain('userId');

      const [download] = await Promise.all([page.waitForEvent('download'), form.getByTestId('report-csv').click()]);
      expect(download.suggestedFilename()).toMatch(/^breach-response.*\.csv$/);
      const csv = (await saved(download)).toString('utf8').split('\r\n');
      expect(csv[0]).toBe(await doc.getByTestId('report-title').innerText());
    }));
});

describe('queue dashboard', () => {
  it('an admin sees every queue with its counts, retries the failed job and pauses a queue', () =>
    withBrowser('queues > counts, retry, pause', async ({ page }) => {
      await signIn(page);
      await openMenu(page, 'Queues');
      await page.waitForURL(pathIs('/admin/queues'));
      const table = page.getByTestId('queues-table');
      await table.getByTestId('queue-row-imports').waitFor();
      expect(await table.locator('[data-testid^="queue-row-"]').count()).toBe(Object.values(QueueName).length);
      expect(await table.getByTestId('queue-imports-waiting').getAttribute('data-value')).toBe('1');
      expect(await table.getByTestId('queue-campaigns-failed').getAttribute('data-value')).toBe('1');

      // The failed fan-out, with its reason and payload ids; retried, it runs again and completes.
      await table.getByTestId('queue-row-campaigns').click();
      const jobs = page.getByTestId('queue-jobs-campaigns');
      const row = jobs.getByTestId('job-row');
      await row.waitFor();
      expect(await row.getByTestId('job-failed-reason').innerText()).toBe('fan-out refused by the database');
      expect(await row.innerText()).toContain('campaignId: 42');
      await row.getByTestId('job-retry').click();
      await page
        .locator('.MuiSnackbar-root')
        .getByText(/queued again/)
        .waitFor();
      await table.locator('[data-testid="queue-campaigns-completed"][data-value="1"]').waitFor();
      expect(await table.getByTestId('queue-campaigns-failed').getAttribute('data-value')).toBe('0');
      expect(fanOutRuns).toBe(2);

      // Pause and resume, as Redis sees it.
      await table.getByTestId('queue-maintenance-pause').click();
      await table.getByTestId('queue-maintenance-resume').waitFor();
      expect(await table.getByTestId('queue-row-maintenance').innerText()).toContain('Paused');
      expect(await queue(QueueName.Maintenance).isPaused()).toBe(true);
      await table.getByTestId('queue-maintenance-resume').click();
      await table.getByTestId('queue-maintenance-pause').waitFor();
      expect(await queue(QueueName.Maintenance).isPaused()).toBe(false);
    }));
});
