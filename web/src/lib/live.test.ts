import { describe, expect, it } from 'vitest';
import {
  LiveConnection,
  backoffDelayMs,
  kBackoffCapMs,
  kStableConnectionMs,
  sameOriginWsUrl,
  type LiveStatus,
  type SocketLike,
  type Timers,
} from './live';
import type { ServerMessage } from './types';

class FakeSocket implements SocketLike {
  onmessage: ((event: MessageEvent) => void) | null = null;
  onclose: ((event: CloseEvent) => void) | null = null;
  closedWith: number | null = null;
  binaryType: BinaryType = 'blob';
  sent: string[] = [];

  constructor(readonly url: string) {}

  send(data: string): void {
    this.sent.push(data);
  }

  close(code?: number): void {
    this.closedWith = code ?? 1005;
  }

  receive(data: unknown): void {
    this.onmessage?.({ data } as MessageEvent);
  }

  drop(): void {
    this.onclose?.({ code: 1006 } as CloseEvent);
  }
}

/** Timers that run only when the test says so. */
class ManualTimers implements Timers {
  pending: { callback: () => void; delayMs: number }[] = [];

  set(callback: () => void, delayMs: number): unknown {
    const entry = { callback, delayMs };
    this.pending.push(entry);
    return entry;
  }

  clear(handle: unknown): void {
    this.pending = this.pending.filter((entry) => entry !== handle);
  }

  runNext(): number {
    const entry = this.pending.shift();
    if (!entry) throw new Error('no timer pending');
    entry.callback();
    return entry.delayMs;
  }
}

const kHello = JSON.stringify({
  type: 'hello',
  server_version: '0.1.0',
  user: { id: 1, email: 'owner@example.com', name: 'Owner', role: 'owner' },
});

function setup(random = () => 0.5) {
  const sockets: FakeSocket[] = [];
  const statuses: LiveStatus[] = [];
  const messages: ServerMessage[] = [];
  const timers = new ManualTimers();
  let lost = 0;
  let nowMs = 1_000_000;
  const connection = new LiveConnection({
    url: 'ws://example.test/ws/dashboard',
    onStatus: (status) => statuses.push(status),
    onMessage: (message) => messages.push(message),
    onLost: () => (lost += 1),
    createSocket: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    timers,
    random,
    now: () => nowMs,
  });
  return {
    connection,
    sockets,
    statuses,
    messages,
    timers,
    lostCount: () => lost,
    advance: (ms: number) => (nowMs += ms),
  };
}

describe('backoffDelayMs', () => {
  it('stays within [0, min(cap, base * 2^attempt))', () => {
    expect(backoffDelayMs(0, () => 0)).toBe(0);
    expect(backoffDelayMs(0, () => 0.999)).toBe(999);
    expect(backoffDelayMs(3, () => 0.5)).toBe(4_000);
    expect(backoffDelayMs(10, () => 0.999)).toBeLessThan(kBackoffCapMs);
    expect(backoffDelayMs(1_000, () => 0.5)).toBe(kBackoffCapMs / 2);
  });
});

describe('sameOriginWsUrl', () => {
  it('follows the page scheme', () => {
    expect(sameOriginWsUrl({ protocol: 'http:', host: '127.0.0.1:8080' }, '/ws/dashboard')).toBe(
      'ws://127.0.0.1:8080/ws/dashboard',
    );
    expect(sameOriginWsUrl({ protocol: 'https:', host: 'wt.example.com' }, '/ws/dashboard')).toBe(
      'wss://wt.example.com/ws/dashboard',
    );
  });
});

