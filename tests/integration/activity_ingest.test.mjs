// Activity ingest and the timeline against a real worktrace-server: an enrolled and assigned
// device posts batches (plain and gzip) with its credential; they show in the person's
// timeline, input counts and 10-minute slots; the same batch again is all duplicates and
// doubles nothing; every bad batch is refused with its path named and leaves nothing behind;
// revoked credentials, other organizations and other teams see nothing. The device's screens
// are stored and shown.
import assert from 'node:assert/strict';
import { gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { Client, expectError, expectStatus } from '../lib/api.mjs';
import { enrollDevice, startFixture } from '../lib/fixture.mjs';
import { Harness, deviceInfo, waitFor } from '../lib/harness.mjs';
import { connectAgent } from '../lib/ws.mjs';

const h = new Harness('integration-activity-ingest');
let A;
let B;
let device; // org A, enrolled here, assigned to employeeA
let agent; // a Client with the device's credential
let seq = 0;

const kSlotMs = 600_000;
// Two hours ago on a 10-minute boundary: everything below happens after it.
const kBase = Math.floor((Date.now() - 2 * 3_600_000) / kSlotMs) * kSlotMs;
const kScreens = [
  { name: 'eDP-1', x: 0, y: 0, width: 1920, height: 1080, primary: true },
  { name: 'HDMI-1', x: 1920, y: 0, width: 2560, height: 1440, primary: false },
];

before(async () => {
  const fx = await startFixture(h);
  A = fx.orgs.a;
  B = fx.orgs.b;
  const owner = A.people.owner.client;
  const token = expectStatus(await owner.post('/api/v1/enrollment-tokens', { uses: 1 }), 201, 'enrollment token');
  const enrolled = expectStatus(
    await new Client(A.origin).post('/api/v1/agent/enroll', {
      token: token.token,
      device: deviceInfo({ hostname: 'ingest-pc', screens: kScreens }),
    }),
    201,
    'enroll',
  );
  device = { id: enrolled.device_id, credential: enrolled.credential };
  expectStatus(await owner.patch(`/api/v1/devices/${device.id}`, { user_id: A.people.employeeA.id }), 200, 'assign');
  agent = new Client(A.origin, { bearer: device.credential, label: 'agent' });
});

after(() => h.cleanup());

function span(start, end, { app = 'xterm', title = 'build - make', idle = false, exe = `/usr/bin/${app}` } = {}) {
  seq += 1;
  return { seq, type: 'span', start, end, app, exe, title, idle };
}

function input(minute, keys, clicks = 0) {
  seq += 1;
  return { seq, type: 'input', minute, keys, clicks, scrolls: 2, distance_px: 300 };
}

/** POSTs a batch body (an object, or a string/Buffer sent as is) with `client`'s credential. */
function post(body, { client = agent, headers = {} } = {}) {
  const encoded = typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body);
  return client.post('/api/v1/agent/activity', encoded, { headers: { 'Content-Type': 'application/json', ...headers } });
}

function timelinePath(person, from = kBase, to = kBase + 3 * 3_600_000) {
  return `/api/v1/people/${person}/timeline?from=${from}&to=${to}`;
}

async function timeline(client = A.people.owner.client, person = A.people.employeeA.id) {
  return expectStatus(await client.get(timelinePath(person)), 200, 'timeline');
}

describe('the device', () => {
  test('its screens are stored and shown, and updated by device_info', async () => {
    const shown = expectStatus(await A.people.owner.client.get(`/api/v1/devices/${device.id}`), 200, 'device');
    assert.deepEqual(shown.screens, kScreens);
    const listed = expectStatus(await A.people.owner.client.get('/api/v1/devices'), 200, 'devices');
    assert.deepEqual(listed.devices.find((entry) => entry.id === device.id).screens, kScreens);

    const socket = await connectAgent(A.origin, device.credential);
    await socket.next('welcome');
    const one = [{ name: 'DP-2', x: 0, y: 0, width: 3840, height: 2160, primary: true }];
    socket.send({ type: 'device_info', device: deviceInfo({ hostname: 'ingest-pc', screens: one }) });
    await waitFor(
      async () => {
        const now = expectStatus(await A.people.owner.client.get(`/api/v1/devices/${device.id}`), 200, 'device');
        return JSON.stringify(now.screens) === JSON.stringify(one);
      },
      { timeoutMs: 5_000, what: 'the new screens in GET /api/v1/devices/{id}' },
    );
    await socket.close();
  });
});

