import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsersService } from '../../backend/src/modules/auth/index.js';
import { Role } from '../../backend/src/platform/http/index.js';
import { ApiClient } from '../support/api-client.js';
import { signInWithRecoveryCode, pathIs, UI_TIMEOUT_MS, withBrowser } from '../support/browser.js';
import { startTestApp, type TestApp } from '../support/stack.js';

/**
 * The segment builder and the template editor in a real Chromium against the real API: a
 * marketer builds "condition E11 AND age 40–80", sees the live count the test computed, saves it
 * and freezes a snapshot; then creates a template from the health-newsletter starter, edits its
 * subject and a text in the CodeMirror editor, sees the sandboxed preview follow, and publishes
 * version 1.
 */

const EMAIL = 'sam.segments@example.test';
const PASSWORD = 'Correct-Horse-Battery-42!';
const TOPIC = { key: 'newsletter', name: 'Monthly newsletter', kind: 'marketing', description: 'News from the clinic, once a month' };
const CONTACTS = 30;

let t: TestApp;
let api: ApiClient;
let recoveryCodes: string[] = [];
let nextRecoveryCode = 0;

const today = new Date().toISOString().slice(0, 10);
const thisYear = Number(today.slice(0, 4));

/** Contact i: every third has a diabetes code (E11.x), the others hypertension; ages spread from 22 to 80. */
function contact(i: number) {
  const code = i % 3 === 0 ? 'E11.9' : i % 3 === 1 ? 'I10' : 'E11.65';
  const birthDate = `${thisYear - (22 + i * 2)}-${i % 2 === 0 ? '01-15' : '12-28'}`;
  return { email: `segment.${i}@example.test`, firstName: `Pat${i}`, birthDate, conditions: [{ system: 'ICD-10', code }] };
}

/** As the backend computes it: whole years on `today`. */
function ageOn(birthDate: string): number {
  const [by, bm, bd] = birthDate.split('-').map(Number) as [number, number, number];
  const [ty, tm, td] = today.split('-').map(Number) as [number, number, number];
  return ty - by - (tm < bm || (tm === bm && td < bd) ? 1 : 0);
}

const contacts = Array.from({ length: CONTACTS }, (_, i) => contact(i));
const EXPECTED_COUNT = contacts.filter((c) => c.conditions[0].code.startsWith('E11') && ageOn(c.birthDate) >= 40 && ageOn(c.birthDate) <= 80).length;

async function signIn(page: Page) {
  const code = recoveryCodes[nextRecoveryCode++];
  if (!code) throw new Error('out of recovery codes');
  await signInWithRecoveryCode(page, t.baseUrl, { email: EMAIL, password: PASSWORD, recoveryCode: code });
}

const srcdoc = async (page: Page, testId = 'template-preview') => (await page.getByTestId(testId).getAttribute('srcdoc')) ?? '';

const SELECT_TEXT = `(text) => {
  const walker = document.createTreeWalker(document.querySelector('.cm-content'), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const at = node.textContent.indexOf(text);
    if (at < 0) continue;
    const range = document.createRange();
    range.setStart(node, at);
    range.setEnd(node, at + text.length);
    getSelection().removeAllRanges();
    getSelection().addRange(range);
    return;
  }
  throw new Error('"' + text + '" is not in the editor');
}`;

/** Selects `needle` in the CodeMirror document as a user would with the mouse, scrolling until its line is drawn. */
async function selectInEditor(page: Page, needle: string) {
  const content = page.locator('.cm-content');
  for (let i = 0; i < 20 && !(await content.innerText()).includes(needle); i++) {
    await page.evaluate(`document.querySelector('.cm-scroller').scrollBy(0, 200)`);
  }
  // Runs in the page (the test's type library has no DOM): a DOM selection over the text, which CodeMirror adopts.
  await page.evaluate(`(${SELECT_TEXT})(${JSON.stringify(needle)})`);
}

