// Live screenshots in the tests: the binary WebSocket messages (agent "WTS1", dashboard "WTV1";
// protocol/screen_frame.hpp), the known pattern of worktrace-test-pattern (a JPEG or an X
// window), frame collection on a WsClient, and the never-stored scan of files for JPEG bytes.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { lstat, readFile, readdir, readlink } from 'node:fs/promises';
import path from 'node:path';
import { binDir } from './paths.mjs';

export const patternBin = path.join(binDir, 'worktrace-test-pattern');

/** The largest message an agent may send (protocol::kMaxScreenFrameBytes). */
export const kMaxScreenFrameBytes = 4 * 1024 * 1024;
export const kJpegMarker = Buffer.from([0xff, 0xd8, 0xff]);

function runPattern(args) {
  if (!existsSync(patternBin)) throw new Error(`${patternBin} does not exist: build the worktrace-test-pattern target`);
  const result = spawnSync(patternBin, args, { timeout: 20_000, maxBuffer: 64 * 1024 * 1024 });
  if (result.status !== 0) {
    throw new Error(`worktrace-test-pattern ${args.join(' ')} exited ${result.status ?? result.signal}: ${result.stderr}`);
  }
  return result.stdout;
}

/** The pattern as a JPEG (Buffer) made by the agent's JpegEncoder. */
export function patternJpeg({ width = 320, height = 200, quality = 70, variant = 0 } = {}) {
  const jpeg = runPattern(['jpeg', '--width', String(width), '--height', String(height), '--quality', String(quality), '--variant', String(variant)]);
  assert.ok(jpeg.subarray(0, 3).equals(kJpegMarker), 'worktrace-test-pattern wrote no JPEG');
  return jpeg;
}

/** The pattern's layout: {width, height, blocks: [{x, y, width, height, rgb: "#rrggbb"}]}. */
export function describePattern({ width, height, variant = 0 }) {
  return JSON.parse(runPattern(['describe', '--width', String(width), '--height', String(height), '--variant', String(variant)]).toString());
}

/**
 * Shows the pattern in an override-redirect window on `display` through the harness `h`;
 * resolves once the screen shows it with {child, layout} (layout as describePattern plus the
 * window's "x", "y" on the screen).
 */
