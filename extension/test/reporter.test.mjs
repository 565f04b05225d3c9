// The reporting loop against a fake browser (windows and tabs as plain objects) and a real
// HTTP server standing in for the agent.
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { Reporter } from '../src/lib/reporter.js';
import { deadAddress, startFakeAgent } from './fake_agent.mjs';

const kNone = -1;

/** A browser with `windows`; `focused` is the focused window's id or kNone. */
function fakeBrowser(windows, focused) {
  const browser = {
    windows,
    focused,
    api: {
      windows: {
        WINDOW_ID_NONE: kNone,
        getLastFocused: async () => {
          const id = browser.focused === kNone ? browser.windows[0]?.id : browser.focused;
          const window = browser.windows.find((w) => w.id === id);
          if (!window) throw new Error('No last-focused window');
          return { ...window, tabs: undefined, focused: browser.focused === window.id };
        },
        getAll: async () => structuredClone(browser.windows),
      },
    },
  };
  return browser;
}

function window(id, url, { incognito = false, title = `T${id}` } = {}) {
  return { id, incognito, type: 'normal', tabs: [{ id: id * 10, windowId: id, active: true, incognito, url, title, audible: false }] };
}

let agent;
before(async () => { agent = await startFakeAgent(); });
after(() => agent.close());
beforeEach(() => {
  agent.requests.length = 0;
  agent.buckets.clear();
  agent.heartbeatStatus = 200;
  agent.bucketStatus = 200;
});

function reporter(browser, address = agent.address) {
  let tick = 0;
  return new Reporter({
    browserApi: browser.api,
    browserName: 'chrome',
    fetchImpl: fetch,
    loadAddress: async () => address,
    now: () => new Date(Date.UTC(2026, 0, 1, 9, 0, tick++)),
  });
}

function beats() {
  return agent.requests.filter((r) => r.url.includes('/heartbeat'));
}

test('the first report creates the bucket with the agent\'s hostname; later ones only heartbeat', async () => {
  const browser = fakeBrowser([window(1, 'http://127.0.0.1:8000/a?secret=1#frag'), window(2, 'https://b.test/')], 1);
  const r = reporter(browser);
  assert.equal(await r.trigger('tab activated'), 'sent');
  browser.focused = 2;
  assert.equal(await r.trigger('focus changed'), 'sent');
  assert.deepEqual(agent.paths(), [
    'GET /api/0/info',
    'POST /api/0/buckets/aw-watcher-web-chrome',
    'POST /api/0/buckets/aw-watcher-web-chrome/heartbeat?pulsetime=65',
    'POST /api/0/buckets/aw-watcher-web-chrome/heartbeat?pulsetime=65',
  ]);
  assert.equal(agent.requests[1].body.hostname, 'fake-host');
  assert.deepEqual(beats().map((b) => b.body.data), [
    { url: 'http://127.0.0.1:8000/a?secret=1#frag', title: 'T1', audible: false, incognito: false, tabCount: 2 },
    { url: 'https://b.test/', title: 'T2', audible: false, incognito: false, tabCount: 2 },
  ]);
  assert.equal(beats()[0].body.timestamp, '2026-01-01T09:00:00.000Z');
});

test('while an incognito window has the focus only the private marker is sent', async () => {
  const secret = window(3, 'https://secret.test/x', { incognito: true, title: 'Secret title' });
  secret.tabs.push({ id: 31, windowId: 3, active: false, incognito: true, url: 'https://secret.test/other', title: 'Other secret', audible: true });
  const browser = fakeBrowser([window(1, 'https://a.test/'), secret], 3);
  const r = reporter(browser);
  for (const reason of ['tab activated', 'tab updated', 'alarm', 'focus changed']) {
    assert.equal(await r.trigger(reason), 'sent private');
  }
  assert.equal(beats().length, 4);
  for (const beat of beats()) {
    assert.deepEqual(beat.body.data, { url: '', title: '', audible: false, incognito: true, tabCount: 0 });
  }
  // Back in the normal window: reported, and the incognito tabs are not even counted.
  browser.focused = 1;
  assert.equal(await r.trigger('focus changed'), 'sent');
  assert.deepEqual(beats().at(-1).body.data, { url: 'https://a.test/', title: 'T1', audible: false, incognito: false, tabCount: 1 });
  const sent = JSON.stringify(agent.requests.map((q) => [q.url, q.body]));
  for (const banned of ['secret', 'Secret', 'Other']) assert.equal(sent.includes(banned), false, `${banned} in ${sent}`);
});

