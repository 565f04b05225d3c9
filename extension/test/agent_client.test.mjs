import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { AgentClient, normalizePairingCode } from '../src/lib/agent_client.js';
import { deadAddress, startFakeAgent } from './fake_agent.mjs';

let agent;
before(async () => { agent = await startFakeAgent(); });
after(() => agent.close());

test('info, bucket creation (200 then 304) and heartbeats over real HTTP', async () => {
  const client = new AgentClient(agent.address);
  const info = await client.info();
  assert.equal(info.status, 200);
  assert.equal(info.body.hostname, 'fake-host');
  assert.equal((await client.ensureBucket('aw-watcher-web-chrome', 'fake-host')).ok, true);
  const again = await client.ensureBucket('aw-watcher-web-chrome', 'fake-host');
  assert.deepEqual([again.ok, again.status, again.body], [true, 304, null]);
  const body = { timestamp: new Date().toISOString(), duration: 0, data: { url: 'https://x.test/', title: 't', audible: false, incognito: false, tabCount: 1 } };
  assert.equal((await client.heartbeat('aw-watcher-web-chrome', body)).ok, true);
  const sent = agent.requests.at(-1);
  assert.equal(sent.url, '/api/0/buckets/aw-watcher-web-chrome/heartbeat?pulsetime=65');
  assert.equal(sent.headers['content-type'], 'application/json');
  assert.deepEqual(sent.body, body);
  assert.deepEqual(agent.requests[1].body, { client: 'worktrace-extension', type: 'web.tab.current', hostname: 'fake-host' });
});

test('a dead agent or a hanging one is a value, not an exception', async () => {
  const dead = await new AgentClient(await deadAddress()).info();
  assert.equal(dead.network, true);
  // A fetch that never answers is cut by the timeout.
  const hanging = new AgentClient('http://127.0.0.1:1', { fetchImpl: (url, init) => new Promise((_, reject) => init.signal.addEventListener('abort', () => reject(new Error('aborted')))), timeoutMs: 50 });
  const answer = await hanging.info();
  assert.deepEqual(answer, { network: true, error: 'aborted' });
});

test('pairing: success, a wrong code and a dead agent', async () => {
  const client = new AgentClient(agent.address);
  assert.deepEqual(await client.pair('ABCD2345'), { ok: true, message: 'Paired.' });
  assert.deepEqual(agent.requests.at(-1).body, { code: 'ABCD2345' });
  agent.pairStatus = 403;
  assert.deepEqual(await client.pair('ABCD2345'), { ok: false, status: 403, message: 'the code does not match' });
  agent.pairStatus = 429;
  assert.equal((await client.pair('ABCD2345')).status, 429);
  const dead = await new AgentClient(await deadAddress()).pair('ABCD2345');
  assert.equal(dead.ok, false);
  assert.match(dead.message, /not running/);
});

test('pairing codes are normalized and shape-checked before they are sent', () => {
  assert.equal(normalizePairingCode(' abcd-2345 '), 'ABCD2345');
  assert.equal(normalizePairingCode('ABCD 2345'), 'ABCD2345');
  assert.equal(normalizePairingCode('ABCD234'), null);
  assert.equal(normalizePairingCode('ABCD23456'), null);
  assert.equal(normalizePairingCode('ABCD23_5'), null);
  assert.equal(normalizePairingCode(undefined), null);
});