describe('LiveConnection', () => {
  it('is live after the hello and hands parsed messages on', () => {
    const t = setup();
    t.connection.start();
    expect(t.sockets).toHaveLength(1);
    expect(t.sockets[0]?.url).toBe('ws://example.test/ws/dashboard');
    expect(t.statuses).toEqual(['connecting']);

    t.sockets[0]?.receive(kHello);
    t.sockets[0]?.receive('{"type":"device.offline","device_id":4,"last_seen_at":9}');
    t.sockets[0]?.receive('garbage');
    t.sockets[0]?.receive(new ArrayBuffer(4));

    expect(t.statuses).toEqual(['connecting', 'live']);
    expect(t.messages.map((message) => message.type)).toEqual(['hello', 'device.offline']);
  });

  it('asks for ArrayBuffers and routes binary messages to onBinary, text to onMessage', () => {
    const binaries: ArrayBuffer[] = [];
    const sockets: FakeSocket[] = [];
    const messages: ServerMessage[] = [];
    const connection = new LiveConnection({
      url: 'ws://example.test/ws/dashboard',
      onStatus: () => undefined,
      onMessage: (message) => messages.push(message),
      onBinary: (data) => binaries.push(data),
      createSocket: (url) => {
        const socket = new FakeSocket(url);
        sockets.push(socket);
        return socket;
      },
      timers: new ManualTimers(),
    });
    connection.start();
    expect(sockets[0]?.binaryType).toBe('arraybuffer');
    const frame = new ArrayBuffer(8);
    sockets[0]?.receive(kHello);
    sockets[0]?.receive(frame);
    sockets[0]?.receive('{"type":"screens.ended","user_id":3,"reason":"no longer your team"}');
    expect(binaries).toEqual([frame]);
    expect(messages.map((message) => message.type)).toEqual(['hello', 'screens.ended']);
  });

  it('sends only while live', () => {
    const t = setup();
    t.connection.start();
    expect(t.connection.send('{"type":"ping"}')).toBe(false);
    t.sockets[0]?.receive(kHello);
    expect(t.connection.send('{"type":"ping"}')).toBe(true);
    expect(t.sockets[0]?.sent).toEqual(['{"type":"ping"}']);
    t.sockets[0]?.drop();
    expect(t.connection.send('{"type":"ping"}')).toBe(false);
  });

  it('reconnects with growing backoff and reports it', () => {
    const t = setup(() => 0.999);
    t.connection.start();
    t.sockets[0]?.drop();
    expect(t.statuses.at(-1)).toBe('reconnecting');
    expect(t.lostCount()).toBe(1);
    expect(t.timers.runNext()).toBe(999);
    expect(t.sockets).toHaveLength(2);

    t.sockets[1]?.drop();
    expect(t.timers.runNext()).toBe(1_998);
    t.sockets[2]?.drop();
    expect(t.timers.runNext()).toBe(3_996);
    expect(t.sockets).toHaveLength(4);
    expect(t.lostCount()).toBe(3);

    t.sockets[3]?.receive(kHello);
    expect(t.statuses.at(-1)).toBe('live');
  });

  it('resets the backoff after a connection that stayed up', () => {
    const t = setup(() => 0.999);
    t.connection.start();
    t.sockets[0]?.drop();
    t.timers.runNext();
    t.sockets[1]?.drop();
    t.timers.runNext();

    t.sockets[2]?.receive(kHello);
    t.advance(kStableConnectionMs);
    t.sockets[2]?.drop();
    expect(t.timers.runNext()).toBe(999);
  });

  it('does not reset the backoff for a connection that dropped right after hello', () => {
    const t = setup(() => 0.999);
    t.connection.start();
    t.sockets[0]?.drop();
    t.timers.runNext();
    t.sockets[1]?.receive(kHello);
    t.advance(100);
    t.sockets[1]?.drop();
    expect(t.timers.runNext()).toBe(1_998);
  });

  it('stops: closes the socket, cancels the retry, and reports nothing more', () => {
    const t = setup();
    t.connection.start();
    const first = t.sockets[0];
    t.connection.stop();
    expect(first?.closedWith).toBe(1000);
    first?.drop();
    first?.receive(kHello);
    expect(t.statuses).toEqual(['connecting']);
    expect(t.timers.pending).toHaveLength(0);

    const u = setup();
    u.connection.start();
    u.sockets[0]?.drop();
    expect(u.timers.pending).toHaveLength(1);
    u.connection.stop();
    expect(u.timers.pending).toHaveLength(0);
  });

  it('retries when the socket cannot even be created', () => {
    const statuses: LiveStatus[] = [];
    const timers = new ManualTimers();
    let attempts = 0;
    const connection = new LiveConnection({
      url: 'ws://example.test/ws/dashboard',
      onStatus: (status) => statuses.push(status),
      onMessage: () => undefined,
      createSocket: () => {
        attempts += 1;
        throw new SyntaxError('bad url');
      },
      timers,
      random: () => 0,
    });
    connection.start();
    expect(statuses).toEqual(['connecting', 'reconnecting']);
    timers.runNext();
    expect(attempts).toBe(2);
    connection.stop();
  });
});
