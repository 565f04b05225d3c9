// Activity end to end on a real X display: openbox on Xvfb, xterm windows with known titles,
// xdotool (XTEST) switching focus, typing and clicking, the real agent recording it, and the
// real server storing it. Then the same with the server killed mid-stream and with the agent
// restarted on a full outbox: every span and count must arrive exactly once.
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { expectStatus } from '../lib/api.mjs';
import { enrollAgentFor, startFixture } from '../lib/fixture.mjs';
import { Harness, agentBin, sleep, waitFor } from '../lib/harness.mjs';

const h = new Harness('e2e-activity');
let display;
let server;
let dataDir;
let org;
let person;
let agentDir;

const kAgentArgs = ['--upload-delay-ms', '200', '--span-max-s', '5'];

before(async () => {
  ({ display } = await h.startXvfb());
  await h.startWindowManager(display);
  ({ server, dataDir, orgs: { a: org } } = await startFixture(h, { orgKeys: ['a'] }));
  person = org.people.employeeA;
  const owner = org.people.owner.client;

  // Enroll this machine's agent and give the device to employee A.
  ({ agentDir } = await enrollAgentFor(h, owner, person));
});

after(() => h.cleanup());

function x(args, what = args.join(' ')) {
  return h.processes
    .run(`xdotool`, 'xdotool', args, { env: { ...process.env, DISPLAY: display }, timeoutMs: 10_000 })
    .then((result) => {
      assert.equal(result.code, 0, `xdotool ${what}\n${result.child.output()}`);
      return result.stdout.trim();
    });
}

/** Opens an xterm titled `title` running `cat` (so typing changes neither title nor state). */
async function openWindow(title) {
  h.processes.spawn(`xterm-${title}`, 'xterm', ['-T', title, '-geometry', '60x10', '-e', 'cat'], {
    env: { ...process.env, DISPLAY: display },
  });
  const id = await waitFor(
    async () => {
      const found = await h.processes.run('xdotool-search', 'xdotool', ['search', '--name', `^${title}$`], {
        env: { ...process.env, DISPLAY: display },
        timeoutMs: 5_000,
      });
      return found.stdout.trim().split('\n').filter(Boolean)[0] ?? null;
    },
    { timeoutMs: 10_000, what: `the window "${title}"` },
  );
  // The window manager focuses a new window once it maps it, which can come after the caller's
  // next windowactivate: wait until it has, so focus() calls are the last word.
  await waitFor(async () => (await x(['getactivewindow'])) === id, {
    timeoutMs: 10_000,
    what: `the window manager to focus "${title}"`,
  });
  return id;
}

/** Focuses window `id`; returns the [before, after] wall-clock bounds of the switch. */
async function focus(id) {
  const before = Date.now();
  await x(['windowactivate', '--sync', id]);
  return [before, Date.now()];
}

async function agentStatus() {
  const result = await h.processes.run('agent-status', agentBin, ['status', '--json', '--config-dir', agentDir]);
  return JSON.parse(result.stdout);
}

async function startAgent(name, env = {}) {
  // Input now, so the display is not idle (past the threshold) when tracking starts.
  await x(['mousemove_relative', '1', '1']);
  const agent = h.startAgent({ configDir: agentDir, display, name, args: kAgentArgs, env });
  await waitFor(
    async () => {
      if (!agent.running) throw new Error(`the agent exited\n${agent.output()}`);
      const status = await agentStatus().catch(() => null);
      // status.json outlives an agent: only this process's own report counts.
      if (status?.pid !== agent.pid) return false;
      return status?.tracking?.state === 'active' || status?.tracking?.state === 'idle';
    },
    { timeoutMs: 15_000, what: 'the agent to track' },
  );
  return agent;
}

async function stopAgent(agent) {
  const stopped = await agent.stop('SIGTERM', 15_000);
  assert.equal(stopped.code, 0, agent.output());
}

async function timeline(from, to) {
  return expectStatus(
    await org.people.owner.client.get(`/api/v1/people/${person.id}/timeline?from=${from}&to=${to}`),
    200,
    'timeline',
  );
}

/** Input totals over the whole suite's time, for differences before/after each test. */
const kSuiteStart = Date.now();
function allInput() {
  return inputTotals(kSuiteStart - 3_600_000, kSuiteStart + 3 * 3_600_000);
}

function minus(after, before) {
  return { keys: after.keys - before.keys, clicks: after.clicks - before.clicks, scrolls: after.scrolls - before.scrolls };
}

