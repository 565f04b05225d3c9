// Enrollment, the device list, and both WebSocket channels against a real worktrace-server.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Harness, deviceInfo, kOwner, waitFor } from '../lib/harness.mjs';
import { getJson, login, request } from '../lib/http.mjs';
import { UpgradeRefused, connectAgent, connectDashboard } from '../lib/ws.mjs';

const h = new Harness('integration-devices');
let server;
let cookie;

before(async () => {
  const { dataDir } = await h.initData();
  server = await h.startServer({ dataDir });
  const session = await login(server.origin, kOwner.email, kOwner.password);
  assert.equal(session.status, 200, JSON.stringify(session.body));
  cookie = session.cookie;
});

after(() => h.cleanup());

async function createToken(body = {}) {
  return request(server.origin, '/api/v1/enrollment-tokens', { method: 'POST', headers: { Cookie: cookie }, body });
}

/** Enrolls a device through the API; returns the 201 body. */
async function enroll(token, device = deviceInfo()) {
  const response = await request(server.origin, '/api/v1/agent/enroll', { method: 'POST', body: { token, device } });
  assert.equal(response.status, 201, response.text);
  return response.json();
}

async function listDevices() {
  const response = await getJson(server.origin, '/api/v1/devices', { headers: { Cookie: cookie } });
  assert.equal(response.status, 200, response.text);
  return response.body.devices;
}

async function deviceById(id) {
  const device = (await listDevices()).find((entry) => entry.id === id);
  assert.ok(device, `device ${id} is not listed`);
  return device;
}

async function refusal(connecting) {
  const error = await connecting.then(
    (client) => {
      client.terminate();
      return null;
    },
    (failure) => failure,
  );
  assert.ok(error instanceof UpgradeRefused, `the upgrade was not refused with HTTP: ${error}`);
  return error;
}

