// Issue 4 in the browser: a device's activity batch and its control-channel state reach the
// dashboard. The manager of the person's team watches the live view change without a reload and
// opens the person's day (spans, slot chart, input per hour) in the organization's time zone
// (Asia/Kathmandu, +05:45: a day that starts inside a UTC 10-minute slot); the employee sees
// their own day; an admin pauses the person and saves a work schedule, and the agent is told.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { expectStatus } from '../lib/api.mjs';
import { screenshotOnFailure, signedInPage as signedInAs } from '../lib/browser.mjs';
import { buildOrg, createOrgs, kUnthrottledApi } from '../lib/fixture.mjs';
import { Harness, deviceInfo } from '../lib/harness.mjs';
import { request } from '../lib/http.mjs';
import { connectAgent } from '../lib/ws.mjs';

const h = new Harness('e2e-activity-dashboard');

const kZone = 'Asia/Kathmandu';
const kZoneOffsetMs = (5 * 60 + 45) * 60_000;  // Nepal has no DST.
const kMinuteMs = 60_000;
const kSlotMs = 600_000;
const kDocsTitle = 'Worktrace docs — Mozilla Firefox';

let server;
let org;
let person;
let device;
let agent;
/** Yesterday in the organization's zone ("YYYY-MM-DD") and its first instant. */
let yesterday;
let dayStart;
let spans;

/** The calendar day in Asia/Kathmandu of `ms`. */
const dateInZone = (ms) => new Date(ms + kZoneOffsetMs).toISOString().slice(0, 10);

/** The spans of the batch: yesterday 09:00-11:00 local, with an idle span and a gap. */
function daySpans(start) {
  const at = (hours, minutes) => start + (hours * 60 + minutes) * kMinuteMs;
  return [
    { start: at(9, 0), end: at(9, 25), app: 'xterm', exe: '/usr/bin/xterm', title: 'build - make', idle: false },
    { start: at(9, 25), end: at(9, 40), app: 'firefox', exe: '/usr/lib/firefox/firefox', title: kDocsTitle, idle: false },
    { start: at(9, 40), end: at(9, 50), app: 'firefox', exe: '/usr/lib/firefox/firefox', title: kDocsTitle, idle: true },
    { start: at(10, 30), end: at(11, 0), app: 'code', exe: '/usr/share/code/code', title: 'timeline.ts — worktrace', idle: false },
  ];
}

/** How many UTC 10-minute slots get a rounded activity % above 0 from the active spans. */
function nonZeroSlots(list) {
  const activeBySlot = new Map();
  for (const span of list.filter((entry) => !entry.idle)) {
    for (let slot = Math.floor(span.start / kSlotMs) * kSlotMs; slot < span.end; slot += kSlotMs) {
      const part = Math.min(span.end, slot + kSlotMs) - Math.max(span.start, slot);
      activeBySlot.set(slot, (activeBySlot.get(slot) ?? 0) + part);
    }
  }
  return [...activeBySlot.values()].filter((activeMs) => Math.round((activeMs / kSlotMs) * 100) > 0).length;
}

before(async () => {
  const dataDir = await h.tempDir('worktrace-data-');
  const created = await createOrgs(h, dataDir, ['a']);
  server = await h.startServer({ dataDir, args: [...kUnthrottledApi] });
  org = await buildOrg(server, created.a);
  const owner = org.people.owner.client;
  expectStatus(await owner.patch('/api/v1/org', { time_zone: kZone }), 200, 'org time zone');
  // employeeA is in team A (managed by `manager`); its device was enrolled through the API and
  // assigned to it by buildOrg.
  person = org.people.employeeA;
  device = org.devices.employeeA;

  yesterday = dateInZone(Date.now() - 86_400_000);
  dayStart = Date.parse(`${yesterday}T00:00:00Z`) - kZoneOffsetMs;
  spans = daySpans(dayStart);
  const records = [];
  let seq = 1;
  for (const span of spans) {
    records.push({ seq: seq++, type: 'span', ...span });
    if (!span.idle) {
      const minute = Math.ceil(span.start / kMinuteMs) * kMinuteMs;
      records.push({ seq: seq++, type: 'input', minute, keys: 40, clicks: 3, scrolls: 2, distance_px: 1500 });
      records.push({ seq: seq++, type: 'input', minute: minute + kMinuteMs, keys: 25, clicks: 1, scrolls: 0, distance_px: 800 });
    }
  }
  const answer = await request(server.origin, '/api/v1/agent/activity', {
    method: 'POST',
    headers: { Authorization: `Bearer ${device.credential}` },
    body: { records, dropped_total: 0 },
  });
  assert.equal(answer.status, 200, `POST /api/v1/agent/activity -> ${answer.status}: ${answer.text}`);
  assert.equal(JSON.parse(answer.text).acked_seq, seq - 1);

  agent = await connectAgent(server.origin, device.credential);
  h.onCleanup(() => agent.close());
  await agent.next('welcome');
  agent.send({ type: 'hello', device: deviceInfo({ hostname: device.hostname }) });
  agent.send({ type: 'activity', state: 'active', app: 'xterm', title: 'build - make', since: Date.now() - 5 * kMinuteMs });
});