describe('ingest', () => {
  let first;
  let firstBody;

  test('a good batch is stored and shows in the timeline, input and slots', async () => {
    first = [
      span(kBase + 590_000, kBase + 1_210_000),
      input(kBase + 600_000, 40, 3),
      span(kBase + 1_210_000, kBase + 1_270_000, { app: 'firefox', title: 'docs', exe: '/usr/lib/firefox/firefox' }),
      span(kBase + 1_270_000, kBase + 1_330_000, { app: 'firefox', title: 'docs', idle: true, exe: '/usr/lib/firefox/firefox' }),
    ];
    firstBody = { records: first, dropped_total: 0 };
    const receipt = expectStatus(await post(firstBody), 200, 'ingest');
    assert.deepEqual(receipt, { acked_seq: seq, accepted: 4, duplicates: 0 });

    const view = await timeline();
    assert.equal(view.user_id, A.people.employeeA.id);
    assert.deepEqual(
      view.spans.map(({ start, end, app, idle, device_id }) => ({ start, end, app, idle, device_id })),
      [
        { start: kBase + 590_000, end: kBase + 1_210_000, app: 'xterm', idle: false, device_id: device.id },
        { start: kBase + 1_210_000, end: kBase + 1_270_000, app: 'firefox', idle: false, device_id: device.id },
        { start: kBase + 1_270_000, end: kBase + 1_330_000, app: 'firefox', idle: true, device_id: device.id },
      ],
    );
    assert.equal(view.spans[0].exe, '/usr/bin/xterm');
    assert.equal(view.spans[0].title, 'build - make');
    assert.deepEqual(view.totals, { active_ms: 680_000, idle_ms: 60_000 });
    assert.deepEqual(view.apps, [{ app: 'xterm', active_ms: 620_000 }, { app: 'firefox', active_ms: 60_000 }]);
    assert.deepEqual(view.titles[0], { app: 'xterm', title: 'build - make', active_ms: 620_000 });
    // Split over the slots to the millisecond.
    assert.deepEqual(
      view.slots.map(({ slot, active_ms, idle_ms, keys, activity_pct }) => ({ slot, active_ms, idle_ms, keys, activity_pct })),
      [
        { slot: kBase, active_ms: 10_000, idle_ms: 0, keys: 0, activity_pct: 2 },
        { slot: kBase + 600_000, active_ms: 600_000, idle_ms: 0, keys: 40, activity_pct: 100 },
        { slot: kBase + 1_200_000, active_ms: 70_000, idle_ms: 60_000, keys: 0, activity_pct: 12 },
      ],
    );

    const minutes = expectStatus(
      await A.people.owner.client.get(`/api/v1/people/${A.people.employeeA.id}/input?from=${kBase}&to=${kBase + 3_600_000}`),
      200,
      'input',
    );
    assert.deepEqual(minutes.minutes, [{ minute: kBase + 600_000, keys: 40, clicks: 3, scrolls: 2, distance_px: 300 }]);
  });

  test('the same batch again is all duplicates and doubles nothing', async () => {
    const before = await timeline();
    const receipt = expectStatus(await post(firstBody), 200, 'again');
    assert.deepEqual(receipt, { acked_seq: seq, accepted: 0, duplicates: 4 });
    assert.deepEqual(await timeline(), before);
  });

  test('a gzip body is accepted, and an adjacent equal span is merged', async () => {
    // Starts 400 ms after the idle firefox span: merged into it.
    const records = [span(kBase + 1_330_400, kBase + 1_400_000, { app: 'firefox', title: 'docs', idle: true, exe: '/usr/lib/firefox/firefox' })];
    const body = gzipSync(Buffer.from(JSON.stringify({ records, dropped_total: 3 })));
    const receipt = expectStatus(await post(body, { headers: { 'Content-Encoding': 'gzip' } }), 200, 'gzip');
    assert.deepEqual(receipt, { acked_seq: seq, accepted: 1, duplicates: 0 });
    const view = await timeline();
    assert.equal(view.spans.length, 3);
    assert.deepEqual(view.spans[2].end, kBase + 1_400_000);
    assert.equal(view.totals.idle_ms, 130_000);
  });

  test('other encodings are 415 and a corrupt gzip stream is 400', async () => {
    const body = JSON.stringify({ records: [span(kBase + 1_500_000, kBase + 1_501_000)] });
    seq -= 1; // not stored: reuse the seq
    expectError(await post(body, { headers: { 'Content-Encoding': 'br' } }), 415, { code: 'unsupported_media_type' });
    expectError(await post(body, { headers: { 'Content-Encoding': 'gzip' } }), 400, { code: 'invalid_argument', message: /gzip/ });
    expectError(await agent.post('/api/v1/agent/activity', body, { headers: { 'Content-Type': 'text/plain' } }), 415);
  });
});

