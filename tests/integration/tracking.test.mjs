// Tracking policy, pause and live presence against a real worktrace-server: an agent gets its
// `config` after the welcome and again when the organization's policy or its person's pause
// changes; its `activity` messages reach exactly the dashboards that may see its person as
// `activity.state`; GET /api/v1/activity/live shows the person's status; closing the agent
// says `offline`.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { expectError, expectStatus } from '../lib/api.mjs';
import { startFixture } from '../lib/fixture.mjs';
import { Harness, deviceInfo, sleep } from '../lib/harness.mjs';
import { connectAgent, openViewer } from '../lib/ws.mjs';

const h = new Harness('integration-tracking');
let A;
let B;

before(async () => {
  const fx = await startFixture(h);
  A = fx.orgs.a;
  B = fx.orgs.b;
});

after(() => h.cleanup());

const kSchedule = {
  time_zone: 'Europe/Berlin',
  days: { mon: [['09:00', '12:00'], ['13:00', '17:30']], fri: [['09:00', '15:00']] },
};
// The schedule as the server renders it: every day, empty ones as [].
const kScheduleRendered = {
  time_zone: 'Europe/Berlin',
  days: { mon: kSchedule.days.mon, tue: [], wed: [], thu: [], fri: kSchedule.days.fri, sat: [], sun: [] },
};
const kDefaultScreenshots = { enabled: true, interval_s: 600, per_interval: 1, quality: 70, downscale: 1, blur_px: 0 };

/**
 * Connects `device`'s agent; returns {agent, welcome, config} (config: its `tracking`). The
 * config comes first, then the welcome: sent in order with every later push.
 */
async function connect(device) {
  const agent = await connectAgent(A.origin, device.credential);
  const first = await agent.next(() => true);
  assert.equal(first.type, 'config', `the first message is ${JSON.stringify(first)}`);
  const second = await agent.next(() => true);
  assert.equal(second.type, 'welcome', `the message after the config is ${JSON.stringify(second)}`);
  return { agent, welcome: second, config: first.tracking };
}

/** Asserts that no message `match` accepts is buffered on `socket` after a short wait. */
async function expectNothing(socket, match, what) {
  await sleep(400);
  const seen = socket.buffer.filter(match);
  assert.deepEqual(seen, [], `${what} received ${JSON.stringify(seen)}`);
}

