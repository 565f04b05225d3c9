// Live screenshots (issue 6) against a real worktrace-server, the hostile side: oversized,
// malformed and too frequent frames from a fake agent (a real device credential), a revoked
// device, a dashboard that stops reading or sends binary, and after 200 frames a scan of every
// file the server wrote or holds open, and of its logs, for JPEG bytes (see screenshots.test.mjs
// for the relay itself).
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { expectStatus } from '../lib/api.mjs';
import { buildOrg, createOrgs, enrollDevice, kUnthrottledApi } from '../lib/fixture.mjs';
import { Harness, sleep } from '../lib/harness.mjs';
import { ScreenPeers, agentError, expectFrame, kFramePaceMs, waitForCount } from '../lib/screen_peers.mjs';
import {
  agentFrame,
  distinctiveRun,
  expectNeverStored,
  kJpegMarker,
  kMaxScreenFrameBytes,
  openFiles,
  patternJpeg,
} from '../lib/screens.mjs';
import { UpgradeRefused, connectAgent, expectClosed } from '../lib/ws.mjs';

const h = new Harness('integration-screenshots-input');
let server;
let A;
/** A small real JPEG of the pattern. */
let jpeg;
let peers;

const kJpeg = { width: 320, height: 200 };

before(async () => {
  const dataDir = await h.tempDir('worktrace-data-');
  const created = await createOrgs(h, dataDir, ['a']);
  // Debug logging: the relay may log sizes and ids there, never a payload byte.
  server = await h.startServer({ dataDir, webRoot: null, args: [...kUnthrottledApi, '--log-level', 'debug'] });
  A = await buildOrg(server, created.a);
  jpeg = patternJpeg({ ...kJpeg, variant: 1 });
  peers = new ScreenPeers(h, server.origin, { picture: jpeg, size: kJpeg });
});

after(() => h.cleanup());

const connect = (device) => peers.connect(device);
const sendFrame = (agent, options) => peers.sendFrame(agent, options);
const watch = (person, userIds) => peers.watch(person, userIds);
const takenAt = () => peers.takenAt();