test('a private window with the focus while the agent is down is retried like any report', async () => {
  const browser = fakeBrowser([window(3, 'https://secret.test/x', { incognito: true })], 3);
  let address = await deadAddress();
  const r = new Reporter({ browserApi: browser.api, browserName: 'chrome', fetchImpl: fetch, loadAddress: async () => address });
  assert.equal(await r.trigger('alarm'), 'agent not running');
  address = agent.address;
  assert.equal(await r.trigger('alarm'), 'sent private');
  assert.equal(beats()[0].body.data.incognito, true);
});

test('reporting stops when no browser window has the focus and resumes when one has', async () => {
  const browser = fakeBrowser([window(1, 'https://a.test/')], kNone);
  const r = reporter(browser);
  assert.equal(await r.trigger('alarm'), 'nothing to report');
  assert.equal(await r.trigger('focus changed'), 'nothing to report');
  assert.deepEqual(agent.requests, []);
  browser.focused = 1;
  assert.equal(await r.trigger('focus changed'), 'sent');
  browser.windows = [];
  browser.focused = kNone;
  assert.equal(await r.trigger('alarm'), 'nothing to report');
  assert.equal(beats().length, 1);
});

test('a non-web page is reported by its title only, never its URL', async () => {
  const browser = fakeBrowser([window(1, 'chrome://settings/?search=passwords', { title: 'Settings' })], 1);
  assert.equal(await reporter(browser).trigger('tab activated'), 'sent');
  const [sent] = beats();
  assert.deepEqual(sent.body.data, { url: '', title: 'Settings', audible: false, incognito: false, tabCount: 1 });
  assert.equal(JSON.stringify(agent.requests).includes('chrome://'), false);
});

test('an agent that is down is retried quietly at the next trigger', async () => {
  const browser = fakeBrowser([window(1, 'https://a.test/')], 1);
  let address = await deadAddress();
  const r = new Reporter({ browserApi: browser.api, browserName: 'chrome', fetchImpl: fetch, loadAddress: async () => address });
  assert.equal(await r.trigger('alarm'), 'agent not running');
  assert.equal(await r.trigger('alarm'), 'agent not running');
  assert.equal(r.last.outcome, 'agent not running');
  address = agent.address; // the agent came up (the address is read at every report)
  assert.equal(await r.trigger('alarm'), 'sent');
});

test('a heartbeat refused (agent restarted, bucket gone) re-creates the bucket next time', async () => {
  const browser = fakeBrowser([window(1, 'https://a.test/')], 1);
  const r = reporter(browser);
  assert.equal(await r.trigger('alarm'), 'sent');
  agent.buckets.clear(); // the agent restarted with an empty store
  assert.equal(await r.trigger('alarm'), 'heartbeat: HTTP 404');
  assert.equal(await r.trigger('alarm'), 'sent');
  assert.equal(agent.paths().filter((p) => p === 'POST /api/0/buckets/aw-watcher-web-chrome').length, 2);
});

test('a refused origin (not paired) sends no heartbeat', async () => {
  agent.bucketStatus = 403;
  const browser = fakeBrowser([window(1, 'https://a.test/')], 1);
  assert.equal(await reporter(browser).trigger('alarm'), 'bucket: HTTP 403');
  assert.equal(beats().length, 0);
});

test('reports run one at a time in trigger order', async () => {
  const browser = fakeBrowser([window(1, 'https://one.test/'), window(2, 'https://two.test/')], 1);
  const r = reporter(browser);
  const first = r.trigger('a');
  browser.focused = 2; // changes before the first report has even looked
  const second = r.trigger('b');
  await Promise.all([first, second]);
  assert.deepEqual(beats().map((b) => b.body.data.url), ['https://two.test/', 'https://two.test/']);
  // Timestamps increase with the order of the reports.
  const stamps = beats().map((b) => b.body.timestamp);
  assert.ok(stamps[0] < stamps[1]);
});