beforeAll(async () => {
  t = await startTestApp({ entrypoint: 'api' });
  await t.app.get(UsersService).create({ email: EMAIL, displayName: 'Sam Segments', role: Role.Marketer, password: PASSWORD });
  api = new ApiClient(t.baseUrl);
  ({ recoveryCodes } = await api.signInAndEnroll(EMAIL, PASSWORD));
  const topic = await api.post('/api/v1/topics', TOPIC);
  if (topic.status !== 201) throw new Error(`topic: ${topic.status} ${JSON.stringify(topic.body)}`);
  const bulk = await api.post<{ summary: Record<string, number> }>('/api/v1/contacts/bulk', {
    contacts,
    consent: { topic: TOPIC.key, status: 'confirmed', method: 'api', source: 'e2e' },
  });
  if (bulk.status !== 200 || bulk.body.summary.created !== CONTACTS) throw new Error(`bulk: ${bulk.status} ${JSON.stringify(bulk.body)}`);
});

afterAll(async () => {
  await (t as TestApp | undefined)?.close();
});

describe('segments and templates', () => {
  it('a marketer builds a segment, sees its live count, saves it and freezes a snapshot', () =>
    withBrowser('segments-templates > segment builder count', async ({ page }) => {
      expect(EXPECTED_COUNT).toBeGreaterThan(2);
      expect(EXPECTED_COUNT).toBeLessThan((2 * CONTACTS) / 3);
      await signIn(page);

      await page.getByRole('menuitem', { name: 'Segments', exact: true }).click();
      await page.waitForURL(pathIs('/admin/segments'));
      await page.getByRole('link', { name: 'New segment' }).first().click();
      await page.waitForURL(pathIs('/admin/segments/create'));
      await page.getByTestId('segment-builder').waitFor();
      expect(await page.getByTestId('segment-count').innerText()).toBe('—');

      await page.getByRole('button', { name: 'Add rule', exact: true }).click();
      const first = page.getByTestId('segment-leaf').nth(0);
      await first.getByTestId('rule-values').fill('E11');
      await first.getByTestId('rule-values').press('Enter');
      // Every E11 contact, whatever the age: a third of them.
      await expect.poll(() => page.getByTestId('segment-count').innerText(), { timeout: UI_TIMEOUT_MS }).toBe(String(CONTACTS / 3 + CONTACTS / 3));

      await page.getByRole('button', { name: 'Add rule', exact: true }).click();
      const second = page.getByTestId('segment-leaf').nth(1);
      await second.getByTestId('rule-field').selectOption('age');
      await second.getByTestId('rule-age-min').fill('40');
      // Half a rule is refused by the backend, and the problem is shown on that row.
      await expect.poll(() => second.getByTestId('rule-error').count(), { timeout: UI_TIMEOUT_MS }).toBeGreaterThan(0);
      await second.getByTestId('rule-age-max').fill('80');
      await expect.poll(() => page.getByTestId('segment-count').innerText(), { timeout: UI_TIMEOUT_MS }).toBe(String(EXPECTED_COUNT));
      expect(await second.getByTestId('rule-error').count()).toBe(0);
      // The sample is masked: no address in clear.
      const sample = await page.getByTestId('segment-sample').innerText();
      expect(sample).not.toContain('@example.test');
      expect(await page.getByTestId('segment-sample').locator('tbody tr').count()).toBe(Math.min(EXPECTED_COUNT, 10));

      // Saved: the rule goes to the API (stored encrypted) and the page becomes the segment's own.
      await page.getByTestId('segment-name').fill('Diabetes, 40 to 80');
      const saved = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/segments' && r.request().method() === 'POST');
      await page.getByRole('button', { name: 'Save segment' }).click();
      expect((await saved).status()).toBe(201);
      await page.waitForURL((url) => /^\/admin\/segments\/\d+$/.test(url.pathname));
      await expect.poll(() => page.getByTestId('segment-saved-count').innerText(), { timeout: UI_TIMEOUT_MS }).toContain(`${EXPECTED_COUNT} members`);
      // The rule came back from the API into the builder.
      await expect.poll(() => page.getByTestId('segment-count').innerText(), { timeout: UI_TIMEOUT_MS }).toBe(String(EXPECTED_COUNT));
      expect(await page.getByTestId('segment-leaf').count()).toBe(2);

      await page.getByRole('button', { name: 'Take snapshot' }).click();
      await expect.poll(() => page.getByTestId('segment-snapshot').count(), { timeout: UI_TIMEOUT_MS }).toBe(1);
      expect(await page.getByTestId('segment-snapshot').innerText()).toContain(String(EXPECTED_COUNT));

      // The list shows it with its member count.
      await page.getByRole('menuitem', { name: 'Segments', exact: true }).click();
      await page.waitForURL(pathIs('/admin/segments'));
      const row = page.getByTestId('segments-table').locator('tbody tr').filter({ hasText: 'Diabetes, 40 to 80' });
      await expect.poll(() => row.getByTestId('segment-member-count').innerText(), { timeout: UI_TIMEOUT_MS }).toBe(String(EXPECTED_COUNT));
    }));

  it('a marketer creates a template from a starter, edits it with a live preview and publishes version 1', () =>
    withBrowser('segments-templates > template editor', async ({ page }) => {
      await signIn(page);
      await page.getByRole('menuitem', { name: 'Templates', exact: true }).click();
      await page.waitForURL(pathIs('/admin/templates'));
      await page.goto(`${t.baseUrl}/admin/templates/create`);
      await page.getByLabel('Name').fill('Spring newsletter');
      await page.getByLabel('Start from a starter').click();
      await page.getByRole('option', { name: /Monthly health newsletter/ }).click();
      const created = page.waitForResponse((r) => new URL(r.url()).pathname === '/api/v1/templates' && r.request().method() === 'POST');
      await page.getByRole('button', { name: 'Save', exact: true }).click();
      expect((await created).status()).toBe(201);
      await page.waitForURL((url) => /^\/admin\/templates\/\d+$/.test(url.pathname));

      const starter = await readFile(join(import.meta.dirname, '../../templates/health-newsletter/index.mjml'), 'utf8');
      // The starter is in the CodeMirror editor, whole.
      await expect.poll(() => page.getByTestId('mjml-editor').getAttribute('data-length'), { timeout: UI_TIMEOUT_MS }).toBe(String(starter.length));
      expect(await page.locator('.cm-content').innerText()).toContain('<mjml lang="en"');
      // Previewing with a real contact needs phi:reveal, which a marketer does not have.
      expect(await page.getByTestId('preview-contact-id').count()).toBe(0);
      await expect.poll(() => srcdoc(page), { timeout: UI_TIMEOUT_MS }).toContain('Staying active');
      expect(await page.getByTestId('preview-subject').innerText()).toContain('Your monthly health newsletter');
      expect(await page.getByTestId('template-preview').getAttribute('sandbox')).toBe('');

      await page.getByTestId('template-subject').fill('Spring into health');
      await selectInEditor(page, 'Staying active');
      await page.keyboard.type('Walking together');
      await expect
        .poll(() => page.getByTestId('mjml-editor').getAttribute('data-length'), { timeout: UI_TIMEOUT_MS })
        .toBe(String(starter.replace('Staying active', 'Walking together').length));
      await expect.poll(() => srcdoc(page), { timeout: UI_TIMEOUT_MS }).toContain('Walking together');
      expect(await srcdoc(page)).not.toContain('Staying active');
      await expect.poll(() => page.getByTestId('preview-subject').innerText(), { timeout: UI_TIMEOUT_MS }).toContain('Spring into health');

      // Mobile width, then the plain-text tab.
      await page.getByRole('button', { name: 'Mobile', exact: true }).click();
      expect((await page.getByTestId('template-preview').boundingBox())?.width).toBe(375);
      await page.getByRole('tab', { name: 'Plain text' }).click();
      expect(await page.getByTestId('preview-text').innerText()).toContain('Walking together');
      await page.getByRole('tab', { name: 'HTML' }).click();

      const published = page.waitForResponse((r) => /\/api\/v1\/templates\/\d+\/publish$/.test(new URL(r.url()).pathname));
      await page.getByRole('button', { name: 'Publish', exact: true }).click();
      expect((await published).status()).toBe(200);
      const v1 = page.getByTestId('template-version-1');
      await expect.poll(() => v1.innerText(), { timeout: UI_TIMEOUT_MS }).toContain('Published');
      expect(await v1.innerText()).toContain('Spring into health');

      // A published version opens read-only.
      await v1.getByRole('button', { name: 'View' }).click();
      await expect.poll(() => srcdoc(page, 'version-preview'), { timeout: UI_TIMEOUT_MS }).toContain('Walking together');
      await page.getByRole('button', { name: 'Close' }).click();
    }));
});