describe('config', () => {
  test('an agent gets its config as it connects, just before the welcome', async () => {
    const { agent, welcome, config } = await connect(A.devices.employeeA);
    try {
      assert.equal(welcome.device_id, A.devices.employeeA.id);
      assert.deepEqual(config, { idle_threshold_s: 180, notify_on_start: true, schedule: null, paused: false, last_seq: 0 });
    } finally {
      await agent.close();
    }
  });

  test('a policy change is pushed to the organization\'s online agents only', async () => {
    const { agent } = await connect(A.devices.employeeA);
    const other = await connectAgent(B.origin, B.devices.employeeA.credential);
    try {
      await other.next('config');
      expectError(await A.people.manager.client.put('/api/v1/org/tracking', { idle_threshold_s: 300 }), 403, { code: 'permission_denied' });
      expectError(await A.people.owner.client.put('/api/v1/org/tracking', { idle_threshold_s: 30 }), 400, { message: /idle_threshold_s/ });
      expectError(
        await A.people.owner.client.put('/api/v1/org/tracking', { schedule: { ...kSchedule, time_zone: 'Nowhere/Land' } }),
        400,
        { message: /schedule\.time_zone/ },
      );
      expectError(await A.people.owner.client.put('/api/v1/org/tracking', { idle_threshold_s: 300 }, { csrf: false }), 403);

      const policy = expectStatus(
        await A.people.admin.client.put('/api/v1/org/tracking', { idle_threshold_s: 300, schedule: kSchedule }),
        200,
        'PUT /org/tracking',
      );
      assert.deepEqual(policy, { idle_threshold_s: 300, notify_on_start: true, schedule: kScheduleRendered, screenshots: kDefaultScreenshots });
      const pushed = await agent.next('config');
      assert.equal(pushed.tracking.idle_threshold_s, 300);
      assert.deepEqual(pushed.tracking.schedule, kScheduleRendered);
      assert.equal(pushed.tracking.paused, false);
      assert.deepEqual(expectStatus(await A.people.employeeA.client.get('/api/v1/org/tracking'), 200), policy);
      assert.equal(expectStatus(await B.people.employeeA.client.get('/api/v1/org/tracking'), 200).idle_threshold_s, 180);
      await expectNothing(other, (message) => message.type === 'config', 'org B\'s agent');

      const audit = expectStatus(await A.people.owner.client.get('/api/v1/audit?action=tracking.updated'), 200, 'audit');
      assert.ok(
        audit.entries.some((entry) => entry.action === 'tracking.updated'),
        `no tracking.updated entry in ${JSON.stringify(audit).slice(0, 500)}`,
      );

      // Back to "always", so the agent's state does not depend on the day the tests run.
      expectStatus(await A.people.owner.client.put('/api/v1/org/tracking', { schedule: null }), 200);
      assert.equal((await agent.next('config')).tracking.schedule, null);
    } finally {
      await agent.close();
      await other.close();
    }
  });

  test('the screenshot settings: defaults, partial changes pushed in the config, audited, bad values named', async () => {
    const owner = A.people.owner.client;
    const first = await connectAgent(A.origin, A.devices.employeeA.credential);
    try {
      const initial = await first.next('config');
      assert.deepEqual(initial.screenshots, kDefaultScreenshots);
      assert.equal(initial.tracking.screenshots, undefined, 'the screenshots belong at the top level');
      const before = expectStatus(await A.people.employeeA.client.get('/api/v1/org/tracking'), 200);
      assert.deepEqual(before.screenshots, kDefaultScreenshots);

      for (const [screenshots, path] of [
        [{ quality: 5 }, '$.screenshots.quality'],
        [{ interval_s: 30 }, '$.screenshots.interval_s'],
        [{ per_interval: 11 }, '$.screenshots.per_interval'],
        [{ downscale: 5 }, '$.screenshots.downscale'],
        [{ blur_px: 33 }, '$.screenshots.blur_px'],
        [{ enabled: 'yes' }, '$.screenshots.enabled'],
        [{ shots: 2 }, '$.screenshots.shots'],
        ['all', '$.screenshots'],
      ]) {
        const answer = expectError(await owner.put('/api/v1/org/tracking', { screenshots }), 400, { code: 'invalid_argument' });
        assert.ok(answer.message.startsWith(`${path}:`), `${JSON.stringify(screenshots)}: ${answer.message}`);
      }
      expectError(await A.people.manager.client.put('/api/v1/org/tracking', { screenshots: { quality: 40 } }), 403);

      const changed = expectStatus(
        await A.people.admin.client.put('/api/v1/org/tracking', { screenshots: { quality: 40, per_interval: 3 } }),
        200,
        'PUT screenshots',
      );
      const expected = { ...kDefaultScreenshots, quality: 40, per_interval: 3 };
      assert.deepEqual(changed.screenshots, expected);
      assert.deepEqual({ ...changed, screenshots: undefined }, { ...before, screenshots: undefined }, 'only the screenshots changed');
      assert.deepEqual((await first.next('config')).screenshots, expected);
      // A second partial change keeps the first.
      const blurred = expectStatus(await owner.put('/api/v1/org/tracking', { screenshots: { blur_px: 8 } }), 200);
      assert.deepEqual(blurred.screenshots, { ...expected, blur_px: 8 });
      assert.deepEqual((await first.next('config')).screenshots, { ...expected, blur_px: 8 });
      // A new connection starts with the organization's settings; org B keeps its defaults.
      const second = await connectAgent(A.origin, A.devices.employeeB.credential);
      try {
        assert.deepEqual((await second.next('config')).screenshots, { ...expected, blur_px: 8 });
      } finally {
        await second.close();
      }
      assert.deepEqual(expectStatus(await B.people.owner.client.get('/api/v1/org/tracking'), 200).screenshots, kDefaultScreenshots);

      const audit = expectStatus(await owner.get('/api/v1/audit?action=tracking.updated'), 200, 'audit');
      const screenshotChanges = audit.entries.filter(
        (entry) => JSON.stringify(entry.details?.changed) === JSON.stringify(['screenshots']),
      );
      assert.equal(screenshotChanges.length, 2, JSON.stringify(audit.entries.map((entry) => entry.details)));

      // Back to the defaults for the tests that follow.
      expectStatus(await owner.put('/api/v1/org/tracking', { screenshots: kDefaultScreenshots }), 200);
      assert.deepEqual((await first.next('config')).screenshots, kDefaultScreenshots);
    } finally {
      await first.close();
    }
  });

  test('pausing a person pushes paused:true to their agent; resuming pushes false', async () => {
    const person = A.people.employeeA;
    const path = `/api/v1/people/${person.id}/tracking`;
    const { agent } = await connect(A.devices.employeeA);
    let again = null;
    const otherAgent = await connectAgent(A.origin, A.devices.employeeB.credential);
    try {
      await otherAgent.next('config');
      expectError(await B.people.owner.client.put(path, { paused: true }), 404, { code: 'not_found' });
      expectError(await A.people.manager.client.put(path, { paused: true }), 403);
      expectError(await A.people.employeeA.client.put(path, { paused: true }), 403);
      expectError(await A.people.owner.client.put(path, {}), 400, { message: /paused/ });

      assert.deepEqual(expectStatus(await A.people.owner.client.put(path, { paused: true }), 200), { user_id: person.id, paused: true });
      // The person sees it too (and only who may view them).
      assert.deepEqual(expectStatus(await person.client.get(path), 200), { user_id: person.id, paused: true });
      expectError(await A.people.managerB.client.get(path), 403);
      expectError(await B.people.owner.client.get(path), 404);
      assert.equal((await agent.next('config')).tracking.paused, true);
      // A new connection of the paused person's device (it replaces the old one) starts paused.
      await agent.close();
      again = await connect(A.devices.employeeA);
      assert.equal(again.config.paused, true);

      assert.deepEqual(expectStatus(await A.people.admin.client.put(path, { paused: false }), 200), { user_id: person.id, paused: false });
      assert.equal((await again.agent.next('config')).tracking.paused, false);
      await expectNothing(otherAgent, (message) => message.type === 'config', 'employeeB\'s agent');
    } finally {
      await agent.close();
      await again?.agent.close();
      await otherAgent.close();
    }
  });

  test('a device given to a paused person gets paused:true at once, and back', async () => {
    const owner = A.people.owner.client;
    const paused = A.people.employeeB;
    const device = A.devices.employeeA;
    expectStatus(await owner.put(`/api/v1/people/${paused.id}/tracking`, { paused: true }), 200);
    const { agent, config } = await connect(device);
    try {
      assert.equal(config.paused, false);
      expectStatus(await owner.patch(`/api/v1/devices/${device.id}`, { user_id: paused.id }), 200, 'reassign');
      assert.equal((await agent.next('config')).tracking.paused, true);
      expectStatus(await owner.patch(`/api/v1/devices/${device.id}`, { user_id: A.people.employeeA.id }), 200, 'give back');
      assert.equal((await agent.next('config')).tracking.paused, false);
      // A rename is no reassignment: no config.
      expectStatus(await owner.patch(`/api/v1/devices/${device.id}`, { name: 'renamed' }), 200, 'rename');
      await expectNothing(agent, (message) => message.type === 'config', 'the renamed device');
    } finally {
      await agent.close();
      expectStatus(await owner.put(`/api/v1/people/${paused.id}/tracking`, { paused: false }), 200);
    }
  });
});

