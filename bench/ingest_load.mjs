#!/usr/bin/env node
// Load generator of the ingest benchmark (bench/run.sh): many enrolled devices post activity
// batches to `POST /api/v1/agent/activity` over keep-alive connections, each waiting for its
// acknowledgement (the server answers after the commit) before it sends the next batch.
// Plain node:http, no packages. Every loop is bounded in count and in time; every answer that
// is not 200 (or acknowledges something else than the batch) aborts with the body.
//
//   node bench/ingest_load.mjs load --origin http://127.0.0.1:PORT --email E --password P
//       [--devices 100] [--people 20] [--batch 500] [--warmup-s 2] [--seconds 10]
//       [--max-records-per-device 20000] [--start-ms MS]
//     Signs in as the owner, invites people-1 employees, enrolls the devices with enrollment
//     tokens of 100 uses, assigns them round-robin to the people (so rollups run), then loads.
//     Prints one JSON object: events_per_s (acknowledged records per second over the window
//     after the warm-up), batch_size, devices, people, window_s, records, requests,
//     latency_p50_ms, latency_p99_ms, duplicates, generator_cpu_pct.
//
//   node bench/ingest_load.mjs dump --out FILE [--devices 100] [--batch 500]
//       [--spans-per-device 2000] [--max-records-per-device 20000] [--start-ms MS]
//     Writes the span rows the same generators produce (device, start_ms, end_ms, app, exe,
//     title, idle as TSV; in the order the server would receive them) for
//     worktrace-bench-sqlite-insert, the physical reference.
//
// The records: about 75% spans (a dozen apps with varied titles, some non-ASCII; 30% continue
// the previous window within 500 ms so the server's heartbeat merge runs; 8% idle) and 25%
// input minutes. Each device's timeline starts a day ago and moves forward only, so spans never
// go back in time and every timestamp is within the last day; the pace is chosen so that
// --max-records-per-device records fit in 23.5 hours. Input minutes follow the timeline, so a
// device reports some minutes more than once (the server adds them up).
import { createWriteStream } from 'node:fs';
import http from 'node:http';
import { performance } from 'node:perf_hooks';

const kDayMs = 86_400_000;
const kSpanShare = 0.75;
const kTimelineMs = 23.5 * 3_600_000;
const kRequestTimeoutMs = 60_000;
const kSetupTimeoutMs = 120_000;
const kDrainTimeoutMs = 30_000;

function fail(message) {
  process.stderr.write(`ingest_load: ${message}\n`);
  process.exit(1);
}

// Where every device's timeline begins (--start-ms, default a day ago plus a minute): the same
// value in both modes gives the same records.
function startOption(options) {
  const earliest = Date.now() - kDayMs + 60_000;
  if (options['start-ms'] === undefined) return earliest;
  const value = Number(options['start-ms']);
  if (!Number.isInteger(value) || value < earliest - kDayMs || value > earliest + 3_600_000) {
    fail('--start-ms: must be about a day ago (epoch milliseconds)');
  }
  return value;
}

function parseArgs(argv) {
  const [mode, ...rest] = argv;
  const options = {};
  for (let arg_idx = 0; arg_idx < rest.length; arg_idx += 2) {
    const name = rest[arg_idx];
    if (!name.startsWith('--') || arg_idx + 1 >= rest.length) fail(`bad argument ${name}`);
    options[name.slice(2)] = rest[arg_idx + 1];
  }
  return { mode, options };
}

function intOption(options, name, fallback, min, max) {
  const value = options[name] === undefined ? fallback : Number(options[name]);
  if (!Number.isInteger(value) || value < min || value > max) fail(`--${name}: must be an integer in ${min}..${max}`);
  return value;
}

