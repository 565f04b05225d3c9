import assert from 'node:assert/strict';
import { test } from 'node:test';
import { currentSiteText, kStates, statusFromProbe } from '../src/lib/status.js';

function info(worktrace) {
  return { status: 200, body: { hostname: 'h', version: 'v', ...(worktrace ? { worktrace } : {}) } };
}

test('each agent answer maps to one popup state', () => {
  const cases = [
    [{ network: true }, undefined, 'agent_not_running'],
    [undefined, undefined, 'agent_not_running'],
    [{ status: 403, body: { error: {} } }, undefined, 'not_paired'],
    [info({ tracking: 'active', paired: true, url_mode: 'strip_query' }), { status: 304 }, 'connected'],
    [info({ tracking: 'idle', paired: true }), { status: 200 }, 'connected'],
    [info({ tracking: 'paused', paired: true }), { status: 304 }, 'paused'],
    [info({ tracking: 'outside_work_hours', paired: true }), { status: 304 }, 'paused'],
    [info({ tracking: 'unavailable', paired: true }), { status: 304 }, 'unavailable'],
    [info({ tracking: 'active', paired: true }), { status: 403 }, 'not_paired'],
    // The GET carried no Origin, so its "paired" is not about this extension: the POST decides.
    [info({ tracking: 'active', paired: false }), { status: 304 }, 'connected'],
    [info({ tracking: 'active', paired: false }), undefined, 'not_paired'],
    [info({ tracking: 'bogus', paired: true }), { status: 304 }, 'error'],
    [info(null), { status: 200 }, 'connected'],
    [{ status: 500, body: null }, undefined, 'error'],
    [{ status: 200, body: null }, undefined, 'error'],
  ];
  for (const [probe, bucket, state] of cases) {
    const status = statusFromProbe(probe, bucket);
    assert.equal(status.state, state, JSON.stringify([probe, bucket]));
    assert.ok(kStates.includes(status.state));
    assert.ok(status.label.length > 0 && status.detail.length > 0);
  }
});

test('labels say what the person needs', () => {
  assert.equal(statusFromProbe(info({ tracking: 'paused', paired: true }), { status: 304 }).label, 'Paused by policy');
  assert.match(statusFromProbe({ status: 403 }).detail, /worktrace-agent pair-browser/);
  assert.match(statusFromProbe(info({ tracking: 'active', paired: true, url_mode: 'domain' }), { status: 304 }).detail, /site names/);
  assert.equal(statusFromProbe({ network: true }).label, 'Agent not running');
});

test('the current site line never shows a private tab\'s address', () => {
  assert.equal(currentSiteText({ url: 'https://docs.example.com/x?y', incognito: false }), 'docs.example.com');
  assert.equal(currentSiteText({ url: 'https://secret.example/', incognito: true }), 'Private window: only that one is in front is sent');
  assert.equal(currentSiteText({ url: 'chrome://settings', incognito: false }), 'Not a web page: nothing is sent');
  assert.equal(currentSiteText({ incognito: false }), 'Not a web page: nothing is sent');
  assert.equal(currentSiteText(undefined), 'No tab');
});
