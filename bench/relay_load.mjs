#!/usr/bin/env node
// Load generator of the screenshot relay benchmark (bench/run.sh): fake agents with real device
// credentials send one JPEG (a real screenshot: bench/screenshot_usage.sh's sample) as binary
// WTS1 frames on /ws/agent; dashboards signed in as the owner watch the person on /ws/dashboard
// and receive the WTV1 frames. Latency: from just before the agent's send to the viewer's
// 'message' event, per frame and viewer, on loopback (one node process, monotonic clock).
// Server CPU: utime+stime of --server-pid (/proc/PID/stat) over the measured window, divided by
// the megabytes (10^6 bytes) the viewers received in it. Every wait and loop is bounded.
//
//   node bench/relay_load.mjs --origin http://127.0.0.1:PORT --email E --password P
//       --server-pid PID --jpeg FILE [--viewers 1,50] [--seconds 8] [--devices 2]
//
// Signs in as the owner, invites an employee, enrolls --devices devices of theirs; then for each
// viewer count opens that many dashboards (one session), waits for the agents to be told
// `watching:true`, lets each agent send a frame every 260 ms (the server allows 4 a second per
// connection) for --seconds, waits up to 5 s for the last frames, and closes the dashboards.
// Prints one JSON object: {"runs":[{"viewers","frames_sent","deliveries","expected_deliveries",
// "latency_p50_ms","latency_p99_ms","latency_max_ms","first_viewer_p50_ms","first_viewer_p99_ms"
// (per frame, its first delivery only: the relay's own delay, without the fan-out behind it),
// "generator_cpu_pct" (this process: near 100 means the viewers' side is the bottleneck),
// "server_cpu_ms","mb_received","server_cpu_ms_per_mb"}],"jpeg_bytes"}.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { performance } from 'node:perf_hooks';

const require = createRequire(new URL('../tests/package.json', import.meta.url));
const WebSocket = require('ws');

const kFramePaceMs = 260;
const kSetupTimeoutMs = 30_000;
const kDrainTimeoutMs = 5_000;
const kTicksPerSecond = 100; // getconf CLK_TCK on Linux

function fail(message) {
  process.stderr.write(`relay_load: ${message}\n`);
  process.exit(1);
}

function parseArgs(argv) {
  const options = {};
  for (let arg_idx = 0; arg_idx < argv.length; arg_idx += 2) {
    const name = argv[arg_idx];
    if (!name.startsWith('--') || arg_idx + 1 >= argv.length) fail(`bad argument ${name}`);
    options[name.slice(2)] = argv[arg_idx + 1];
  }
  for (const required of ['origin', 'email', 'password', 'server-pid', 'jpeg']) {
    if (options[required] === undefined) fail(`--${required} is required`);
  }
  return options;
}

function intOption(value, fallback, min, max, name) {
  const number = value === undefined ? fallback : Number(value);
  if (!Number.isInteger(number) || number < min || number > max) fail(`--${name}: an integer in ${min}..${max}`);
  return number;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function withTimeout(promise, ms, what) {
  let timer;
  try {
    return await Promise.race([promise, new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms)))]);
  } finally {
    clearTimeout(timer);
  }
}

/** One JSON call; returns {status, body, headers}; fails the run on an unexpected status. */
async function call(origin, session, method, path, body, expected, what) {
  const headers = { 'Content-Type': 'application/json' };
  if (session?.cookie) headers.Cookie = session.cookie;
  if (session?.csrf && method !== 'GET') headers['X-CSRF-Token'] = session.csrf;
  const response = await fetch(`${origin}${path}`, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    signal: AbortSignal.timeout(kSetupTimeoutMs),
  });
  const text = await response.text();
  if (response.status !== expected) fail(`${what}: ${method} ${path} -> ${response.status} ${text.slice(0, 300)}`);
  return { status: response.status, body: text ? JSON.parse(text) : null, headers: response.headers };
}

function sessionOf(response) {
  const cookie = (response.headers.getSetCookie?.() ?? [])
    .map((line) => line.split(';')[0])
    .find((pair) => pair.startsWith('wt_session='));
  if (!cookie || !response.body?.csrf_token) fail('no session in the sign-in answer');
  return { cookie, csrf: response.body.csrf_token };
}

function openSocket(url, headers) {
  return withTimeout(
    new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { headers, maxPayload: 16 * 1024 * 1024 });
      socket.texts = [];
      socket.on('message', (data, isBinary) => {
        if (!isBinary) socket.texts.push(JSON.parse(data.toString()));
      });
      socket.once('open', () => resolve(socket));
      socket.once('error', reject);
      socket.once('unexpected-response', (_, res) => reject(new Error(`upgrade refused: HTTP ${res.statusCode}`)));
    }),
    kSetupTimeoutMs,
    `open ${url}`,
  );
}