describe('a bad batch changes nothing', () => {
  let before;

  /** A batch whose first record is fine (a probe app) and whose second is `bad`. */
  function withProbe(bad) {
    const probe = { seq: seq + 1, type: 'span', start: kBase + 2_000_000, end: kBase + 2_001_000, app: 'partial-probe', exe: '', title: '', idle: false };
    return { records: [probe, { seq: seq + 2, ...bad }] };
  }

  const kCases = [
    {
      name: 'wrong types',
      bad: { type: 'span', start: 'soon', end: kBase + 2_100_000, app: 'x', idle: false },
      message: /^\$\.records\[1\]\.start: must be an integer$/,
    },
    {
      name: 'timestamps in 2099',
      bad: { type: 'span', start: 4_070_908_800_000, end: 4_070_908_800_000, app: 'x', idle: false },
      message: /^\$\.records\[1\]\.start: is in the future$/,
    },
    {
      name: 'a span going back in time',
      bad: { type: 'span', start: kBase + 2_000_500, end: kBase + 2_100_000, app: 'x', idle: false },
      message: /^\$\.records\[1\]\.start: is before the end of the span before it$/,
    },
    {
      name: 'an unknown key',
      bad: { type: 'span', start: kBase + 2_001_000, end: kBase + 2_100_000, app: 'x', idle: false, color: 'blue' },
      message: /^\$\.records\[1\]\.color: is not a known field$/,
    },
    {
      name: 'an input minute that is not a minute',
      bad: { type: 'input', minute: kBase + 30_000, keys: 1, clicks: 0, scrolls: 0, distance_px: 0 },
      message: /^\$\.records\[1\]\.minute: must be a multiple of 60000$/,
    },
  ];

  test('record the state first', async () => {
    before = await timeline();
  });

  for (const { name, bad, message } of kCases) {
    test(`${name}: 400 naming the path`, async () => {
      expectError(await post(withProbe(bad)), 400, { code: 'invalid_argument', message });
    });
  }

  test('seq not increasing: 400 naming the path', async () => {
    const body = withProbe({ type: 'span', start: kBase + 2_001_000, end: kBase + 2_100_000, app: 'x', idle: false });
    body.records[1].seq = body.records[0].seq;
    expectError(await post(body), 400, { message: /^\$\.records\[1\]\.seq: must be greater than the seq of the record before it$/ });
  });

  test('truncated JSON: 400', async () => {
    const text = JSON.stringify(withProbe({ type: 'span', start: kBase + 2_001_000, end: kBase + 2_100_000, app: 'x', idle: false }));
    expectError(await post(text.slice(0, text.length - 7)), 400, { code: 'invalid_argument', message: /not valid JSON/ });
  });

  test('a 10 MB title: 413 (plain over the body limit, gzip over the inflate limit)', async () => {
    const huge = withProbe({ type: 'span', start: kBase + 2_001_000, end: kBase + 2_100_000, app: 'x', title: 'a'.repeat(10 * 1024 * 1024), idle: false });
    const text = JSON.stringify(huge);
    const plain = await post(text).catch((error) => ({ status: 'reset', error }));
    // The server may answer 413 and close before the client finished sending.
    assert.ok(plain.status === 413 || plain.status === 'reset', `plain: ${plain.status}`);
    const zipped = await post(gzipSync(Buffer.from(text)), { headers: { 'Content-Encoding': 'gzip' } });
    expectError(zipped, 413, { code: 'payload_too_large' });
  });

  test('nothing of them was stored and the cursor did not move', async () => {
    assert.deepEqual(await timeline(), before);
    // The next seq is accepted: no bad batch advanced the cursor.
    const next = [span(kBase + 2_000_000, kBase + 2_060_000, { app: 'after-errors' })];
    const receipt = expectStatus(await post({ records: next }), 200, 'after the errors');
    assert.deepEqual(receipt, { acked_seq: seq, accepted: 1, duplicates: 0 });
    const view = await timeline();
    assert.ok(!view.spans.some((entry) => entry.app === 'partial-probe'), 'a probe record was stored');
    assert.equal(view.spans.at(-1).app, 'after-errors');
  });
});