export async function showPatternWindow(h, display, { width, height, x = 0, y = 0, variant = 0 }) {
  const child = h.processes.spawn(`pattern-window-${variant}`, patternBin, ['window', '--geometry', `${width}x${height}+${x}+${y}`, '--variant', String(variant)], {
    env: { ...process.env, DISPLAY: display },
  });
  const deadline = Date.now() + 10_000;
  while (Date.now() < deadline) {
    if (!child.running) throw new Error(`worktrace-test-pattern window exited\n${child.output()}`);
    const line = child.stdout.split('\n').find((text) => text.startsWith('{'));
    if (line) return { child, layout: JSON.parse(line) };
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  await child.kill();
  throw new Error(`worktrace-test-pattern window did not report ready in 10 s\n${child.output()}`);
}

/** "#rrggbb" -> [r, g, b]. */
export function rgbOf(hex) {
  return [1, 3, 5].map((offset) => Number.parseInt(hex.slice(offset, offset + 2), 16));
}

/** The agent's binary message: "WTS1", u16 big-endian header length, the JSON header, the JPEG. */
export function agentFrame(header, jpeg, { magic = 'WTS1', headerText = JSON.stringify(header) } = {}) {
  const headerBytes = Buffer.from(headerText, 'utf8');
  const length = Buffer.alloc(2);
  length.writeUInt16BE(headerBytes.length);
  return Buffer.concat([Buffer.from(magic, 'latin1'), length, headerBytes, jpeg]);
}

/** A dashboard's binary message -> {magic, header, jpeg}; throws when it is not one. */
export function parseViewerFrame(data) {
  const buffer = Buffer.isBuffer(data) ? data : Buffer.from(data);
  const magic = buffer.subarray(0, 4).toString('latin1');
  if (magic !== 'WTV1') throw new Error(`viewer frame: bad magic ${JSON.stringify(magic)}`);
  const length = buffer.readUInt16BE(4);
  const header = JSON.parse(buffer.subarray(6, 6 + length).toString('utf8'));
  return { magic, header, jpeg: buffer.subarray(6 + length) };
}

/**
 * Keeps every binary message `client` (a ws.mjs WsClient) receives, parsed, in `client.frames`
 * (`client.badFrames` for those that do not parse) and adds `client.nextFrame(match, {timeoutMs})`:
 * the first kept or future frame `match` accepts (frames stay kept). Returns the client.
 */
export function trackFrames(client) {
  client.frames = [];
  client.badFrames = [];
  const waiters = [];
  client.socket.on('message', (data, isBinary) => {
    if (!isBinary) return;
    let frame;
    try {
      frame = { ...parseViewerFrame(data), at: performance.now(), bytes: data.length };
    } catch (error) {
      client.badFrames.push({ error: error.message, bytes: data.length });
      return;
    }
    client.frames.push(frame);
    for (const waiter of [...waiters]) {
      if (!waiter.match(frame)) continue;
      waiters.splice(waiters.indexOf(waiter), 1);
      waiter.resolve(frame);
    }
  });
  client.nextFrame = (match = () => true, { timeoutMs = 10_000, what = 'a screen frame' } = {}) => {
    const found = client.frames.find(match);
    if (found) return Promise.resolve(found);
    return new Promise((resolve, reject) => {
      const waiter = { match };
      const timer = setTimeout(() => {
        waiters.splice(waiters.indexOf(waiter), 1);
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} (${client.frames.length} frame(s) received)`));
      }, timeoutMs);
      waiter.resolve = (frame) => {
        clearTimeout(timer);
        resolve(frame);
      };
      waiters.push(waiter);
    });
  };
  return client;
}

/**
 * A run of `length` bytes of `jpeg`'s entropy-coded data (near its end, where the pattern's
 * seeded strip is) with many distinct values, found exactly once in the JPEG: bytes that only
 * a copy of this picture holds.
 */
export function distinctiveRun(jpeg, length = 32) {
  const end = jpeg.length - 2;  // before EOI
  let best = null;
  for (let start = end - length - 8; start > end - 4096 && start > 600; start -= 1) {
    const run = jpeg.subarray(start, start + length);
    const distinct = new Set(run).size;
    if (!best || distinct > best.distinct) best = { run, distinct };
    if (distinct >= 24) break;
  }
  assert.ok(best && best.distinct >= 16, 'the JPEG has no distinctive run of bytes');
  assert.equal(jpeg.indexOf(best.run), jpeg.lastIndexOf(best.run), 'the run repeats within the JPEG');
  return Buffer.from(best.run);
}

/** Every regular file under `root` (recursively; symlinks are not followed). */
export async function listFiles(root) {
  const files = [];
  const stat = await lstat(root).catch(() => null);
  if (!stat) return files;
  if (stat.isFile()) return [root];
  if (!stat.isDirectory()) return files;
  for (const entry of await readdir(root, { withFileTypes: true })) {
    const full = path.join(root, entry.name);
    if (entry.isDirectory()) files.push(...(await listFiles(full)));
    else if (entry.isFile()) files.push(full);
  }
  return files;
}

/** The regular files process `pid` has open right now (from /proc/PID/fd). */
export async function openFiles(pid) {
  const fdDir = `/proc/${pid}/fd`;
  const targets = new Set();
  for (const fd of await readdir(fdDir).catch(() => [])) {
    const target = await readlink(path.join(fdDir, fd)).catch(() => null);
    if (!target || !target.startsWith('/') || target.endsWith(' (deleted)')) continue;
    const stat = await lstat(target).catch(() => null);
    if (stat?.isFile()) targets.add(target);
  }
  return [...targets];
}

/**
 * Scans `roots` (files or directories) for each of `needles` ({name, bytes}); returns
 * {files: [scanned paths], bytes: total scanned, hits: [{file, needle, offset}]}.
 */
export async function scanForBytes(roots, needles) {
  const files = [...new Set((await Promise.all(roots.map(listFiles))).flat())];
  const hits = [];
  let bytes = 0;
  for (const file of files) {
    const content = await readFile(file).catch(() => null);
    if (!content) continue;
    bytes += content.length;
    for (const needle of needles) {
      const offset = content.indexOf(needle.bytes);
      if (offset >= 0) hits.push({ file, needle: needle.name, offset });
    }
  }
  return { files, bytes, hits };
}

/**
 * Asserts that none of `needles` is in any file under `roots`. `controlDir` (outside `roots`)
 * holds a copy of the picture: the same scan must find every needle there, so a scan that
 * cannot find anything fails. Returns the scan of `roots`.
 */
export async function expectNeverStored(roots, needles, { controlDir, what }) {
  const control = await scanForBytes([controlDir], needles);
  for (const needle of needles) {
    assert.ok(control.hits.some((hit) => hit.needle === needle.name), `${what}: the scan does not find ${needle.name} in its control copy`);
  }
  const scan = await scanForBytes(roots, needles);
  assert.ok(scan.files.length > 0, `${what}: nothing to scan in ${roots.join(', ')}`);
  assert.deepEqual(scan.hits, [], `${what}: screenshot bytes found on disk (${scan.files.length} files scanned)`);
  return scan;
}
