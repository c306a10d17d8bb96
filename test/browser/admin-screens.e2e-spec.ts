import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { totpCode, UserAdminService, UsersService } from '../../backend/src/modules/auth/index.js';
import { Role } from '../../backend/src/platform/http/index.js';
import { ApiClient } from '../support/api-client.js';
import { ADMIN_MENU, MARKETER_MENU, pathIs, submitCredentials, UI_TIMEOUT_MS, withBrowser } from '../support/browser.js';
import { startTestApp, type TestApp } from '../support/stack.js';

/**
 * The administration screens in a real Chromium against the real app (API role only: no worker
 * runs, so a key rotation stays "running"): users, API keys, the audit log, encryption keys,
 * and an invited user's forced password change.
 *
 * The tests run in order and build on each other: the first signs the admin in (enrolling MFA
 * in the browser) and invites a user; the next ones sign in with recovery codes. Run alone
 * (`-t`), a test enrols the admin or invites the user through the services, except the audit
 * log test, which looks for the entries the earlier tests wrote.
 */

const ADMIN_EMAIL = 'grace.admin@example.test';
const ADMIN_PASSWORD = 'Correct-Horse-Battery-42!';
const INVITED_EMAIL = 'lin.analyst@example.test';
const INVITED_NAME = 'Lin Analyst';
const INVITED_NEW_PASSWORD = 'Quiet-Lantern-Meadow-77';
const API_KEY_NAME = 'BI dashboard sync';

/** Fail in seconds rather than Playwright's default 30 s: everything here is local. */

let t: TestApp;
let adminId: string;
/** Set once the admin's MFA is enrolled (in the browser by the first test, or through the API). */
let adminEnrolment: { secret: string; recoveryCodes: string[] } | undefined;
let nextRecoveryCode = 0;
/** The user the first test invites, with the temporary password the dialog showed once. */
let invited: { id: string; temporaryPassword: string } | undefined;

async function open(page: Page, path: string) {
  page.setDefaultTimeout(UI_TIMEOUT_MS);
  await page.goto(`${t.baseUrl}${path}`);
}

/** Password, MFA enrolment with the manual key, recovery codes: a first sign-in. Returns the enrolment. */
async function signInAndEnroll(page: Page, email: string, password: string) {
  await open(page, '/admin/login');
  await submitCredentials(page, email, password);
  const secretEl = page.getByTestId('mfa-secret');
  await secretEl.waitFor();
  const secret = (await secretEl.innerText()).replace(/\s+/g, '');
  await page.locator('#mfa-code').fill(totpCode(secret));
  await page.getByRole('button', { name: 'Confirm', exact: true }).click();
  const codes = page.getByTestId('recovery-codes').locator('li');
  await codes.first().waitFor();
  const recoveryCodes = (await codes.allInnerTexts()).map((code) => code.trim());
  await page.getByRole('button', { name: /Continue/ }).click();
  return { secret, recoveryCodes };
}

async function adminRecoveryCodes(): Promise<string[]> {
  adminEnrolment ??= await new ApiClient(t.baseUrl).signInAndEnroll(ADMIN_EMAIL, ADMIN_PASSWORD);
  return adminEnrolment.recoveryCodes;
}

/** A later sign-in of the admin, with one of their recovery codes (the TOTP steps may be spent). */
async function signInAsAdmin(page: Page) {
  const codes = await adminRecoveryCodes();
  const code = codes[nextRecoveryCode++];
  if (!code) throw new Error('out of recovery codes');
  await open(page, '/admin/login');
  await submitCredentials(page, ADMIN_EMAIL, ADMIN_PASSWORD);
  await page.locator('#mfa-code').waitFor();
  await page.getByRole('button', { name: 'Use a recovery code' }).click();
  await page.locator('#mfa-recovery-code').fill(code);
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  await waitForDashboard(page);
}

async function waitForDashboard(page: Page) {
  await page.waitForURL(pathIs('/admin/'));
  await page.getByTestId('dashboard').waitFor();
}

