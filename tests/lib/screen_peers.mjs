// The two ends of the screenshot relay in the integration suites: fake agents (a real device
// credential on /ws/agent sending WTS1 frames) and dashboards (session cookies on /ws/dashboard
// with `screens.watch`), with the assertions the suites share.
import assert from 'node:assert/strict';
import { expectStatus } from './api.mjs';
import { sleep } from './process.mjs';
import { agentFrame, trackFrames } from './screens.mjs';
import { connectAgent, openViewer } from './ws.mjs';

// The agent's binary frames are limited to 4 a second (bursts of 8) per connection.
export const kFramePaceMs = 270;

export class ScreenPeers {
  /**
   * `h`: the suite's Harness (sockets are terminated by its cleanup); `origin`: the server;
   * `picture` / `size`: the JPEG (Buffer) and its {width, height} sendFrame sends by default.
   */
  constructor(h, origin, { picture, size }) {
    this.h = h;
    this.origin = origin;
    this.picture = picture;
    this.size = size;
    this.lastTakenAt = 0;
  }

  /** A taken_at of its own for every frame, so that a received frame names the one sent. */
  takenAt() {
    this.lastTakenAt = Math.max(Date.now(), this.lastTakenAt + 1);
    return this.lastTakenAt;
  }

  /** Connects `device`'s agent; returns {agent, config, screens} once the `screens` message came. */
  async connect(device) {
    const agent = await connectAgent(this.origin, device.credential);
    this.h.onCleanup(() => agent.terminate());
    const screens = await agent.next('screens');
    const config = await agent.next('config');
    return { agent, config, screens };
  }

  /** Sends one valid frame; returns {header, jpeg}: what a viewer should receive for it. */
  sendFrame(agent, { picture = this.picture, size = this.size, monitor = 0, reason = 'schedule', requestId } = {}) {
    const header = { monitor, width: size.width, height: size.height, taken_at: this.takenAt(), reason };
    if (requestId !== undefined) header.request_id = requestId;
    agent.sendRaw(agentFrame(header, picture), { binary: true });
    return { header, jpeg: picture };
  }

  /** A dashboard of `person` (a fixture person) watching `userIds`; returns {viewer, reply}. */
  async watch(person, userIds) {
    const viewer = trackFrames(await openViewer(person.client));
    this.h.onCleanup(() => viewer.terminate());
    const reply = await setWatch(viewer, userIds);
    return { viewer, reply };
  }
}

/** Replaces `viewer`'s watched set; returns the `screens.watching` reply. */
export async function setWatch(viewer, userIds) {
  viewer.send({ type: 'screens.watch', user_ids: userIds });
  return viewer.next('screens.watching');
}

/** Asserts that `viewer` receives `sent` (from sendFrame) byte for byte, with its header. */
export async function expectFrame(viewer, sent, { userId, deviceId, what }) {
  const frame = await viewer.nextFrame((candidate) => candidate.header.taken_at === sent.header.taken_at && candidate.header.monitor === sent.header.monitor, {
    what: `${what}: the frame taken at ${sent.header.taken_at}`,
  });
  assert.ok(frame.jpeg.equals(sent.jpeg), `${what}: the JPEG differs from the agent's (${frame.jpeg.length} vs ${sent.jpeg.length} bytes)`);
  assert.equal(frame.header.user_id, userId, `${what}: user_id`);
  assert.equal(frame.header.device_id, deviceId, `${what}: device_id`);
  for (const key of ['monitor', 'width', 'height', 'taken_at', 'reason']) assert.equal(frame.header[key], sent.header[key], `${what}: ${key}`);
  assert.equal(frame.header.request_id, sent.header.request_id, `${what}: request_id`);
  assert.equal(typeof frame.header.received_at, 'number', `${what}: received_at`);
  assert.ok(Math.abs(frame.header.received_at - sent.header.taken_at) < 5_000, `${what}: received_at ${frame.header.received_at} is far from ${sent.header.taken_at}`);
  return frame;
}

/** Asserts that nothing `match` accepts (text message) arrives on `socket` within `ms`. */
export async function expectNoMessage(socket, match, what, ms = 400) {
  await sleep(ms);
  const seen = socket.buffer.filter(match);
  assert.deepEqual(seen, [], `${what} received ${JSON.stringify(seen).slice(0, 400)}`);
}

/** The agent's next `error` message; asserts its code (when given) and message, and that it is still connected. */
export async function agentError(agent, { code, message }, what) {
  const reply = await agent.next('error', { timeoutMs: 5_000 }).catch((error) => {
    throw new Error(`${what}: ${error.message}`);
  });
  if (code) assert.equal(reply.error?.code, code, `${what}: ${JSON.stringify(reply)}`);
  if (message) assert.match(reply.error?.message ?? '', message, `${what}: ${JSON.stringify(reply)}`);
  assert.equal(agent.closeInfo, null, `${what}: the agent's connection was closed`);
  return reply;
}

/** The next dashboard `error` reply on `viewer`: its {code, message}. */
export async function viewerError(viewer, what) {
  const reply = await viewer.next('error', { timeoutMs: 5_000 }).catch((error) => {
    throw new Error(`${what}: ${error.message}`);
  });
  assert.ok(reply.error?.code && reply.error?.message, `${what}: ${JSON.stringify(reply)}`);
  return reply.error;
}

/** True when audit `entry` is by `actorId` about person `userId` (subject or target). */
export function byAbout(entry, actorId, userId) {
  return entry.actor_user_id === actorId && (entry.subject_user_id === userId || String(entry.target_id) === String(userId));
}

/** The organization's audit entries of `action` (as `client` sees them), details parsed. */
export async function auditEntries(client, action) {
  const body = expectStatus(await client.get(`/api/v1/audit?action=${encodeURIComponent(action)}&limit=500`), 200, `audit ${action}`);
  return body.entries.map((entry) => ({ ...entry, details: typeof entry.details === 'string' ? JSON.parse(entry.details || '{}') : entry.details ?? {} }));
}

/** Waits (bounded) until `count()` is at least `atLeast`. */
export async function waitForCount(count, atLeast, what, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (count() < atLeast) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${count()} of at least ${atLeast}`);
    await sleep(100);
  }
}
