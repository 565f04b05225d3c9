// Process lifecycle of worktrace-server: listening address, graceful SIGTERM with connections
// open, and a restart with `migrate` that keeps the data.
import assert from 'node:assert/strict';
import http from 'node:http';
import { after, test } from 'node:test';
import { Harness, deviceInfo, freePort, kOwner } from '../lib/harness.mjs';
import { login, request } from '../lib/http.mjs';
import { connectAgent } from '../lib/ws.mjs';

const h = new Harness('integration-lifecycle');

after(() => h.cleanup());

/** Enrolls a device with a CLI token; returns the enroll answer. */
async function enrollDevice(server, hostname) {
  const token = await h.enrollmentToken(server.dataDir);
  const response = await request(server.origin, '/api/v1/agent/enroll', {
    method: 'POST',
    body: { token, device: deviceInfo({ hostname }) },
  });
  assert.equal(response.status, 201, response.text);
  return response.json();
}

test('serve listens on the port it is given and writes it to the port file', async () => {
  const { dataDir } = await h.initData();
  const port = await freePort();
  const server = await h.startServer({ dataDir, listen: `127.0.0.1:${port}`, name: 'server-fixed-port' });
  assert.equal(server.port, port);
  const stopped = await server.stop();
  assert.equal(stopped.code, 0, server.child.output());
});

test('init on an existing data directory changes nothing', async () => {
  const { dataDir } = await h.initData();
  const again = await h.server(['init', '--data', dataDir], {
    env: { WORKTRACE_ADMIN_EMAIL: 'other@worktrace.test', WORKTRACE_ADMIN_PASSWORD: 'Another-Pass-9931' },
  });
  assert.equal(again.code, 0, again.child.output());
  const server = await h.startServer({ dataDir, name: 'server-after-reinit' });
  assert.equal((await login(server.origin, kOwner.email, kOwner.password)).status, 200);
  assert.equal((await login(server.origin, 'other@worktrace.test', 'Another-Pass-9931')).status, 401);
  assert.equal((await server.stop()).code, 0, server.child.output());
});

test('SIGTERM with a WebSocket and an idle keep-alive connection open exits 0 in time', async () => {
  const { dataDir } = await h.initData();
  const server = await h.startServer({ dataDir, name: 'server-sigterm' });
  const enrolled = await enrollDevice(server, 'sigterm-host');
  const agent = await connectAgent(server.origin, enrolled.credential);
  await agent.next('welcome');

  const keepAlive = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const first = await request(server.origin, '/api/v1/version', { agent: keepAlive });
    assert.equal(first.status, 200);
    assert.notEqual(String(first.headers.connection).toLowerCase(), 'close');
    assert.equal(Object.values(keepAlive.freeSockets).flat().length, 1, 'no idle keep-alive socket is open');

    const stopped = await server.stop(15_000);
    assert.equal(stopped.code, 0, server.child.output());
    assert.ok(stopped.elapsedMs < 12_000, `shutdown took ${stopped.elapsedMs} ms`);
    const closed = await agent.waitClosed(2_000);
    assert.equal(closed.code, 1001, 'the server did not close the agent channel with 1001 (going away)');
  } finally {
    keepAlive.destroy();
  }
});

test('migrate on an existing database applies nothing and keeps the data', async () => {
  const { dataDir } = await h.initData();
  let server = await h.startServer({ dataDir, name: 'server-before-migrate' });
  const enrolled = await enrollDevice(server, 'survivor');
  assert.equal((await server.stop()).code, 0, server.child.output());

  const migrate = await h.server(['migrate', '--data', dataDir]);
  assert.equal(migrate.code, 0, migrate.child.output());
  const said = `${migrate.stdout}\n${migrate.stderr}`;
  assert.match(said, /schema version \d+/i, `migrate did not print the schema version:\n${said}`);
  assert.doesNotMatch(said, /new database/i, 'migrate did not find the existing database');
  // Where it reports a count ("applied N database migration(s)"), N is 0.
  for (const [, count] of said.matchAll(/\bapplied (\d+)\b/gi)) assert.equal(Number(count), 0, said);
  // Migrating again changes nothing either.
  const again = await h.server(['migrate', '--data', dataDir], { name: 'server-migrate-again' });
  assert.equal(again.code, 0, again.child.output());
  assert.equal(again.stdout, migrate.stdout);

  server = await h.startServer({ dataDir, name: 'server-after-migrate' });
  const session = await login(server.origin, kOwner.email, kOwner.password);
  assert.equal(session.status, 200, JSON.stringify(session.body));
  const list = await request(server.origin, '/api/v1/devices', { headers: { Cookie: session.cookie } });
  assert.equal(list.status, 200, list.text);
  const device = list.json().devices.find((entry) => entry.id === enrolled.device_id);
  assert.ok(device, `device ${enrolled.device_id} is gone: ${list.text}`);
  assert.equal(device.hostname, 'survivor');

  // The device credential survived too.
  const agent = await connectAgent(server.origin, enrolled.credential);
  assert.equal((await agent.next('welcome')).device_id, enrolled.device_id);
  await agent.close();
  assert.equal((await server.stop()).code, 0, server.child.output());
});
