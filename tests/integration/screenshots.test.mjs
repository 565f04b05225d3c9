// Live screenshots (issue 6) against a real worktrace-server: a node WebSocket "agent" with a real
// device credential sends real JPEGs (worktrace-test-pattern) as binary WTS1 frames; dashboards
// (session cookies) watch people with `screens.watch` and receive WTV1 frames. The policy, who
// may watch, capture on demand, rights lost mid-viewing and the audit of each viewing (bad input,
// slow viewers and the never-stored scan: screenshots_input.test.mjs).
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { expectError, expectStatus } from '../lib/api.mjs';
import { buildOrg, createOrgs, kUnthrottledApi } from '../lib/fixture.mjs';
import { Harness, sleep } from '../lib/harness.mjs';
import {
  ScreenPeers,
  auditEntries,
  byAbout,
  expectFrame,
  expectNoMessage,
  kFramePaceMs,
  setWatch,
  viewerError,
} from '../lib/screen_peers.mjs';
import { patternJpeg, trackFrames } from '../lib/screens.mjs';
import { openViewer } from '../lib/ws.mjs';

const h = new Harness('integration-screenshots');
let server;
let A;
let B;
/** Small real JPEGs of the pattern (two sizes, so monitors differ). */
let jpeg;
let jpegSmall;
let peers;

const kJpeg = { width: 320, height: 200 };
const kJpegSmall = { width: 160, height: 128 };
const kForbidden = /^(forbidden|permission_denied)$/;
const kForbiddenMessage = /only owners, admins and the person's managers may see their screen/;
const kRequestId = /^[A-Za-z0-9_-]{16,32}$/;

before(async () => {
  const dataDir = await h.tempDir('worktrace-data-');
  const created = await createOrgs(h, dataDir, ['a', 'b']);
  // Debug logging: the relay may log sizes and ids there, never a payload byte.
  server = await h.startServer({ dataDir, webRoot: null, args: [...kUnthrottledApi, '--log-level', 'debug'] });
  A = await buildOrg(server, created.a);
  B = await buildOrg(server, created.b);
  jpeg = patternJpeg({ ...kJpeg, variant: 1 });
  jpegSmall = patternJpeg({ ...kJpegSmall, variant: 2 });
  peers = new ScreenPeers(h, server.origin, { picture: jpeg, size: kJpeg });
});

after(() => h.cleanup());

const connect = (device) => peers.connect(device);
const sendFrame = (agent, options) => peers.sendFrame(agent, options);
const watch = (person, userIds) => peers.watch(person, userIds);

describe('policy', () => {
  test('the organization\'s screenshot policy is in the agent\'s config and in the watch reply', async () => {
    const owner = A.people.owner.client;
    const { agent, config } = await connect(A.devices.employeeA);
    try {
      assert.deepEqual(config.screenshots, { enabled: true, interval_s: 600, per_interval: 1, quality: 70, downscale: 1, blur_px: 0 });
      expectError(await owner.put('/api/v1/org/tracking', { screenshots: { quality: 5 } }), 400, { message: /\$\.screenshots\.quality/ });
      expectError(await owner.put('/api/v1/org/tracking', { screenshots: { colour: true } }), 400, { message: /screenshots/ });
      expectError(await A.people.manager.client.put('/api/v1/org/tracking', { screenshots: { enabled: false } }), 403);
      const policy = expectStatus(await owner.put('/api/v1/org/tracking', { screenshots: { enabled: false, quality: 50 } }), 200, 'disable');
      assert.equal(policy.screenshots.enabled, false);
      assert.equal(policy.screenshots.quality, 50);
      assert.equal(policy.screenshots.interval_s, 600, 'a partial update keeps the other keys');
      const pushed = await agent.next('config');
      assert.equal(pushed.screenshots.enabled, false);
      const { viewer, reply } = await watch(A.people.admin, [A.people.employeeA.id]);
      assert.equal(reply.enabled, false, JSON.stringify(reply));
      await viewer.close();
      expectStatus(await owner.put('/api/v1/org/tracking', { screenshots: { enabled: true, quality: 70 } }), 200, 'enable');
      assert.equal((await agent.next('config')).screenshots.enabled, true);
      assert.equal(expectStatus(await owner.get('/api/v1/org/tracking'), 200).screenshots.quality, 70);
    } finally {
      await agent.close();
    }
  });
});

