import { parseServerMessage } from './devices';
import type { ServerMessage } from './types';

export type LiveStatus = 'connecting' | 'live' | 'reconnecting';

/** The part of the browser's WebSocket this module uses (the seam tests replace). */
export interface SocketLike {
  onmessage: ((event: MessageEvent) => void) | null;
  onclose: ((event: CloseEvent) => void) | null;
  /** Set to 'arraybuffer': binary messages (screen frames) arrive as ArrayBuffer. */
  binaryType: BinaryType;
  close(code?: number, reason?: string): void;
  send(data: string): void;
}

export interface Timers {
  set(callback: () => void, delayMs: number): unknown;
  clear(handle: unknown): void;
}

export interface LiveOptions {
  url: string;
  onStatus: (status: LiveStatus) => void;
  onMessage: (message: ServerMessage) => void;
  /** A binary message (a WTV1 screen frame); dropped when absent. */
  onBinary?: (data: ArrayBuffer) => void;
  /** Called once per lost connection, before the retry is scheduled (e.g. to check the session). */
  onLost?: () => void;
  createSocket?: (url: string) => SocketLike;
  timers?: Timers;
  random?: () => number;
  now?: () => number;
}

export const kBackoffBaseMs = 1_000;
export const kBackoffCapMs = 30_000;
/** A connection that stayed up this long resets the backoff. */
export const kStableConnectionMs = 10_000;

/** Full-jitter exponential backoff: uniform in [0, min(cap, base * 2^attempt)). */
export function backoffDelayMs(attempt: number, random: () => number): number {
  const ceiling = Math.min(kBackoffCapMs, kBackoffBaseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}

/** ws: or wss: URL of `path` on the page's own origin. */
export function sameOriginWsUrl(location: Pick<Location, 'protocol' | 'host'>, path: string): string {
  const scheme = location.protocol === 'https:' ? 'wss:' : 'ws:';
  return `${scheme}//${location.host}${path}`;
}

const browserTimers: Timers = {
  set: (callback, delayMs) => setTimeout(callback, delayMs),
  clear: (handle) => clearTimeout(handle as ReturnType<typeof setTimeout>),
};

/**
 * Keeps one dashboard WebSocket open: connects, reports status ("live" once the server's hello
 * arrives), hands parsed messages on, and reconnects with backoff until stop(). Single-threaded
 * (browser event loop); no callback runs after stop().
 */
export class LiveConnection {
  private readonly options: Required<Omit<LiveOptions, 'onLost' | 'onBinary'>> & Pick<LiveOptions, 'onLost' | 'onBinary'>;
  private socket: SocketLike | null = null;
  private retryTimer: unknown = null;
  private attempt = 0;
  private liveSince: number | null = null;
  private stopped = false;

  constructor(options: LiveOptions) {
    this.options = {
      createSocket: (url) => new WebSocket(url),
      timers: browserTimers,
      random: Math.random,
      now: Date.now,
      ...options,
    };
  }

  /** Sends `text` when the channel is live (the server's hello arrived); false otherwise. */
  send(text: string): boolean {
    if (this.socket === null || this.liveSince === null) return false;
    try {
      this.socket.send(text);
      return true;
    } catch {
      return false;
    }
  }

  start(): void {
    this.options.onStatus('connecting');
    this.connect();
  }

  stop(): void {
    this.stopped = true;
    if (this.retryTimer !== null) this.options.timers.clear(this.retryTimer);
    this.retryTimer = null;
    const socket = this.socket;
    this.socket = null;
    if (socket) {
      socket.onmessage = null;
      socket.onclose = null;
      socket.close(1000, 'page closed');
    }
  }

  private connect(): void {
    this.retryTimer = null;
    let socket: SocketLike;
    try {
      socket = this.options.createSocket(this.options.url);
    } catch {
      this.lost();
      return;
    }
    this.socket = socket;
    socket.binaryType = 'arraybuffer';
    socket.onmessage = (event) => {
      if (event.data instanceof ArrayBuffer) {
        this.options.onBinary?.(event.data);
        return;
      }
      if (typeof event.data !== 'string') return;
      const message = parseServerMessage(event.data);
      if (message === null) return;
      if (message.type === 'hello') {
        this.liveSince = this.options.now();
        this.options.onStatus('live');
      }
      this.options.onMessage(message);
    };
    // A failed connection fires error then close; close alone drives the retry.
    socket.onclose = () => {
      if (this.socket !== socket) return;
      this.socket = null;
      this.lost();
    };
  }

  private lost(): void {
    if (this.stopped) return;
    if (this.liveSince !== null && this.options.now() - this.liveSince >= kStableConnectionMs) {
      this.attempt = 0;
    }
    this.liveSince = null;
    this.options.onStatus('reconnecting');
    this.options.onLost?.();
    if (this.stopped) return;
    const delayMs = backoffDelayMs(this.attempt, this.options.random);
    this.attempt += 1;
    this.retryTimer = this.options.timers.set(() => this.connect(), delayMs);
  }
}