async function nextText(socket, match, what) {
  const deadline = Date.now() + kSetupTimeoutMs;
  for (;;) {
    const index = socket.texts.findIndex(match);
    if (index >= 0) return socket.texts.splice(index, 1)[0];
    if (Date.now() > deadline) fail(`timed out waiting for ${what}; got ${JSON.stringify(socket.texts).slice(0, 300)}`);
    await sleep(10);
  }
}

function agentFrame(header, jpeg) {
  const headerBytes = Buffer.from(JSON.stringify(header));
  const length = Buffer.alloc(2);
  length.writeUInt16BE(headerBytes.length);
  return Buffer.concat([Buffer.from('WTS1'), length, headerBytes, jpeg]);
}

/** Width and height from the JPEG's first SOF marker. */
function jpegSize(jpeg) {
  for (let offset = 2; offset + 9 < jpeg.length; ) {
    if (jpeg[offset] !== 0xff) fail('--jpeg: not a JPEG');
    const marker = jpeg[offset + 1];
    const length = jpeg.readUInt16BE(offset + 2);
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      return { height: jpeg.readUInt16BE(offset + 5), width: jpeg.readUInt16BE(offset + 7) };
    }
    offset += 2 + length;
  }
  return fail('--jpeg: no SOF marker');
}

function cpuMs(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / kTicksPerSecond;
}

function quantile(sorted, fraction) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil(fraction * sorted.length) - 1)];
}

async function setup(options, devices) {
  const { origin } = options;
  const owner = sessionOf(await call(origin, null, 'POST', '/api/v1/auth/login', { email: options.email, password: options.password }, 200, 'sign in'));
  const org = (await call(origin, owner, 'GET', '/api/v1/org', undefined, 200, 'org')).body;
  if (Number.isInteger(org.seats) && org.seats < (org.seats_used ?? 1) + 1) {
    await call(origin, owner, 'PATCH', '/api/v1/org', { seats: (org.seats_used ?? 1) + 10 }, 200, 'raise seats');
  }
  const unique = `${process.pid}-${Date.now()}`;
  const invited = (await call(origin, owner, 'POST', '/api/v1/people', { email: `relay-${unique}@bench.test`, name: 'Relay Bench', role: 'employee' }, 201, 'invite')).body;
  const token = /#\/invite\/([A-Za-z0-9_-]+)$/.exec(invited.invitation.url)?.[1];
  if (!token) fail('no invitation token');
  await call(origin, null, 'POST', '/api/v1/invitations/accept', { token, password: `Relay-Bench-${unique}-Quiet-Harbor` }, 200, 'accept');
  const personId = invited.person.id;
  const enrollment = (await call(origin, owner, 'POST', '/api/v1/enrollment-tokens', { uses: devices, label: 'relay bench' }, 201, 'enrollment token')).body;
  const credentials = [];
  for (let device_idx = 0; device_idx < devices; device_idx += 1) {
    const device = {
      hostname: `relay-bench-${device_idx}`, os_name: 'Debian GNU/Linux 12 (bookworm)', os_id: 'debian', os_version: '12',
      kernel: '6.1.0', arch: 'x86_64', cpu_model: 'bench', cpu_cores: 2, memory_bytes: 8 * 1024 ** 3, agent_version: '0.1.0', local_ips: [],
    };
    const enrolled = (await call(origin, null, 'POST', '/api/v1/agent/enroll', { token: enrollment.token, device }, 201, 'enroll')).body;
    await call(origin, owner, 'PATCH', `/api/v1/devices/${enrolled.device_id}`, { user_id: personId }, 200, 'assign');
    credentials.push(enrolled.credential);
  }
  return { owner, personId, credentials };
}

