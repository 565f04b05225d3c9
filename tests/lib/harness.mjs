// The test harness: real worktrace-server and worktrace-agent processes, a real X display,
// a real browser. One Harness per test file; call `cleanup()` in an `after` hook.
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm, unlink } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { request } from './http.mjs';
import { Processes, waitFor } from './process.mjs';
import { agentBin, serverBin, webDist } from './paths.mjs';

export { waitFor, sleep, withTimeout } from './process.mjs';
export * from './paths.mjs';

/** The owner that `initData` creates unless told otherwise. */
export const kOwner = Object.freeze({
  email: 'owner@worktrace.test',
  password: 'Trace-Owner-2f9c-Lamp',
});

const kStartTimeoutMs = 15_000;

/** A free TCP port on 127.0.0.1 (free when asked; another process may take it later). */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/** The DeviceInfo an agent would send, with `overrides`. */
export function deviceInfo(overrides = {}) {
  return {
    hostname: 'test-host',
    os_name: 'Debian GNU/Linux 12 (bookworm)',
    os_id: 'debian',
    os_version: '12',
    kernel: '6.1.0-18-amd64',
    arch: 'x86_64',
    cpu_model: 'Test CPU @ 2.00GHz',
    cpu_cores: 2,
    memory_bytes: 8 * 1024 ** 3,
    agent_version: '0.1.0',
    local_ips: ['10.1.2.3'],
    ...overrides,
  };
}

/** A running `worktrace-server serve`. */
export class ServerHandle {
  constructor(child, port, dataDir) {
    this.child = child;
    this.port = port;
    this.dataDir = dataDir;
    this.origin = `http://127.0.0.1:${port}`;
  }

  /** SIGTERM and wait (bounded); returns {code, signal, elapsedMs}. */
  stop(timeoutMs = 15_000) {
    return this.child.stop('SIGTERM', timeoutMs);
  }
}

export class Harness {
  /** `suite` names the folder under build/test-artifacts/ that receives the process logs. */
  constructor(suite) {
    this.processes = new Processes(suite);
    this.tempDirs = [];
    this.cleanups = [];
  }

  /** A fresh directory under the system temp dir, removed by cleanup(). */
  async tempDir(prefix = 'worktrace-test-') {
    const dir = await mkdtemp(path.join(os.tmpdir(), prefix));
    this.tempDirs.push(dir);
    return dir;
  }

  /** Runs `fn` during cleanup(), before processes are killed (e.g. closing a browser). */
  onCleanup(fn) {
    this.cleanups.push(fn);
  }

  /**
   * Runs `worktrace-server ARGS...` to completion; returns {code, stdout, stderr}. `input` (a
   * string) is its standard input.
   */
  server(args, { env = {}, timeoutMs = 30_000, name = `server-${args[0]}`, input } = {}) {
    requireBinary(serverBin);
    return this.processes.run(name, serverBin, args, { env: { ...process.env, ...env }, timeoutMs, input });
  }

  /**
   * `worktrace-server org create --data DIR --name NAME --owner-email EMAIL [--owner-name N]`
   * with `password` on standard input. Throws with the output when it fails; returns {stdout}.
   */
  async createOrg({ dataDir, name, ownerEmail, ownerName, password }) {
    const args = ['org', 'create', '--data', dataDir, '--name', name, '--owner-email', ownerEmail];
    if (ownerName) args.push('--owner-name', ownerName);
    const result = await this.server(args, { input: `${password}\n`, name: `org-create-${name}` });
    if (result.code !== 0) throw new Error(`org create exited ${result.code}\n${result.child.output()}`);
    return { stdout: result.stdout };
  }