after(() => h.cleanup());

function signedInPage(who) {
  return signedInAs(h, server.origin, who);
}

/** Opens the previous day from today's page and checks the spans, the chart and the input table. */
async function checkYesterday(page) {
  await page.getByTestId('day-prev').click();
  await page.waitForURL(new RegExp(`#/people/${person.id}/day/${yesterday}$`));
  const timeline = page.getByTestId('timeline');
  await page.locator(`[data-testid="timeline"][data-span-count="${spans.length}"]`).waitFor();
  assert.equal(await timeline.getByTestId('timeline-span').count(), spans.length);
  assert.deepEqual(await timeline.getByTestId('timeline-span').evaluateAll((nodes) => nodes.map((node) => node.dataset.idle)), [
    'false',
    'false',
    'true',
    'false',
  ]);
  const docs = timeline.getByTestId('timeline-span').nth(1);
  assert.equal(await docs.getAttribute('aria-label'), `firefox — ${kDocsTitle}, 09:25–09:40 (15 min)`);
  await docs.hover();
  assert.match((await page.getByTestId('timeline-tooltip').textContent()) ?? '', new RegExp(kDocsTitle));

  const chart = page.getByTestId('slot-chart');
  await chart.locator('canvas').first().waitFor();
  assert.equal(Number(await chart.getAttribute('data-nonzero-slots')), nonZeroSlots(spans));
  assert.equal(await page.getByTestId('total-active').textContent(), '1 h 10 min');
  assert.equal(await page.getByTestId('total-idle').textContent(), '10 min');
  assert.deepEqual(await page.getByTestId('input-row').locator('th').allTextContents(), ['09:00–10:00', '10:00–11:00']);
  return page;
}

test('the manager watches the person live and opens their day', { timeout: 90_000 }, async () => {
  const { page, errors } = await signedInPage(org.people.manager);
  await screenshotOnFailure(page, 'e2e-activity-dashboard-manager', async () => {
    await page.getByTestId('nav-live').click();
    const row = page.locator(`[data-testid="live-row"][data-user-id="${person.id}"]`);
    await page.locator(`[data-testid="live-row"][data-user-id="${person.id}"][data-status="active"]`).waitFor();
    assert.equal(await row.getByTestId('live-app').textContent(), 'xterm');
    assert.equal(await row.getByTestId('live-title').textContent(), 'build - make');
    assert.match((await row.getByTestId('live-since').textContent()) ?? '', /for \d+ min/);
    // The manager sees team A only: employee B is not listed.
    assert.equal(await page.locator(`[data-testid="live-row"][data-user-id="${org.people.employeeB.id}"]`).count(), 0);

    // The next state arrives over the open WebSocket: a reload would lose the marker.
    await page.evaluate(() => {
      window.worktraceTestMarker = 'same document';
    });
    agent.send({ type: 'activity', state: 'idle', app: 'firefox', title: kDocsTitle, since: Date.now() });
    await page.locator(`[data-testid="live-row"][data-user-id="${person.id}"][data-status="idle"]`).waitFor();
    assert.equal(await row.getByTestId('live-app').textContent(), 'firefox');
    assert.equal(await row.getByTestId('live-title').textContent(), kDocsTitle);
    assert.equal(await row.getByTestId('live-status').textContent(), 'idle');
    assert.equal(await page.evaluate(() => window.worktraceTestMarker), 'same document');

    // The row links to the person's day; today has nothing, yesterday has the batch.
    await row.getByTestId('live-person').click();
    await page.waitForURL(new RegExp(`#/people/${person.id}/day$`));
    await page.getByTestId('timeline').waitFor();
    await checkYesterday(page);
    assert.deepEqual(errors, []);
  });
});

