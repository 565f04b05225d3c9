// The build: both targets from one source, their manifests, and the fixed Chromium ID.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { buildExtension } from '../../scripts/build-extension.mjs';

let out;
let dirs;
before(async () => {
  out = await mkdtemp(path.join(os.tmpdir(), 'worktrace-extension-'));
  dirs = await buildExtension({ out, agentAddress: 'http://127.0.0.1:5999/' });
});
after(() => rm(out, { recursive: true, force: true }));

async function manifest(target) {
  return JSON.parse(await readFile(path.join(dirs[target], 'manifest.json'), 'utf8'));
}

/** Chromium's extension ID: SHA-256 of the DER public key, first 32 hex digits mapped 0-f -> a-p. */
function extensionId(keyBase64) {
  const hex = createHash('sha256').update(Buffer.from(keyBase64, 'base64')).digest('hex').slice(0, 32);
  return [...hex].map((digit) => String.fromCharCode(97 + Number.parseInt(digit, 16))).join('');
}

test('the Chromium manifest is MV3 with a service worker, the permissions and the fixed key', async () => {
  const m = await manifest('chromium');
  assert.equal(m.manifest_version, 3);
  assert.deepEqual(m.background, { service_worker: 'background.js', type: 'module' });
  assert.deepEqual(m.permissions, ['tabs', 'alarms', 'storage']);
  assert.deepEqual(m.host_permissions, ['http://127.0.0.1/*', 'http://localhost/*']);
  assert.equal(m.action.default_popup, 'popup.html');
  assert.equal(extensionId(m.key), 'ccmhfjohdjjacpajpclbbjeofofekeli');
  assert.equal(m.browser_specific_settings, undefined);
});

test('the Firefox manifest uses a background script and its add-on ID', async () => {
  const m = await manifest('firefox');
  assert.equal(m.manifest_version, 3);
  assert.deepEqual(m.background, { scripts: ['background.js'], type: 'module' });
  assert.deepEqual(m.browser_specific_settings, { gecko: { id: 'extension@worktrace.dev', strict_min_version: '115.0' } });
  assert.equal(m.key, undefined);
  assert.equal(m.minimum_chrome_version, undefined);
  assert.deepEqual(m.permissions, ['tabs', 'alarms', 'storage']);
  assert.deepEqual(m.host_permissions, ['http://127.0.0.1/*', 'http://localhost/*']);
});

test('each build names its browser and the default address; the sources are the same', async () => {
  const chromium = await import(path.join(dirs.chromium, 'lib', 'build_config.js'));
  const firefox = await import(path.join(dirs.firefox, 'lib', 'build_config.js'));
  assert.deepEqual([chromium.kBrowserName, chromium.kDefaultAgentAddress], ['chrome', 'http://127.0.0.1:5999']);
  assert.deepEqual([firefox.kBrowserName, firefox.kDefaultAgentAddress], ['firefox', 'http://127.0.0.1:5999']);
  const files = async (dir) => (await readdir(dir, { recursive: true })).sort();
  assert.deepEqual(await files(dirs.chromium), await files(dirs.firefox));
  for (const name of ['background.js', 'popup.js', 'popup.html', 'lib/reporter.js']) {
    assert.equal(await readFile(path.join(dirs.chromium, name), 'utf8'), await readFile(path.join(dirs.firefox, name), 'utf8'), name);
  }
  // Every module the background and the popup import is in the build.
  const built = await files(dirs.chromium);
  for (const entry of ['background.js', 'popup.js', ...built.filter((f) => f.startsWith('lib/') && f.endsWith('.js'))]) {
    const text = await readFile(path.join(dirs.chromium, entry), 'utf8');
    for (const [, spec] of text.matchAll(/from '(\.[^']+)'/g)) {
      const target = path.posix.normalize(path.posix.join(path.posix.dirname(entry), spec));
      assert.ok(built.includes(target), `${entry} imports ${spec}, missing from the build`);
    }
  }
});

test('a non-loopback default address is refused by the build', async () => {
  await assert.rejects(buildExtension({ out, agentAddress: 'http://192.168.1.5:5600' }), /127\.0\.0\.1 or localhost/);
});
