import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsersService } from '../../backend/src/modules/auth/index.js';
import { Role } from '../../backend/src/platform/http/index.js';
import { ApiClient } from '../support/api-client.js';
import { MARKETER_MENU, pathIs, signInWithRecoveryCode, withBrowser } from '../support/browser.js';
import { CSV_HEADER, csvRow } from '../support/csv-generator.js';
import { startTestApp, superuser, type TestApp } from '../support/stack.js';

/**
 * The CSV import wizard in a real Chromium against the real app, API and worker in one process
 * (`entrypoint: 'all'`), so the import actually runs: a marketer uploads a file of 200 good rows
 * and 3 bad ones, checks the suggested mapping beside the first values, attests consent, starts
 * the import, follows it to 100 %, reads the 3 refused rows with their line numbers and downloads
 * the error report.
 */

const EMAIL = 'mia.marketer@example.test';
const PASSWORD = 'Correct-Horse-Battery-42!';
const TOPIC = { key: 'newsletter', name: 'Monthly newsletter', kind: 'marketing', description: 'News from the clinic, once a month' };

/** Fail in seconds rather than Playwright's default 30 s: everything here is local. */

const GOOD_ROWS = 200;
/** Where the bad rows go among the data rows (0-based), hence their line in the file (header = line 1). */
const BAD_AT = { email: 50, date: 120, columns: 180 } as const;
const lineOf = (dataIndex: number) => dataIndex + 2;

/** The report's lines: row, column, reason (a reason with a comma is quoted). */
const EXPECTED_ERRORS = [
  { row: lineOf(BAD_AT.email), column: 'email', reason: 'not a valid e-mail address' },
  { row: lineOf(BAD_AT.date), column: 'dob', reason: 'must be a date as YYYY-MM-DD or MM/DD/YYYY' },
  { row: lineOf(BAD_AT.columns), column: '*', reason: 'the row has 11 fields, the header has 14' },
];

/** What the server suggests for the generator's headers, by column. */
const SUGGESTED: Record<string, string> = {
  email: 'email',
  first_name: 'firstName',
  last_name: 'lastName',
  dob: 'birthDate',
  sex: 'sex',
  phone: 'phone',
  zip: 'postalCode',
  state: 'state',
  mrn: 'identifier',
  dx_codes: 'condition',
  last_visit: 'lastVisitDate',
  insurance: 'insuranceStatus',
  plan: 'insurancePlan',
  pcp: 'primaryProvider',
};

let t: TestApp;
let api: ApiClient;
let recoveryCodes: string[] = [];
let nextRecoveryCode = 0;
let workDir: string;

/** 203 data rows: good ones from the shared generator, and three broken at known lines. */
function csvWithBadRows(): string {
  const lines = [CSV_HEADER];
  let n = 0;
  for (let i = 0; i < GOOD_ROWS + 3; i++) {
    const fields = csvRow(n++, 'wizard').split(',');
    if (i === BAD_AT.email) fields[0] = 'not-an-email';
    else if (i === BAD_AT.date) fields[3] = '2023-02-30';
    else if (i === BAD_AT.columns) fields.splice(11, 3);
    lines.push(fields.join(','));
  }
  return `${lines.join('\r\n')}\r\n`;
}

async function signIn(page: Page) {
  const code = recoveryCodes[nextRecoveryCode++];
  if (!code) throw new Error('out of recovery codes');
  await signInWithRecoveryCode(page, t.baseUrl, { email: EMAIL, password: PASSWORD, recoveryCode: code });
}