async function inputTotals(from, to) {
  const body = expectStatus(
    await org.people.owner.client.get(`/api/v1/people/${person.id}/input?from=${from}&to=${to}`),
    200,
    'input',
  );
  const totals = { keys: 0, clicks: 0, scrolls: 0 };
  for (const minute of body.minutes) {
    totals.keys += minute.keys;
    totals.clicks += minute.clicks;
    totals.scrolls += minute.scrolls;
  }
  return totals;
}

/** The titles of consecutive spans with adjacent repeats collapsed. */
function titleRuns(spans) {
  const runs = [];
  for (const span of spans) if (runs.at(-1) !== span.title) runs.push(span.title);
  return runs;
}

/** No two spans overlap: each starts at or after the end of the one before. */
function assertNoOverlap(spans) {
  const sorted = [...spans].sort((a, b) => a.start - b.start);
  for (let i = 1; i < sorted.length; i += 1) {
    assert.ok(sorted[i].start >= sorted[i - 1].end, `spans overlap: ${JSON.stringify(sorted.slice(i - 1, i + 1))}`);
  }
}

/** Waits until the agent's outbox is empty (everything acknowledged by the server). */
async function waitUploaded(what) {
  await waitFor(async () => (await agentStatus()).upload?.pending_records === 0, { timeoutMs: 30_000, what });
}

test('spans follow the focus and the counts are exactly what was typed and clicked', async () => {
  const alpha = await openWindow('wt-alpha');
  const beta = await openWindow('wt-beta');
  await focus(alpha);
  const before = await allInput();
  const from = Date.now();
  const agent = await startAgent('agent-1');

  await sleep(1_200);
  await x(['type', '--delay', '20', 'hello world']); // 11 key presses
  const toBeta = await focus(beta);
  await sleep(1_200);
  // The pointer over the focused window, so clicking does not move the focus.
  await x(['mousemove', '--window', beta, '30', '30']);
  await x(['click', '--repeat', '3', '--delay', '50', '1']);
  await x(['click', '--repeat', '5', '--delay', '30', '5']); // scroll steps, not clicks
  await x(['type', '--delay', '20', 'abc']);
  const backToAlpha = await focus(alpha);
  await sleep(1_200);
  await stopAgent(agent);
  const to = Date.now() + 1;

  const day = await timeline(from - 60_000, to);
  const spans = day.spans.filter((span) => span.end > from);
  assert.deepEqual(titleRuns(spans), ['wt-alpha', 'wt-beta', 'wt-alpha'], JSON.stringify(spans));
  for (const span of spans) {
    assert.equal(span.app, 'XTerm');
    assert.match(span.exe, /xterm$/);
    assert.equal(span.idle, false);
  }
  assertNoOverlap(day.spans);
  // The switches happened between the bounds measured around each windowactivate.
  const firstBeta = spans.find((span) => span.title === 'wt-beta');
  assert.ok(firstBeta.start >= toBeta[0] - 50 && firstBeta.start <= toBeta[1] + 250, `${firstBeta.start} vs ${toBeta}`);
  const lastAlpha = spans.at(-1);
  assert.ok(
    lastAlpha.start >= backToAlpha[0] - 50 && lastAlpha.start <= backToAlpha[1] + 250,
    `${lastAlpha.start} vs ${backToAlpha}`,
  );

  assert.deepEqual(minus(await allInput(), before), { keys: 14, clicks: 3, scrolls: 5 });

  // Counts only: the typed text is nowhere in the server's files or the agent's.
  for (const dir of [dataDir, agentDir]) {
    for (const name of await readdir(dir)) {
      const content = await readFile(path.join(dir, name)).catch(() => null);
      if (!content) continue;
      assert.equal(content.includes('hello world'), false, `"hello world" found in ${name}`);
      assert.equal(content.includes('hello'), false, `"hello" found in ${name}`);
    }
  }
});