// A small seeded PRNG (mulberry32): the same device produces the same records in both modes.
function prng(seed) {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const kApps = [
  {
    app: 'firefox-esr',
    exe: '/usr/lib/firefox-esr/firefox-esr',
    titles: [
      (n) => `Pull request #${n} · acme/backend — Mozilla Firefox`,
      (n) => `Inbox (${n % 60}) - jane@acme.example - Acme Mail — Mozilla Firefox`,
      (n) => `WT-${n}: Activity ingest drops spans after resume — Jira — Mozilla Firefox`,
      () => 'sqlite - How does WAL checkpointing work? - Stack Overflow — Mozilla Firefox',
    ],
  },
  {
    app: 'Code',
    exe: '/usr/share/code/code',
    titles: [
      (n) => `ingest_service_${n % 40}.cpp - backend - Visual Studio Code`,
      (n) => `README.md - service-${n % 12} - Visual Studio Code`,
      () => 'settings.json - Visual Studio Code',
    ],
  },
  {
    app: 'XTerm',
    exe: '/usr/bin/xterm',
    titles: [() => 'build - make', (n) => `deploy@web-${n % 16}: ~`, () => 'jane@laptop: ~/src/backend', () => 'htop'],
  },
  {
    app: 'Slack',
    exe: '/usr/lib/slack/slack',
    titles: [(n) => `#team-${n % 9} | Acme - Slack`, () => 'Direct message with Zoë Müller | Acme - Slack', () => 'Threads | Acme - Slack'],
  },
  {
    app: 'libreoffice-calc',
    exe: '/usr/lib/libreoffice/program/soffice.bin',
    titles: [(n) => `Budget ${2020 + (n % 6)}.ods - LibreOffice Calc`, () => 'Résumé des coûts Q3.ods - LibreOffice Calc'],
  },
  {
    app: 'Evince',
    exe: '/usr/bin/evince',
    titles: [(n) => `invoice-${n}.pdf`, () => 'Employee handbook 2025.pdf — Contract terms'],
  },
  {
    app: 'Chromium',
    exe: '/usr/lib/chromium/chromium',
    titles: [(n) => `会議メモ ${n % 30} - Google Docs - Chromium`, (n) => `Dashboard (${n % 7}) - Grafana - Chromium`, () => 'New Tab - Chromium'],
  },
  {
    app: 'thunderbird',
    exe: '/usr/lib/thunderbird/thunderbird',
    titles: [(n) => `Re: Quote ${n} - Inbox - Mozilla Thunderbird`, () => 'Write: Weekly report - Thunderbird'],
  },
  { app: 'zoom', exe: '/opt/zoom/zoom', titles: [() => 'Zoom Meeting', () => 'Zoom Workplace'] },
  { app: 'org.gnome.Nautilus', exe: '/usr/bin/nautilus', titles: [() => 'Downloads', (n) => `project-${n % 25}`] },
  { app: 'Gimp-2.10', exe: '/usr/bin/gimp-2.10', titles: [(n) => `[banner-${n % 50}] (imported)-1.0 (RGB color 8-bit gamma integer, GIMP built-in sRGB, 1 layer) 1920x1080 – GIMP`] },
  { app: '', exe: '', titles: [() => ''] }, // the bare desktop: no focused window
];

// One device's record stream: seq and time only move forward.
class DeviceStream {
  constructor(deviceIdx, startMs, maxRecords) {
    this.rng = prng(0x9e3779b9 ^ (deviceIdx * 2654435761));
    this.seq = 0;
    this.timeMs = startMs;
    this.window = null;
    // Mean time a span moves the timeline: duration (0.2..1.6 x) plus short gaps.
    this.paceMs = Math.floor(kTimelineMs / (maxRecords * kSpanShare));
  }

  pickWindow() {
    const entry = kApps[Math.floor(this.rng() * kApps.length)];
    const title = entry.titles[Math.floor(this.rng() * entry.titles.length)](1 + Math.floor(this.rng() * 5000));
    return { app: entry.app, exe: entry.exe, title };
  }

  // `count` records as JSON texts, and the spans among them (for dump).
  next(count) {
    const records = [];
    const spans = [];
    for (let record_idx = 0; record_idx < count; record_idx += 1) {
      this.seq += 1;
      if (this.window !== null && this.rng() < 1 - kSpanShare) {
        const minute = Math.floor(this.timeMs / 60_000) * 60_000;
        const keys = Math.floor(this.rng() * 300);
        const clicks = Math.floor(this.rng() * 40);
        const scrolls = Math.floor(this.rng() * 25);
        const distance = Math.floor(this.rng() * 30_000);
        records.push(
          `{"seq":${this.seq},"type":"input","minute":${minute},"keys":${keys},"clicks":${clicks},"scrolls":${scrolls},"distance_px":${distance}}`,
        );
        continue;
      }
      let start;
      if (this.window !== null && this.rng() < 0.3) {
        start = this.timeMs + Math.floor(this.rng() * 500); // same window: merged by the server
      } else {
        this.window = this.pickWindow();
        const longGap = this.rng() < 0.1;
        start = this.timeMs + Math.floor(this.rng() * (longGap ? this.paceMs : 300));
      }
      const end = start + Math.floor(this.paceMs * (0.2 + this.rng() * 1.4));
      const idle = this.rng() < 0.08;
      this.timeMs = end;
      const { app, exe, title } = this.window;
      records.push(
        `{"seq":${this.seq},"type":"span","start":${start},"end":${end},"app":${JSON.stringify(app)},"exe":${JSON.stringify(exe)},"title":${JSON.stringify(title)},"idle":${idle}}`,
      );
      spans.push({ start, end, app, exe, title, idle });
    }
    return { records, spans, lastSeq: this.seq };
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP

function request(origin, path, { method = 'GET', headers = {}, body, agent, timeoutMs = kSetupTimeoutMs } = {}) {
  const url = new URL(path, origin);
  const payload = body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body);
  const allHeaders = { ...headers };
  if (payload !== undefined) {
    allHeaders['Content-Type'] = 'application/json';
    allHeaders['Content-Length'] = Buffer.byteLength(payload);
  }
  return new Promise((resolve, reject) => {
    const req = http.request(
      { hostname: url.hostname, port: url.port, path: url.pathname + url.search, method, headers: allHeaders, agent },
      (res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.setTimeout(timeoutMs, () => req.destroy(new Error(`${method} ${path}: no answer within ${timeoutMs} ms`)));
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

function expectJson(response, status, what) {
  if (response.status !== status) fail(`${what}: expected ${status}, got ${response.status}: ${response.text.slice(0, 2000)}`);
  try {
    return JSON.parse(response.text);
  } catch {
    fail(`${what}: not JSON: ${response.text.slice(0, 500)}`);
  }
}

// A session of the owner: cookie + CSRF token for writes.
async function signIn(origin, email, password) {
  const response = await request(origin, '/api/v1/auth/login', { method: 'POST', body: { email, password } });
  const body = expectJson(response, 200, 'sign-in');
  const setCookies = response.headers['set-cookie'] ?? [];
  const pair = setCookies.map((line) => line.split(';')[0]).find((entry) => entry.startsWith('wt_session='));
  if (!pair || !body.csrf_token) fail(`sign-in: no session in ${response.text.slice(0, 300)}`);
  const session = { origin, headers: { Cookie: pair, 'X-CSRF-Token': body.csrf_token }, userId: body.user?.id };
  if (!Number.isInteger(session.userId)) {
    session.userId = expectJson(await request(origin, '/api/v1/me', { headers: session.headers }), 200, 'GET /me').id;
  }
  return session;
}

function call(session, method, path, body, status, what = `${method} ${path}`) {
  return request(session.origin, path, { method, headers: session.headers, body }).then((response) => expectJson(response, status, what));
}

// People (the owner and people-1 invited employees), devices enrolled and assigned to them.
async function setUp(origin, { email, password, devices, people }) {
  const session = await signIn(origin, email, password);
  const org = await call(session, 'GET', '/api/v1/org', undefined, 200);
  const orgInfo = org.org ?? org;
  if (Number.isInteger(orgInfo.seats) && orgInfo.seats < (orgInfo.seats_used ?? 1) + people) {
    await call(session, 'PATCH', '/api/v1/org', { seats: (orgInfo.seats_used ?? 1) + people + 10 }, 200, 'raise seats');
  }
  const userIds = [session.userId];
  const tag = Date.now().toString(36);
  for (let person_idx = 1; person_idx < people; person_idx += 1) {
    const invited = await call(
      session,
      'POST',
      '/api/v1/people',
      { email: `bench-${tag}-${person_idx}@bench.test`, name: `Bench Person ${person_idx}`, role: 'employee' },
      201,
      'invite a person',
    );
    userIds.push(invited.person.id);
  }

  const enrolled = [];
  let token = null;
  let usesLeft = 0;
  for (let device_idx = 0; device_idx < devices; device_idx += 1) {
    if (usesLeft === 0) {
      token = (await call(session, 'POST', '/api/v1/enrollment-tokens', { uses: 100 }, 201, 'create an enrollment token')).token;
      usesLeft = 100;
    }
    const device = {
      hostname: `bench-host-${device_idx + 1}`,
      os_name: 'Debian GNU/Linux 12 (bookworm)',
      os_id: 'debian',
      os_version: '12',
      arch: 'x86_64',
      cpu_cores: 8,
      memory_bytes: 16 * 1024 ** 3,
      agent_version: '0.1.0',
    };
    const body = expectJson(await request(origin, '/api/v1/agent/enroll', { method: 'POST', body: { token, device } }), 201, 'enroll');
    usesLeft -= 1;
    const userId = userIds[device_idx % userIds.length];
    await call(session, 'PATCH', `/api/v1/devices/${body.device_id}`, { user_id: userId }, 200, 'assign a device');
    enrolled.push({ deviceId: body.device_id, credential: body.credential, userId });
  }
  return enrolled;
}

function percentile(sorted, fraction) {
  if (sorted.length === 0) return 0;
  return sorted[Math.min(sorted.length - 1, Math.floor(fraction * sorted.length))];
}

async function load(options) {
  const origin = options.origin ?? fail('--origin is required');
  const email = options.email ?? fail('--email is required');
  const password = options.password ?? fail('--password is required');
  const devices = intOption(options, 'devices', 100, 1, 1000);
  const people = intOption(options, 'people', 20, 1, 1000);
  const batch = intOption(options, 'batch', 500, 1, 5000);
  const warmupS = intOption(options, 'warmup-s', 2, 0, 600);
  const seconds = intOption(options, 'seconds', 10, 1, 3600);
  const maxRecords = intOption(options, 'max-records-per-device', 20_000, batch, 100_000);

  const enrolled = await setUp(origin, { email, password, devices, people });
  const startMs = startOption(options);

  let acked = 0;
  let requests = 0;
  let duplicates = 0;
  let stopping = false;
  let window = null; // {startAt, startAcked, latencies}
  let windowEnd = null; // {at, acked}
  let exhaustedEarly = null; // why the load ended before the window began
  let finishWindow = () => {};
  const windowDone = new Promise((resolve) => {
    finishWindow = (why) => {
      if (window === null) exhaustedEarly = why;
      if (windowEnd !== null || window === null) return;
      windowEnd = { at: performance.now(), acked, why, cpu: process.cpuUsage(window.cpu) };
      resolve();
    };
  });

  const loops = enrolled.map(async (device, device_idx) => {
    const stream = new DeviceStream(device_idx, startMs, maxRecords);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const headers = { Authorization: `Bearer ${device.credential}` };
    let sent = 0;
    try {
      while (!stopping && sent < maxRecords) {
        const count = Math.min(batch, maxRecords - sent);
        const { records, lastSeq } = stream.next(count);
        const body = `{"records":[${records.join(',')}],"dropped_total":0}`;
        const began = performance.now();
        const response = await request(origin, '/api/v1/agent/activity', {
          method: 'POST',
          headers,
          body,
          agent,
          timeoutMs: kRequestTimeoutMs,
        });
        const answer = expectJson(response, 200, `device ${device.deviceId}: POST /api/v1/agent/activity`);
        if (answer.acked_seq !== lastSeq || answer.accepted + answer.duplicates !== count) {
          fail(`device ${device.deviceId}: sent seq ..${lastSeq} (${count} records), answer ${response.text}`);
        }
        sent += count;
        acked += count;
        requests += 1;
        duplicates += answer.duplicates;
        if (window !== null && windowEnd === null) window.latencies.push(performance.now() - began);
      }
      // A device that ran out of records ends the window: the load would no longer be full.
      if (!stopping) finishWindow(`device ${device.deviceId} sent its ${maxRecords} records`);
    } finally {
      agent.destroy();
    }
  });
  const failed = Promise.all(loops).then(
    () => undefined,
    (error) => fail(error.message),
  );

  await new Promise((resolve) => setTimeout(resolve, warmupS * 1000));
  if (exhaustedEarly !== null) fail(`${exhaustedEarly} during the ${warmupS} s warm-up: raise --max-records-per-device`);
  {
    window = { startAt: performance.now(), startAcked: acked, latencies: [], cpu: process.cpuUsage() };
    const timer = setTimeout(() => finishWindow('time'), seconds * 1000);
    await windowDone;
    clearTimeout(timer);
  }
  stopping = true;
  const drained = await Promise.race([failed.then(() => true), new Promise((resolve) => setTimeout(() => resolve(false), kDrainTimeoutMs))]);
  if (!drained) fail(`requests still open ${kDrainTimeoutMs} ms after the window`);

  const windowS = (windowEnd.at - window.startAt) / 1000;
  const records = windowEnd.acked - window.startAcked;
  const latencies = window.latencies.sort((a, b) => a - b);
  if (windowEnd.why !== 'time') process.stderr.write(`ingest_load: window ended early (${windowEnd.why})\n`);
  const result = {
    events_per_s: Math.round(records / windowS),
    batch_size: batch,
    devices,
    people,
    window_s: Number(windowS.toFixed(2)),
    records,
    requests,
    latency_p50_ms: Number(percentile(latencies, 0.5).toFixed(1)),
    latency_p99_ms: Number(percentile(latencies, 0.99).toFixed(1)),
    duplicates,
    // This process's CPU over the window (% of one core): near 100 means it, not the server,
    // set the pace.
    generator_cpu_pct: Math.round((windowEnd.cpu.user + windowEnd.cpu.system) / 1e4 / windowS),
  };
  process.stdout.write(`${JSON.stringify(result)}\n`);
}

async function dump(options) {
  const out = options.out ?? fail('--out is required');
  const devices = intOption(options, 'devices', 100, 1, 1000);
  const batch = intOption(options, 'batch', 500, 1, 5000);
  const spansPerDevice = intOption(options, 'spans-per-device', 2000, 1, 1_000_000);
  const maxRecords = intOption(options, 'max-records-per-device', 20_000, batch, 100_000);
  const startMs = startOption(options);
  const streams = Array.from({ length: devices }, (_, device_idx) => new DeviceStream(device_idx, startMs, maxRecords));
  const written = new Array(devices).fill(0);
  const file = createWriteStream(out);
  const clean = (text) => text.replace(/[\t\n\r]/g, ' ');
  // Round by round, device by device: the order in which the server receives the batches.
  while (written.some((count) => count < spansPerDevice)) {
    let lines = '';
    for (let device_idx = 0; device_idx < devices; device_idx += 1) {
      if (written[device_idx] >= spansPerDevice) continue;
      for (const span of streams[device_idx].next(batch).spans) {
        if (written[device_idx] >= spansPerDevice) break;
        written[device_idx] += 1;
        lines += `${device_idx + 1}\t${span.start}\t${span.end}\t${clean(span.app)}\t${clean(span.exe)}\t${clean(span.title)}\t${span.idle ? 1 : 0}\n`;
      }
    }
    if (!file.write(lines)) await new Promise((resolve) => file.once('drain', resolve));
  }
  await new Promise((resolve, reject) => file.end((error) => (error ? reject(error) : resolve())));
  process.stdout.write(`${JSON.stringify({ rows: written.reduce((a, b) => a + b, 0), file: out })}\n`);
}

const { mode, options } = parseArgs(process.argv.slice(2));
const main = mode === 'load' ? load : mode === 'dump' ? dump : () => fail('usage: ingest_load.mjs load|dump --option value ...');
main(options).catch((error) => fail(error.stack ?? String(error)));