async function auditActions(action: string): Promise<number> {
  const db = await superuser(t.databaseUrl);
  try {
    const { rows } = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = $1`, [action]);
    return rows[0].n;
  } finally {
    await db.end();
  }
}

beforeAll(async () => {
  t = await startTestApp({ entrypoint: 'all' });
  await t.app.get(UsersService).create({ email: EMAIL, displayName: 'Mia Marketer', role: Role.Marketer, password: PASSWORD });
  api = new ApiClient(t.baseUrl);
  ({ recoveryCodes } = await api.signInAndEnroll(EMAIL, PASSWORD));
  const topic = await api.post('/api/v1/topics', TOPIC);
  if (topic.status !== 201) throw new Error(`topic: ${topic.status} ${JSON.stringify(topic.body)}`);
  workDir = await mkdtemp(join(tmpdir(), 'hm-import-wizard-'));
});

afterAll(async () => {
  // `t` is unset when beforeAll failed: keep its error the only one reported.
  await (t as TestApp | undefined)?.close();
  if (workDir) await rm(workDir, { recursive: true, force: true });
});

describe('import wizard', () => {
  it('a marketer uploads a CSV, checks the mapping, attests consent, follows the import to 100 % and gets the 3 bad rows', () =>
    withBrowser(
      'import-wizard > upload, map, attest, import, error report',
      async ({ page }) => {
        const file = join(workDir, 'spring-patients.csv');
        await writeFile(file, csvWithBadRows());

        await signIn(page);

        // A marketer's menu: the dashboard, the audience, content and delivery screens, nothing of the administration.
        const menu = (await page.getByRole('menuitem').allInnerTexts()).map((item) => item.trim());
        expect(menu).toEqual(MARKETER_MENU);
        expect(await page.getByTestId('menu-section-Audience').innerText()).toBe('Audience');
        expect(await page.getByTestId('menu-section-Administration').count()).toBe(0);

        // Step 1: choose the file, then upload it.
        await page.getByRole('menuitem', { name: 'Imports', exact: true }).click();
        await page.waitForURL(pathIs('/admin/imports'));
        await page.getByTestId('empty-state').getByRole('link', { name: 'New import' }).click();
        await page.waitForURL(pathIs('/admin/imports/create'));
        await page.getByTestId('import-file-input').setInputFiles(file);
        expect(await page.getByTestId('chosen-file').innerText()).toContain('spring-patients.csv');
        const uploaded = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/imports' && r.request().method() === 'POST');
        await page.getByTestId('upload-button').click();
        const upload = await uploaded;
        expect(upload.status()).toBe(201);
        expect(upload.request().headers()['content-type']).toBe('text/csv');
        expect(upload.request().headers()['x-file-name']).toBe('spring-patients.csv');

        // Step 2: the wizard goes on at /imports/:id (a reload resumes it), with the suggested mapping beside the first values.
        await page.waitForURL((url) => /^\/admin\/imports\/\d+$/.test(url.pathname));
        const importId = new URL(page.url()).pathname.split('/')[3];
        expect(importId).toMatch(/^\d+$/);
        const mappingStep = page.getByTestId('mapping-step');
        await mappingStep.waitFor();
        expect(await page.getByTestId('detected-format').innerText()).toMatch(/spring-patients\.csv · .* · 14 columns · UTF-8 · comma-separated/);
        const rows = mappingStep.getByTestId('mapping-row');
        expect(await rows.count()).toBe(14);
        const suggested: Record<string, string> = {};
        for (const row of await rows.all()) suggested[(await row.getAttribute('data-column'))!] = (await row.getAttribute('data-field'))!;
        expect(suggested).toEqual(SUGGESTED);
        const emailRow = mappingStep.locator('[data-testid=mapping-row][data-column=email]');
        await emailRow.getByText('wizard.0@example.org', { exact: true }).waitFor();
        expect(await mappingStep.innerText()).toContain('viewing them is recorded in the audit log');
        await expect.poll(() => auditActions('phi.previewed')).toBe(1);

        // Step 3: the consent the file's people gave, attested.
        await page.getByTestId('mapping-next').click();
        const consentStep = page.getByTestId('consent-step');
        await consentStep.waitFor();
        expect(await page.getByTestId('consent-next').isDisabled()).toBe(true);
        await consentStep.getByRole('combobox', { name: /^Topic/ }).click();
        await page.getByRole('option', { name: 'Monthly newsletter (marketing)' }).click();
        const attestation = await page.getByTestId('consent-attestation').inputValue();
        expect(attestation).toMatch(
          /^I attest that every person in this file gave our organization prior express consent to receive “Monthly newsletter” e-mails/,
        );
        // Not sendable until the attestation is confirmed.
        expect(await page.getByTestId('consent-next').isDisabled()).toBe(true);
        await consentStep.getByLabel('I confirm this attestation is true for every person in this file').check();
        const configured = page.waitForResponse((r) => r.url().endsWith(`/api/v1/imports/${importId}/configuration`) && r.request().method() === 'PUT');
        await page.getByTestId('consent-next').click();
        expect((await configured).status()).toBe(200);

        // Step 4: start it, and follow it live to 100 %.
        const runStep = page.getByTestId('run-step');
        await runStep.waitFor();
        expect(await page.getByTestId('import-summary').innerText()).toMatch(/Topic\s+Monthly newsletter \(newsletter\)/);
        const polls: number[] = [];
        page.on('response', (r) => {
          if (new URL(r.url()).pathname === `/api/v1/imports/${importId}` && r.request().method() === 'GET') polls.push(Date.now());
        });
        await page.getByTestId('start-import').click();
        const progress = page.getByTestId('import-progress');
        await progress.waitFor();
        expect(await progress.getAttribute('role')).toBe('progressbar');
        await page.locator('[data-testid=import-progress][aria-valuenow="100"]').waitFor({ timeout: 60_000 });
        expect(polls.length).toBeGreaterThanOrEqual(1);
        expect(await progress.getAttribute('data-status')).toBe('completed');
        expect(await page.getByTestId('import-progress-text').innerText()).toMatch(/^100% · 203 of 203 rows/);
        expect(await page.getByTestId('import-count-created').getAttribute('data-value')).toBe(String(GOOD_ROWS));
        expect(await page.getByTestId('import-count-errors').getAttribute('data-value')).toBe('3');
        expect(await page.getByTestId('import-outcome').innerText()).toMatch(/Import completed[\s\S]*200 contacts created.*3 rows were refused/);
        expect(await page.getByTestId('start-import').count()).toBe(0);

        // The error table lists exactly the three bad rows, by their line in the file.
        const errorRows = page.getByTestId('import-errors').getByTestId('import-error-row');
        await errorRows.first().waitFor();
        const listed = await errorRows.evaluateAll((trs) =>
          trs.map((tr) => Array.from((tr as unknown as { cells: ArrayLike<{ textContent: string | null }> }).cells, (cell) => cell.textContent?.trim() ?? '')),
        );
        expect(listed).toEqual(EXPECTED_ERRORS.map((e) => [String(e.row), e.column === '*' ? 'whole row' : e.column, e.reason]));

        // The error report downloads as CSV: the same rows, no value from the file.
        const reportLink = page.getByTestId('download-error-report');
        expect(await reportLink.getAttribute('href')).toBe(`/api/v1/imports/${importId}/errors.csv`);
        const [download] = await Promise.all([page.waitForEvent('download'), reportLink.click()]);
        expect(download.suggestedFilename()).toBe(`import-${importId}-errors.csv`);
        const report = (await readFile(await download.path(), 'utf8')).trim().split('\n');
        expect(report).toEqual([
          'row,column,reason',
          `${lineOf(BAD_AT.email)},email,not a valid e-mail address`,
          `${lineOf(BAD_AT.date)},dob,must be a date as YYYY-MM-DD or MM/DD/YYYY`,
          `${lineOf(BAD_AT.columns)},*,"the row has 11 fields, the header has 14"`,
        ]);
        expect(report.join('\n')).not.toMatch(/not-an-email|2023-02-30|wizard\.\d+@/);

        // The 200 contacts are there, with their consent to the topic from the attestation.
        const contacts = await api.get<{ data: { id: string; source: string }[]; total: number }>(
          `/api/v1/contacts?perPage=1&filter=${encodeURIComponent(JSON.stringify({ importId }))}`,
        );
        expect(contacts.body.total).toBe(GOOD_ROWS);
        const consents = await api.get<{ current: { topicKey: string; status: string; method: string }[] }>(
          `/api/v1/contacts/${contacts.body.data[0].id}/consents`,
        );
        expect(consents.body.current).toEqual([expect.objectContaining({ topicKey: 'newsletter', status: 'confirmed', method: 'import_attestation' })]);

        // The Imports list shows it completed and opens its progress page.
        await page.getByRole('menuitem', { name: 'Imports', exact: true }).click();
        await page.waitForURL(pathIs('/admin/imports'));
        const listRow = page.getByTestId('imports-table').locator('tbody tr').filter({ hasText: 'spring-patients.csv' });
        await listRow.locator('[data-testid=import-status][data-status=completed]').waitFor();
        await listRow.click();
        await page.waitForURL(pathIs(`/admin/imports/${importId}/show`));
        await page.locator('[data-testid=import-progress][aria-valuenow="100"]').waitFor();
        expect(await page.getByTestId('import-errors').getByTestId('import-error-row').count()).toBe(3);

        // Nothing from the file (the preview, the attestation's people) was kept in web storage.
        const storage = await page.evaluate(() => {
          const g = globalThis as unknown as { localStorage: { length: number }; sessionStorage: { length: number } };
          return { local: g.localStorage.length, session: g.sessionStorage.length };
        });
        expect(storage).toEqual({ local: 0, session: 0 });
      },
      { baseURL: t.baseUrl },
    ));
});
