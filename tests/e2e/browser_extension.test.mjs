// Browser tab URLs end to end: the Worktrace extension in a real Chromium reports its active
// tab to the real agent's /api/0 listener; the agent attaches the URL (redacted by the org's
// policy) to the focused browser window's spans; the server stores them. Openbox on Xvfb gives
// real X focus, and xterm a non-browser window to switch to.
//
// Chromium runs HEADED on the Xvfb display, not headless: the agent attaches a tab's URL only
// while a browser's X window has the focus and that window's title holds the tab's title, and a
// headless browser has no window at all. All normal pages are tabs of ONE Chromium window (the
// persistent context's first window; tabs opened by the extension's chrome.tabs.create, switched
// by chrome.tabs.update), so a tab switch is a real tab switch: the X window stays, its title
// ("<page title> - Chromium") follows the active tab.
import assert from 'node:assert/strict';
import { readFile, readdir, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { chromium } from 'playwright-core';
import { buildExtension } from '../../scripts/build-extension.mjs';
import { expectStatus } from '../lib/api.mjs';
import { kChromiumPath } from '../lib/browser.mjs';
import { enrollAgentFor, startFixture } from '../lib/fixture.mjs';
import { Harness, agentBin, freePort, sleep, waitFor } from '../lib/harness.mjs';
import { request } from '../lib/http.mjs';

const h = new Harness('e2e-browser-extension');
const kExtensionId = 'ccmhfjohdjjacpajpclbbjeofofekeli';
const kBucket = 'aw-watcher-web-chrome';
const kAgentArgs = ['--upload-delay-ms', '200', '--span-max-s', '5'];

let display;
let dataDir;
let org;
let person;
let agentDir;
let agent;
let apiPort;
let pages; // the local test web server: {port, origin ("http://127.0.0.1:P"), hits}
let context;
let extensionDir; // the Chromium build of the extension
let worker; // the extension's service worker
let windowId; // the extension's id of the one normal Chromium window the tests use
let homeTabId; // its first tab, showing "/home", open throughout
const kSuiteStart = Date.now();

/** The <title> of the test server's page at "/<name>" ("WT Page A"; "WT Private <name>"). */
function pageTitle(name) {
  return name.startsWith('incognito') ? `WT Private ${name}` : `WT Page ${name}`;
}

/** The X window title Chromium gives its window while the page "/<name>" is the active tab. */
function windowTitle(name) {
  return `${pageTitle(name)} - Chromium`;
}

/** A web server on 127.0.0.1 with pages titled pageTitle(<path>) at any path. */
async function startPages() {
  const hits = [];
  const server = http.createServer((req, res) => {
    hits.push(req.url);
    const name = decodeURIComponent(new URL(req.url, 'http://x').pathname.slice(1)) || 'root';
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8' });
    res.end(`<!doctype html><title>${pageTitle(name)}</title><p>${name}</p>`);
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  h.onCleanup(() => new Promise((resolve) => { server.closeAllConnections(); server.close(resolve); }));
  const { port } = server.address();
  return { port, origin: `http://127.0.0.1:${port}`, hits };
}

function x(args) {
  return h.processes
    .run('xdotool', 'xdotool', args, { env: { ...process.env, DISPLAY: display }, timeoutMs: 10_000 })
    .then((result) => {
      assert.equal(result.code, 0, `xdotool ${args.join(' ')}\n${result.child.output()}`);
      return result.stdout.trim();
    });
}

async function agentStatus() {
  const result = await h.processes.run('agent-status', agentBin, ['status', '--json', '--config-dir', agentDir]);
  return JSON.parse(result.stdout);
}

/** GET on the agent's local API without an Origin (as curl or an editor plugin would). */
async function agentApi(pathAndQuery) {
  const response = await request(`http://127.0.0.1:${apiPort}`, pathAndQuery, { timeoutMs: 3_000 });
  assert.equal(response.status, 200, `${pathAndQuery}: ${response.status} ${response.text}`);
  return response.json();
}

async function timeline(from, to) {
  const body = expectStatus(
    await org.people.owner.client.get(`/api/v1/people/${person.id}/timeline?from=${from}&to=${to}`),
    200,
    'timeline',
  );
  return body.spans;
}

async function websites(from, to) {
  return expectStatus(
    await org.people.owner.client.get(`/api/v1/people/${person.id}/websites?from=${from}&to=${to}`),
    200,
    'websites',
  );
}

async function setPolicy(policy) {
  expectStatus(await org.people.owner.client.put('/api/v1/org/redaction', policy), 200, 'PUT /org/redaction');
  // The server pushes it to the agent, which reports the mode it applies.
  await waitFor(async () => (await agentApi('/api/0/info')).worktrace?.url_mode === policy.url_mode, {
    timeoutMs: 15_000,
    what: `the agent to apply url_mode ${policy.url_mode}`,
  });
}

/** The URLs of consecutive spans with adjacent repeats (and spans without URL) collapsed. */
function urlRuns(spans) {
  const runs = [];
  for (const span of spans) if (span.url && runs.at(-1) !== span.url) runs.push(span.url);
  return runs;
}

function xRegex(text) {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The id of the focused X window and its title. */
async function activeWindow() {
  const id = await x(['getactivewindow']);
  return { id, name: await x(['getwindowname', id]) };
}

/** For failure messages: the focused X window and every Chromium window, with their titles. */
async function describeWindows() {
  const ids = (await x(['search', '--class', 'chromium']).catch(() => '')).split('\n').filter(Boolean);
  const names = await Promise.all(ids.map(async (id) => `${id} ${JSON.stringify(await x(['getwindowname', id]).catch(() => '?'))}`));
  const active = await activeWindow().catch((error) => ({ error: error.message }));
  return `focused: ${JSON.stringify(active)}; Chromium windows: ${names.join(', ')}`;
}

/**
 * Gives the X focus to the visible Chromium window whose active tab is the page "/<name>" (found
 * by its title once the page has loaded) and waits until it has it. Returns the window's id.
 */
async function focusPage(name, { prefixOnly = false } = {}) {
  const pattern = `^${xRegex(prefixOnly ? pageTitle(name) : windowTitle(name))}${prefixOnly ? '' : '$'}`;
  const id = await waitFor(
    async () => (await x(['search', '--onlyvisible', '--name', pattern]).catch(() => '')).split('\n').filter(Boolean)[0] ?? null,
    { timeoutMs: 10_000, what: `a Chromium window named ${pattern}` },
  );
  await x(['windowactivate', '--sync', id]);
  await waitFor(async () => (await activeWindow()).id === id, { timeoutMs: 5_000, what: `the window of ${name} to have the focus` });
  return id;
}

/** Waits until the focused X window is Chromium's with the page "/<name>" as its active tab. */
async function focusedPageIs(name) {
  let last;
  await waitFor(async () => (last = await activeWindow()).name === windowTitle(name), { timeoutMs: 10_000, what: `the focused window to be ${windowTitle(name)}` })
    .catch((error) => assert.fail(`${error.message}; it is ${JSON.stringify(last)}`));
}

/**
 * Opens `url` (the page "/<name>" of the test server, by any host name) in a new active tab of
 * the test's one Chromium window and waits until it has loaded. Returns {page, tabId}.
 */
async function openTab(url, name) {
  const opened = context.waitForEvent('page', { timeout: 10_000 });
  const tabId = await worker.evaluate(async (args) => (await chrome.tabs.create({ windowId: args.windowId, url: args.url, active: true })).id, { windowId, url });
  const page = await opened;
  await waitFor(async () => (await page.title()) === pageTitle(name), { timeoutMs: 10_000, what: `the tab of ${url} to load` });
  return { page, tabId };
}

/** Switches the test's Chromium window to the tab `tab` ({tabId}), as a click on the tab would. */
async function activateTab(tab, name) {
  await worker.evaluate((tabId) => chrome.tabs.update(tabId, { active: true }), tab.tabId);
  await focusedPageIs(name);
}

/**
 * Where every test starts (whatever the one before left): only the "/home" tab in the test's
 * window, no incognito window, and that window in focus.
 */
async function startFromHome() {
  await worker.evaluate(async (args) => {
    for (const window of await chrome.windows.getAll({ populate: true })) {
      if (window.incognito) await chrome.windows.remove(window.id);
      else for (const tab of window.tabs) if (tab.id !== args.homeTabId) await chrome.tabs.remove(tab.id);
    }
    await chrome.tabs.update(args.homeTabId, { active: true });
  }, { homeTabId });
  await focusPage('home');
}

/**
 * Waits until the agent's open span (status.json "tracking") carries `url` and, when given, the
 * window title `title`.
 */
async function agentShows(url, { title, what = url } = {}) {
  let last;
  await waitFor(
    async () => {
      last = (await agentStatus()).tracking;
      return last?.url === url && (title === undefined || last?.title === title);
    },
    { timeoutMs: 15_000, what: `the agent's current span to be ${what}${title === undefined ? '' : ` titled ${title}`}` },
  ).catch(async (error) => {
    const events = await agentApi(`/api/0/buckets/${kBucket}/events?limit=3`).catch((failure) => failure.message);
    const reporter = await worker.evaluate(() => globalThis.worktraceReporter.last).catch((failure) => failure.message);
    assert.fail(`${error.message}; it is ${JSON.stringify(last)}; ${await describeWindows()}; the latest reports: ${JSON.stringify(events)}; ` +
      `the extension's last outcome: ${JSON.stringify(reporter)}`);
  });
}

async function launchChromium(userDataDir, extensionDir) {
  const ctx = await chromium.launchPersistentContext(userDataDir, {
    executablePath: kChromiumPath,
    headless: false,
    // Playwright disables extensions by default.
    ignoreDefaultArgs: ['--disable-extensions'],
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      `--disable-extensions-except=${extensionDir}`,
      `--load-extension=${extensionDir}`,
    ],
    env: { ...process.env, DISPLAY: display },
    timeout: 30_000,
  });
  ctx.setDefaultTimeout(15_000);
  const sw =
    ctx.serviceWorkers().find((candidate) => candidate.url().startsWith(`chrome-extension://${kExtensionId}/`)) ??
    (await ctx.waitForEvent('serviceworker', { timeout: 15_000 }));
  assert.equal(sw.url(), `chrome-extension://${kExtensionId}/background.js`, 'the manifest key fixes the ID');
  return { ctx, sw };
}

/**
 * Allows the extension in incognito windows, as a person would on chrome://extensions: that
 * switch is the "incognito" flag of the extension's entry in the profile's Preferences, written
 * here between two runs of the profile (toggling it live reloads the extension, whose new
 * service worker playwright does not see).
 */
async function allowInIncognito(userDataDir) {
  const file = path.join(userDataDir, 'Default', 'Preferences');
  const prefs = JSON.parse(await readFile(file, 'utf8'));
  const entry = prefs.extensions?.settings?.[kExtensionId];
  assert.ok(entry, `the extension's entry in ${file}`);
  entry.incognito = true;
  await writeFile(file, JSON.stringify(prefs));
}

/** Every file below `dir` (recursively), as buffers. */
async function filesBelow(dir) {
  const names = await readdir(dir, { recursive: true }).catch(() => []);
  const contents = [];
  for (const name of names) {
    const content = await readFile(path.join(dir, name)).catch(() => null);
    if (content) contents.push({ name, content });
  }
  return contents;
}

before(async () => {
  ({ display } = await h.startXvfb());
  await h.startWindowManager(display);
  const fixture = await startFixture(h, { orgKeys: ['a'] });
  ({ dataDir, orgs: { a: org } } = fixture);
  const server = fixture.server;
  person = org.people.employeeA;
  const owner = org.people.owner.client;

  // Enroll this machine's agent and give the device to employee A.
  ({ agentDir } = await enrollAgentFor(h, owner, person));

  pages = await startPages();
  // The extension as `make extension` builds it (default agent address 127.0.0.1:5600); the
  // popup points it at this test's agent below.
  ({ chromium: extensionDir } = await buildExtension({ out: await h.tempDir('worktrace-extension-') }));

  // A first run creates the profile and the extension's entry; the second runs with it allowed
  // in incognito, so that the incognito test below shows what the extension sends from there.
  const userDataDir = await h.tempDir('worktrace-chromium-');
  const first = await launchChromium(userDataDir, extensionDir);
  await first.ctx.close();
  await allowInIncognito(userDataDir);
  ({ ctx: context, sw: worker } = await launchChromium(userDataDir, extensionDir));
  h.onCleanup(() => context.close());
  assert.equal(await worker.evaluate(() => chrome.extension.isAllowedIncognitoAccess()), true);

  // The agent with its local API on a free port, started once Chromium runs for good: the X
  // server may give the second run's window the X id of the first run's (closed) window, and an
  // agent that had that window in focus would not see the new one's title changes.
  apiPort = await freePort();
  await x(['mousemove_relative', '1', '1']); // input, so the display is not idle
  agent = h.startAgent({ configDir: agentDir, display, name: 'agent', args: [...kAgentArgs, '--local-api-port', String(apiPort)] });
  await waitFor(
    async () => {
      if (!agent.running) throw new Error(`the agent exited\n${agent.output()}`);
      const status = await agentStatus().catch(() => null);
      return status?.pid === agent.pid && ['active', 'idle'].includes(status?.tracking?.state);
    },
    { timeoutMs: 15_000, what: 'the agent to track' },
  );

  // The popup, opened as a tab: set the agent address and see it connect.
  await worker.evaluate(() => chrome.tabs.create({ url: chrome.runtime.getURL('popup.html') }));
  const popup = await waitFor(() => context.pages().find((page) => page.url().endsWith('/popup.html')) ?? null, {
    timeoutMs: 10_000,
    what: 'the popup page',
  });
  const popupSays = (label) =>
    waitFor(async () => (await popup.locator('#state').textContent()) === label, { timeoutMs: 10_000, what: `the popup to say ${label}` }).catch(
      async (error) => assert.fail(`${error.message}: ${await popup.locator('body').innerText()}`),
    );
  await popupSays('Agent not running');
  await popup.locator('#address').fill('http://example.com:5600');
  await popup.locator('#address-form button').click();
  await popup.locator('#address-message').filter({ hasText: '127.0.0.1 or localhost' }).waitFor();
  await popup.locator('#address').fill(`127.0.0.1:${apiPort}`);
  await popup.locator('#address-form button').click();
  await popupSays('Connected');
  assert.equal(await popup.locator('#address').inputValue(), `http://127.0.0.1:${apiPort}`);
  assert.equal(await popup.locator('#pair-form').isHidden(), true);
  await popup.close();

  // The one browser window: the persistent context's first page, showing "/home".
  const windows = await worker.evaluate(() => chrome.windows.getAll({ windowTypes: ['normal'], populate: true }));
  assert.equal(windows.length, 1, JSON.stringify(windows));
  windowId = windows[0].id;
  homeTabId = windows[0].tabs[0].id;
  const home = context.pages()[0];
  await home.goto(`${pages.origin}/home`);
  assert.equal(await home.title(), pageTitle('home'));
  await focusPage('home');
});

after(() => h.cleanup());

test('tab switches give spans with the tab URLs stripped of query and fragment and the tab titles', { timeout: 90_000 }, async () => {
  await startFromHome();
  await setPolicy({ url_mode: 'strip_query' });
  const from = Date.now();
  const tabA = await openTab(`${pages.origin}/A?secret=1#frag`, 'A');
  await focusPage('A');
  await agentShows(`${pages.origin}/A`, { title: windowTitle('A') });
  await sleep(1_500);
  const tabB = await openTab(`${pages.origin}/B?secret=1&x=2`, 'B');
  await focusedPageIs('B');
  await agentShows(`${pages.origin}/B`, { title: windowTitle('B') });
  await sleep(1_500);
  await activateTab(tabA, 'A');
  await agentShows(`${pages.origin}/A`, { title: windowTitle('A'), what: 'A again' });
  await sleep(1_500);
  await tabB.page.close();
  await focusedPageIs('A');

  let spans;
  await waitFor(
    async () => {
      spans = (await timeline(from - 60_000, Date.now() + 1)).filter((span) => span.end > from);
      return urlRuns(spans).join(' ').includes(`${pages.origin}/A ${pages.origin}/B ${pages.origin}/A`);
    },
    { timeoutMs: 30_000, what: 'spans A, B, A on the server' },
  ).catch((error) => assert.fail(`${error.message}\n${JSON.stringify(spans, null, 1)}`));

  // Every span with a URL carries the title of that very tab (the window's title then).
  const titleOf = { [`${pages.origin}/A`]: windowTitle('A'), [`${pages.origin}/B`]: windowTitle('B'), [`${pages.origin}/home`]: windowTitle('home') };
  const withUrl = spans.filter((span) => span.url);
  for (const span of withUrl) {
    assert.ok(span.url in titleOf, JSON.stringify(span));
    assert.equal(span.title, titleOf[span.url], JSON.stringify(span));
    assert.equal(span.domain, '127.0.0.1', JSON.stringify(span));
    assert.match(span.app, /chromium/i, JSON.stringify(span));
    assert.notEqual(span.private, true);
  }
  for (const name of ['A', 'B']) {
    assert.ok(withUrl.some((span) => span.url === `${pages.origin}/${name}` && span.title === windowTitle(name)), `a span of ${name}`);
  }
  const text = JSON.stringify(spans);
  assert.equal(text.includes('secret'), false, text);
  assert.equal(text.includes('frag'), false, text);
  assert.equal(text.includes('x=2'), false, text);

  const sites = await websites(from - 60_000, Date.now() + 1);
  const local = sites.domains.find((domain) => domain.domain === '127.0.0.1');
  assert.ok(local && local.seconds > 0, JSON.stringify(sites));
  assert.ok(local.pages.some((page) => page.url === `${pages.origin}/A` && page.seconds > 0), JSON.stringify(local));
  assert.ok(local.pages.some((page) => page.url === `${pages.origin}/B`), JSON.stringify(local));
  assert.equal(JSON.stringify(sites).includes('secret'), false);
  await tabA.page.close();
});

test('domain mode keeps only scheme and host; an excluded domain gives private spans', { timeout: 90_000 }, async () => {
  await startFromHome();
  await setPolicy({ url_mode: 'domain', excluded_domains: ['localhost'] });
  const from = Date.now();
  const tabC = await openTab(`http://localhost:${pages.port}/C?secret=2`, 'C');
  await focusPage('C');
  await waitFor(async () => (await agentStatus()).tracking?.private === true, { timeoutMs: 15_000, what: 'the agent to record C as private' });
  await sleep(2_000);
  const tabD = await openTab(`${pages.origin}/D?secret=3`, 'D');
  await focusedPageIs('D');
  await agentShows('http://127.0.0.1', { title: windowTitle('D') });
  await sleep(1_500);
  await activateTab(tabC, 'C');
  await waitFor(async () => (await agentStatus()).tracking?.private === true, { timeoutMs: 15_000, what: 'the agent to record C as private again' });
  await sleep(2_000);
  await activateTab(tabD, 'D');
  await agentShows('http://127.0.0.1', { title: windowTitle('D'), what: '127.0.0.1 again' });
  await sleep(1_000);

  let spans;
  await waitFor(
    async () => {
      spans = (await timeline(from, Date.now() + 1)).filter((span) => span.end > from);
      return urlRuns(spans).includes('http://127.0.0.1') && spans.filter((span) => span.private).length >= 1 &&
        spans.at(-1).start > spans.findLast((span) => span.private).end - 1;
    },
    { timeoutMs: 30_000, what: 'domain-only and private spans on the server' },
  ).catch((error) => assert.fail(`${error.message}\n${JSON.stringify(spans, null, 1)}`));

  const withUrl = spans.filter((s) => s.start >= from && s.url);
  for (const span of withUrl) {
    assert.equal(span.url, 'http://127.0.0.1', JSON.stringify(span));
    assert.equal(span.domain, '127.0.0.1');
    assert.ok([windowTitle('D'), windowTitle('home')].includes(span.title), JSON.stringify(span));
  }
  assert.ok(withUrl.some((span) => span.title === windowTitle('D')), JSON.stringify(spans, null, 1));
  for (const span of spans.filter((s) => s.private)) {
    for (const field of ['app', 'exe', 'title', 'url', 'domain']) assert.equal(span[field] ?? '', '', JSON.stringify(span));
    assert.ok(span.end > span.start);
  }
  const text = JSON.stringify(spans);
  for (const banned of ['localhost', 'secret', pageTitle('C'), '/D']) assert.equal(text.includes(banned), false, `${banned} in ${text}`);

  const sites = await websites(from, Date.now() + 1);
  assert.ok(sites.domains.some((domain) => domain.domain === '127.0.0.1' && domain.seconds > 0), JSON.stringify(sites));
  assert.equal(JSON.stringify(sites).includes('localhost'), false, JSON.stringify(sites));
  const local = sites.domains.find((domain) => domain.domain === '127.0.0.1');
  assert.equal(local.pages.some((page) => page.url.includes('/D')), false, JSON.stringify(local));
  await tabC.page.close();
  await tabD.page.close();
});

test('an xterm focused while the browser has just reported gives spans without URL', { timeout: 60_000 }, async () => {
  await startFromHome();
  await setPolicy({ url_mode: 'strip_query' });
  const { page } = await openTab(`${pages.origin}/E`, 'E');
  await focusPage('E');
  await agentShows(`${pages.origin}/E`, { title: windowTitle('E') });
  const beats = (await agentApi(`/api/0/buckets/${kBucket}/events?limit=1000`)).length;

  h.processes.spawn('xterm', 'xterm', ['-T', 'wt-ext-xterm', '-geometry', '60x10', '-e', 'cat'], {
    env: { ...process.env, DISPLAY: display },
  });
  const from = Date.now();
  const xterm = await waitFor(
    async () => (await x(['search', '--name', '^wt-ext-xterm$']).catch(() => '')).split('\n').filter(Boolean)[0] ?? null,
    { timeoutMs: 10_000, what: 'the xterm window' },
  );
  await x(['windowactivate', '--sync', xterm]);
  await agentShows('', { title: 'wt-ext-xterm', what: 'empty while the xterm has the focus' });
  // The browser's tab changes in the background: the extension sees no focused browser window
  // and sends nothing; the agent's last report is seconds old, yet the xterm gets no URL.
  await page.goto(`${pages.origin}/F?while=xterm`);
  assert.equal(await worker.evaluate(() => globalThis.worktraceReporter.trigger('test')), 'nothing to report');
  await sleep(2_500);
  await focusPage('F');
  await agentShows(`${pages.origin}/F`, { title: windowTitle('F') });
  await sleep(1_000);

  let spans;
  await waitFor(
    async () => {
      spans = (await timeline(from - 10_000, Date.now() + 1)).filter((span) => span.end > from);
      const xtermIndex = spans.findIndex((span) => span.title === 'wt-ext-xterm');
      return xtermIndex >= 0 && spans.slice(xtermIndex).some((span) => span.url === `${pages.origin}/F`);
    },
    { timeoutMs: 30_000, what: 'the xterm span, then Chromium with URL F' },
  ).catch((error) => assert.fail(`${error.message}\n${JSON.stringify(spans, null, 1)}`));
  const xtermSpans = spans.filter((span) => span.title === 'wt-ext-xterm');
  assert.ok(xtermSpans.length > 0);
  for (const span of xtermSpans) {
    assert.equal(span.app, 'XTerm');
    assert.equal(span.url ?? '', '', JSON.stringify(span));
    assert.equal(span.domain ?? '', '', JSON.stringify(span));
  }
  const titleOf = { [`${pages.origin}/E`]: windowTitle('E'), [`${pages.origin}/F`]: windowTitle('F') };
  for (const span of spans.filter((s) => s.url)) assert.equal(span.title, titleOf[span.url], JSON.stringify(span));
  // The extension did report before and after (the check above is not vacuous).
  assert.ok((await agentApi(`/api/0/buckets/${kBucket}/events?limit=1000`)).length > beats);
  await page.close();
});

test('an extension without the built-in ID is refused until paired with a code from pair-browser', { timeout: 60_000 }, async () => {
  // The same build without the manifest key: Chromium derives another ID from its path, an
  // origin the agent does not know (as every Firefox install is).
  const { chromium: keyless } = await buildExtension({ out: await h.tempDir('worktrace-extension-keyless-') });
  const manifestFile = path.join(keyless, 'manifest.json');
  const manifest = JSON.parse(await readFile(manifestFile, 'utf8'));
  delete manifest.key;
  await writeFile(manifestFile, JSON.stringify(manifest));
  const other = await chromium.launchPersistentContext(await h.tempDir('worktrace-chromium-keyless-'), {
    executablePath: kChromiumPath,
    headless: false,
    ignoreDefaultArgs: ['--disable-extensions'],
    args: ['--no-sandbox', '--disable-gpu', '--no-first-run', `--disable-extensions-except=${keyless}`, `--load-extension=${keyless}`],
    env: { ...process.env, DISPLAY: display },
    timeout: 30_000,
  });
  try {
    other.setDefaultTimeout(15_000);
    const sw = other.serviceWorkers()[0] ?? (await other.waitForEvent('serviceworker', { timeout: 15_000 }));
    const origin = /^chrome-extension:\/\/[a-p]{32}/.exec(sw.url())?.[0];
    assert.ok(origin, sw.url());
    assert.notEqual(origin, `chrome-extension://${kExtensionId}`);
    await sw.evaluate((address) => chrome.storage.local.set({ agentAddress: address }), `http://127.0.0.1:${apiPort}`);
    await sw.evaluate(() => chrome.tabs.create({ url: chrome.runtime.getURL('popup.html') }));
    const popup = await waitFor(() => other.pages().find((page) => page.url().endsWith('/popup.html')) ?? null, {
      timeoutMs: 10_000,
      what: 'the popup page',
    });
    const says = (label) =>
      waitFor(async () => (await popup.locator('#state').textContent()) === label, { timeoutMs: 10_000, what: `the popup to say ${label}` }).catch(
        async (error) => assert.fail(`${error.message}: ${await popup.locator('body').innerText()}`),
      );
    await says('Not paired');
    await popup.locator('#pair-form').waitFor();

    await popup.locator('#code').fill('2222-2222');
    await popup.locator('#pair-form button').click();
    await popup.locator('#pair-message.error').waitFor();
    assert.notEqual(await popup.locator('#pair-message').textContent(), '');

    const paired = await h.processes.run('agent-pair', agentBin, ['pair-browser', '--config-dir', agentDir]);
    assert.equal(paired.code, 0, paired.child.output());
    const code = /Browser pairing code: (\S+)/.exec(paired.stdout)?.[1];
    assert.ok(code, paired.stdout);
    await popup.locator('#code').fill(code.toLowerCase());
    await popup.locator('#pair-form button').click();
    await says('Connected');
    assert.equal(await popup.locator('#pair-form').isHidden(), true);
    const origins = await readFile(path.join(agentDir, 'browser_origins.json'), 'utf8');
    assert.ok(origins.includes(origin), origins);
  } finally {
    await other.close();
  }
});

test('in new headless mode the extension reports as well; without a focused browser window no span carries its URL', { timeout: 60_000 }, async () => {
  await startFromHome();
  await setPolicy({ url_mode: 'strip_query' });
  // An xterm has the X focus: a headless browser has no window that could take it.
  h.processes.spawn('xterm-headless', 'xterm', ['-T', 'wt-ext-headless', '-geometry', '60x10', '-e', 'cat'], {
    env: { ...process.env, DISPLAY: display },
  });
  const xterm = await waitFor(
    async () => (await x(['search', '--name', '^wt-ext-headless$']).catch(() => '')).split('\n').filter(Boolean)[0] ?? null,
    { timeoutMs: 10_000, what: 'the xterm window' },
  );
  await x(['windowactivate', '--sync', xterm]);
  await agentShows('', { title: 'wt-ext-headless', what: 'empty while the xterm has the focus' });
  const from = Date.now();

  const headless = await chromium.launchPersistentContext(await h.tempDir('worktrace-chromium-headless-'), {
    executablePath: kChromiumPath,
    headless: false, // the flag below asks for the new headless mode explicitly
    ignoreDefaultArgs: ['--disable-extensions'],
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--no-first-run', `--disable-extensions-except=${extensionDir}`, `--load-extension=${extensionDir}`],
    env: { ...process.env, DISPLAY: display },
    timeout: 30_000,
  });
  try {
    headless.setDefaultTimeout(15_000);
    const sw =
      headless.serviceWorkers().find((candidate) => candidate.url().startsWith(`chrome-extension://${kExtensionId}/`)) ??
      (await headless.waitForEvent('serviceworker', { timeout: 15_000 }));
    await sw.evaluate((address) => chrome.storage.local.set({ agentAddress: address }), `http://127.0.0.1:${apiPort}`);
    await sw.evaluate((url) => chrome.tabs.create({ url }), `${pages.origin}/H?secret=1`);
    await waitFor(() => pages.hits.some((hit) => hit.startsWith('/H')), { timeoutMs: 10_000, what: 'the headless browser to load /H' });
    await waitFor(
      async () => {
        await sw.evaluate(() => globalThis.worktraceReporter.trigger('test'));
        const events = await agentApi(`/api/0/buckets/${kBucket}/events?limit=1000`);
        return events.some((event) => event.data?.url === `${pages.origin}/H?secret=1` && event.data?.title === pageTitle('H'));
      },
      { timeoutMs: 15_000, intervalMs: 500, what: "the headless browser's report in the agent's bucket" },
    );
  } finally {
    await headless.close();
  }
  await sleep(1_500);
  const status = await agentStatus();
  assert.equal(status.tracking?.title, 'wt-ext-headless', JSON.stringify(status.tracking));
  assert.equal(status.tracking?.url ?? '', '', JSON.stringify(status.tracking));

  await startFromHome(); // ends the xterm's span
  let spans;
  await waitFor(
    async () => {
      spans = (await timeline(from - 10_000, Date.now() + 1)).filter((span) => span.end > from);
      return spans.some((span) => span.title === 'wt-ext-headless') && spans.at(-1)?.title !== 'wt-ext-headless';
    },
    { timeoutMs: 30_000, what: "the xterm's span on the server" },
  ).catch((error) => assert.fail(`${error.message}\n${JSON.stringify(spans, null, 1)}`));
  assert.equal(JSON.stringify(spans).includes('/H'), false, JSON.stringify(spans, null, 1));
  for (const span of spans.filter((s) => s.title === 'wt-ext-headless')) assert.equal(span.url ?? '', '', JSON.stringify(span));
});

test('of an incognito window only that it is in front reaches the agent: private spans, no trace of its pages', { timeout: 90_000 }, async () => {
  await startFromHome();
  const marker = `incognito${Date.now().toString(36)}`;
  const privateUrl = `${pages.origin}/${marker}?token=${marker}`;
  const { page } = await openTab(`${pages.origin}/G`, 'G');
  await focusPage('G');
  await agentShows(`${pages.origin}/G`, { title: windowTitle('G') });

  // The extension may run in incognito, sees the window, its tabs and their URLs...
  const seen = await worker.evaluate(async (url) => {
    const window = await chrome.windows.create({ incognito: true, url });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    await chrome.tabs.create({ windowId: window.id, url: `${url}&second=1` });
    await new Promise((resolve) => setTimeout(resolve, 1_500));
    const focused = await chrome.windows.getLastFocused();
    const tabs = await chrome.tabs.query({ windowId: window.id });
    return { focused: { incognito: focused.incognito, focused: focused.focused }, urls: tabs.map((tab) => tab.url), titles: tabs.map((tab) => tab.title) };
  }, privateUrl);
  assert.deepEqual(seen.focused, { incognito: true, focused: true }, 'the incognito window has the focus');
  assert.ok(seen.urls.includes(privateUrl), JSON.stringify(seen));
  assert.ok(seen.titles.includes(pageTitle(marker)), JSON.stringify(seen));
  assert.ok(pages.hits.some((hit) => hit.includes(marker)), 'the incognito window loaded the page');
  // The X focus is on the incognito window (its title is its active page's).
  await focusPage(marker, { prefixOnly: true });
  // ...and sends only the private marker; the agent records that time as private.
  assert.equal(await worker.evaluate(() => globalThis.worktraceReporter.trigger('test')), 'sent private');
  let tracking;
  await waitFor(async () => (tracking = (await agentStatus()).tracking)?.private === true, { timeoutMs: 15_000, what: 'the agent to record private time' })
    .catch((error) => assert.fail(`${error.message}; it is ${JSON.stringify(tracking)}`));
  for (const field of ['app', 'title', 'url']) assert.equal(tracking[field] ?? '', '', JSON.stringify(tracking));
  const privateFrom = Date.now();
  await sleep(2_500);
  const privateTo = Date.now();
  await worker.evaluate(async () => {
    for (const window of await chrome.windows.getAll()) if (window.incognito) await chrome.windows.remove(window.id);
  });
  await focusPage('G');
  await agentShows(`${pages.origin}/G`, { title: windowTitle('G'), what: 'G after the incognito window' });

  const events = await agentApi(`/api/0/buckets/${kBucket}/events?limit=1000`);
  const eventsText = JSON.stringify(events);
  assert.ok(eventsText.includes(`${pages.origin}/G`), 'the bucket holds the normal reports');
  assert.equal(eventsText.includes(marker), false, 'an incognito URL or title reached the agent');
  const markers = events.filter((event) => event.data?.incognito === true);
  assert.ok(markers.length > 0, eventsText);
  for (const event of markers) {
    assert.deepEqual(event.data, { url: '', title: '', audible: false, incognito: true, tabCount: 0 }, JSON.stringify(event));
  }

  const stopped = await agent.stop('SIGTERM', 15_000);
  assert.equal(stopped.code, 0, agent.output());
  await waitFor(async () => (await agentStatus()).upload?.pending_records === 0, { timeoutMs: 30_000, what: 'the outbox to drain' });

  const spans = await timeline(kSuiteStart - 60_000, Date.now() + 1);
  const during = spans.filter((span) => span.start < privateTo && span.end > privateFrom);
  assert.ok(during.length > 0, JSON.stringify(spans, null, 1));
  for (const span of during) {
    assert.equal(span.private, true, JSON.stringify(span));
    for (const field of ['app', 'exe', 'title', 'url', 'domain']) assert.equal(span[field] ?? '', '', JSON.stringify(span));
  }
  const everything = JSON.stringify([spans, await websites(kSuiteStart - 60_000, Date.now() + 1), await agentStatus()]);
  assert.ok(everything.includes(`${pages.origin}/G`), 'the normal tab is on the server');
  assert.ok(everything.includes(windowTitle('G')), "the normal tab's title is on the server");
  for (const banned of [marker, 'WT Private']) {
    assert.equal(everything.includes(banned), false, `${banned} reached the server or the agent status`);
  }
  for (const dir of [agentDir, dataDir]) {
    for (const { name, content } of await filesBelow(dir)) {
      for (const banned of [marker, 'WT Private']) {
        assert.equal(content.includes(banned), false, `${banned} is in ${path.join(dir, name)}`);
      }
    }
  }
  await page.close();
});