describe('relay', () => {
  test('the owner, an admin and the manager of the person\'s team receive byte-identical frames', async () => {
    const person = A.people.employeeA;
    const device = A.devices.employeeA;
    const { agent, screens } = await connect(device);
    const viewers = {};
    try {
      assert.deepEqual(screens, { type: 'screens', watching: false }, 'nobody watches yet');
      // A frame before anyone watches is dropped without an error and never delivered later.
      sendFrame(agent);
      await expectNoMessage(agent, (message) => message.type === 'error', 'the agent (frame before anyone watches)');

      for (const key of ['manager', 'admin', 'owner']) {
        const { viewer, reply } = await watch(A.people[key], [person.id]);
        assert.deepEqual(reply, { type: 'screens.watching', user_ids: [person.id], refused: [], enabled: true }, key);
        viewers[key] = viewer;
      }
      const watching = await agent.next('screens');
      assert.equal(watching.watching, true);
      await sleep(200);
      for (const [key, viewer] of Object.entries(viewers)) assert.equal(viewer.frames.length, 0, `${key} got the frame sent before anyone watched`);

      const sent = [];
      for (let frame_idx = 0; frame_idx < 3; frame_idx += 1) {
        sent.push(sendFrame(agent));
        await sleep(kFramePaceMs);
      }
      sent.push(sendFrame(agent, { picture: jpegSmall, size: kJpegSmall, monitor: 1 }));
      for (const [key, viewer] of Object.entries(viewers)) {
        for (const frame of sent) await expectFrame(viewer, frame, { userId: person.id, deviceId: device.id, what: key });
        assert.deepEqual(viewer.badFrames, [], `${key}: messages that are not WTV1 frames`);
      }

      // The agent is told to stop only when the last viewer stops.
      assert.deepEqual(await setWatch(viewers.manager, []), { type: 'screens.watching', user_ids: [], refused: [], enabled: true });
      assert.deepEqual((await setWatch(viewers.admin, [])).user_ids, []);
      await expectNoMessage(agent, (message) => message.type === 'screens', 'the agent while the owner still watches');
      const stillWatched = sendFrame(agent);
      await expectFrame(viewers.owner, stillWatched, { userId: person.id, deviceId: device.id, what: 'owner (alone)' });
      await viewers.owner.close();
      assert.deepEqual(await agent.next('screens'), { type: 'screens', watching: false }, 'after the last viewer left');

      const managerFrames = viewers.manager.frames.length;
      sendFrame(agent);
      await sleep(400);
      assert.equal(viewers.manager.frames.length, managerFrames, 'a viewer that stopped watching still receives frames');
    } finally {
      await agent.close();
      for (const viewer of Object.values(viewers)) await viewer.close();
    }
  });

  test('another organization, employees and a manager of another team are refused and receive nothing', async () => {
    const person = A.people.employeeA;
    const { agent } = await connect(A.devices.employeeA);
    const refusedViewers = {};
    const { viewer: manager } = await watch(A.people.manager, [person.id]);
    try {
      await agent.next((message) => message.type === 'screens' && message.watching === true);
      const cases = [
        ['otherOrg', B.people.owner, 'not_found', /no such person/],
        ['employeeB', A.people.employeeB, kForbidden, kForbiddenMessage],
        ['employeeA (themselves)', A.people.employeeA, kForbidden, kForbiddenMessage],
        ['managerB', A.people.managerB, kForbidden, kForbiddenMessage],
      ];
      for (const [key, who, code, message] of cases) {
        const { viewer, reply } = await watch(who, [person.id]);
        refusedViewers[key] = viewer;
        assert.deepEqual(reply.user_ids, [], `${key}: accepted ${JSON.stringify(reply)}`);
        assert.equal(reply.refused?.length, 1, `${key}: ${JSON.stringify(reply)}`);
        assert.equal(reply.refused[0].user_id, person.id, key);
        if (typeof code === 'string') assert.equal(reply.refused[0].error.code, code, `${key}: ${JSON.stringify(reply)}`);
        else assert.match(reply.refused[0].error.code, code, `${key}: ${JSON.stringify(reply)}`);
        assert.match(reply.refused[0].error.message, message, `${key}: ${JSON.stringify(reply)}`);
      }

      // A mixed set: the allowed person is accepted, the others refused one by one.
      const mixed = await setWatch(manager, [person.id, A.people.employeeB.id, 987654321, B.people.employeeA.id]);
      assert.deepEqual(mixed.user_ids, [person.id], JSON.stringify(mixed));
      const refusedCodes = Object.fromEntries(mixed.refused.map((entry) => [entry.user_id, entry.error.code]));
      assert.match(refusedCodes[A.people.employeeB.id] ?? '', kForbidden, JSON.stringify(mixed));
      assert.equal(refusedCodes[987654321], 'not_found', JSON.stringify(mixed));
      assert.equal(refusedCodes[B.people.employeeA.id], 'not_found', JSON.stringify(mixed));

      // Malformed watch sets are errors naming user_ids.
      for (const [label, userIds] of [['zero id', [0]], ['not a list', 'all'], ['duplicates', [person.id, person.id]], ['201 ids', Array.from({ length: 201 }, (_, i) => i + 1)]]) {
        refusedViewers.employeeB.send({ type: 'screens.watch', user_ids: userIds });
        const error = await viewerError(refusedViewers.employeeB, `screens.watch with ${label}`);
        assert.match(error.message, /user_ids/, `screens.watch with ${label}: ${JSON.stringify(error)}`);
      }

      const sent = [];
      for (let frame_idx = 0; frame_idx < 3; frame_idx += 1) {
        sent.push(sendFrame(agent));
        await sleep(kFramePaceMs);
      }
      for (const frame of sent) await expectFrame(manager, frame, { userId: person.id, deviceId: A.devices.employeeA.id, what: 'manager' });
      await sleep(300);
      for (const [key, viewer] of Object.entries(refusedViewers)) {
        assert.equal(viewer.frames.length + viewer.badFrames.length, 0, `${key} received a screen frame`);
      }
    } finally {
      await agent.close();
      await manager.close();
      for (const viewer of Object.values(refusedViewers)) await viewer.close();
    }
  });
});