describe('live presence', () => {
  test('activity reaches the dashboards that may see the person, and the live list', async () => {
    const viewers = {};
    for (const key of ['owner', 'manager', 'employeeA', 'managerB', 'employeeB']) viewers[key] = await openViewer(A.people[key].client);
    viewers.otherOrg = await openViewer(B.people.owner.client);
    const device = A.devices.employeeA;
    const person = A.people.employeeA;
    const about = (status) => (message) => message.type === 'activity.state' && message.device_id === device.id && message.status === status;
    const { agent } = await connect(device);
    try {
      agent.send({ type: 'hello', device: deviceInfo({ hostname: device.hostname }) });
      const online = await viewers.manager.next(about('online'));
      assert.equal(online.user_id, person.id);

      // A bad message is answered with an error; the channel stays open.
      agent.send({ type: 'activity', state: 'working', since: Date.now() });
      const error = await agent.next('error');
      assert.match(error.error.message, /\$\.state/);

      const since = Date.now() - 2_000;
      agent.send({ type: 'activity', state: 'active', app: 'xterm', title: 'build - make', since });
      const expected = {
        type: 'activity.state',
        user_id: person.id,
        device_id: device.id,
        status: 'active',
        app: 'xterm',
        title: 'build - make',
        since,
      };
      for (const key of ['manager', 'owner', 'employeeA']) {
        assert.deepEqual(await viewers[key].next(about('active')), expected, key);
      }
      for (const key of ['managerB', 'employeeB', 'otherOrg']) {
        await expectNothing(viewers[key], (message) => message.type === 'activity.state' && message.device_id === device.id, key);
      }

      const live = expectStatus(await A.people.manager.client.get('/api/v1/activity/live'), 200, 'live (manager)');
      const entry = live.people.find((candidate) => candidate.user_id === person.id);
      assert.ok(entry, `employeeA is not in ${JSON.stringify(live)}`);
      assert.equal(entry.status, 'active');
      assert.equal(entry.app, 'xterm');
      assert.equal(entry.title, 'build - make');
      assert.equal(entry.since, since);
      assert.equal(entry.device_id, device.id);
      assert.equal(typeof entry.last_seen_at, 'number');
      assert.deepEqual(entry.team_ids, [A.teams.A.id]);
      assert.ok(!live.people.some((candidate) => candidate.user_id === A.people.employeeB.id), 'the manager sees team B');
      const names = live.people.map((candidate) => candidate.name);
      assert.deepEqual(names, [...names].sort((x, y) => x.toLowerCase().localeCompare(y.toLowerCase())), 'sorted by name');

      const own = expectStatus(await A.people.employeeB.client.get('/api/v1/activity/live'), 200, 'live (employeeB)');
      assert.deepEqual(own.people.map((candidate) => candidate.user_id), [A.people.employeeB.id]);
      const ownerView = expectStatus(await A.people.owner.client.get('/api/v1/activity/live'), 200, 'live (owner)');
      assert.equal(ownerView.people.length, Object.keys(A.people).length);
      const otherOrg = expectStatus(await B.people.owner.client.get('/api/v1/activity/live'), 200, 'live (org B)');
      assert.ok(!otherOrg.people.some((candidate) => candidate.user_id === person.id), 'org B sees org A');
      // The people:read API token lacks reports:read.
      const token = await fetch(`${A.origin}/api/v1/activity/live`, { headers: { Authorization: `Bearer ${A.apiToken.token}` } });
      assert.equal(token.status, 403);

      await agent.close();
      const offline = await viewers.manager.next(about('offline'));
      assert.equal(offline.app, '');
      assert.equal(offline.title, '');
      const after = expectStatus(await A.people.manager.client.get('/api/v1/activity/live'), 200, 'live after close');
      assert.equal(after.people.find((candidate) => candidate.user_id === person.id).status, 'offline');
    } finally {
      await agent.close();
      for (const socket of Object.values(viewers)) await socket.close();
    }
  });
});