describe('access', () => {
  test('a revoked device\'s credential is 401', async () => {
    const doomed = await enrollDevice(A.people.owner.client, 'doomed-pc');
    const client = new Client(A.origin, { bearer: doomed.credential });
    const records = [{ seq: 1, type: 'span', start: kBase, end: kBase + 1_000, app: 'x', idle: false }];
    expectStatus(await post({ records }, { client }), 200, 'before revocation');
    expectStatus(await A.people.owner.client.post(`/api/v1/devices/${doomed.id}/revoke`, {}), 200, 'revoke');
    records[0].seq = 2;
    expectError(await post({ records }, { client }), 401, { code: 'unauthenticated' });
    expectError(await post({ records }, { client: new Client(A.origin, { bearer: 'wtd_not-a-credential' }) }), 401);
    expectError(await post({ records }, { client: A.people.owner.client }), 401);
  });

  test('an org-B device\'s batch is invisible to org A', async () => {
    const client = new Client(B.origin, { bearer: B.devices.employeeB.credential });
    const records = [{ seq: 1, type: 'span', start: kBase, end: kBase + 60_000, app: 'b-secret', exe: '', title: 'B only', idle: false }];
    expectStatus(await post({ records }, { client }), 200, 'org B ingest');
    const own = await timeline(B.people.owner.client, B.people.employeeB.id);
    assert.deepEqual(own.spans.map((entry) => entry.app), ['b-secret']);
    expectError(await A.people.owner.client.get(timelinePath(B.people.employeeB.id)), 404, { code: 'not_found' });
    expectError(await A.people.owner.client.get(`/api/v1/people/${B.people.employeeB.id}/input`), 404);
    const mine = await timeline();
    assert.ok(!mine.spans.some((entry) => entry.app === 'b-secret'));
  });

  test('roles: self, owner, admin and the team\'s manager see it; another team\'s manager and others do not', async () => {
    const status = async (key) => (await A.people[key].client.get(timelinePath(A.people.employeeA.id))).status;
    assert.equal(await status('employeeA'), 200);
    assert.equal(await status('owner'), 200);
    assert.equal(await status('admin'), 200);
    assert.equal(await status('manager'), 200);
    assert.equal(await status('managerB'), 403);
    assert.equal(await status('employeeB'), 403);
    expectError(await A.people.managerB.client.get(`/api/v1/people/${A.people.employeeA.id}/input`), 403, { code: 'permission_denied' });
    // The fixture's API token has people:read only.
    const token = new Client(A.origin, { bearer: A.apiToken.token });
    expectError(await token.get(timelinePath(A.people.employeeA.id)), 403, { message: /reports:read/ });
  });

  test('ranges are checked', async () => {
    const owner = A.people.owner.client;
    const person = A.people.employeeA.id;
    expectError(await owner.get(timelinePath(person, kBase, kBase)), 400, { message: /^to: must be after from$/ });
    expectError(await owner.get(timelinePath(person, kBase, kBase + 8 * 86_400_000)), 400, { message: /7 days/ });
    expectError(await owner.get(`/api/v1/people/${person}/timeline?from=yesterday`), 400, { message: /^from:/ });
    const fallback = expectStatus(await owner.get(`/api/v1/people/${person}/timeline`), 200, 'default range');
    assert.equal(fallback.to - fallback.from, 86_400_000);
  });
});

describe('reassignment', () => {
  test('what a device recorded before it was taken from someone goes to nobody', async () => {
    const owner = A.people.owner.client;
    const taken = A.devices.employeeB;
    const from = A.people.employeeB.id;
    const to = A.people.manager.id;
    const before = Date.now() - 120_000;
    expectStatus(await owner.patch(`/api/v1/devices/${taken.id}`, { user_id: to }), 200, 'reassign');
    const after = Date.now() + 1_000;
    const client = new Client(A.origin, { bearer: taken.credential, label: 'taken' });
    const records = [
      { seq: 1, type: 'span', start: before, end: before + 60_000, app: 'old-app', exe: '', title: 'spooled', idle: false },
      { seq: 2, type: 'span', start: after, end: after + 1_000, app: 'new-app', exe: '', title: 'fresh', idle: false },
    ];
    expectStatus(await post({ records }, { client }), 200, 'ingest');
    const window = (person) => `/api/v1/people/${person}/timeline?from=${before - 60_000}&to=${after + 60_000}`;
    const newOwner = expectStatus(await owner.get(window(to)), 200, 'new owner');
    assert.deepEqual(newOwner.spans.map((span) => span.app), ['new-app']);
    const oldOwner = expectStatus(await owner.get(window(from)), 200, 'old owner');
    assert.deepEqual(oldOwner.spans.filter((span) => span.device_id === taken.id), []);
  });
});