describe('bad input', () => {
  test('oversized, malformed and too many frames are refused; the agent stays connected and others keep receiving', async () => {
    const person = A.people.employeeA;
    const device = A.devices.employeeA;
    const { agent } = await connect(device);
    const { viewer: owner } = await watch(A.people.owner, [person.id]);
    const { viewer: manager } = await watch(A.people.manager, [person.id]);
    const valid = [];
    const expectRelayed = async (what) => {
      const sent = sendFrame(agent);
      valid.push(sent);
      for (const [key, viewer] of [['owner', owner], ['manager', manager]]) {
        await expectFrame(viewer, sent, { userId: person.id, deviceId: device.id, what: `${key} after ${what}` });
      }
      await sleep(kFramePaceMs);
    };
    try {
      await agent.next((message) => message.type === 'screens' && message.watching === true);
      await expectRelayed('the start');

      // Larger than 4 MiB: read to its end, dropped, answered payload_too_large.
      const header = { monitor: 0, width: kJpeg.width, height: kJpeg.height, taken_at: takenAt(), reason: 'schedule' };
      const filler = Buffer.alloc(kMaxScreenFrameBytes + 1024 - jpeg.length, 0x41);
      agent.sendRaw(agentFrame(header, Buffer.concat([jpeg.subarray(0, jpeg.length - 2), filler, jpeg.subarray(jpeg.length - 2)])), { binary: true });
      await agentError(agent, { code: 'payload_too_large' }, 'an oversized frame');
      await expectRelayed('an oversized frame');

      const now = Date.now();
      const cases = [
        ['a bad magic', agentFrame(header, jpeg, { magic: 'WTSX' }), /magic/],
        ['a header that is not JSON', agentFrame(header, jpeg, { headerText: '{"monitor":0,"width":' }), /screen frame/],
        ['a header without width', agentFrame({ monitor: 0, height: 200, taken_at: now, reason: 'schedule' }, jpeg), /width/],
        ['an unknown header key', agentFrame({ ...header, taken_at: now, colour: 1 }, jpeg), /colour|screen frame/],
        ['a JPEG of another size than the header', agentFrame({ ...header, taken_at: now, width: 640, height: 400 }, jpeg), /differs|size|640/],
        ['a body that is not a JPEG', agentFrame({ ...header, taken_at: now }, Buffer.from('not a picture at all')), /JPEG/],
        ['a truncated JPEG', agentFrame({ ...header, taken_at: now }, jpeg.subarray(0, jpeg.length - 40)), /JPEG|screen frame/],
        ['taken_at 20 minutes ago', agentFrame({ ...header, taken_at: now - 20 * 60_000 }, jpeg), /taken_at/],
        ['taken_at an hour ahead', agentFrame({ ...header, taken_at: now + 3_600_000 }, jpeg), /taken_at/],
        ['a demand without request_id', agentFrame({ ...header, taken_at: now, reason: 'demand' }, jpeg), /request_id/],
        ['a monitor out of range', agentFrame({ ...header, taken_at: now, monitor: 99 }, jpeg), /monitor/],
        ['a header length past the end', Buffer.from([0x57, 0x54, 0x53, 0x31, 0x03, 0xff, 0x7b, 0x7d]), /screen frame/],
      ];
      for (const [label, message, pattern] of cases) {
        agent.sendRaw(message, { binary: true });
        await agentError(agent, { message: pattern }, label);
        await sleep(kFramePaceMs);
      }
      await expectRelayed('malformed frames');

      // Beyond 4 a second (bursts of 8): dropped with rate_limited, at most one error a second.
      await sleep(2_500);
      agent.buffer.length = 0;
      const before = { owner: owner.frames.length, manager: manager.frames.length };
      for (let frame_idx = 0; frame_idx < 24; frame_idx += 1) sendFrame(agent);
      const limited = await agentError(agent, { code: 'rate_limited' }, 'a burst of 24 frames');
      assert.ok(limited);
      await sleep(600);
      const errors = agent.buffer.filter((message) => message.type === 'error' && message.error?.code === 'rate_limited');
      assert.ok(errors.length <= 1, `more than one rate_limited error a second: ${errors.length + 1}`);
      for (const [key, viewer] of [['owner', owner], ['manager', manager]]) {
        const got = viewer.frames.length - before[key];
        assert.ok(got >= 1 && got <= 10, `${key} received ${got} frames of a burst of 24 (bucket of 8)`);
      }
      await sleep(2_500);
      await expectRelayed('the burst');

      for (const [key, viewer] of [['owner', owner], ['manager', manager]]) {
        assert.deepEqual(viewer.badFrames, [], key);
        for (const frame of viewer.frames) assert.ok(frame.jpeg.equals(jpeg), `${key} received a frame that is not the valid JPEG`);
      }
      assert.equal(agent.closeInfo, null, 'the agent was disconnected');
    } finally {
      await agent.close();
      await owner.close();
      await manager.close();
    }
  });

  test('a revoked device is disconnected, cannot reconnect, and none of its later frames reach viewers', async () => {
    const person = A.people.employeeA;
    const owner = A.people.owner.client;
    const doomedDevice = await enrollDevice(owner, 'a-doomed-pc');
    expectStatus(await owner.patch(`/api/v1/devices/${doomedDevice.id}`, { user_id: person.id }), 200, 'assign');
    const { agent: healthy } = await connect(A.devices.employeeA);
    const { agent: doomed } = await connect(doomedDevice);
    const { viewer: admin } = await watch(A.people.admin, [person.id]);
    const { viewer: manager } = await watch(A.people.manager, [person.id]);
    try {
      const before = sendFrame(doomed);
      for (const viewer of [admin, manager]) await expectFrame(viewer, before, { userId: person.id, deviceId: doomedDevice.id, what: 'before revocation' });

      expectStatus(await owner.post(`/api/v1/devices/${doomedDevice.id}/revoke`, {}), 200, 'revoke');
      const revokedAt = peers.lastTakenAt;
      // Whatever it still manages to send after the revocation answered is never relayed.
      for (let frame_idx = 0; frame_idx < 3 && doomed.closeInfo === null; frame_idx += 1) {
        try {
          sendFrame(doomed);
        } catch {
          break;
        }
      }
      await expectClosed(doomed, 1008, undefined, 'the revoked agent');
      await assert.rejects(connectAgent(server.origin, doomedDevice.credential), (error) => error instanceof UpgradeRefused && error.status === 401);

      const sent = [];
      for (let frame_idx = 0; frame_idx < 3; frame_idx += 1) {
        sent.push(sendFrame(healthy));
        await sleep(kFramePaceMs);
      }
      for (const [key, viewer] of [['admin', admin], ['manager', manager]]) {
        for (const frame of sent) await expectFrame(viewer, frame, { userId: person.id, deviceId: A.devices.employeeA.id, what: `${key} after the revocation` });
        const late = viewer.frames.filter((frame) => frame.header.device_id === doomedDevice.id && frame.header.taken_at > revokedAt);
        assert.deepEqual(late.map((frame) => frame.header), [], `${key} received frames of the revoked device`);
      }
    } finally {
      await healthy.close();
      await admin.close();
      await manager.close();
    }
  });
});

