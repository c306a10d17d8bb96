import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SessionsService, totpCode, UsersService } from '../../backend/src/modules/auth/index.js';
import { Role } from '../../backend/src/platform/http/index.js';
import { ApiClient, nextTotp } from '../support/api-client.js';
import { pathIs, submitCredentials, UI_TIMEOUT_MS, withBrowser } from '../support/browser.js';
import { startTestApp, type TestApp } from '../support/stack.js';

/**
 * The sign-in journey in a real Chromium against the real app: password, MFA enrolment (QR code,
 * manual key, recovery codes), the MFA challenge on later sign-ins, and a session revoked
 * server-side sending the user back to the login page with a notice.
 *
 * The tests run in order and share one user: the first enrols MFA in the browser, the next ones
 * sign in with that enrolment. Run alone (`-t`), a later test enrols through the API instead.
 */

const EMAIL = 'ada.admin@example.test';
const PASSWORD = 'Correct-Horse-Battery-42!';
const WRONG_PASSWORD = 'Wrong-Horse-Battery-42!';

/** Fail in seconds rather than Playwright's default 30 s: everything here is local. */

/** What the web storage APIs look like from the test's side (the test tsconfig has no DOM lib). */
interface WebStorage {
  readonly length: number;
  key(index: number): string | null;
  getItem(key: string): string | null;
}

let t: TestApp;
let userId: string;
/** Set once MFA is enrolled (in the browser by the first test, or through the API). */
let enrolment: { secret: string; recoveryCodes: string[] } | undefined;

async function enrolled(): Promise<{ secret: string; recoveryCodes: string[] }> {
  enrolment ??= await new ApiClient(t.baseUrl).signInAndEnroll(EMAIL, PASSWORD);
  return enrolment;
}

async function open(page: Page, path: string) {
  page.setDefaultTimeout(UI_TIMEOUT_MS);
  await page.goto(`${t.baseUrl}${path}`);
}

async function errorText(page: Page): Promise<string> {
  const alert = page.getByTestId('login-error');
  await alert.waitFor();
  return alert.innerText();
}

/** The code in the MFA field is submitted with the step's button ("Confirm" or "Verify"). */
async function submitCode(page: Page, code: string, button: 'Confirm' | 'Verify') {
  await page.locator('#mfa-code').fill(code);
  await page.getByRole('button', { name: button, exact: true }).click();
}

/** A 6-digit code that matches none of the steps the server could accept around now. */
function wrongCode(secret: string): string {
  const now = Math.floor(Date.now() / 1000);
  const valid = new Set([-60, -30, 0, 30, 60].map((offset) => totpCode(secret, now + offset)));
  return ['000000', '111111', '222222', '333333', '444444', '555555'].find((code) => !valid.has(code))!;
}

/** Password, then one of the recovery codes: leaves the TOTP time steps alone for the test's own use. */
async function signInWithRecoveryCode(page: Page, recoveryCode: string) {
  await open(page, '/admin/login');
  await submitCredentials(page, EMAIL, PASSWORD);
  await page.locator('#mfa-code').waitFor();
  await page.getByRole('button', { name: 'Use a recovery code' }).click();
  await page.locator('#mfa-recovery-code').fill(recoveryCode);
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  await waitForDashboard(page);
}

async function waitForDashboard(page: Page) {
  await page.waitForURL(pathIs('/admin/'));
  await page.getByTestId('dashboard').waitFor();
  await page.getByTestId('count-users').waitFor();
}

interface PageState {
  path: string;
  /** The e-mail field of the login form is on the page. */
  email: boolean;
  notice: string | null;
}

async function pageState(page: Page): Promise<PageState> {
  return page.evaluate(() => {
    const g = globalThis as unknown as {
      location: { pathname: string };
      document: { querySelector(selector: string): { textContent: string | null } | null };
    };
    return {
      path: g.location.pathname,
      email: g.document.querySelector('#login-email') !== null,
      notice: g.document.querySelector('[data-testid="session-notice"]')?.textContent ?? null,
    };
  });
}