describe('capture on demand', () => {
  test('screens.capture reaches the agent, its answer or refusal reaches the viewer; limits hold', async () => {
    const person = A.people.employeeA;
    const device = A.devices.employeeA;
    const { agent } = await connect(device);
    const manager = trackFrames(await openViewer(A.people.manager.client));
    let admin = null;
    try {
      manager.send({ type: 'screens.capture', user_id: person.id });
      const notWatching = await viewerError(manager, 'capture without watching');
      assert.equal(notWatching.code, 'invalid_argument', JSON.stringify(notWatching));
      assert.match(notWatching.message, /watch the person first/);
      await expectNoMessage(agent, (message) => message.type === 'capture_now', 'the agent (capture without watching)', 200);

      await setWatch(manager, [person.id]);
      manager.send({ type: 'screens.capture', user_id: person.id });
      const sentReply = await manager.next('screens.capture_sent');
      assert.equal(sentReply.user_id, person.id);
      assert.equal(sentReply.devices, 1);
      assert.match(sentReply.request_id, kRequestId);
      const order = await agent.next('capture_now');
      assert.deepEqual(order, { type: 'capture_now', request_id: sentReply.request_id });
      const answer = sendFrame(agent, { reason: 'demand', requestId: order.request_id });
      const frame = await expectFrame(manager, answer, { userId: person.id, deviceId: device.id, what: 'the demand frame' });
      assert.equal(frame.header.reason, 'demand');

      // At most one capture per 2 s per viewer and person.
      manager.send({ type: 'screens.capture', user_id: person.id });
      assert.equal((await viewerError(manager, 'a second capture at once')).code, 'rate_limited');
      await expectNoMessage(agent, (message) => message.type === 'capture_now', 'the agent (rate-limited capture)', 200);

      await sleep(2_100);
      manager.send({ type: 'screens.capture', user_id: person.id });
      const again = await manager.next('screens.capture_sent');
      const second = await agent.next('capture_now');
      assert.equal(second.request_id, again.request_id);
      assert.notEqual(second.request_id, order.request_id, 'request ids repeat');
      agent.send({ type: 'screenshot_refused', request_id: second.request_id, reason: 'idle' });
      assert.deepEqual(await manager.next('screens.refused'), {
        type: 'screens.refused',
        user_id: person.id,
        device_id: device.id,
        request_id: second.request_id,
        reason: 'idle',
      });

      // Nobody's device online: unavailable.
      ({ viewer: admin } = await watch(A.people.admin, [A.people.employeeB.id]));
      admin.send({ type: 'screens.capture', user_id: A.people.employeeB.id });
      const offline = await viewerError(admin, 'capture with no device online');
      assert.equal(offline.code, 'unavailable', JSON.stringify(offline));
      assert.match(offline.message, /no device of this person is online/);

      const requested = await auditEntries(A.people.owner.client, 'screens.capture_requested');
      assert.ok(
        requested.some((entry) => byAbout(entry, A.people.manager.id, person.id)),
        `no screens.capture_requested by the manager about employeeA in ${JSON.stringify(requested).slice(0, 600)}`,
      );
    } finally {
      await agent.close();
      await manager.close();
      await admin?.close();
    }
  });
});

