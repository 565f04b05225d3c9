// Live screenshots end to end (issue 6): Xvfb shows a known pattern (worktrace-test-pattern: six
// big solid colour blocks over a strip of seeded cells) over the whole screen; the real agent,
// enrolled and given to employee A, captures it on demand; Chromium signed in as the manager of
// employee A's team opens the person's live view, presses "Capture now" and gets the picture,
// whose pixels the test checks against the pattern; the wall shows the person's tile; a manager
// of another team is refused and sees no picture; nothing of the picture is on disk afterwards.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { expectStatus } from '../lib/api.mjs';
import { screenshotOnFailure, signedInPage } from '../lib/browser.mjs';
import { buildOrg, createOrgs, enrollAgentFor, kUnthrottledApi } from '../lib/fixture.mjs';
import { Harness, agentBin, waitFor } from '../lib/harness.mjs';
import { distinctiveRun, expectNeverStored, kJpegMarker, openFiles, rgbOf, showPatternWindow, trackFrames } from '../lib/screens.mjs';
import { openViewer } from '../lib/ws.mjs';

const h = new Harness('e2e-screenshots');
// Xvfb's screen (harness.startXvfb), all of it covered by the pattern.
const kScreen = { width: 1280, height: 720 };
// The largest channel difference accepted between a block's colour and its average in the
// received JPEG (quality 70, 4:2:0 chroma: solid blocks come back within a few levels).
const kTolerance = 24;
// At most one capture per 2 s per viewer and person (server), one demand a second (agent).
const kCaptureGapMs = 2_200;

let display;
let server;
let org;
let person;
let layout;
let agentDir;
let agent;
/** The JPEG bytes the manager's browser received, for the never-stored scan. */
let received;
let lastCaptureAt = 0;

before(async () => {
  ({ display } = await h.startXvfb());
  ({ layout } = await showPatternWindow(h, display, { ...kScreen, variant: 5 }));
  const dataDir = await h.tempDir('worktrace-data-');
  const created = await createOrgs(h, dataDir, ['a']);
  server = await h.startServer({ dataDir, args: [...kUnthrottledApi] });
  org = await buildOrg(server, created.a);
  person = org.people.employeeA;
  const owner = org.people.owner.client;

  // Enroll this machine's agent and give the device to employee A.
  let deviceId;
  ({ agentDir, deviceId } = await enrollAgentFor(h, owner, person));

  // Input just before the start, so the display is not idle; no session bus, so the start
  // notification fails at once.
  const moved = await h.processes.run('xdotool', 'xdotool', ['mousemove_relative', '1', '1'], { env: { ...process.env, DISPLAY: display }, timeoutMs: 5_000 });
  assert.equal(moved.code, 0, moved.child.output());
  agent = h.startAgent({ configDir: agentDir, display, env: { DBUS_SESSION_BUS_ADDRESS: `unix:path=${agentDir}/no-bus` } });
  await waitFor(
    async () => {
      if (!agent.running) throw new Error(`the agent exited\n${agent.output()}`);
      const status = await h.processes.run('agent-status', agentBin, ['status', '--json', '--config-dir', agentDir]);
      const report = JSON.parse(status.stdout || '{}');
      return report.pid === agent.pid && report.tracking?.state === 'active';
    },
    { timeoutMs: 15_000, what: 'the agent to track (active)' },
  );
  await waitFor(
    async () => expectStatus(await owner.get(`/api/v1/devices/${deviceId}`), 200, 'device').online === true,
    { timeoutMs: 10_000, what: 'the device to be online' },
  );
});

after(() => h.cleanup());

/** Waits until `locator` (an <img>) has decoded a picture; returns its natural size. */
async function loadedImage(page, locator, timeoutMs = 15_000) {
  await locator.waitFor({ timeout: timeoutMs });
  const handle = await locator.elementHandle();
  await page.waitForFunction((img) => img.complete && img.naturalWidth > 0, handle, { timeout: timeoutMs });
  return handle;
}

/** Presses `button` once the capture limits allow another demand. */
async function capture(button) {
  const wait = lastCaptureAt + kCaptureGapMs - Date.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  await button.click();
  lastCaptureAt = Date.now();
}

/**
 * Draws `img` on a canvas at its natural size and returns, per block of the pattern, the
 * average colour of its middle half (away from JPEG ringing at the edges).
 */
function readPicture(handle, blocks, screenWidth, screenHeight) {
  return handle.evaluate(
    async (img, { blocks: list, screenWidth: width, screenHeight: height }) => {
      const canvas = document.createElement('canvas');
      canvas.width = img.naturalWidth;
      canvas.height = img.naturalHeight;
      const context = canvas.getContext('2d', { willReadFrequently: true });
      context.drawImage(img, 0, 0);
      const scaleX = img.naturalWidth / width;
      const scaleY = img.naturalHeight / height;
      const averages = list.map((block) => {
        const x = Math.round((block.x + block.width / 4) * scaleX);
        const y = Math.round((block.y + block.height / 4) * scaleY);
        const w = Math.max(1, Math.round((block.width / 2) * scaleX));
        const h = Math.max(1, Math.round((block.height / 2) * scaleY));
        const { data } = context.getImageData(x, y, w, h);
        const sum = [0, 0, 0];
        for (let offset = 0; offset < data.length; offset += 4) for (let c = 0; c < 3; c += 1) sum[c] += data[offset + c];
        const count = data.length / 4;
        return sum.map((value) => Math.round(value / count));
      });
      return { averages, naturalWidth: img.naturalWidth, naturalHeight: img.naturalHeight };
    },
    { blocks, screenWidth, screenHeight },
  );
}

