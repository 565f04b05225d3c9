// The agent's ActivityWatch-compatible local API (/api/0 on 127.0.0.1), driven over HTTP the way
// ActivityWatch's web extension does, and browser pairing with `worktrace-agent pair-browser`.
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { Harness, freePort, waitFor } from '../lib/harness.mjs';
import { agentBin } from '../lib/paths.mjs';
import { request } from '../lib/http.mjs';

const kWorktraceExtension = 'chrome-extension://ccmhfjohdjjacpajpclbbjeofofekeli';
const kFirefoxExtension = 'moz-extension://0b5a1c3e-8a52-4f3e-9a57-6f2a0f6d1c2b';
const kBucket = '/api/0/buckets/aw-watcher-web-chromium';

const h = new Harness('integration-agent-local-api');
after(() => h.cleanup());

let agent;
let configDir;
let local; // http://127.0.0.1:<port>

function runAgentCommand(name, args) {
  return h.processes.run(name, agentBin, args, { env: { ...process.env }, timeoutMs: 30_000 });
}

function call(target, { method = 'GET', origin, body, headers = {}, host } = {}) {
  const all = { ...headers };
  if (origin) all.Origin = origin;
  if (host) all.Host = host;
  return request(local, target, { method, headers: all, body, csrf: false });
}

function heartbeat(timestamp, url, { duration = 0, pulsetime = 65, origin = kWorktraceExtension } = {}) {
  return call(`${kBucket}/heartbeat?pulsetime=${pulsetime}`, {
    method: 'POST',
    origin,
    body: { timestamp, duration, data: { url, title: 'Page', audible: false, incognito: false, tabCount: 2 } },
  });
}

before(async () => {
  const { dataDir } = await h.initData();
  const server = await h.startServer({ dataDir, webRoot: null });
  configDir = path.join(await h.tempDir('agent-local-api'), 'agent');
  const enrolled = await h.enrollAgent({ origin: server.origin, token: await h.enrollmentToken(dataDir), configDir });
  assert.equal(enrolled.code, 0, enrolled.child.output());
  const port = await freePort();
  local = `http://127.0.0.1:${port}`;
  agent = h.startAgent({
    configDir,
    args: ['--no-tracking', '--local-api-port', String(port), '--allow-origin', 'http://localhost:3000'],
  });
  await waitFor(
    async () => {
      if (!agent.running) throw new Error(`the agent exited with ${agent.exitCode}\n${agent.output()}`);
      const info = await call('/api/0/info').catch(() => null);
      return info?.status === 200;
    },
    { timeoutMs: 15_000, what: `GET ${local}/api/0/info == 200` },
  );
});

test('run refuses a bad --local-api-port or --allow-origin before starting', async () => {
  const port = await runAgentCommand('agent-bad-port', ['run', '--config-dir', configDir, '--local-api-port', '70000']);
  assert.equal(port.code, 2, port.child.output());
  assert.match(port.stderr, /local-api-port/);
  const origin = await runAgentCommand('agent-bad-origin', [
    'run', '--config-dir', configDir, '--allow-origin', 'https://example.com/path',
  ]);
  assert.equal(origin.code, 2, origin.child.output());
  assert.match(origin.stderr, /is not an origin/);
});

test('GET /api/0/info tells the extension about the agent and whether it is paired', async () => {
  const info = await call('/api/0/info', { origin: kWorktraceExtension });
  assert.equal(info.status, 200, info.text);
  assert.equal(info.headers['access-control-allow-origin'], kWorktraceExtension);
  const body = info.json();
  assert.equal(typeof body.hostname, 'string');
  assert.ok(body.hostname.length > 0);
  assert.equal(body.testing, false);
  assert.equal(body.worktrace.paired, true);
  assert.ok(['active', 'idle', 'paused', 'outside_work_hours', 'unavailable'].includes(body.worktrace.tracking), info.text);
  const stranger = await call('/api/0/info', { origin: 'chrome-extension://strangerstrangerstranger' });
  assert.equal(stranger.status, 200);
  assert.equal(stranger.json().worktrace.paired, false);
});

test('the web watcher flow: bucket 200 then 304, heartbeats merged as ActivityWatch does', async () => {
  // Chrome's preflight, Private Network Access included.
  const preflight = await call(kBucket, {
    method: 'OPTIONS',
    origin: kWorktraceExtension,
    headers: {
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'content-type',
      'Access-Control-Request-Private-Network': 'true',
    },
  });
  assert.equal(preflight.status, 204);
  assert.equal(preflight.headers['access-control-allow-private-network'], 'true');

  const hostname = (await call('/api/0/info')).json().hostname;
  const bucket = { client: 'aw-client-web', type: 'web.tab.current', hostname };
  const created = await call(kBucket, { method: 'POST', origin: kWorktraceExtension, body: bucket });
  assert.equal(created.status, 200, created.text);
  const again = await call(kBucket, { method: 'POST', origin: kWorktraceExtension, body: bucket });
  assert.equal(again.status, 304);

  const first = await heartbeat('2026-01-05T10:00:00Z', 'https://example.com/a', { duration: 1 });
  assert.equal(first.status, 200, first.text);
  const merged = await heartbeat('2026-01-05T10:00:02+00:00', 'https://example.com/a', { duration: 1, pulsetime: 2 });
  assert.equal(merged.status, 200, merged.text);
  assert.equal(merged.json().id, first.json().id);
  assert.equal(merged.json().duration, 3);
  const separate = await heartbeat('2026-01-05T10:00:05Z', 'https://example.com/a', { duration: 1, pulsetime: 0 });
  assert.notEqual(separate.json().id, first.json().id);
  const other = await heartbeat('2026-01-05T10:00:06Z', 'https://example.org/b');
  assert.notEqual(other.json().id, separate.json().id);

  const events = await call(`${kBucket}/events?limit=10`, { origin: kWorktraceExtension });
  assert.equal(events.status, 200);
  assert.deepEqual(
    events.json().map((event) => [event.data.url, event.duration]),
    [['https://example.org/b', 0], ['https://example.com/a', 1], ['https://example.com/a', 3]],
  );
  const buckets = await call('/api/0/buckets/', { origin: 'http://localhost:3000' });
  assert.equal(buckets.status, 200);
  assert.equal(buckets.json()['aw-watcher-web-chromium'].type, 'web.tab.current');
});