describe('the server holds the pause and the reassignment', () => {
  test('a paused person is shown paused without a window, whatever their agent says', async () => {
    const device = A.devices.employeeA;
    const person = A.people.employeeA;
    const owner = A.people.owner.client;
    const manager = await openViewer(A.people.manager.client);
    const about = (message) => message.type === 'activity.state' && message.device_id === device.id;
    const { agent } = await connect(device);
    try {
      expectStatus(await owner.put(`/api/v1/people/${person.id}/tracking`, { paused: true }), 200);
      await agent.next('config');
      // An agent that has not heard of the pause (or ignores it) still says what it sees.
      agent.send({ type: 'activity', state: 'active', app: 'xterm', title: 'secret plans', since: Date.now() });
      const shown = await manager.next((message) => about(message) && message.status !== 'online');
      assert.equal(shown.status, 'paused');
      assert.equal(shown.app, '');
      assert.equal(shown.title, '');
      const live = expectStatus(await owner.get('/api/v1/activity/live'), 200, 'live');
      const entry = live.people.find((candidate) => candidate.user_id === person.id);
      assert.equal(entry.status, 'paused');
      assert.equal(entry.title, '');
    } finally {
      await agent.close();
      await manager.close();
      expectStatus(await owner.put(`/api/v1/people/${person.id}/tracking`, { paused: false }), 200);
    }
  });

  test('a reassigned device shows no window of the previous owner to the new one', async () => {
    const device = A.devices.employeeA;
    const owner = A.people.owner.client;
    const admin = await openViewer(A.people.admin.client);
    const about = (message) => message.type === 'activity.state' && message.device_id === device.id;
    const { agent } = await connect(device);
    try {
      agent.send({ type: 'activity', state: 'active', app: 'xterm', title: 'employee A work', since: Date.now() });
      await admin.next((message) => about(message) && message.status === 'active');
      expectStatus(await owner.patch(`/api/v1/devices/${device.id}`, { user_id: A.people.employeeB.id }), 200, 'reassign');
      const reset = await admin.next((message) => about(message) && message.user_id === A.people.employeeB.id);
      assert.equal(reset.status, 'online');
      assert.equal(reset.title, '');
    } finally {
      expectStatus(await owner.patch(`/api/v1/devices/${device.id}`, { user_id: A.people.employeeA.id }), 200, 'give back');
      await agent.close();
      await admin.close();
    }
  });
});
