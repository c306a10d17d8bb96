import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsersService } from '../../backend/src/modules/auth/index.js';
import { EhrMappingService, InboundService } from '../../backend/src/modules/events/index.js';
import { Role } from '../../backend/src/platform/http/index.js';
import { ApiClient } from '../support/api-client.js';
import { pathIs, signInWithRecoveryCode, UI_TIMEOUT_MS, withBrowser } from '../support/browser.js';
import { startTestApp, type TestApp } from '../support/stack.js';

/**
 * The integrations and webhooks screens in a real Chromium: an HL7 message that the mapping cannot place is a dead
 * letter; the administrator fixes the MRN system on the integrations page and reprocesses it. Then a webhook is
 * created (its secret shown once) and its secret rotated.
 */

const EMAIL = 'ines.integrations@example.test';
const PASSWORD = 'Correct-Horse-Battery-42!';
const SYSTEM = { type: 'system' } as const;
const A04 = [
  'MSH|^~\\&|REGADT|MCM|IFENG||199601061000||ADT^A04^ADT_A01|UI-0001|P|2.3|||',
  'EVN|A04|199601061000|||',
  'PID|||191919^^^MCM^MR||OBRIEN^SIOBHAN^M||19480203|F|||4 OAK LANE^^BOSTON^MA^02134||^NET^Internet^siobhan.ui@example.net',
  'PV1||O|CLINIC^^^MCM||||0148^ADDISON^JAMES',
].join('\r');

let t: TestApp;
let recoveryCodes: string[] = [];
let next = 0;

async function signIn(page: Page) {
  await signInWithRecoveryCode(page, t.baseUrl, { email: EMAIL, password: PASSWORD, recoveryCode: recoveryCodes[next++] });
}

beforeAll(async () => {
  t = await startTestApp({ entrypoint: 'all' });
  await t.app.get(UsersService).create({ email: EMAIL, displayName: 'Ines Integrations', role: Role.Admin, password: PASSWORD });
  ({ recoveryCodes } = await new ApiClient(t.baseUrl).signInAndEnroll(EMAIL, PASSWORD));
  await t.app.get(EhrMappingService).update({ mrnSystem: 'OTHER-HOSPITAL' }, SYSTEM);
  const { code } = await t.app.get(InboundService).receiveHl7(Buffer.from(A04), 'hl7-http', SYSTEM);
  expect(code).toBe('AE');
}, 120_000);

afterAll(async () => {
  await (t as TestApp | undefined)?.close();
});

describe('integrations screens', () => {
  it('shows endpoints and dead letters, saves a mapping fix and reprocesses', () =>
    withBrowser('integrations > mapping fix and reprocess', async ({ page }) => {
      await signIn(page);
      await page.getByRole('menuitem', { name: 'Integrations', exact: true }).click();
      await page.waitForURL(pathIs('/admin/inbound-messages'));
      await expect.poll(() => page.getByTestId('endpoint-FHIR R4').innerText(), { timeout: UI_TIMEOUT_MS }).toContain('/api/v1/fhir');
      const table = page.getByTestId('inbound-messages-table');
      await table.getByText('dead letter').waitFor();
      expect(await table.innerText()).toContain('MRN system');
      expect(await table.innerText()).not.toContain('SIOBHAN');

      await page.getByTestId('mapping-mrn-system').fill('MCM');
      await page.getByTestId('save-mapping').click();
      await page.getByText('EHR mapping saved').waitFor();
      await expect.poll(async () => (await t.app.get(EhrMappingService).current()).mrnSystem, { timeout: UI_TIMEOUT_MS }).toBe('MCM');

      await table.getByText('dead letter').click();
      await page.getByTestId('reprocess').click();
      await page.getByText('Reprocessed: the message is now processed').waitFor();
      await expect.poll(() => page.getByTestId('inbound-status').innerText(), { timeout: UI_TIMEOUT_MS }).toBe('processed');
    }));

  it('creates a webhook with its secret shown once, and rotates the secret', () =>
    withBrowser('integrations > webhook create and rotate', async ({ page }) => {
      await signIn(page);
      await page.getByRole('menuitem', { name: 'Webhooks', exact: true }).click();
      await page.waitForURL(pathIs('/admin/webhooks'));
      await page.getByRole('link', { name: 'Add a webhook' }).click();
      await page.getByLabel('Name').fill('CRM');
      await page.getByLabel('URL').fill('http://127.0.0.1:9/hook');
      await page.getByLabel('opened').check();
      await page.getByRole('button', { name: 'Save' }).click();
      const first = await page.getByTestId('one-time-secret').innerText();
      expect(first).toMatch(/^whsec_/);
      await page.getByTestId('one-time-secret-dialog').getByRole('button').last().click();
      await page.waitForURL((url) => /\/admin\/webhooks\/\d+\/show$/.test(url.pathname));
      await page.getByTestId('rotate-secret').click();
      await page.getByRole('button', { name: 'Rotate', exact: true }).click();
      const second = await page.getByTestId('one-time-secret').innerText();
      expect(second).toMatch(/^whsec_/);
      expect(second).not.toBe(first);

      await page.getByTestId('one-time-secret-dialog').getByRole('button').last().click();
      await page.getByRole('menuitem', { name: 'Webhook deliveries', exact: true }).click();
      await page.waitForURL(pathIs('/admin/webhook-deliveries'));
      await page.getByText('No webhook delivery yet').waitFor();
    }));
});