test('foreign Host and Origin, oversized and invalid bodies are refused and the agent keeps answering', async () => {
  const rebinding = await call('/api/0/info', { host: `evil.test:${new URL(local).port}` });
  assert.equal(rebinding.status, 403);
  const foreign = await call('/api/0/buckets/', { origin: 'https://evil.test' });
  assert.equal(foreign.status, 403);
  assert.equal(foreign.headers['access-control-allow-origin'], undefined);
  const huge = await call(kBucket, { method: 'POST', body: ' '.repeat(1024 * 1024 + 1) });
  assert.equal(huge.status, 413);
  const longTitle = await call(`${kBucket}/heartbeat?pulsetime=65`, {
    method: 'POST',
    body: { timestamp: '2026-01-05T10:01:00Z', duration: 0, data: { url: 'https://a.test/', title: 'x'.repeat(100 * 1024) } },
  });
  assert.equal(longTitle.status, 413);
  assert.match(longTitle.json().error.message, /^\$\.data: must be at most/);
  const badUtf8 = await call(`${kBucket}/heartbeat?pulsetime=65`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: Buffer.concat([
      Buffer.from('{"timestamp":"2026-01-05T10:01:00Z","duration":0,"data":{"url":"https://a.test/","title":"'),
      Buffer.from([0xff, 0xfe]),
      Buffer.from('"}}'),
    ]),
  });
  assert.equal(badUtf8.status, 400);
  assert.equal(badUtf8.json().error.message, '$.data.title: must be valid UTF-8');

  // 200 heartbeats as fast as one client can send them: at most 50 per second are taken.
  let limited = 0;
  for (let beat = 0; beat < 200; beat += 1) {
    const reply = await heartbeat('2026-01-05T10:02:00Z', `https://flood.test/${beat}`);
    if (reply.status === 429) limited += 1;
    else assert.equal(reply.status, 200, reply.text);
  }
  assert.ok(limited > 0, 'a flood of heartbeats was not limited');
  await waitFor(async () => (await call('/api/0/info')).status === 200, { timeoutMs: 5_000, what: 'info after the flood' });
  assert.ok(agent.running, agent.output());
});

test('pair-browser prints a code that pairs an extension origin once', async () => {
  const text = await runAgentCommand('agent-pair-text', ['pair-browser', '--config-dir', configDir]);
  assert.equal(text.code, 0, text.child.output());
  assert.match(text.stdout, /Browser pairing code: [0-9A-HJKMNP-TV-Z]{8}\n/);
  const issued = await runAgentCommand('agent-pair-json', ['pair-browser', '--config-dir', configDir, '--json']);
  assert.equal(issued.code, 0, issued.child.output());
  const { code, expires_ms: expiresMs } = JSON.parse(issued.stdout);
  assert.match(code, /^[0-9A-HJKMNP-TV-Z]{8}$/);
  assert.ok(expiresMs > Date.now() + 9 * 60_000 && expiresMs <= Date.now() + 10 * 60_000);
  const stored = await readFile(path.join(configDir, 'browser_pairing.json'), 'utf8');
  assert.ok(!stored.includes(code), 'the pairing code is stored in clear');
  assert.equal(statSync(path.join(configDir, 'browser_pairing.json')).mode & 0o777, 0o600);

  assert.equal((await call('/api/0/buckets/', { origin: kFirefoxExtension })).status, 403);
  const wrongCode = `${code.slice(0, 7)}${code.endsWith('0') ? '1' : '0'}`;
  const wrong = await call('/api/0/worktrace/pair', { method: 'POST', origin: kFirefoxExtension, body: { code: wrongCode } });
  assert.equal(wrong.status, 403);
  assert.equal(wrong.json().error.code, 'permission_denied');
  const web = await call('/api/0/worktrace/pair', { method: 'POST', origin: 'https://evil.test', body: { code } });
  assert.equal(web.status, 403);
  const paired = await call('/api/0/worktrace/pair', { method: 'POST', origin: kFirefoxExtension, body: { code: code.toLowerCase() } });
  assert.equal(paired.status, 200, paired.text);
  assert.deepEqual(paired.json(), { paired: true, origin: kFirefoxExtension });
  assert.equal((await call('/api/0/buckets/', { origin: kFirefoxExtension })).status, 200);
  assert.equal((await call('/api/0/info', { origin: kFirefoxExtension })).json().worktrace.paired, true);
  const reused = await call('/api/0/worktrace/pair', { method: 'POST', origin: 'moz-extension://another-one', body: { code } });
  assert.equal(reused.status, 403);

  const origins = JSON.parse(await readFile(path.join(configDir, 'browser_origins.json'), 'utf8'));
  assert.deepEqual(origins.origins.map((item) => item.origin), [kFirefoxExtension]);
  assert.equal(statSync(path.join(configDir, 'browser_origins.json')).mode & 0o777, 0o600);
});

test('the agent stops cleanly with its local API open', async () => {
  const stopped = await agent.stop('SIGTERM', 10_000);
  assert.equal(stopped.code, 0, agent.output());
});
