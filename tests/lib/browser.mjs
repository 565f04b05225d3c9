// Headless Chromium through playwright-core, using the system's /usr/bin/chromium (no download).
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { artifactsDir } from './paths.mjs';

export const kChromiumPath = process.env.WORKTRACE_CHROMIUM ?? '/usr/bin/chromium';

const kChromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * A browser context with a fresh profile, closed by `harness.cleanup()`. Every action and
 * expectation on its pages is bounded by `timeoutMs`.
 */
export async function launchBrowser(harness, { timeoutMs = 15_000 } = {}) {
  const userDataDir = await harness.tempDir('worktrace-chromium-');
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: kChromiumPath,
    headless: true,
    args: kChromiumArgs,
    timeout: 30_000,
    viewport: { width: 1280, height: 720 },
  });
  harness.onCleanup(() => context.close());
  context.setDefaultTimeout(timeoutMs);
  return context;
}

/**
 * A page in a fresh browser profile signed in at `origin` as `who` ({email, password}, a fixture
 * person) through the sign-in form; `errors` collects the page's uncaught errors.
 */
export async function signedInPage(harness, origin, who) {
  const context = await launchBrowser(harness);
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  await page.goto(`${origin}/`);
  await page.getByTestId('sign-in-email').fill(who.email);
  await page.getByTestId('sign-in-password').fill(who.password);
  await page.getByTestId('sign-in-submit').click();
  await page.getByTestId('main-nav').waitFor();
  return { page, errors };
}

/** Runs `fn`; when it throws, saves a full-page screenshot of `page` and rethrows. */
export async function screenshotOnFailure(page, name, fn) {
  try {
    return await fn();
  } catch (error) {
    mkdirSync(artifactsDir, { recursive: true });
    const file = path.join(artifactsDir, `${name}.png`);
    await page
      .screenshot({ path: file, fullPage: true, timeout: 5_000 })
      .then(() => console.error(`screenshot saved: ${file}`))
      .catch((shotError) => console.error(`screenshot failed: ${shotError.message}`));
    throw error;
  }
}
