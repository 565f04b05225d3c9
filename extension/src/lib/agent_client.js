// The HTTP calls to the agent's /api/0. `fetchImpl` is the platform's fetch (a seam for tests).
// Every call is bounded by a timeout and reports failure as a value, never by throwing.

import { bucketBody, heartbeatPath } from './heartbeat.js';

export const kRequestTimeoutMs = 5_000;

export class AgentClient {
  constructor(address, { fetchImpl = globalThis.fetch.bind(globalThis), timeoutMs = kRequestTimeoutMs } = {}) {
    this.address = address;
    this.fetchImpl = fetchImpl;
    this.timeoutMs = timeoutMs;
  }

  /** {network: true, error} or {status, body} (body: parsed JSON or null). */
  async call(method, path, body) {
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), this.timeoutMs);
    try {
      const init = { method, signal: controller.signal, cache: 'no-store', credentials: 'omit' };
      if (body !== undefined) {
        init.headers = { 'Content-Type': 'application/json' };
        init.body = JSON.stringify(body);
      }
      const response = await this.fetchImpl(`${this.address}${path}`, init);
      const text = await response.text();
      let parsed = null;
      try {
        parsed = text ? JSON.parse(text) : null;
      } catch {
        parsed = null;
      }
      return { status: response.status, body: parsed };
    } catch (error) {
      return { network: true, error: String(error?.message ?? error) };
    } finally {
      clearTimeout(timer);
    }
  }

  info() {
    return this.call('GET', '/api/0/info');
  }

  /** Creates the bucket; 200 (created) and 304 (exists) both count as success. */
  async ensureBucket(bucket, hostname) {
    const answer = await this.call('POST', `/api/0/buckets/${encodeURIComponent(bucket)}`, bucketBody(hostname));
    return { ...answer, ok: answer.status === 200 || answer.status === 304 };
  }

  async heartbeat(bucket, body) {
    const answer = await this.call('POST', heartbeatPath(bucket), body);
    return { ...answer, ok: answer.status === 200 };
  }

  /** POST /api/0/worktrace/pair {"code"}: {ok, status, message}. */
  async pair(code) {
    const answer = await this.call('POST', '/api/0/worktrace/pair', { code });
    if (answer.network) return { ok: false, message: 'The agent is not running at this address.' };
    if (answer.status === 200 && answer.body?.paired === true) return { ok: true, message: 'Paired.' };
    const message = answer.body?.error?.message;
    return { ok: false, status: answer.status, message: typeof message === 'string' ? message : `HTTP ${answer.status}` };
  }
}

/**
 * A pairing code as typed (8 Crockford base32 symbols from `worktrace-agent pair-browser`):
 * spaces and dashes removed, upper-cased; null when it cannot be a code. The agent decides
 * whether it matches.
 */
export function normalizePairingCode(input) {
  const code = String(input ?? '').replace(/[\s-]/g, '').toUpperCase();
  return /^[0-9A-Z]{8}$/.test(code) ? code : null;
}