test('nothing is lost or doubled when the server is killed mid-stream', async () => {
  const alpha = await openWindow('wt-gamma');
  const beta = await openWindow('wt-delta');
  await focus(alpha);
  const before = await allInput();
  const from = Date.now();
  const agent = await startAgent('agent-2');
  await sleep(800);
  await x(['type', '--delay', '20', 'one']); // 3
  await waitUploaded('the first records to arrive');

  // kill -9 the server while the agent keeps recording.
  await server.child.stop('SIGKILL', 10_000);
  await focus(beta);
  await sleep(800);
  await x(['type', '--delay', '20', 'twotwo']); // 6
  await sleep(1_500); // uploads fail meanwhile and are retried
  const pendingWhileDown = (await agentStatus()).upload?.pending_records;
  assert.ok(pendingWhileDown > 0, 'records should wait in the outbox while the server is down');

  server = await h.startServer({ dataDir, listen: `127.0.0.1:${server.port}`, webRoot: null, name: 'server-2' });
  await focus(alpha);
  await sleep(800);
  await x(['type', '--delay', '20', 'three']); // 5
  await sleep(500);
  await stopAgent(agent);
  await waitUploaded('the outbox to drain after the restart');
  const to = Date.now() + 1;

  const day = await timeline(from, to);
  const spans = day.spans.filter((span) => span.end > from && span.start >= from - 1_000);
  assert.deepEqual(titleRuns(spans), ['wt-gamma', 'wt-delta', 'wt-gamma'], JSON.stringify(spans));
  assertNoOverlap(day.spans);
  assert.deepEqual(minus(await allInput(), before), { keys: 14, clicks: 0, scrolls: 0 });
});

test('an agent restarted with a full outbox delivers it exactly once', async () => {
  const alpha = await openWindow('wt-epsilon');
  const beta = await openWindow('wt-zeta');
  await focus(alpha);
  const before = await allInput();
  await server.child.stop('SIGKILL', 10_000);
  const from = Date.now();
  const first = await startAgent('agent-3');
  await sleep(800);
  await x(['type', '--delay', '20', 'four']); // 4
  await focus(beta);
  await sleep(800);
  await stopAgent(first);
  const left = (await agentStatus()).upload?.pending_records;
  assert.ok(left > 0, `the stopped agent should have left records in its outbox (${left})`);

  const second = await startAgent('agent-4');
  await x(['type', '--delay', '20', 'fivefive']); // 8
  await sleep(800);
  server = await h.startServer({ dataDir, listen: `127.0.0.1:${server.port}`, webRoot: null, name: 'server-3' });
  await waitUploaded('the outbox to drain');
  await stopAgent(second);
  await waitUploaded('the last records');
  const to = Date.now() + 1;

  const day = await timeline(from, to);
  const spans = day.spans.filter((span) => span.end > from && span.start >= from - 1_000);
  assert.deepEqual(titleRuns(spans), ['wt-epsilon', 'wt-zeta'], JSON.stringify(spans));
  assertNoOverlap(day.spans);
  assert.deepEqual(minus(await allInput(), before), { keys: 12, clicks: 0, scrolls: 0 });
});

test('the employee is told by a desktop notification when tracking starts', async () => {
  // A private session bus with a real notification server (dunst) on the test display.
  const bus = h.processes.spawn('dbus-daemon', 'dbus-daemon', ['--session', '--nofork', '--print-address=1']);
  const address = await waitFor(() => /^unix:\S+/m.exec(bus.stdout)?.[0] ?? null, {
    timeoutMs: 10_000,
    what: 'the session bus address',
  });
  const env = { ...process.env, DISPLAY: display, DBUS_SESSION_BUS_ADDRESS: address };
  const dunst = h.processes.spawn('dunst', 'dunst', [], { env });
  const dunstctl = (args) => h.processes.run('dunstctl', 'dunstctl', args, { env, timeoutMs: 5_000 });
  await waitFor(
    async () => {
      if (!dunst.running) throw new Error(`dunst exited\n${dunst.output()}`);
      return (await dunstctl(['is-paused'])).code === 0;
    },
    { timeoutMs: 10_000, what: 'dunst to serve notifications' },
  );

  const agent = await startAgent('agent-notify', { DBUS_SESSION_BUS_ADDRESS: address });
  await waitFor(async () => Number.parseInt((await dunstctl(['count', 'displayed'])).stdout, 10) > 0, {
    timeoutMs: 10_000,
    what: 'a notification on the desktop',
  });
  await sleep(500); // a second one would come at once
  assert.equal(Number.parseInt((await dunstctl(['count', 'displayed'])).stdout, 10), 1, 'exactly one notification');
  await stopAgent(agent);

  // Closed notifications go to dunst's history, which tells what was shown.
  assert.equal((await dunstctl(['close-all'])).code, 0);
  const history = JSON.parse((await dunstctl(['history'])).stdout).data.flat();
  assert.equal(history.length, 1, JSON.stringify(history));
  assert.equal(history[0].appname.data, 'Worktrace');
  assert.equal(history[0].summary.data, 'Worktrace is recording your activity');
  assert.match(history[0].body.data, /never what you type/);
});
