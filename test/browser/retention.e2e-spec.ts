import type pg from 'pg';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UsersService } from '../../backend/src/modules/auth/index.js';
import { ContactsService } from '../../backend/src/modules/contacts/index.js';
import { Role } from '../../backend/src/platform/http/index.js';
import { ApiClient } from '../support/api-client.js';
import { pathIs, signInWithRecoveryCode, withBrowser } from '../support/browser.js';
import { SYSTEM } from '../support/campaigns.js';
import { startTestApp, superuser, type TestApp } from '../support/stack.js';

/**
 * Compliance → Retention in a real Chromium against the whole app (its worker runs the disposal): the policy form's
 * validation (the audit floor), a dry run's counts, and a confirmed run that disposes of exactly those.
 */

const OFFICER_EMAIL = 'carla.compliance@example.test';
const PASSWORD = 'Correct-Horse-Battery-42!';

let t: TestApp;
let db: pg.Client;
let recoveryCodes: string[] = [];
let contactId = '';

async function signIn(page: Page) {
  const code = recoveryCodes.shift();
  if (!code) throw new Error('out of recovery codes');
  await signInWithRecoveryCode(page, t.baseUrl, { email: OFFICER_EMAIL, password: PASSWORD, recoveryCode: code });
}

beforeAll(async () => {
  t = await startTestApp({ entrypoint: 'all', env: { INBOUND_RETENTION_DAYS: '3650' } });
  db = await superuser(t.databaseUrl);
  await t.app.get(UsersService).create({ email: OFFICER_EMAIL, displayName: 'Carla Compliance', role: Role.ComplianceOfficer, password: PASSWORD });
  recoveryCodes = (await new ApiClient(t.baseUrl).signInAndEnroll(OFFICER_EMAIL, PASSWORD)).recoveryCodes;
  // A contact nobody has touched for three years, a recent one, and an EHR payload received 60 days ago.
  contactId = (await t.app.get(ContactsService).create({ email: 'long.gone@example.org', firstName: 'Longinus' }, SYSTEM)).id;
  await t.app.get(ContactsService).create({ email: 'still.here@example.org' }, SYSTEM);
  await db.query(`UPDATE contacts SET created_at = now() - interval '3 years', updated_at = now() - interval '3 years' WHERE id = $1`, [contactId]);
  await db.query(
    `INSERT INTO inbound_messages (channel, kind, status, payload_enc, received_at) VALUES ('hl7-http', 'ADT^A01', 'processed', '\\x0102', now() - interval '60 days')`,
  );
});

afterAll(async () => {
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
  await db?.end();
  // eslint-disable-next-line @typescript-eslint/no-unnecessary-condition -- unset when beforeAll failed
  await t?.close();
});

describe('retention page', () => {
  it('a compliance officer sets the policy, sees a dry run, and runs it after confirming', () =>
    withBrowser('retention > policy, dry run, run now', async ({ page }) => {
      await signIn(page);
      await page.getByTestId('menu-section-Compliance').waitFor();
      await page.getByRole('menuitem', { name: 'Retention', exact: true }).click();
      await page.waitForURL(pathIs('/admin/retention'));
      const policy = page.getByTestId('retention-policy');
      await policy.waitFor();

      // The audit trail cannot be kept less than six years: the form says so and will not save.
      const audit = page.getByTestId('policy-auditDays');
      await audit.fill('2000');
      await policy.getByText('At least 2190 days (six years)').waitFor();
      expect(await page.getByTestId('policy-save').isDisabled()).toBe(true);
      await audit.fill('2555');

      await page.getByRole('checkbox', { name: 'Dispose of inactive contacts' }).check();
      await page.getByTestId('policy-contactInactiveMonths').fill('24');
      // Unsaved changes: runs would apply the saved policy, so they wait.
      expect(await page.getByTestId('retention-dry-run').isDisabled()).toBe(true);
      await page.getByTestId('policy-save').click();
      await page.locator('.MuiSnackbar-root').getByText('Retention policy saved').waitFor();
      const saved = await db.query<{ contact_inactive_months: number; audit_days: number; inbound_payload_days: number }>(
        `SELECT contact_inactive_months, audit_days, inbound_payload_days FROM retention_policy`,
      );
      expect(saved.rows).toEqual([{ contact_inactive_months: 24, audit_days: 2555, inbound_payload_days: 30 }]);

      await page.getByTestId('retention-dry-run').click();
      const dry = page.getByTestId('dry-run-counts');
      await dry.waitFor();
      expect(await dry.getByTestId('dry-run-counts-contacts-total').innerText()).toBe('1');
      expect(await dry.getByTestId('dry-run-counts-inbound-total').innerText()).toBe('1');
      expect(await dry.getByTestId('dry-run-counts-messages-total').innerText()).toBe('0');
      expect((await db.query(`SELECT status FROM contacts WHERE id = $1`, [contactId])).rows).toEqual([{ status: 'active' }]);

      await page.getByTestId('retention-run-now').click();
      const dialog = page.getByRole('dialog');
      expect(await dialog.getByTestId('confirm-counts-contacts-total').innerText()).toBe('1');
      await dialog.getByRole('button', { name: 'Dispose of data' }).click();
      const done = page.locator('[data-testid="retention-run-row"][data-dry-run="false"][data-status="succeeded"]');
      await done.waitFor();
      expect(await done.getByTestId('run-contacts').innerText()).toBe('1');
      expect(await done.getByTestId('run-inbound').innerText()).toBe('1');
      expect(await page.locator('[data-testid="retention-run-row"][data-dry-run="true"]').count()).toBe(1);

      expect((await db.query(`SELECT status, phi FROM contacts WHERE id = $1`, [contactId])).rows).toEqual([{ status: 'erased', phi: null }]);
      expect((await db.query(`SELECT count(*)::int AS n FROM inbound_messages WHERE payload_enc IS NOT NULL`)).rows).toEqual([{ n: 0 }]);
    }));
});