describe('rights and audit', () => {
  test('a viewing ends with screens.ended when the person leaves the manager\'s team; others keep receiving', async () => {
    const person = A.people.employeeA;
    const owner = A.people.owner.client;
    const { agent } = await connect(A.devices.employeeA);
    const { viewer: manager } = await watch(A.people.manager, [person.id]);
    const { viewer: admin } = await watch(A.people.admin, [person.id]);
    let removed = false;
    try {
      const first = sendFrame(agent);
      await expectFrame(manager, first, { userId: person.id, deviceId: A.devices.employeeA.id, what: 'manager' });
      const changedAt = Date.now();
      expectStatus(await owner.delete(`/api/v1/teams/${A.teams.A.id}/members/${person.id}`), [200, 204], 'remove from team A');
      removed = true;
      const ended = await manager.next('screens.ended');
      assert.equal(ended.user_id, person.id);
      assert.equal(typeof ended.reason, 'string');
      await sleep(kFramePaceMs);
      const afterwards = sendFrame(agent);
      await expectFrame(admin, afterwards, { userId: person.id, deviceId: A.devices.employeeA.id, what: 'admin after the change' });
      await sleep(300);
      assert.ok(!manager.frames.some((frame) => frame.header.taken_at === afterwards.header.taken_at), 'the manager still receives frames');

      const ends = await auditEntries(owner, 'screens.view_ended');
      assert.ok(
        ends.some((entry) => byAbout(entry, A.people.manager.id, person.id) && entry.at >= changedAt - 1_000),
        `no screens.view_ended for the manager after losing the right: ${JSON.stringify(ends).slice(0, 600)}`,
      );
    } finally {
      if (removed) expectStatus(await owner.put(`/api/v1/teams/${A.teams.A.id}/members/${person.id}`, { is_manager: false }), [200, 201], 'back to team A');
      await agent.close();
      await manager.close();
      await admin.close();
    }
  });

  test('each viewing is audited: screens.view_started, then screens.view_ended with its duration and frames', async () => {
    const person = A.people.employeeA;
    const { agent } = await connect(A.devices.employeeA);
    try {
      const owner = A.people.owner.client;
      // Only entries after this point count (earlier tests' viewings are audited too).
      const latest = [...(await auditEntries(owner, 'screens.view_started')), ...(await auditEntries(owner, 'screens.view_ended'))];
      const baseline = Math.max(0, ...latest.map((entry) => entry.seq));
      const startedAt = Date.now();
      const { viewer: manager } = await watch(A.people.manager, [person.id]);
      for (let frame_idx = 0; frame_idx < 3; frame_idx += 1) {
        await expectFrame(manager, sendFrame(agent), { userId: person.id, deviceId: A.devices.employeeA.id, what: 'manager' });
        await sleep(kFramePaceMs);
      }
      await sleep(500);
      await setWatch(manager, []);
      const stoppedAt = Date.now();
      await manager.close();

      const mine = (entry) => byAbout(entry, A.people.manager.id, person.id) && entry.seq > baseline;
      const started = (await auditEntries(owner, 'screens.view_started')).filter(mine);
      assert.equal(started.length, 1, `screens.view_started entries: ${JSON.stringify(started)}`);
      const ended = (await auditEntries(owner, 'screens.view_ended')).filter(mine);
      assert.equal(ended.length, 1, `screens.view_ended entries: ${JSON.stringify(ended)}`);
      const { duration_ms: durationMs, frames } = ended[0].details;
      assert.equal(frames, 3, `frames in ${JSON.stringify(ended[0])}`);
      assert.ok(durationMs >= 1_000 && durationMs <= stoppedAt - startedAt + 1_000, `duration_ms ${durationMs} for a viewing of ${stoppedAt - startedAt} ms`);
      // Employees cannot read the audit log.
      expectStatus(await A.people.employeeA.client.get('/api/v1/audit?action=screens.view_started'), 403, 'employee audit');
    } finally {
      await agent.close();
    }
  });
});
