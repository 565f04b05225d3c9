// The whole foundation: Xvfb, worktrace-server, an enrolled worktrace-agent on that display, and
// Chromium signed in as the owner watching the device table change live.
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { launchBrowser, screenshotOnFailure } from '../lib/browser.mjs';
import { Harness, agentBin, kOwner, waitFor } from '../lib/harness.mjs';

const h = new Harness('e2e-foundation');
let server;
let display;
let agentConfigDir;
let browser;

before(async () => {
  ({ display } = await h.startXvfb());
  const { dataDir } = await h.initData();
  server = await h.startServer({ dataDir });
  agentConfigDir = path.join(dataDir, 'agent');
  browser = await launchBrowser(h);
});

after(() => h.cleanup());

test('the owner signs in and sees the agent go online and offline live', async () => {
  const page = await browser.newPage();
  const pageErrors = [];
  page.on('pageerror', (error) => pageErrors.push(error.message));
  page.on('console', (message) => {
    // The browser logs every 4xx; the 401s of "not signed in yet" and the wrong password are expected.
    if (message.type() === 'error' && !/status of 401/.test(message.text())) pageErrors.push(message.text());
  });

  await screenshotOnFailure(page, 'e2e-foundation-live', async () => {
    await page.goto(`${server.origin}/`);
    await page.getByTestId('sign-in-form').waitFor();
    assert.match(page.url(), /\/sign-in$/);

    // A wrong password shows the server's message.
    await page.getByLabel('Email').fill(kOwner.email);
    await page.getByLabel('Password').fill('wrong-password-0000');
    await page.getByTestId('sign-in-submit').click();
    assert.equal(await page.getByTestId('sign-in-error').textContent(), 'email or password is wrong');

    await page.getByLabel('Password').fill(kOwner.password);
    await page.getByTestId('sign-in-submit').click();
    await page.getByTestId('devices-empty').waitFor();
    assert.match(page.url(), /\/devices$/);
    await page.locator('[data-testid="live-indicator"][data-status="live"]').waitFor();
    assert.match((await page.getByTestId('org-name').textContent()) ?? '', /\S/);
    assert.match((await page.getByTestId('server-version').textContent()) ?? '', /\d+\.\d+\.\d+/);

    // A reload would lose this marker: the row must change over the open WebSocket.
    await page.evaluate(() => {
      window.worktraceTestMarker = 'same document';
    });

    // Enroll and start the agent only now: its row must arrive over the open WebSocket.
    const token = await h.enrollmentToken(server.dataDir);
    const enrolled = await h.enrollAgent({ origin: server.origin, token, configDir: agentConfigDir });
    assert.equal(enrolled.code, 0, enrolled.child.output());
    assert.match(`${enrolled.stdout}${enrolled.stderr}`, /Enrolled device \d+/);
    const agent = h.startAgent({ configDir: agentConfigDir, display });
    const row = page.getByTestId('device-row');
    await row.waitFor({ timeout: 20_000 });
    await waitFor(async () => (await row.getAttribute('data-status')) === 'online', {
      timeoutMs: 10_000,
      what: 'the row to be online',
    });
    assert.equal(await row.getByTestId('device-hostname').textContent(), os.hostname());
    assert.equal(await row.getByTestId('device-status').textContent(), 'online');
    const status = await h.processes.run('agent-status', agentBin, ['status', '--config-dir', agentConfigDir]);
    assert.equal(status.code, 0, `the agent does not say it is connected:\n${status.child.output()}`);

    const stopped = await agent.stop('SIGTERM', 5_000);
    assert.equal(stopped.code, 0, agent.output());
    await waitFor(async () => (await row.getByTestId('device-status').textContent()) === 'offline', {
      timeoutMs: 10_000,
      what: 'the row to turn offline without a reload',
    });
    assert.equal(await row.getAttribute('data-status'), 'offline');
    assert.match((await row.getByTestId('device-last-seen').textContent()) ?? '', /just now|minute/);

    assert.equal(await page.evaluate(() => window.worktraceTestMarker), 'same document');
    assert.deepEqual(pageErrors, []);
  });
});

test('an owner creates an enrollment token shown once with the command', async () => {
  const page = await browser.newPage();
  await screenshotOnFailure(page, 'e2e-foundation-token', async () => {
    await page.goto(`${server.origin}/devices`);
    await page.getByTestId('device-row').waitFor();
    await page.getByText('Enroll another device').click();
    await page.getByTestId('create-token').click();
    const token = (await page.getByTestId('enroll-token').textContent()) ?? '';
    assert.match(token, /^wte_[A-Za-z0-9_-]{43}$/);
    assert.equal(
      await page.getByTestId('enroll-command').textContent(),
      `worktrace-agent enroll --server ${server.origin} --token ${token}`,
    );
  });
});

test('signing out returns to the sign-in page and ends the session', async () => {
  const page = await browser.newPage();
  await screenshotOnFailure(page, 'e2e-foundation-sign-out', async () => {
    await page.goto(`${server.origin}/devices`);
    await page.getByTestId('sign-out').click();
    await page.getByTestId('sign-in-form').waitFor();
    await page.reload();
    await page.getByTestId('sign-in-form').waitFor();
    assert.match(page.url(), /\/sign-in$/);
  });
});