/**
 * Waits until `done` holds for several samples in a row, and returns that state. A refused API
 * call can send the UI through two redirects in a row (react-admin's checkAuth goes to
 * /admin/login, the dataProvider's checkError to /login, outside the app, which bounces back
 * through /admin/): asserting on the first login page seen would race the second redirect.
 */
async function settledState(page: Page, done: (state: PageState) => boolean, samples = 4, intervalMs = 150): Promise<PageState> {
  const deadline = Date.now() + UI_TIMEOUT_MS;
  let state = await pageState(page);
  let inARow = 0;
  while (Date.now() < deadline) {
    state = await pageState(page);
    inARow = done(state) ? inARow + 1 : 0;
    if (inARow >= samples) return state;
    await page.waitForTimeout(intervalMs);
  }
  throw new Error(`the page did not settle: last seen ${JSON.stringify(state)}`);
}

/** PHI rule: nothing about the user is kept in web storage. */
async function expectNothingInWebStorage(page: Page) {
  const storage = await page.evaluate(() => {
    const dump = (store: WebStorage) =>
      Array.from({ length: store.length }, (_, i) => {
        const key = store.key(i)!;
        return [key, store.getItem(key)];
      });
    const g = globalThis as unknown as { localStorage: WebStorage; sessionStorage: WebStorage };
    return { local: dump(g.localStorage), session: dump(g.sessionStorage) };
  });
  expect(storage).toEqual({ local: [], session: [] });
}

beforeAll(async () => {
  t = await startTestApp();
  const user = await t.app.get(UsersService).create({ email: EMAIL, displayName: 'Ada Admin', role: Role.Admin, password: PASSWORD });
  userId = user.id;
});

afterAll(async () => {
  // `t` is unset when beforeAll failed: keep its error the only one reported.
  await (t as TestApp | undefined)?.close();
});