/** The left menu, by its visible label. */
async function openMenu(page: Page, label: string) {
  await page.getByRole('menuitem', { name: label, exact: true }).click();
}

/** A react-admin (MUI) select: open it by its label, pick an option. */
async function choose(page: Page, label: RegExp, option: string) {
  await page.getByRole('combobox', { name: label }).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

async function notification(page: Page, text: string | RegExp) {
  await page.locator('.MuiSnackbar-root').getByText(text).first().waitFor();
}

async function invitedUser(): Promise<{ id: string; temporaryPassword: string }> {
  if (!invited) {
    const { user, temporaryPassword } = await t.app
      .get(UserAdminService)
      .invite({ email: INVITED_EMAIL, displayName: INVITED_NAME, role: Role.Analyst }, { type: 'system' });
    invited = { id: user.id, temporaryPassword };
  }
  return invited;
}

beforeAll(async () => {
  t = await startTestApp({ entrypoint: 'api' });
  const admin = await t.app.get(UsersService).create({ email: ADMIN_EMAIL, displayName: 'Grace Admin', role: Role.Admin, password: ADMIN_PASSWORD });
  adminId = admin.id;
});

afterAll(async () => {
  await t.close();
});

describe('admin screens', () => {
  it('an admin invites a user, sees the temporary password once, and changes their role', () =>
    withBrowser(
      'admin-screens > invite a user and change their role',
      async ({ page }) => {
        adminEnrolment = await signInAndEnroll(page, ADMIN_EMAIL, ADMIN_PASSWORD);
        await waitForDashboard(page);

        // An admin's menu has every administration screen.
        const menu = await page.getByRole('menuitem').allInnerTexts();
        expect(menu.map((item) => item.trim())).toEqual(ADMIN_MENU);

        await openMenu(page, 'Users');
        await page.waitForURL(pathIs('/admin/users'));
        await page.getByTestId('users-table').getByText(ADMIN_EMAIL).waitFor();

        await page.getByRole('link', { name: 'Invite user' }).click();
        await page.waitForURL(pathIs('/admin/users/create'));
        await page.getByLabel('E-mail address').fill(INVITED_EMAIL);
        await page.getByLabel('Full name').fill(INVITED_NAME);
        await choose(page, /^Role/, 'Analyst');
        await page.getByRole('button', { name: 'Save' }).click();

        // The temporary password, once, with a copy button and what the user must do with it.
        const dialog = page.getByTestId('one-time-secret-dialog');
        await dialog.waitFor();
        await notification(page, `${INVITED_NAME} has been invited`);
        const temporaryPassword = (await dialog.getByTestId('one-time-secret').innerText()).trim();
        expect(temporaryPassword.length).toBeGreaterThanOrEqual(16);
        expect(await dialog.getByRole('button', { name: 'Copy' }).count()).toBe(1);
        const dialogText = await dialog.innerText();
        expect(dialogText).toMatch(/shown only once/);
        expect(dialogText).toMatch(/must be changed at first sign-in/);
        expect(dialogText).toMatch(/MFA enrolled/);

        await dialog.getByRole('button', { name: 'Done' }).click();
        await dialog.waitFor({ state: 'detached' });
        // On to the new user's page, and the password is nowhere on it.
        await page.getByTestId('user-details').getByText(INVITED_EMAIL).waitFor();
        expect(await page.content()).not.toContain(temporaryPassword);
        const id = new URL(page.url()).pathname.split('/')[3];
        expect(id).toMatch(/^[0-9a-f-]{36}$/);
        invited = { id, temporaryPassword };
        expect(await page.getByTestId('user-details').getByTestId('role-chip').innerText()).toBe('Analyst');

        // The role changes from the edit page; the show page reflects it.
        await page.getByRole('link', { name: 'Edit' }).click();
        await page.waitForURL(pathIs(`/admin/users/${id}`));
        await choose(page, /^Role/, 'Marketer');
        await page.getByRole('button', { name: 'Save' }).click();
        await notification(page, `${INVITED_NAME} updated`);
        await page.waitForURL(pathIs(`/admin/users/${id}/show`));
        await page.getByTestId('user-details').getByTestId('role-chip').filter({ hasText: 'Marketer' }).waitFor();
        expect((await t.app.get(UsersService).findById(id))?.role).toBe(Role.Marketer);

        // The last administrator cannot demote themselves: the server's reason is shown.
        await open(page, `/admin/users/${adminId}`);
        await choose(page, /^Role/, 'Analyst');
        await page.getByRole('button', { name: 'Save' }).click();
        await notification(page, 'The last active administrator cannot be demoted or disabled');
        expect((await t.app.get(UsersService).findById(adminId))?.role).toBe(Role.Admin);
      },
      { baseURL: t.baseUrl },
    ));

  it('an admin creates an API key, sees it once, and revokes it', () =>
    withBrowser(
      'admin-screens > create and revoke an API key',
      async ({ page }) => {
        await signInAsAdmin(page);
        await openMenu(page, 'API keys');
        await page.waitForURL(pathIs('/admin/api-keys'));
        await page.getByTestId('empty-state').getByText('No API keys yet').waitFor();

        await page.getByTestId('empty-state').getByRole('link', { name: 'New API key' }).click();
        await page.waitForURL(pathIs('/admin/api-keys/create'));
        await page.getByLabel('Name').fill(API_KEY_NAME);
        await page.getByRole('combobox', { name: /^Scopes/ }).click();
        await page.getByRole('option', { name: /dashboard:read/ }).click();
        await page.keyboard.press('Escape');
        await page.getByRole('button', { name: 'Save' }).click();

        const dialog = page.getByTestId('one-time-secret-dialog');
        await dialog.waitFor();
        await notification(page, `API key “${API_KEY_NAME}” created`);
        const key = (await dialog.getByTestId('one-time-secret').innerText()).trim();
        expect(key).toMatch(/^hm_[A-Za-z0-9_-]{40,}$/);
        expect(await dialog.innerText()).toMatch(/cannot be shown again/);

        // The key works for its scope.
        const withKey = await fetch(`${t.baseUrl}/api/v1/dashboard`, { headers: { 'x-api-key': key } });
        expect(withKey.status).toBe(200);

        await dialog.getByRole('button', { name: 'Done' }).click();
        await page.waitForURL(pathIs('/admin/api-keys'));
        const row = page.getByTestId('api-keys-table').locator('tbody tr').filter({ hasText: API_KEY_NAME });
        await row.getByTestId('api-key-status').filter({ hasText: 'Active' }).waitFor();
        expect(await row.innerText()).toContain(key.slice(0, 11));
        expect(await page.content()).not.toContain(key);
        // The creator's name is a reference the list resolves after the rows arrive.
        await row.getByText('Grace Admin').waitFor();

        // Revoking asks first, then the key stays listed as revoked and stops working.
        await row.getByTestId('revoke-api-key').click();
        const confirm = page.getByRole('dialog');
        await confirm.getByText(`Revoke the API key “${API_KEY_NAME}”?`).waitFor();
        await confirm.getByRole('button', { name: 'Revoke key' }).click();
        await notification(page, `API key “${API_KEY_NAME}” revoked`);
        await row.getByTestId('api-key-status').filter({ hasText: 'Revoked' }).waitFor();
        expect(await row.getByTestId('revoke-api-key').count()).toBe(0);
        const afterRevoke = await fetch(`${t.baseUrl}/api/v1/dashboard`, { headers: { 'x-api-key': key } });
        expect(afterRevoke.status).toBe(401);
      },
      { baseURL: t.baseUrl },
    ));

  it('the audit log shows a verified chain and what was just done, and exports it', () =>
    withBrowser(
      'admin-screens > audit log',
      async ({ page }) => {
        await signInAsAdmin(page);
        await openMenu(page, 'Audit log');
        await page.waitForURL(pathIs('/admin/audit-events'));

        const banner = page.locator('[data-testid=chain-status][data-state=valid]');
        await banner.waitFor();
        expect(await banner.innerText()).toMatch(/Chain verified: \d+ entries/);

        // Newest first: the entries of the previous tests are there.
        const table = page.getByTestId('audit-table');
        await table.locator('tbody tr').first().waitFor();
        const actions = (await table.getByTestId('audit-action').allInnerTexts()).map((a) => a.trim());
        expect(actions).toEqual(expect.arrayContaining(['user.created', 'user.role-changed', 'api-key.created', 'api-key.revoked']));
        expect(actions.indexOf('api-key.revoked')).toBeLessThan(actions.indexOf('user.created'));

        // A row expands to its details.
        const created = table.locator('tbody tr').filter({ has: page.getByTestId('audit-action').getByText('api-key.created', { exact: true }) });
        await created.first().click();
        const details = page.getByTestId('audit-details-json');
        await details.waitFor();
        const json = JSON.parse(await details.innerText()) as { prefix?: string; scopes?: string[] };
        expect(json.scopes).toEqual(['dashboard:read']);
        expect(json.prefix).toMatch(/^hm_/);

        // "Verify now" checks again; the check is itself audited.
        await page.getByRole('button', { name: 'Verify now' }).click();
        await page.locator('[data-testid=chain-status][data-state=valid]').waitFor();
        await table.getByTestId('audit-action').getByText('audit.verify', { exact: true }).first().waitFor();

        // Filtering by action prefix narrows the list and the export link.
        await page.getByLabel('Action starts with').fill('api-key.');
        await page.waitForURL((url) => url.searchParams.get('filter')?.includes('api-key.') ?? false);
        await expect
          .poll(async () => (await table.getByTestId('audit-action').allInnerTexts()).map((a) => a.trim()).sort())
          .toEqual(['api-key.created', 'api-key.revoked']);
        const exportLink = page.getByTestId('audit-export');
        expect(await exportLink.getAttribute('href')).toBe(
          `/api/v1/audit-events/export.csv?filter=${encodeURIComponent(JSON.stringify({ action: 'api-key.' }))}`,
        );
        const [download] = await Promise.all([page.waitForEvent('download'), exportLink.click()]);
        expect(download.suggestedFilename()).toMatch(/^audit-log-\d{4}-\d{2}-\d{2}\.csv$/);
        const csv = await readFile(await download.path(), 'utf8');
        const lines = csv.trim().split('\n');
        expect(lines[0]).toMatch(/^id,occurred_at,actor_type/);
        expect(lines.slice(1).map((line) => line.split(',')[4])).toEqual(['api-key.created', 'api-key.revoked']);
      },
      { baseURL: t.baseUrl },
    ));

  it('an admin starts a rotation of the secrets key and follows its progress', () =>
    withBrowser(
      'admin-screens > key rotation',
      async ({ page }) => {
        await signInAsAdmin(page);
        await openMenu(page, 'Encryption keys');
        await page.waitForURL(pathIs('/admin/key-rotations'));
        await page.getByTestId('rotation-history').getByText('No key has been rotated yet', { exact: false }).waitFor();

        const card = page.getByTestId('key-card-secrets');
        await card.getByTestId('rotate-secrets').click();
        const confirm = page.getByRole('dialog');
        await confirm.getByText('Rotate the secrets key?').waitFor();
        await confirm.getByRole('button', { name: 'Rotate key' }).click();
        await notification(page, 'Secrets key rotated: re-encryption started');

        // No worker runs in this app, so the re-encryption stays at its start: running, with its progress bar.
        const row = page.locator('[data-testid=rotation-row][data-purpose=secrets]');
        await row.waitFor();
        expect(await row.getAttribute('data-status')).toBe('running');
        expect(await row.getByTestId('rotation-progress').getAttribute('role')).toBe('progressbar');
        expect(await row.getByTestId('rotation-progress').getAttribute('aria-valuenow')).toBe('0');
        await card.getByTestId('rotation-progress').waitFor();
        expect(await card.getByTestId('rotate-secrets').isDisabled()).toBe(true);
        // The other key can still be rotated.
        expect(await page.getByTestId('rotate-phi').isDisabled()).toBe(false);

        // While it runs, the page polls for progress every 2 s.
        const polls: number[] = [];
        page.on('response', (response) => {
          if (new URL(response.url()).pathname === '/api/v1/key-rotations' && response.request().method() === 'GET') polls.push(Date.now());
        });
        await expect.poll(() => polls.length, { timeout: 7_000, interval: 250 }).toBeGreaterThanOrEqual(2);
      },
      { baseURL: t.baseUrl },
    ));

  it('an invited user must choose a new password before anything else, and can sign out everywhere', async () => {
    const { temporaryPassword } = await invitedUser();
    await withBrowser(
      'admin-screens > invited user chooses a password',
      async ({ page }) => {
        await signInAndEnroll(page, INVITED_EMAIL, temporaryPassword);

        // Whatever the route, the password comes first: no menu, no dashboard.
        const screen = page.getByTestId('choose-password');
        await screen.waitFor();
        expect(await screen.getByRole('heading').innerText()).toBe('Choose a new password');
        expect(await page.getByTestId('dashboard').count()).toBe(0);
        expect(await page.getByRole('menuitem').count()).toBe(0);
        await open(page, '/admin/users');
        await screen.waitFor();

        // Too short: refused before it is sent.
        await page.locator('#current-password').fill(temporaryPassword);
        await page.locator('#new-password').fill('short');
        await page.locator('#confirm-password').fill('short');
        await page.getByRole('button', { name: 'Save and continue' }).click();
        await screen.getByText('Must be at least 12 characters').waitFor();

        // Too common: refused by the server, named on the field.
        await page.locator('#new-password').fill('password1234');
        await page.locator('#confirm-password').fill('password1234');
        await page.getByRole('button', { name: 'Save and continue' }).click();
        await screen.getByText('Is too common').waitFor();

        await page.locator('#current-password').fill(temporaryPassword);
        await page.locator('#new-password').fill(INVITED_NEW_PASSWORD);
        await page.locator('#confirm-password').fill(INVITED_NEW_PASSWORD);
        await page.getByRole('button', { name: 'Save and continue' }).click();
        await screen.waitFor({ state: 'detached' });
        await notification(page, 'Your password is set. Welcome to HIPAA Mail.');
        // Then the page asked for opens, which a marketer may not see…
        await page.getByText('Access denied').waitFor();
        // …and the dashboard, which they may.
        await openMenu(page, 'Dashboard');
        await page.getByTestId('dashboard').waitFor();
        expect((await t.app.get(UsersService).findByEmail(INVITED_EMAIL))?.mustChangePassword).toBe(false);

        // A marketer's menu shows only what a marketer may open.
        const menu = await page.getByRole('menuitem').allInnerTexts();
        expect(menu.map((item) => item.trim())).toEqual(MARKETER_MENU);

        // "Sign out everywhere" from the account page ends the session and says so.
        await page.getByRole('button', { name: 'Profile' }).click();
        await page.getByRole('menuitem', { name: 'My account' }).click();
        await page.getByTestId('account').waitFor();
        await page.getByTestId('sign-out-everywhere').click();
        await page.getByRole('dialog').getByRole('button', { name: 'Sign out everywhere' }).click();
        await page.waitForURL(pathIs('/admin/login'));
        expect(await page.getByTestId('session-notice').innerText()).toBe('You have been signed out on every device.');
        const me = await page.evaluate(async () => (await fetch('/api/v1/auth/me')).status);
        expect(me).toBe(401);
      },
      { baseURL: t.baseUrl },
    );
  });
});
