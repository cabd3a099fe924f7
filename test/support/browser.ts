import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { dashboardDir } from '../../src/http/dashboard';

/** Debian's Chromium (scripts/setup.sh installs it): the tests download no browser. */
export const CHROMIUM = '/usr/bin/chromium';

export interface RecordedRequest {
  url: string;
  method: string;
  headers: Record<string, string>;
}

export interface TestBrowser {
  browser: Browser;
  context: BrowserContext;
  page: Page;
  /** Every request the page made, in order (documents, scripts, API calls, streams). */
  requests: RecordedRequest[];
  /** Errors the page threw or logged, to show when a test fails. */
  pageErrors: string[];
  close(): Promise<void>;
}

/** The dashboard is served from the build output: the browser tests need `npm run build` first. */
export function requireBuiltDashboard(): void {
  const index = join(dashboardDir(), 'index.html');
  if (!existsSync(index)) throw new Error(`${index} is missing: run \`npm run build\` before the dashboard tests`);
}

/** Headless Chromium with one page whose requests are recorded. */
export async function startBrowser(viewport = { width: 1280, height: 900 }): Promise<TestBrowser> {
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'], headless: true });
  const context = await browser.newContext({ viewport });
  const page = await context.newPage();
  const requests: RecordedRequest[] = [];
  const pageErrors: string[] = [];
  page.on('request', (r) => requests.push({ url: r.url(), method: r.method(), headers: r.headers() }));
  page.on('pageerror', (err) => pageErrors.push(err.message));
  page.on('console', (m) => m.type() === 'error' && pageErrors.push(m.text()));
  return {
    browser,
    context,
    page,
    requests,
    pageErrors,
    close: async () => {
      await context.close().catch(() => undefined);
      await browser.close();
    },
  };
}

/** Opens the dashboard at `url` and signs in with `token`; resolves on the first view. */
export async function signIn(page: Page, url: string, token: string): Promise<void> {
  await page.goto(`${url}/`);
  await page.getByLabel('API token').fill(token);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('heading', { level: 1, name: 'Apps' }).waitFor();
}

/** Goes to a view through the navigation and waits for its heading. */
export async function openView(page: Page, title: string): Promise<void> {
  await page.getByRole('navigation', { name: 'Views' }).getByRole('link', { name: title }).click();
  await page.getByRole('heading', { level: 1, name: title }).waitFor();
}