async function measure(options, fixture, agents, viewers, jpeg, size) {
  const wsOrigin = options.origin.replace(/^http/, 'ws');
  const sockets = [];
  for (let viewer_idx = 0; viewer_idx < viewers; viewer_idx += 1) {
    sockets.push(await openSocket(`${wsOrigin}/ws/dashboard`, { Cookie: fixture.owner.cookie }));
  }
  const sendTimes = new Map(); // taken_at -> performance.now() before the send
  const latencies = [];
  const firstArrival = new Map(); // taken_at -> latency of the first viewer to receive it
  let bytesReceived = 0;
  let measuring = false;
  for (const socket of sockets) {
    socket.on('message', (data, isBinary) => {
      if (!isBinary) return;
      const at = performance.now();
      const headerLength = data.readUInt16BE(4);
      const takenAt = JSON.parse(data.subarray(6, 6 + headerLength).toString()).taken_at;
      const sentAt = sendTimes.get(takenAt);
      if (!measuring || sentAt === undefined) return;
      latencies.push(at - sentAt);
      if (!firstArrival.has(takenAt)) firstArrival.set(takenAt, at - sentAt);
      bytesReceived += data.length;
    });
    socket.send(JSON.stringify({ type: 'screens.watch', user_ids: [fixture.personId] }));
  }
  for (const socket of sockets) {
    const reply = await nextText(socket, (message) => message.type === 'screens.watching', 'screens.watching');
    if (reply.user_ids?.[0] !== fixture.personId) fail(`the owner may not watch: ${JSON.stringify(reply)}`);
  }
  for (const agent of agents) await nextText(agent, (message) => message.type === 'screens' && message.watching === true, 'watching:true');

  let lastTakenAt = 0;
  let framesSent = 0;
  const cpuStart = cpuMs(options['server-pid']);
  const ownCpuStart = process.cpuUsage();
  const started = performance.now();
  measuring = true;
  while (performance.now() - started < options.seconds * 1000) {
    for (const agent of agents) {
      lastTakenAt = Math.max(Date.now(), lastTakenAt + 1);
      const header = { monitor: 0, width: size.width, height: size.height, taken_at: lastTakenAt, reason: 'schedule' };
      const frame = agentFrame(header, jpeg);
      sendTimes.set(lastTakenAt, performance.now());
      agent.send(frame, { binary: true });
      framesSent += 1;
      await sleep(kFramePaceMs / agents.length);
    }
  }
  const expected = framesSent * viewers;
  const drainDeadline = performance.now() + kDrainTimeoutMs;
  while (latencies.length < expected && performance.now() < drainDeadline) await sleep(20);
  const cpuEnd = cpuMs(options['server-pid']);
  const ownCpu = process.cpuUsage(ownCpuStart);
  const elapsedMs = performance.now() - started;
  measuring = false;
  for (const agent of agents) {
    const errors = agent.texts.filter((message) => message.type === 'error');
    if (errors.length > 0) fail(`the server refused frames: ${JSON.stringify(errors[0])}`);
  }
  for (const socket of sockets) socket.close();
  await Promise.all(sockets.map((socket) => withTimeout(new Promise((resolve) => socket.once('close', resolve)), 5_000, 'close').catch(() => socket.terminate())));
  for (const agent of agents) await nextText(agent, (message) => message.type === 'screens' && message.watching === false, 'watching:false');

  latencies.sort((a, b) => a - b);
  const first = [...firstArrival.values()].sort((a, b) => a - b);
  const mb = bytesReceived / 1e6;
  const round = (value) => Math.round(value * 1000) / 1000;
  return {
    viewers,
    frames_sent: framesSent,
    deliveries: latencies.length,
    expected_deliveries: expected,
    latency_p50_ms: round(quantile(latencies, 0.5)),
    latency_p99_ms: round(quantile(latencies, 0.99)),
    latency_max_ms: round(latencies.at(-1) ?? 0),
    first_viewer_p50_ms: round(quantile(first, 0.5)),
    first_viewer_p99_ms: round(quantile(first, 0.99)),
    generator_cpu_pct: round(((ownCpu.user + ownCpu.system) / 1000 / elapsedMs) * 100),
    server_cpu_ms: round(cpuEnd - cpuStart),
    mb_received: round(mb),
    server_cpu_ms_per_mb: round(mb > 0 ? (cpuEnd - cpuStart) / mb : 0),
  };
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  options.seconds = intOption(options.seconds, 8, 1, 120, 'seconds');
  const devices = intOption(options.devices, 2, 1, 20, 'devices');
  const viewerCounts = (options.viewers ?? '1,50').split(',').map((value) => intOption(value, 1, 1, 200, 'viewers'));
  const jpeg = readFileSync(options.jpeg);
  const size = jpegSize(jpeg);
  const fixture = await setup(options, devices);
  const wsOrigin = options.origin.replace(/^http/, 'ws');
  const agents = [];
  for (const credential of fixture.credentials) {
    const agent = await openSocket(`${wsOrigin}/ws/agent`, { Authorization: `Bearer ${credential}` });
    await nextText(agent, (message) => message.type === 'screens', 'the first screens message');
    agents.push(agent);
  }
  const runs = [];
  for (const viewers of viewerCounts) runs.push(await measure(options, fixture, agents, viewers, jpeg, size));
  for (const agent of agents) agent.close();
  process.stdout.write(`${JSON.stringify({ runs, jpeg_bytes: jpeg.length })}\n`);
  process.exit(0);
}

const watchdog = setTimeout(() => fail('the whole run took more than 10 minutes'), 600_000);
watchdog.unref();
main().catch((error) => fail(error.stack ?? error.message));
