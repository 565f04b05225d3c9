import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  bucketBody,
  bucketId,
  heartbeatBody,
  heartbeatPath,
  isReportableUrl,
  kMaxTitleLength,
  privateHeartbeatBody,
} from '../src/lib/heartbeat.js';

const kNow = new Date(Date.UTC(2026, 0, 2, 3, 4, 5, 678));

function tab(overrides = {}) {
  return { id: 7, windowId: 1, active: true, incognito: false, url: 'https://example.com/a?q=1#f', title: 'A', audible: false, ...overrides };
}

test('bucket ids and bodies follow aw-watcher-web', () => {
  assert.equal(bucketId('chrome'), 'aw-watcher-web-chrome');
  assert.equal(bucketId('firefox'), 'aw-watcher-web-firefox');
  assert.throws(() => bucketId('../x'), /bad browser name/);
  assert.throws(() => bucketId(''), /bad browser name/);
  assert.deepEqual(bucketBody('desk-1'), { client: 'worktrace-extension', type: 'web.tab.current', hostname: 'desk-1' });
  assert.equal(bucketBody(undefined).hostname, 'unknown');
  assert.equal(heartbeatPath('aw-watcher-web-chrome'), '/api/0/buckets/aw-watcher-web-chrome/heartbeat?pulsetime=65');
});

test('a normal tab gives the ActivityWatch heartbeat with its URL as the browser has it', () => {
  // The agent redacts per policy; the extension reports what is there.
  assert.deepEqual(heartbeatBody(tab({ audible: true }), 5, kNow), {
    timestamp: '2026-01-02T03:04:05.678Z',
    duration: 0,
    data: { url: 'https://example.com/a?q=1#f', title: 'A', audible: true, incognito: false, tabCount: 5 },
  });
});

test('incognito tabs and unknown incognito state give nothing; non-web pages only their title', () => {
  assert.equal(heartbeatBody(tab({ incognito: true }), 1, kNow), null);
  assert.equal(heartbeatBody(tab({ incognito: undefined }), 1, kNow), null);
  assert.equal(heartbeatBody(null, 1, kNow), null);
  for (const url of ['chrome://extensions/', 'about:blank', 'file:///etc/passwd', 'data:text/html,hi', 'javascript:alert(1)',
    'chrome-extension://abc/popup.html', 'moz-extension://x/y', '', undefined, 'not a url', `https://e.com/${'x'.repeat(2100)}`]) {
    assert.deepEqual(heartbeatBody(tab({ url, title: 'Settings' }), 1, kNow).data,
      { url: '', title: 'Settings', audible: false, incognito: false, tabCount: 1 }, String(url).slice(0, 40));
    assert.equal(isReportableUrl(url), false);
  }
});

test('long titles are cut without splitting a character; a missing title is empty', () => {
  const long = `${'a'.repeat(kMaxTitleLength - 1)}😀tail`;
  const data = heartbeatBody(tab({ title: long }), 1, kNow).data;
  assert.equal(data.title, 'a'.repeat(kMaxTitleLength - 1));
  assert.equal(heartbeatBody(tab({ title: undefined }), 1, kNow).data.title, '');
  assert.equal(heartbeatBody(tab(), 0, kNow).data.tabCount, 1);
  assert.equal(heartbeatBody(tab({ audible: undefined }), 2, kNow).data.audible, false);
});

test('the private marker says only that a private window has the focus', () => {
  assert.deepEqual(privateHeartbeatBody(kNow), {
    timestamp: '2026-01-02T03:04:05.678Z',
    duration: 0,
    data: { url: '', title: '', audible: false, incognito: true, tabCount: 0 },
  });
});
