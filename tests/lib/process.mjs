// Child processes for the tests: every one is tracked, its output kept (bounded) and written to
// build/test-artifacts/, and every wait is bounded.
import { spawn } from 'node:child_process';
import { createWriteStream, mkdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { artifactsDir } from './paths.mjs';

const kTailBytes = 64 * 1024;

/** Polls `check` (sync or async) until it returns a truthy value; throws after `timeoutMs`. */
export async function waitFor(check, { timeoutMs = 10_000, intervalMs = 50, what = 'condition' } = {}) {
  const deadline = Date.now() + timeoutMs;
  let lastError;
  for (;;) {
    try {
      const value = await check();
      if (value) return value;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() >= deadline) {
      const detail = lastError ? ` (last error: ${lastError.message})` : '';
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${detail}`);
    }
    await sleep(intervalMs);
  }
}

export function sleep(ms) {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Rejects with a message naming `what` if `promise` has not settled after `timeoutMs`. */
export async function withTimeout(promise, timeoutMs, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms: ${what}`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** A started child process with its output captured; `options.input` (a string) is its stdin. */
export class Child {
  constructor(name, command, args, options, logFile) {
    this.name = name;
    this.command = command;
    this.args = args;
    this.stdout = '';
    this.stderr = '';
    this.exitCode = null;
    this.signal = null;
    this.log = createWriteStream(logFile, { flags: 'a' });
    this.log.write(`$ ${command} ${args.join(' ')}\n`);
    const { input, ...spawnOptions } = options;
    this.proc = spawn(command, args, { ...spawnOptions, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    if (input !== undefined) {
      // A child that exits without reading its stdin makes the write fail with EPIPE: harmless.
      this.proc.stdin.on('error', () => undefined);
      this.proc.stdin.end(input);
    }
    this.proc.stdout.on('data', (chunk) => {
      this.stdout = (this.stdout + chunk.toString()).slice(-kTailBytes);
      this.log.write(chunk);
    });
    this.proc.stderr.on('data', (chunk) => {
      this.stderr = (this.stderr + chunk.toString()).slice(-kTailBytes);
      this.log.write(chunk);
    });
    this.exited = new Promise((resolve) => {
      this.proc.on('error', (error) => {
        this.stderr += `\nspawn failed: ${error.message}`;
        this.exitCode = -1;
        resolve({ code: -1, signal: null });
      });
      this.proc.on('close', (code, signal) => {
        this.exitCode = code;
        this.signal = signal;
        this.log.end(`\n[exit code=${code} signal=${signal}]\n`);
        resolve({ code, signal });
      });
    });
  }

  get pid() {
    return this.proc.pid;
  }

  get running() {
    return this.exitCode === null && this.signal === null;
  }

  /** The captured output, for assertion messages. */
  output() {
    return `--- ${this.name} stdout ---\n${this.stdout}\n--- ${this.name} stderr ---\n${this.stderr}`;
  }

  /** Sends `signal` and waits (bounded) for the exit; returns {code, signal, elapsedMs}. */
  async stop(signal = 'SIGTERM', timeoutMs = 15_000) {
    const started = Date.now();
    if (this.running) this.proc.kill(signal);
    const result = await withTimeout(this.exited, timeoutMs, `${this.name} to exit after ${signal}`);
    return { ...result, elapsedMs: Date.now() - started };
  }

  /** Ends the process whatever state it is in: SIGTERM, then SIGKILL after `graceMs`. */
  async kill(graceMs = 3_000) {
    if (!this.running) return;
    this.proc.kill('SIGTERM');
    try {
      await withTimeout(this.exited, graceMs, `${this.name} to exit`);
    } catch {
      this.proc.kill('SIGKILL');
      await withTimeout(this.exited, 5_000, `${this.name} to die after SIGKILL`).catch(() => undefined);
    }
  }
}

/**
 * Tracks the children of one test file. `spawn` starts a long-running process; `run` runs a
 * command to completion. `killAll` (call it in an `after` hook) ends whatever is still running.
 */
export class Processes {
  constructor(suite) {
    this.suite = suite;
    this.children = [];
    this.logDir = path.join(artifactsDir, suite);
    rmSync(this.logDir, { recursive: true, force: true });
    mkdirSync(this.logDir, { recursive: true });
  }

  spawn(name, command, args, options = {}) {
    const logFile = path.join(this.logDir, `${name.replace(/[^\w.-]+/g, '_')}.log`);
    const child = new Child(name, command, args, options, logFile);
    this.children.push(child);
    return child;
  }

  /**
   * Runs to completion (bounded); returns {code, stdout, stderr, child}. Never throws on exit code.
   * `input` (a string) is written to its stdin, which is then closed.
   */
  async run(name, command, args, { timeoutMs = 30_000, ...options } = {}) {
    const child = this.spawn(name, command, args, options);
    try {
      await withTimeout(child.exited, timeoutMs, `${name} to finish`);
    } catch (error) {
      await child.kill(0);
      throw new Error(`${error.message}\n${child.output()}`);
    }
    return { code: child.exitCode, stdout: child.stdout, stderr: child.stderr, child };
  }

  async killAll() {
    await Promise.all(this.children.map((child) => child.kill()));
  }
}