function expectPattern(picture, what) {
  assert.equal(picture.naturalWidth / picture.naturalHeight, kScreen.width / kScreen.height, `${what}: aspect of ${picture.naturalWidth}x${picture.naturalHeight}`);
  picture.averages.forEach((got, block_idx) => {
    const want = rgbOf(layout.blocks[block_idx].rgb);
    const off = Math.max(...got.map((value, c) => Math.abs(value - want[c])));
    assert.ok(off <= kTolerance, `${what}: block ${block_idx} is rgb(${got}) where the pattern has rgb(${want}) (off by ${off})`);
  });
}

test('the manager presses "Capture now" in the live view and sees the pattern', { timeout: 60_000 }, async (t) => {
  const { page, errors } = await signedInPage(h, server.origin, org.people.manager);
  // A second dashboard of the manager, in node, receives the same frames: their JPEG bytes (the
  // page's Content-Security-Policy keeps blob: URLs from being fetched) for the scan below.
  const probe = trackFrames(await openViewer(org.people.manager.client));
  h.onCleanup(() => probe.terminate());
  probe.send({ type: 'screens.watch', user_ids: [person.id] });
  assert.deepEqual((await probe.next('screens.watching')).user_ids, [person.id]);
  await screenshotOnFailure(page, 'e2e-screenshots-live-view', async () => {
    await page.goto(`${server.origin}/#/people/${person.id}/screen`);
    await capture(page.getByTestId('capture-now').first());
    // The demanded frame (the page's button sent screens.capture; this dashboard watches too).
    const demanded = await probe.nextFrame((candidate) => candidate.header.reason === 'demand', { timeoutMs: 15_000, what: 'the demanded frame' });
    assert.match(demanded.header.request_id ?? '', /^[A-Za-z0-9_-]{16,32}$/);
    // The page shows it (or a scheduled one taken after it: the screen has not changed).
    const image = page.locator('[data-testid="screen-image"][data-monitor="0"]');
    await page.waitForFunction(
      (since) => Number(document.querySelector('[data-testid="screen-image"][data-monitor="0"]')?.dataset.takenAt) >= since,
      demanded.header.taken_at,
      { timeout: 15_000 },
    );
    const handle = await loadedImage(page, image);
    const picture = await readPicture(handle, layout.blocks, kScreen.width, kScreen.height);
    expectPattern(picture, 'the live view');
    t.diagnostic(`live view ${picture.naturalWidth}x${picture.naturalHeight}, block averages ${JSON.stringify(picture.averages)}`);
    const takenAt = Number(await image.getAttribute('data-taken-at'));
    const frame = await probe.nextFrame((candidate) => candidate.header.taken_at === takenAt, { what: `the frame taken at ${takenAt}` });
    assert.equal(frame.header.width, picture.naturalWidth);
    received = frame.jpeg;
    assert.ok(received.subarray(0, 3).equals(kJpegMarker), 'the frame is not a JPEG');
    assert.deepEqual(errors, []);

    // The wall: the person's tile with a picture of the same screen.
    await page.goto(`${server.origin}/#/screens`);
    const tile = page.getByTestId(`screen-tile-${person.id}`);
    await tile.waitFor();
    const tileImage = tile.getByTestId('tile-image');
    if ((await tileImage.count()) === 0 || !(await tileImage.first().evaluate((img) => img.complete && img.naturalWidth > 0))) {
      await capture(tile.getByTestId('capture-now'));
    }
    const tileHandle = await loadedImage(page, tileImage.first());
    expectPattern(await readPicture(tileHandle, layout.blocks, kScreen.width, kScreen.height), 'the wall tile');
    assert.deepEqual(errors, []);
  });
});

test('a manager of another team is refused and sees no picture', { timeout: 45_000 }, async () => {
  const { page, errors } = await signedInPage(h, server.origin, org.people.managerB);
  await screenshotOnFailure(page, 'e2e-screenshots-refused', async () => {
    await page.goto(`${server.origin}/#/people/${person.id}/screen`);
    const refusal = page.locator('[data-testid="screen-refusal"][data-kind="watch"]');
    await refusal.waitFor();
    assert.match((await refusal.textContent()) ?? '', /only owners, admins and the person's managers|not allowed|may not|permission/i);
    // Frames keep flowing to the allowed manager meanwhile (another demand).
    const { page: allowed } = await signedInPage(h, server.origin, org.people.manager);
    await allowed.goto(`${server.origin}/#/people/${person.id}/screen`);
    await capture(allowed.getByTestId('capture-now').first());
    await loadedImage(allowed, allowed.locator('[data-testid="screen-image"][data-monitor="0"]'));
    await page.waitForTimeout(1_000);
    assert.equal(await page.getByTestId('screen-image').count(), 0, 'the refused manager sees a picture');
    assert.equal(await page.locator('img[src^="blob:"]').count(), 0, 'the refused manager\'s page holds a picture');
    assert.deepEqual(errors, []);
  });
});

test('nothing of the picture is in the server\'s or the agent\'s files and logs', { timeout: 30_000 }, async () => {
  assert.ok(received, 'no picture was received (the live view test failed)');
  const needles = [
    { name: 'JPEG marker FF D8 FF', bytes: kJpegMarker },
    { name: 'a 32-byte run of the received picture', bytes: distinctiveRun(received) },
  ];
  const controlDir = await h.tempDir('worktrace-control-');
  await writeFile(path.join(controlDir, 'received.jpg'), received);
  const roots = [server.dataDir, agentDir, h.processes.logDir, ...(await openFiles(server.child.pid)), ...(await openFiles(agent.pid))];
  const scan = await expectNeverStored(roots, needles, { controlDir, what: 'server and agent' });
  assert.ok(scan.files.some((file) => file.startsWith(agentDir)), 'the agent\'s directory was not scanned');
});
