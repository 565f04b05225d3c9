// A WebSocket client for the tests (the `ws` package): buffered JSON messages, bounded waits.
import assert from 'node:assert/strict';
import WebSocket from 'ws';

const kDefaultTimeoutMs = 10_000;

/** The server refused the upgrade with an HTTP answer. */
export class UpgradeRefused extends Error {
  constructor(status, body) {
    super(`upgrade refused with HTTP ${status}: ${body}`);
    this.status = status;
    this.body = body;
  }
}

export class WsClient {
  /**
   * Opens `url` with `headers`; resolves once open, rejects with UpgradeRefused for an HTTP
   * answer instead of 101, or an Error on a transport failure or after `timeoutMs`.
   */
  static connect(url, { headers = {}, timeoutMs = kDefaultTimeoutMs, maxPayload = 16 * 1024 * 1024 } = {}) {
    return new Promise((resolve, reject) => {
      const socket = new WebSocket(url, { headers, maxPayload, handshakeTimeout: timeoutMs });
      const client = new WsClient(socket);
      socket.once('open', () => resolve(client));
      socket.once('unexpected-response', (req, res) => {
        const chunks = [];
        res.on('data', (chunk) => chunks.push(chunk));
        res.on('end', () => {
          reject(new UpgradeRefused(res.statusCode, Buffer.concat(chunks).toString('utf8')));
          req.destroy();
        });
      });
      socket.once('error', (error) => reject(error));
    });
  }

  constructor(socket) {
    this.socket = socket;
    this.buffer = [];
    this.waiters = [];
    this.closeInfo = null;
    this.closed = new Promise((resolve) => {
      socket.on('close', (code, reason) => {
        this.closeInfo = { code, reason: reason.toString() };
        for (const waiter of this.waiters) waiter.reject(new Error(`socket closed (${code}) while waiting for ${waiter.what}`));
        this.waiters = [];
        resolve(this.closeInfo);
      });
    });
    socket.on('error', () => {
      // 'close' follows and carries the code.
    });
    socket.on('message', (data, isBinary) => {
      if (isBinary) return;
      let message;
      try {
        message = JSON.parse(data.toString());
      } catch {
        message = { type: '<not json>', text: data.toString() };
      }
      this.buffer.push(message);
      this.deliver();
    });
  }

  deliver() {
    for (const waiter of [...this.waiters]) {
      const index = this.buffer.findIndex(waiter.match);
      if (index < 0) continue;
      const [message] = this.buffer.splice(index, 1);
      this.waiters.splice(this.waiters.indexOf(waiter), 1);
      waiter.resolve(message);
    }
  }

  /**
   * The first buffered or future message that `match` accepts (a type name or a predicate);
   * earlier non-matching messages stay buffered for later calls.
   */
  next(match, { timeoutMs = kDefaultTimeoutMs } = {}) {
    const predicate = typeof match === 'string' ? (message) => message.type === match : match;
    const what = typeof match === 'string' ? `a "${match}" message` : 'a matching message';
    return new Promise((resolve, reject) => {
      const waiter = { match: predicate, what, resolve, reject };
      const timer = setTimeout(() => {
        this.waiters = this.waiters.filter((entry) => entry !== waiter);
        const seen = this.buffer.map((message) => message.type).join(', ') || 'nothing';
        reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what} (buffered: ${seen})`));
      }, timeoutMs);
      waiter.resolve = (message) => {
        clearTimeout(timer);
        resolve(message);
      };
      waiter.reject = (error) => {
        clearTimeout(timer);
        reject(error);
      };
      this.waiters.push(waiter);
      this.deliver();
      if (this.closeInfo && this.waiters.includes(waiter)) {
        this.waiters = this.waiters.filter((entry) => entry !== waiter);
        waiter.reject(new Error(`socket already closed (${this.closeInfo.code}) while waiting for ${what}`));
      }
    });
  }

  send(message) {
    this.socket.send(typeof message === 'string' ? message : JSON.stringify(message));
  }

  sendRaw(data, options) {
    this.socket.send(data, options);
  }

  /** Waits (bounded) for the close; resolves with {code, reason}. */
  async waitClosed(timeoutMs = kDefaultTimeoutMs) {
    let timer;
    const timeout = new Promise((_, reject) => {
      timer = setTimeout(() => reject(new Error(`socket not closed after ${timeoutMs} ms`)), timeoutMs);
    });
    try {
      return await Promise.race([this.closed, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  /** Closes with `code` and waits for the closing handshake (bounded). */
  async close(code = 1000, timeoutMs = 5_000) {
    if (this.closeInfo) return this.closeInfo;
    this.socket.close(code);
    try {
      return await this.waitClosed(timeoutMs);
    } catch {
      this.socket.terminate();
      return this.waitClosed(timeoutMs);
    }
  }

  terminate() {
    this.socket.terminate();
  }
}

/** ws://127.0.0.1:PORT/ws/agent with the device credential. */
export function connectAgent(origin, credential, options = {}) {
  const headers = credential ? { Authorization: `Bearer ${credential}` } : {};
  return WsClient.connect(`${origin.replace(/^http/, 'ws')}/ws/agent`, { ...options, headers });
}

/** ws://127.0.0.1:PORT/ws/dashboard with the session cookie ("wt_session=..."). */
export function connectDashboard(origin, cookie, options = {}) {
  const headers = cookie ? { Cookie: cookie } : {};
  return WsClient.connect(`${origin.replace(/^http/, 'ws')}/ws/dashboard`, { ...options, headers });
}

/** A dashboard socket on `client`'s session (an api.mjs Client), past its hello. */
export async function openViewer(client) {
  const socket = await connectDashboard(client.origin, client.cookie);
  await socket.next('hello');
  return socket;
}

/**
 * Waits (5 s at most) for the server to close `socket` and asserts the close `code` and, when
 * given, the `reason`; `what` names the socket in failures. Terminates it on a timeout.
 */
export async function expectClosed(socket, code, reason, what = 'socket') {
  const closed = await socket.waitClosed(5_000).catch((error) => {
    socket.terminate();
    throw new Error(`${what}: ${error.message}`);
  });
  assert.equal(closed.code, code, `${what}: closed with ${closed.code} ${closed.reason}`);
  if (reason !== undefined) assert.equal(closed.reason, reason, `${what}: close reason`);
  return closed;
}