describe('slow and misbehaving viewers', () => {
  test('a viewer that stops reading holds back neither the agent nor the others, and gets the newest frames after', { timeout: 60_000 }, async (t) => {
    const person = A.people.employeeA;
    const owner = A.people.owner.client;
    // Big frames (about 600 KB), so that a viewer that does not read fills the socket buffers.
    const kBig = { width: 8000, height: 4000 };
    const big = patternJpeg({ ...kBig, quality: 95, variant: 9 });
    const devices = [];
    for (let device_idx = 0; device_idx < 3; device_idx += 1) {
      const device = await enrollDevice(owner, `a-big-pc-${device_idx}`);
      expectStatus(await owner.patch(`/api/v1/devices/${device.id}`, { user_id: person.id }), 200, 'assign');
      devices.push(device);
    }
    const agents = [];
    for (const device of devices) agents.push((await connect(device)).agent);
    const { viewer: fast } = await watch(A.people.admin, [person.id]);
    const { viewer: slow } = await watch(A.people.manager, [person.id]);
    try {
      for (const agent of agents) await agent.next((message) => message.type === 'screens' && message.watching === true);
      slow.socket.pause();
      const last = new Map();
      let sent = 0;
      const started = Date.now();
      for (let round = 0; round < 12; round += 1) {
        agents.forEach((agent, agent_idx) => {
          last.set(devices[agent_idx].id, sendFrame(agent, { picture: big, size: kBig }));
          sent += 1;
        });
        await sleep(kFramePaceMs);
      }
      const fastCount = () => fast.frames.filter((frame) => frame.jpeg.length === big.length).length;
      await waitForCount(fastCount, sent, 'the reading viewer to get every frame', 10_000);
      const fastMs = Date.now() - started;
      for (const agent of agents) {
        assert.deepEqual(agent.buffer.filter((message) => message.type === 'error'), [], 'an agent got an error');
        assert.equal(agent.closeInfo, null, 'an agent was disconnected');
      }
      assert.equal(slow.closeInfo, null, 'the slow viewer was disconnected');

      slow.socket.resume();
      for (const [deviceId, frame] of last) {
        const got = await slow.nextFrame((candidate) => candidate.header.device_id === deviceId && candidate.header.taken_at === frame.header.taken_at, {
          what: `the newest frame of device ${deviceId} after resuming`,
        });
        assert.ok(got.jpeg.equals(big));
      }
      const slowCount = slow.frames.length;
      t.diagnostic(`sent ${sent} frames of ${big.length} bytes; the reading viewer had all after ${fastMs} ms, the paused one got ${slowCount}`);
      for (const frame of slow.frames) assert.ok(frame.jpeg.equals(big), 'the slow viewer received a damaged frame');
      assert.ok(slowCount <= sent, `the slow viewer received ${slowCount} of ${sent}`);
    } finally {
      slow.socket.resume();
      for (const agent of agents) await agent.close();
      await fast.close();
      await slow.close();
    }
  });

  test('a dashboard that sends a binary message is closed with 1003; the other viewers keep receiving', async () => {
    const person = A.people.employeeA;
    const { agent } = await connect(A.devices.employeeA);
    const { viewer: rogue } = await watch(A.people.owner, [person.id]);
    const { viewer: admin } = await watch(A.people.admin, [person.id]);
    try {
      rogue.sendRaw(agentFrame({ monitor: 0, width: kJpeg.width, height: kJpeg.height, taken_at: takenAt(), reason: 'schedule' }, jpeg), { binary: true });
      await expectClosed(rogue, 1003, undefined, 'the dashboard that sent a binary message');
      const sent = sendFrame(agent);
      await expectFrame(admin, sent, { userId: person.id, deviceId: A.devices.employeeA.id, what: 'admin' });
    } finally {
      await agent.close();
      await admin.close();
    }
  });
});