test('the employee sees their own day', { timeout: 60_000 }, async () => {
  const { page, errors } = await signedInPage(person);
  await screenshotOnFailure(page, 'e2e-activity-dashboard-employee', async () => {
    assert.deepEqual(await page.getByTestId('main-nav').getByRole('link').allTextContents(), ['Devices', 'My day', 'My account']);
    await page.getByTestId('nav-day').click();
    await page.getByTestId('timeline').waitFor();
    assert.equal(await page.getByTestId('day-title').textContent(), 'My day');
    assert.equal(await page.getByTestId('tracking-pause').count(), 0);
    await checkYesterday(page);
    assert.deepEqual(errors, []);
  });
});

test('an admin pauses the person and saves a work schedule; the agent is told', { timeout: 60_000 }, async () => {
  const { page, errors } = await signedInPage(org.people.admin);
  await screenshotOnFailure(page, 'e2e-activity-dashboard-admin', async () => {
    // Pause (restriction of processing) on the person's page.
    await page.goto(`${server.origin}/#/people/${person.id}/day`);
    const pause = page.getByTestId('tracking-pause');
    await page.locator('[data-testid="tracking-pause"][data-paused="false"]').waitFor();
    page.once('dialog', (dialog) => dialog.accept());
    await pause.getByTestId('tracking-pause-toggle').check();
    await page.locator('[data-testid="tracking-pause"][data-paused="true"]').waitFor();
    assert.equal(await pause.getByTestId('tracking-pause-state').textContent(), 'tracking paused');
    const paused = await agent.next((message) => message.type === 'config' && message.tracking?.paused === true);
    assert.equal(paused.tracking.paused, true);
    // The state survives a reload (read back from the audit log).
    await page.reload();
    await page.locator('[data-testid="tracking-pause"][data-paused="true"]').waitFor();

    // Organization → Tracking: work hours Mon-Fri 09:00-17:00 (the template) plus Saturday morning.
    await page.getByTestId('nav-org').click();
    const form = page.getByTestId('tracking-form');
    await form.waitFor();
    await form.getByTestId('tracking-idle').fill('5');
    await form.getByTestId('tracking-scheduled').check();
    assert.equal(await form.getByTestId('tracking-zone').inputValue(), kZone);
    const saturday = form.locator('[data-testid="schedule-day"][data-day="sat"]');
    await saturday.getByTestId('schedule-add').click();
    await saturday.getByTestId('schedule-from').fill('09:00');
    await saturday.getByTestId('schedule-to').fill('8:00');
    await form.getByTestId('tracking-save').click();
    assert.equal(await form.getByTestId('problem-days.sat.0').textContent(), 'must end after it starts');
    await saturday.getByTestId('schedule-to').fill('12:30');
    await form.getByTestId('tracking-save').click();
    await form.getByTestId('tracking-done').waitFor();

    const policy = expectStatus(await org.people.admin.client.get('/api/v1/org/tracking'), 200, 'GET tracking');
    const weekday = [['09:00', '17:00']];
    // A day without work may be absent or an empty list.
    for (const [day, intervals] of Object.entries(policy.schedule?.days ?? {})) {
      if (intervals.length === 0) delete policy.schedule.days[day];
    }
    assert.deepEqual(policy, {
      idle_threshold_s: 300,
      notify_on_start: true,
      schedule: {
        time_zone: kZone,
        days: { mon: weekday, tue: weekday, wed: weekday, thu: weekday, fri: weekday, sat: [['09:00', '12:30']] },
      },
      // Saving the tracking form leaves the screenshot settings (their own form) as they were.
      screenshots: { enabled: true, interval_s: 600, per_interval: 1, quality: 70, downscale: 1, blur_px: 0 },
    });
    const config = await agent.next((message) => message.type === 'config' && message.tracking?.schedule?.days?.sat !== undefined);
    assert.equal(config.tracking.idle_threshold_s, 300);

    // Read back into the form after a reload.
    await page.reload();
    await page.getByTestId('tracking-form').waitFor();
    assert.equal(await page.getByTestId('tracking-idle').inputValue(), '5');
    assert.equal(await page.locator('[data-testid="schedule-day"][data-day="sat"] [data-testid="schedule-to"]').inputValue(), '12:30');
    assert.deepEqual(errors, []);
  });
});