  /** `worktrace-server routes`: the router's routes as ["METHOD PATTERN", ...]. Throws on failure. */
  async routes() {
    const result = await this.server(['routes']);
    if (result.code !== 0) throw new Error(`routes exited ${result.code}\n${result.child.output()}`);
    const lines = result.stdout.split('\n').map((line) => line.trim()).filter(Boolean);
    for (const line of lines) {
      if (!/^[A-Z]+ \/\S*$/.test(line)) throw new Error(`routes printed a line that is not "METHOD PATTERN": ${line}`);
    }
    return lines;
  }

  /**
   * `worktrace-server init` on a new (or the given) data directory with the owner's login from
   * the environment. Returns {dataDir, stdout}. Throws with the output when init fails.
   */
  async initData({ dataDir, email = kOwner.email, password = kOwner.password } = {}) {
    const dir = dataDir ?? (await this.tempDir('worktrace-data-'));
    const result = await this.server(['init', '--data', dir], {
      env: { WORKTRACE_ADMIN_EMAIL: email, WORKTRACE_ADMIN_PASSWORD: password },
    });
    if (result.code !== 0) throw new Error(`init exited ${result.code}\n${result.child.output()}`);
    return { dataDir: dir, stdout: result.stdout };
  }

  /**
   * Starts `worktrace-server serve` and waits until it listens (the port file appears) and
   * /healthz answers 200. Returns a ServerHandle. `args` are added to the command line.
   */
  async startServer({ dataDir, listen = '127.0.0.1:0', webRoot = webDist, name = 'server', env = {}, args: extraArgs = [] }) {
    requireBinary(serverBin);
    if (webRoot && !existsSync(path.join(webRoot, 'index.html'))) {
      throw new Error(`${webRoot}/index.html is missing: run "npm ci && npm run build" in web/ first`);
    }
    const portFile = path.join(dataDir, 'port');
    await unlink(portFile).catch(() => undefined);
    const args = ['serve', '--listen', listen, '--data', dataDir, '--port-file', portFile];
    if (webRoot) args.push('--web-root', webRoot);
    args.push(...extraArgs);
    const child = this.processes.spawn(name, serverBin, args, { env: { ...process.env, ...env } });

    const port = await waitFor(
      async () => {
        if (!child.running) throw new Error(`server exited with ${child.exitCode}\n${child.output()}`);
        const text = await readFile(portFile, 'utf8').catch(() => '');
        const value = Number.parseInt(text.trim(), 10);
        return Number.isInteger(value) && value > 0 ? value : null;
      },
      { timeoutMs: kStartTimeoutMs, what: `the port file ${portFile}` },
    ).catch((error) => {
      throw new Error(`${error.message}\n${child.output()}`);
    });

    const handle = new ServerHandle(child, port, dataDir);
    await waitFor(
      async () => {
        if (!child.running) throw new Error(`server exited with ${child.exitCode}`);
        return (await request(handle.origin, '/healthz', { timeoutMs: 2_000 })).status === 200;
      },
      { timeoutMs: kStartTimeoutMs, what: 'GET /healthz == 200' },
    ).catch((error) => {
      throw new Error(`${error.message}\n${child.output()}`);
    });
    return handle;
  }

  /** `worktrace-server enrollment-token --data DIR [--uses N]`: the token it prints. */
  async enrollmentToken(dataDir, { uses } = {}) {
    const args = ['enrollment-token', '--data', dataDir];
    if (uses !== undefined) args.push('--uses', String(uses));
    const result = await this.server(args);
    if (result.code !== 0) throw new Error(`enrollment-token exited ${result.code}\n${result.child.output()}`);
    const token = /wte_[A-Za-z0-9_-]+/.exec(result.stdout)?.[0];
    if (!token) throw new Error(`enrollment-token printed no wte_ token:\n${result.child.output()}`);
    return token;
  }

  /** `worktrace-agent enroll`; returns {code, stdout, stderr}. */
  enrollAgent({ origin, token, configDir, extraArgs = [] }) {
    requireBinary(agentBin);
    return this.processes.run(
      'agent-enroll',
      agentBin,
      ['enroll', '--server', origin, '--token', token, '--config-dir', configDir, ...extraArgs],
      { env: { ...process.env }, timeoutMs: 30_000 },
    );
  }

