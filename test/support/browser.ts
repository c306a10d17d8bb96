import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';

/** Debian's package (`apt-get install chromium`); Playwright's own browser downloads are not used. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

const REPO_ROOT = fileURLToPath(new URL('../../', import.meta.url));
export const SCREENSHOT_DIR = join(REPO_ROOT, 'test-results', 'screenshots');

// Headless, offline-quiet Chromium: no sandbox (CI runs as root), no GPU, no QUIC, and none of the
// background calls to Google (sync, component updates, first-run pages).
const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface LaunchOptions {
  /** Resolves relative URLs in `page.goto('/admin/')`, e.g. `http://127.0.0.1:${port}`. */
  baseURL?: string;
  viewport?: { width: number; height: number };
}

export interface BrowserSession {
  context: BrowserContext;
  page: Page;
  /** Closes Chromium and deletes its profile directory. */
  close(): Promise<void>;
}

/**
 * Starts Chromium with a fresh profile (a new temp dir each time, so no cookie or storage
 * leaks between tests). Playwright refuses `--user-data-dir` in args, hence the persistent
 * context.
 */
export async function launchBrowser(options: LaunchOptions = {}): Promise<BrowserSession> {
  const profileDir = await mkdtemp(join(tmpdir(), 'hm-chromium-'));
  let context: BrowserContext;
  try {
    context = await chromium.launchPersistentContext(profileDir, {
      executablePath: CHROMIUM_PATH,
      headless: true,
      args: CHROMIUM_ARGS,
      baseURL: options.baseURL,
      viewport: options.viewport ?? { width: 1280, height: 800 },
    });
  } catch (error) {
    await rm(profileDir, { recursive: true, force: true });
    throw error;
  }
  const page = context.pages()[0] ?? (await context.newPage());

  let closed = false;
  return {
    context,
    page,
    async close() {
      if (closed) return;
      closed = true;
      try {
        await context.close();
      } finally {
        await rm(profileDir, { recursive: true, force: true });
      }
    },
  };
}

/** A test name as a file name: `login > shows MFA` → `login-shows-MFA`. */
export function safeFileName(testName: string): string {
  const safe = testName
    .replace(/[^a-zA-Z0-9._-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 120);
  return safe || 'unnamed';
}

/**
 * Saves a full-page PNG to test-results/screenshots/<safe-name>.png and returns its path.
 * Never throws: a failing screenshot must not hide the test failure that asked for it.
 */
export async function screenshotOnFailure(page: Page, testName: string): Promise<string | undefined> {
  const path = join(SCREENSHOT_DIR, `${safeFileName(testName)}.png`);
  try {
    await mkdir(SCREENSHOT_DIR, { recursive: true });
    await page.screenshot({ path, fullPage: true });
    return path;
  } catch {
    return undefined;
  }
}

/**
 * Runs `fn` with a fresh browser; on failure saves a screenshot named after the test, then
 * rethrows. The browser is always closed.
 *
 *   it('logs in', () => withBrowser('logs in', async ({ page }) => { ... }, { baseURL }));
 */
export async function withBrowser<T>(testName: string, fn: (session: BrowserSession) => Promise<T>, options: LaunchOptions = {}): Promise<T> {
  const session = await launchBrowser(options);
  try {
    return await fn(session);
  } catch (error) {
    await screenshotOnFailure(session.page, testName);
    throw error;
  } finally {
    await session.close();
  }
}

/** How long a UI step may take in the browser tests (first loads compile nothing: the UI is prebuilt). */
export const UI_TIMEOUT_MS = 15_000;

/** A `waitForURL` predicate on the path alone. */
/** The menu as a marketer sees it: the audience, content and delivery screens. */
export const MARKETER_MENU = [
  'Dashboard',
  'Contacts',
  'Imports',
  'Segments',
  'Topics',
  'Attributes',
  'Suppressions',
  'Templates',
  'Campaigns',
  'Journeys',
  'Delivery log',
  'Domain TLS',
  'Sending domains',
];

/** An admin's menu: the marketer's, then integrations, compliance and administration. */
export const ADMIN_MENU = [
  ...MARKETER_MENU,
  'Integrations',
  'Webhooks',
  'Webhook deliveries',
  'Reports',
  'Access review',
  'Breach response',
  'Retention',
  'Users',
  'API keys',
  'Audit log',
  'Encryption keys',
  'Queues',
];

export const pathIs = (path: string) => (url: URL) => url.pathname === path;

/** Fills the login form's first step and presses "Sign in". */
export async function submitCredentials(page: Page, email: string, password: string): Promise<void> {
  await page.getByTestId('login-page').waitFor();
  await page.locator('#login-email').fill(email);
  await page.locator('#login-password').fill(password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
}

/**
 * Signs in through the login page with a recovery code as the second factor: unlike a TOTP
 * code, it cannot collide with one the test already used in the same 30-second step.
 */
export async function signInWithRecoveryCode(
  page: Page,
  baseUrl: string,
  credentials: { email: string; password: string; recoveryCode: string },
): Promise<void> {
  page.setDefaultTimeout(UI_TIMEOUT_MS);
  await page.goto(`${baseUrl}/admin/login`);
  await submitCredentials(page, credentials.email, credentials.password);
  await page.locator('#mfa-code').waitFor();
  await page.getByRole('button', { name: 'Use a recovery code' }).click();
  await page.locator('#mfa-recovery-code').fill(credentials.recoveryCode);
  await page.getByRole('button', { name: 'Verify', exact: true }).click();
  await page.waitForURL(pathIs('/admin/'));
  await page.getByTestId('dashboard').waitFor();
}