describe('never stored', () => {
  test('after 200 frames no JPEG marker and none of the pattern\'s bytes are in the server\'s files or logs', { timeout: 90_000 }, async (t) => {
    const person = A.people.employeeA;
    const owner = A.people.owner.client;
    const kSize = { width: 640, height: 400 };
    const picture = patternJpeg({ ...kSize, variant: 77 });
    const run = distinctiveRun(picture);
    const needles = [
      { name: 'JPEG marker FF D8 FF', bytes: kJpegMarker },
      { name: 'the pattern\'s 32-byte run', bytes: run },
      { name: 'the small pattern\'s run', bytes: distinctiveRun(jpeg) },
    ];
    const controlDir = await h.tempDir('worktrace-control-');
    await writeFile(path.join(controlDir, 'copy.jpg'), Buffer.concat([picture, jpeg]));

    // 8 devices of the person, 25 frames each at the allowed pace: 200 frames in about 7 s.
    const devices = [];
    for (let device_idx = 0; device_idx < 8; device_idx += 1) {
      const device = await enrollDevice(owner, `a-busy-pc-${device_idx}`);
      expectStatus(await owner.patch(`/api/v1/devices/${device.id}`, { user_id: person.id }), 200, 'assign');
      devices.push(device);
    }
    const agents = [];
    for (const device of devices) agents.push((await connect(device)).agent);
    const { viewer: manager } = await watch(A.people.manager, [person.id]);
    const { viewer: ownerViewer } = await watch(A.people.owner, [person.id]);
    for (const agent of agents) await agent.next((message) => message.type === 'screens' && message.watching === true);

    let sent = 0;
    for (let round = 0; round < 25; round += 1) {
      for (const agent of agents) {
        sendFrame(agent, { picture, size: kSize });
        sent += 1;
      }
      await sleep(kFramePaceMs);
    }
    assert.equal(sent, 200);
    for (const [key, viewer] of [['manager', manager], ['owner', ownerViewer]]) {
      const mine = () => viewer.frames.filter((frame) => frame.jpeg.equals(picture)).length;
      await waitForCount(mine, 190, `${key} to receive the frames`);
      for (const agent of agents) assert.deepEqual(agent.buffer.filter((message) => message.type === 'error'), [], 'an agent got an error');
    }
    for (const agent of agents) await agent.close();
    await manager.close();
    await ownerViewer.close();
    await sleep(500);

    const roots = [server.dataDir, h.processes.logDir, ...(await openFiles(server.child.pid))];
    const running = await expectNeverStored(roots, needles, { controlDir, what: 'while the server runs' });
    assert.ok(running.files.some((file) => file.endsWith('.log')), `no log scanned among ${running.files.join(', ')}`);
    assert.ok(running.files.some((file) => file.startsWith(server.dataDir)), 'the data directory was not scanned');
    t.diagnostic(`scanned ${running.files.length} files, ${running.bytes} bytes, while running`);

    // Its shutdown (checkpoint, last log lines) adds nothing either.
    const stopped = await server.stop();
    assert.equal(stopped.code, 0, server.child.output());
    await expectNeverStored([server.dataDir, h.processes.logDir], needles, { controlDir, what: 'after the server stopped' });
  });
});