  /**
   * Starts `worktrace-agent run` on `display` (e.g. ":91"); returns the Child. `args` are
   * added to the command line; without a display the agent keeps only its control channel.
   */
  startAgent({ configDir, display, name = 'agent', args = [], env: extraEnv = {} }) {
    requireBinary(agentBin);
    const env = { ...process.env, ...extraEnv };
    delete env.DISPLAY;
    if (display) env.DISPLAY = display;
    return this.processes.spawn(name, agentBin, ['run', '--config-dir', configDir, ...args], { env });
  }

  /** Starts the openbox window manager on `display` (EWMH: _NET_ACTIVE_WINDOW); returns the Child. */
  async startWindowManager(display) {
    const child = this.processes.spawn(`openbox-${display.slice(1)}`, 'openbox', ['--sm-disable'], {
      env: { ...process.env, DISPLAY: display },
    });
    await waitFor(
      async () => {
        if (!child.running) throw new Error(`openbox exited\n${child.output()}`);
        const probe = await this.processes.run('xprop-wm', 'xprop', ['-root', '_NET_SUPPORTING_WM_CHECK'], {
          env: { ...process.env, DISPLAY: display },
          timeoutMs: 5_000,
        });
        return /window id/.test(probe.stdout);
      },
      { timeoutMs: 10_000, what: 'openbox to manage the display' },
    );
    return child;
  }

  /**
   * Starts Xvfb on a free display number and waits for its socket. Returns {display, child}.
   */
  async startXvfb() {
    for (let attempt = 0; attempt < 20; attempt += 1) {
      const number = 90 + Math.floor(Math.random() * 400);
      const socketPath = `/tmp/.X11-unix/X${number}`;
      if (existsSync(socketPath) || existsSync(`/tmp/.X${number}-lock`)) continue;
      const child = this.processes.spawn(`xvfb-${number}`, 'Xvfb', [
        `:${number}`,
        '-screen',
        '0',
        '1280x720x24',
        '-nolisten',
        'tcp',
        // Without it the server resets whenever its last client leaves (the readiness probe
        // below, a test's xdotool), and a client connecting during the reset is refused.
        '-noreset',
      ]);
      try {
        await waitFor(
          () => {
            if (!child.running) throw new Error(`Xvfb :${number} exited`);
            return existsSync(socketPath);
          },
          { timeoutMs: 10_000, what: `the X socket ${socketPath}` },
        );
        // The socket appears before the server accepts clients: wait until one gets through.
        await waitFor(
          async () => {
            if (!child.running) throw new Error(`Xvfb :${number} exited`);
            const probe = await this.processes.run('xprop-ready', 'xprop', ['-root', '-display', `:${number}`, '_NET_NOTHING'], {
              timeoutMs: 5_000,
            });
            return probe.code === 0;
          },
          { timeoutMs: 10_000, what: `Xvfb :${number} to accept clients` },
        );
        return { display: `:${number}`, child };
      } catch (error) {
        await child.kill();
        if (child.running || !/exited/.test(error.message)) throw error;
        // Lost a race for that display number: try another.
      }
    }
    throw new Error('no free X display number found');
  }

  /** Closes what tests opened, kills every child process, removes temp dirs. Never throws. */
  async cleanup() {
    for (const fn of this.cleanups.reverse()) {
      await Promise.resolve()
        .then(fn)
        .catch((error) => console.error(`cleanup: ${error.message}`));
    }
    this.cleanups = [];
    await this.processes.killAll();
    await Promise.all(this.tempDirs.map((dir) => rm(dir, { recursive: true, force: true })));
    this.tempDirs = [];
  }
}

function requireBinary(file) {
  if (!existsSync(file)) {
    throw new Error(`${file} does not exist: build it first, or set WORKTRACE_BIN_DIR`);
  }
}