describe('login in the admin UI', () => {
  it('a new admin signs in, enrols MFA in the browser and reaches the dashboard', () =>
    withBrowser(
      'login > a new admin enrols MFA',
      async ({ page, context }) => {
        await open(page, '/admin/');
        await page.waitForURL(pathIs('/admin/login'));

        await submitCredentials(page, EMAIL, PASSWORD);

        // Enrolment: the manual key (grouped in fours for typing) and the QR code that encodes it.
        const secretEl = page.getByTestId('mfa-secret');
        await secretEl.waitFor();
        const secret = (await secretEl.innerText()).replace(/\s+/g, '');
        expect(secret).toMatch(/^[A-Z2-7]{32}$/); // base32 of a 20-byte secret
        const qr = page.getByTestId('mfa-qr');
        const src = (await qr.getAttribute('src')) ?? '';
        expect(src).toMatch(/^data:image\/png;base64,/);
        expect(src.length).toBeGreaterThan(1_000);
        // It decoded and rendered (the CSP allows data: images).
        expect(await qr.evaluate((img) => (img as unknown as { complete: boolean; naturalWidth: number }).naturalWidth)).toBeGreaterThan(100);

        // A wrong code is refused and the step stays open.
        await submitCode(page, wrongCode(secret), 'Confirm');
        expect(await errorText(page)).toMatch(/not valid/i);
        expect(await page.locator('#mfa-code').inputValue()).toBe('');

        await submitCode(page, totpCode(secret), 'Confirm');

        // Recovery codes are shown once.
        const codes = page.getByTestId('recovery-codes').locator('li');
        await codes.first().waitFor();
        const recoveryCodes = (await codes.allInnerTexts()).map((code) => code.trim());
        expect(recoveryCodes).toHaveLength(10);
        expect(new Set(recoveryCodes).size).toBe(10);
        expect(await page.getByTestId('login-error').count()).toBe(0);
        enrolment = { secret, recoveryCodes };

        await page.getByRole('button', { name: /Continue/ }).click();

        await waitForDashboard(page);
        const usersCount = (await page.getByTestId('count-users').innerText())
          .split('\n')
          .map((s) => s.trim())
          .filter(Boolean);
        expect(usersCount).toEqual(['Users', '1']);
        // The app under test runs every role in this process, so each reports a heartbeat.
        const rows = page.getByTestId('process-row');
        await rows.first().waitFor();
        const roles = (await rows.locator('td:first-child').allInnerTexts()).sort();
        expect(roles).toEqual(['api', 'scheduler', 'worker']);

        // The session is an httpOnly cookie (the CSRF cookie is readable by design).
        const sessionCookie = (await context.cookies()).find((cookie) => cookie.name === 'hm_session');
        expect(sessionCookie).toMatchObject({ httpOnly: true, sameSite: 'Strict' });
        await expectNothingInWebStorage(page);
      },
      { baseURL: t.baseUrl },
    ));

  it('a returning user is challenged for a code, and a wrong password is refused', async () => {
    const { secret, recoveryCodes } = await enrolled();
    await withBrowser(
      'login > a returning user is challenged',
      async ({ page }) => {
        // Signed in first (a TOTP code for a step not used yet is kept for the sign-in under test)…
        await signInWithRecoveryCode(page, recoveryCodes[0]);

        // …then out through the user menu.
        await page.getByRole('button', { name: 'Profile' }).click();
        await page.getByRole('menuitem', { name: 'Logout' }).click();
        await page.waitForURL(pathIs('/admin/login'));
        await page.getByTestId('login-page').waitFor();
        // Signing out on purpose is not an expired session.
        expect(await page.getByTestId('session-notice').count()).toBe(0);

        await submitCredentials(page, EMAIL, WRONG_PASSWORD);
        expect(await errorText(page)).toBe('E-mail or password is incorrect');
        expect(await page.locator('#login-password').inputValue()).toBe('');
        expect(await page.locator('#mfa-code').count()).toBe(0);

        await submitCredentials(page, EMAIL, PASSWORD);
        await page.locator('#mfa-code').waitFor();
        expect(await page.getByTestId('mfa-qr').count()).toBe(0); // challenged, not enrolling again

        // A wrong code is refused…
        await submitCode(page, wrongCode(secret), 'Verify');
        expect(await errorText(page)).toMatch(/not valid/i);

        // …the code for the next time step (the current one was spent at enrolment) opens the dashboard.
        await submitCode(page, nextTotp(secret), 'Verify');
        await waitForDashboard(page);
        await expectNothingInWebStorage(page);
      },
      { baseURL: t.baseUrl },
    );
  });

  it('an expired session returns to the login page with a notice', async () => {
    const { recoveryCodes } = await enrolled();
    await withBrowser(
      'login > an expired session returns to the login page',
      async ({ page }) => {
        // A recovery code: the TOTP steps around now may all be spent by the previous test.
        await signInWithRecoveryCode(page, recoveryCodes[1]);

        // On another page of the app while the session is live…
        await page.getByRole('button', { name: 'Profile' }).click();
        await page.getByRole('menuitem', { name: 'My account' }).click();
        await page.waitForURL(pathIs('/admin/account'));
        await page.getByTestId('account').waitFor();

        // …the server ends every session of the user (as a lockout or "log out everywhere" does)…
        expect(await t.app.get(SessionsService).revokeAllForUser(userId, 'test')).toBeGreaterThan(0);

        // …and the next page the user opens is refused: back to the login page, with the reason.
        await page.getByRole('menuitem', { name: 'Dashboard' }).click();
        const settled = await settledState(page, (state) => state.path === '/admin/login' && state.email);
        expect(settled.notice).toBe('Your session expired. Please sign in again.');
        await expectNothingInWebStorage(page);
      },
      { baseURL: t.baseUrl },
    );
  });
});