describe('enrollment tokens', () => {
  test('an owner creates a one-use token, shown once', async () => {
    const response = await createToken();
    assert.equal(response.status, 201, response.text);
    const body = response.json();
    assert.ok(Number.isInteger(body.id));
    assert.match(body.token, /^wte_[A-Za-z0-9_-]{43}$/);
    assert.equal(body.uses, 1);
    const dayMs = 86_400_000;
    assert.ok(Math.abs(body.expires_at - (Date.now() + dayMs)) < 60_000, `expires_at ${body.expires_at}`);
  });

  test('bad token options are 400 naming the field; no session is 401', async () => {
    const badUses = await createToken({ uses: 0 });
    assert.equal(badUses.status, 400, badUses.text);
    assert.match(badUses.json().error.message, /uses/);
    const badTtl = await createToken({ ttl_s: 5 });
    assert.equal(badTtl.status, 400, badTtl.text);
    assert.match(badTtl.json().error.message, /ttl_s/);

    const anonymous = await request(server.origin, '/api/v1/enrollment-tokens', { method: 'POST', body: {} });
    assert.equal(anonymous.status, 401, anonymous.text);
  });

  test('enroll consumes the token; a used-up or unknown token is 401', async () => {
    const { token } = (await createToken()).json();
    const enrolled = await enroll(token, deviceInfo({ hostname: 'enroll-once' }));
    assert.ok(Number.isInteger(enrolled.device_id));
    assert.match(enrolled.credential, /^wtd_[A-Za-z0-9_-]{43}$/);
    assert.ok(Number.isInteger(enrolled.org_id));
    assert.equal(typeof enrolled.org_name, 'string');

    for (const reused of [token, 'wte_' + 'A'.repeat(43)]) {
      const again = await request(server.origin, '/api/v1/agent/enroll', {
        method: 'POST',
        body: { token: reused, device: deviceInfo() },
      });
      assert.equal(again.status, 401, again.text);
      assert.equal(again.json().error.code, 'unauthenticated');
    }
  });

  test('enroll rejects device info that breaks the rules and names the path', async () => {
    const { token } = (await createToken()).json();
    const tooLong = await request(server.origin, '/api/v1/agent/enroll', {
      method: 'POST',
      body: { token, device: deviceInfo({ hostname: 'h'.repeat(300) }) },
    });
    assert.equal(tooLong.status, 400, tooLong.text);
    assert.match(tooLong.json().error.message, /hostname/);

    const missing = await request(server.origin, '/api/v1/agent/enroll', {
      method: 'POST',
      body: { token, device: { hostname: 'no-agent-version' } },
    });
    assert.equal(missing.status, 400, missing.text);
    assert.match(missing.json().error.message, /agent_version/);

    // The token was not used up by the refused attempts.
    await enroll(token);
  });

  test('the CLI prints tokens that enroll as many devices as --uses says', async () => {
    const token = await h.enrollmentToken(server.dataDir, { uses: 2 });
    await enroll(token, deviceInfo({ hostname: 'cli-1' }));
    await enroll(token, deviceInfo({ hostname: 'cli-2' }));
    const third = await request(server.origin, '/api/v1/agent/enroll', {
      method: 'POST',
      body: { token, device: deviceInfo({ hostname: 'cli-3' }) },
    });
    assert.equal(third.status, 401, third.text);
  });

  test('an enrolled device is listed with its info, offline, with the remote IP', async () => {
    const { token } = (await createToken()).json();
    const info = deviceInfo({ hostname: 'listed-host', kernel: '6.9.9-test', memory_bytes: 16 * 1024 ** 3 });
    const enrolled = await enroll(token, info);
    const device = await deviceById(enrolled.device_id);
    for (const [key, value] of Object.entries(info)) assert.deepEqual(device[key], value, key);
    assert.equal(device.name, 'listed-host');
    assert.equal(device.remote_ip, '127.0.0.1');
    assert.equal(device.online, false);
    assert.equal(device.revoked, false);
    assert.ok(device.enrolled_at > Date.now() - 60_000);
    assert.equal((await request(server.origin, '/api/v1/devices')).status, 401);
  });

  test('a name given at enrollment is listed; a too long one is 400', async () => {
    const { token } = (await createToken()).json();
    const named = await request(server.origin, '/api/v1/agent/enroll', {
      method: 'POST',
      body: { token, device: deviceInfo({ hostname: 'pc-0042' }), name: 'Reception PC' },
    });
    assert.equal(named.status, 201, named.text);
    const device = await deviceById(named.json().device_id);
    assert.equal(device.name, 'Reception PC');
    assert.equal(device.hostname, 'pc-0042');

    const other = (await createToken()).json().token;
    const tooLong = await request(server.origin, '/api/v1/agent/enroll', {
      method: 'POST',
      body: { token: other, device: deviceInfo(), name: 'n'.repeat(256) },
    });
    assert.equal(tooLong.status, 400, tooLong.text);
    assert.match(tooLong.json().error.message, /name/);
  });
});

describe('control channels', () => {
  test('/ws/agent refuses a missing or unknown credential with 401', async () => {
    assert.equal((await refusal(connectAgent(server.origin, null))).status, 401);
    assert.equal((await refusal(connectAgent(server.origin, 'wtd_' + 'B'.repeat(43)))).status, 401);
  });

  test('/ws/dashboard refuses a missing session with 401', async () => {
    assert.equal((await refusal(connectDashboard(server.origin, null))).status, 401);
  });

  test('an agent gets a welcome; the device is online while connected and offline after', async () => {
    const { token } = (await createToken()).json();
    const enrolled = await enroll(token, deviceInfo({ hostname: 'ws-agent' }));
    const viewer = await connectDashboard(server.origin, cookie);
    const hello = await viewer.next('hello');
    assert.equal(hello.user.email, kOwner.email);
    assert.equal(typeof hello.server_version, 'string');

    const agent = await connectAgent(server.origin, enrolled.credential);
    const welcome = await agent.next('welcome');
    assert.equal(welcome.device_id, enrolled.device_id);
    assert.equal(welcome.org_id, enrolled.org_id);
    assert.equal(welcome.server_version, hello.server_version);
    agent.send({ type: 'hello', device: deviceInfo({ hostname: 'ws-agent' }) });

    const online = await viewer.next((message) => message.type === 'device.online' && message.device.id === enrolled.device_id);
    assert.equal(online.device.online, true);
    assert.equal(online.device.hostname, 'ws-agent');
    assert.equal((await deviceById(enrolled.device_id)).online, true);

    agent.send({ type: 'device_info', device: deviceInfo({ hostname: 'ws-agent', kernel: '6.12.0-new' }) });
    const updated = await viewer.next((message) => message.type === 'device.updated' && message.device.id === enrolled.device_id);
    assert.equal(updated.device.kernel, '6.12.0-new');
    await waitFor(async () => (await deviceById(enrolled.device_id)).kernel === '6.12.0-new', {
      timeoutMs: 5_000,
      what: 'the new kernel in GET /api/v1/devices',
    });

    const closedAt = Date.now();
    await agent.close(1000);
    const offline = await viewer.next((message) => message.type === 'device.offline' && message.device_id === enrolled.device_id);
    assert.ok(offline.last_seen_at >= closedAt - 5_000, `last_seen_at ${offline.last_seen_at}`);
    await waitFor(async () => (await deviceById(enrolled.device_id)).online === false, {
      timeoutMs: 5_000,
      what: 'the device to be offline in GET /api/v1/devices',
    });
    await viewer.close();
  });

  test('a bad agent message gets an error and the channel stays open', async () => {
    const { token } = (await createToken()).json();
    const enrolled = await enroll(token);
    const agent = await connectAgent(server.origin, enrolled.credential);
    await agent.next('welcome');
    agent.send({ type: 'no-such-type' });
    const error = await agent.next('error');
    assert.equal(error.error.code, 'invalid_argument');
    assert.match(error.error.message, /no-such-type/);
    agent.send('{not json');
    assert.equal((await agent.next('error')).error.code, 'invalid_argument');
    agent.send({ type: 'device_info', device: deviceInfo({ cpu_cores: 'two' }) });
    assert.match((await agent.next('error')).error.message, /cpu_cores/);
    // Still open: a valid message is accepted without an error.
    agent.send({ type: 'device_info', device: deviceInfo({ kernel: '6.12.0-after-errors' }) });
    await waitFor(async () => (await deviceById(enrolled.device_id)).kernel === '6.12.0-after-errors', {
      timeoutMs: 5_000,
      what: 'the kernel of the valid device_info in GET /api/v1/devices',
    });
    assert.deepEqual(agent.buffer.filter((message) => message.type === 'error'), [], 'errors after the valid message');
    assert.equal(agent.closeInfo, null, 'the agent channel stays open');
    await agent.close();
  });

  test('a viewer ping gets a pong', async () => {
    const viewer = await connectDashboard(server.origin, cookie);
    await viewer.next('hello');
    viewer.send({ type: 'ping' });
    await viewer.next('pong');
    await viewer.close();
  });

  test('an oversized frame closes the channel with 1009 and the server still serves', async () => {
    const { token } = (await createToken()).json();
    const enrolled = await enroll(token);
    const agent = await connectAgent(server.origin, enrolled.credential);
    await agent.next('welcome');
    agent.send(JSON.stringify({ type: 'hello', padding: 'x'.repeat(1024 * 1024) }));
    assert.equal((await agent.waitClosed()).code, 1009);

    const viewer = await connectDashboard(server.origin, cookie);
    await viewer.next('hello');
    viewer.send(JSON.stringify({ type: 'ping', padding: 'x'.repeat(64 * 1024) }));
    assert.equal((await viewer.waitClosed()).code, 1009);

    assert.equal((await request(server.origin, '/healthz')).status, 200);
    const again = await connectAgent(server.origin, enrolled.credential);
    await again.next('welcome');
    await again.close();
  });

  test('binary frames from a dashboard close it with 1003', async () => {
    const viewer = await connectDashboard(server.origin, cookie);
    await viewer.next('hello');
    viewer.sendRaw(Buffer.from([1, 2, 3]), { binary: true });
    assert.equal((await viewer.waitClosed()).code, 1003);
  });
});
