// Live screenshots on /ws/dashboard: the store the screen pages read (the watch set, the latest
// frame per monitor, captures, refusals). Frames live in memory only, as Blob object URLs; a
// replaced frame's URL is revoked at once. The wire format is in screens_wire.ts.
import { writable, type Readable } from 'svelte/store';
import { kMaxWatched, parseViewerFrame } from './screens_wire';
import type { RefusalReason, ScreensMessage, WireError } from './types';

export {
  kMaxViewerFrameBytes,
  kMaxWatched,
  kViewerFrameMagic,
  parseScreensMessage,
  parseViewerFrame,
  type FrameParse,
  type ViewerFrame,
  type ViewerFrameHeader,
} from './screens_wire';

const kRefusalWords: Record<RefusalReason, string> = {
  idle: 'is idle',
  paused: 'has tracking paused',
  off_hours: 'is outside work hours',
  disabled: 'has screenshots turned off',
  no_display: 'has no display to capture',
  capture_failed: 'could not be captured (the capture failed on the device)',
  busy: 'was just captured; try again in a moment',
};

/** "Not captured: Ada is idle" for a device's refusal reason. */
export function refusalText(name: string, reason: string): string {
  const words = Object.hasOwn(kRefusalWords, reason) ? kRefusalWords[reason as RefusalReason] : `was not captured (${reason})`;
  return `Not captured: ${name} ${words}`;
}

export const kDisabledText = 'Screenshots are turned off in Organization settings → Tracking';
export const kNoDeviceText = 'no device of this person is online';

/** The latest frame of one monitor of one device. */
export interface ScreenFrame {
  key: string;
  userId: number;
  deviceId: number;
  monitor: number;
  width: number;
  height: number;
  takenAt: number;
  receivedAt: number;
  reason: 'schedule' | 'demand';
  requestId: string | null;
  /** A Blob object URL of the JPEG; revoked when a newer frame replaces it. */
  url: string;
  bytes: number;
}

/** The latest "Capture now" of one person. */
export type CaptureState =
  | { state: 'sending' }
  | { state: 'sent'; requestId: string; devices: number }
  | { state: 'failed'; code: string; message: string };

export interface Refusal {
  deviceId: number;
  requestId: string;
  reason: string;
  at: number;
}

export interface ScreensState {
  /** The union of what the open views need (what was or will be sent). */
  wanted: readonly number[];
  /** People the server accepted in the last reply. */
  watching: ReadonlySet<number>;
  /** People the server refused, with its reason. */
  refused: ReadonlyMap<number, WireError>;
  /** People whose viewing the server ended, with its reason (their frames are dropped). */
  ended: ReadonlyMap<number, string>;
  /** The organization's screenshots setting; null until the first reply. */
  enabled: boolean | null;
  /** Latest frame per (user, device, monitor), by frameKey. */
  frames: ReadonlyMap<string, ScreenFrame>;
  captures: ReadonlyMap<number, CaptureState>;
  /** Each person's latest refusal, until a frame of theirs arrives. */
  refusals: ReadonlyMap<number, Refusal>;
  /** The last error the server sent that belongs to no request (or a rejected watch). */
  error: string;
  /** A screen frame the dashboard could not read (counted, the last message kept). */
  badFrames: number;
  badFrameError: string;
}

export interface ObjectUrls {
  create(blob: Blob): string;
  revoke(url: string): void;
}

export interface ScreensStoreOptions {
  /** Sends a text message on the channel; false when it is not open (sent again on connect). */
  send: (text: string) => boolean;
  urls?: ObjectUrls;
  now?: () => number;
  /** Every accepted frame, e.g. for the browser's gallery. */
  onFrame?: (frame: ScreenFrame, blob: Blob) => void;
  /**
   * Runs the watch-set sync later (e.g. setTimeout 100 ms), so that one page closing and the
   * next opening send one watch, not two. Default: at once.
   */
  defer?: (run: () => void) => void;
}

export const frameKey = (userId: number, deviceId: number, monitor: number): string => `${userId}:${deviceId}:${monitor}`;

/** The frames of `userId`, by device then monitor. */
export function framesOf(state: ScreensState, userId: number): ScreenFrame[] {
  return [...state.frames.values()]
    .filter((frame) => frame.userId === userId)
    .sort((a, b) => a.deviceId - b.deviceId || a.monitor - b.monitor);
}

/** The newest frame of `userId` (any device or monitor), or null. */
export function latestFrameOf(state: ScreensState, userId: number): ScreenFrame | null {
  let latest: ScreenFrame | null = null;
  for (const frame of state.frames.values()) {
    if (frame.userId === userId && (latest === null || frame.takenAt > latest.takenAt)) latest = frame;
  }
  return latest;
}

const watchText = (userIds: readonly number[]): string => JSON.stringify({ type: 'screens.watch', user_ids: userIds });

type Pending = { kind: 'watch' } | { kind: 'capture'; userId: number };

const browserUrls: ObjectUrls = {
  create: (blob) => URL.createObjectURL(blob),
  revoke: (url) => URL.revokeObjectURL(url),
};

const kEmpty: ScreensState = {
  wanted: [],
  watching: new Set(),
  refused: new Map(),
  ended: new Map(),
  enabled: null,
  frames: new Map(),
  captures: new Map(),
  refusals: new Map(),
  error: '',
  badFrames: 0,
  badFrameError: '',
};

/**
 * The screens state of one dashboard connection. Views declare what they need (`need`); the
 * union is sent as `screens.watch` when it changes and again after each (re)connect. Replies on
 * the channel come in the order of the requests, so an `error` is matched to the oldest request
 * still waiting. Single-threaded (browser event loop); call dispose() to revoke every URL.
 */
export class ScreensStore implements Readable<ScreensState> {
  private readonly options: Required<Omit<ScreensStoreOptions, 'onFrame' | 'defer'>> & Pick<ScreensStoreOptions, 'onFrame' | 'defer'>;
  private readonly state = writable<ScreensState>(kEmpty);
  private current: ScreensState = kEmpty;
  private readonly needs = new Map<symbol, readonly number[]>();
  private sent: string | null = null;
  private pending: Pending[] = [];
  private syncQueued = false;
  private disposed = false;

  constructor(options: ScreensStoreOptions) {
    this.options = { urls: browserUrls, now: Date.now, ...options };
  }

  subscribe(run: (value: ScreensState) => void): () => void {
    return this.state.subscribe(run);
  }

  get snapshot(): ScreensState {
    return this.current;
  }

  private update(change: Partial<ScreensState>): void {
    this.current = { ...this.current, ...change };
    this.state.set(this.current);
  }

  /** Sets what the view `owner` needs ([] or release() for nothing) and syncs the watch set. */
  need(owner: symbol, userIds: readonly number[]): void {
    if (userIds.length === 0) this.needs.delete(owner);
    else this.needs.set(owner, userIds);
    this.requestSync();
  }

  private requestSync(): void {
    const defer = this.options.defer;
    if (!defer) {
      this.sync();
      return;
    }
    if (this.syncQueued) return;
    this.syncQueued = true;
    defer(() => {
      this.syncQueued = false;
      if (!this.disposed) this.sync();
    });
  }

  release(owner: symbol): void {
    this.need(owner, []);
  }

  /** The channel is (again) open: whatever was sent before is lost, so the watch set goes again. */
  connected(): void {
    // A new channel watches nobody until told.
    this.sent = watchText([]);
    this.pending = [];
    this.update({ watching: new Set(), refused: new Map(), ended: new Map(), captures: new Map() });
    this.sync();
  }

  private sync(): void {
    const union = [...new Set([...this.needs.values()].flat())].sort((a, b) => a - b).slice(0, kMaxWatched);
    const text = watchText(union);
    const wantedChanged = union.join(',') !== this.current.wanted.join(',');
    if (wantedChanged) this.dropFramesOutside(new Set(union), union);
    if (text === this.sent) return;
    if (this.options.send(text)) {
      this.sent = text;
      this.pending.push({ kind: 'watch' });
    }
  }

  private dropFramesOutside(keep: ReadonlySet<number>, union: readonly number[]): void {
    const frames = new Map(this.current.frames);
    for (const [key, frame] of frames) {
      if (keep.has(frame.userId)) continue;
      this.options.urls.revoke(frame.url);
      frames.delete(key);
    }
    const only = <V>(map: ReadonlyMap<number, V>): Map<number, V> => new Map([...map].filter(([id]) => keep.has(id)));
    this.update({
      wanted: union,
      frames,
      refusals: only(this.current.refusals),
      captures: only(this.current.captures),
      ended: only(this.current.ended),
    });
  }

  /** Asks every online device of `userId` for a screenshot now. False when it could not be sent. */
  capture(userId: number): boolean {
    const captures = new Map(this.current.captures);
    if (!this.options.send(JSON.stringify({ type: 'screens.capture', user_id: userId }))) {
      captures.set(userId, { state: 'failed', code: 'unavailable', message: 'Not connected to the server; try again in a moment.' });
      this.update({ captures });
      return false;
    }
    this.pending.push({ kind: 'capture', userId });
    captures.set(userId, { state: 'sending' });
    this.update({ captures });
    return true;
  }

  /** Takes the oldest waiting request of `kind` (and everything before it, answered already). */
  private settle(match: (entry: Pending) => boolean): void {
    const index = this.pending.findIndex(match);
    if (index >= 0) this.pending.splice(0, index + 1);
  }

  /** Applies a text message; false when it is not about screens. */
  handle(message: ScreensMessage | { type: string }): boolean {
    const screens = message as ScreensMessage;
    switch (screens.type) {
      case 'screens.watching': {
        this.settle((entry) => entry.kind === 'watch');
        const refused = new Map(screens.refused.map((entry) => [entry.user_id, entry.error] as const));
        const ended = new Map([...this.current.ended].filter(([id]) => !screens.user_ids.includes(id)));
        this.update({ watching: new Set(screens.user_ids), refused, ended, enabled: screens.enabled, error: '' });
        return true;
      }
      case 'screens.capture_sent': {
        this.settle((entry) => entry.kind === 'capture' && entry.userId === screens.user_id);
        const captures = new Map(this.current.captures);
        captures.set(screens.user_id, { state: 'sent', requestId: screens.request_id, devices: screens.devices });
        this.update({ captures });
        return true;
      }
      case 'screens.refused': {
        const refusals = new Map(this.current.refusals);
        refusals.set(screens.user_id, { deviceId: screens.device_id, requestId: screens.request_id, reason: screens.reason, at: this.options.now() });
        this.update({ refusals });
        return true;
      }
      case 'screens.ended': {
        // The right to see this person is gone: their frames go too, and later ones are ignored
        // until the server accepts a watch of them again.
        const watching = new Set(this.current.watching);
        watching.delete(screens.user_id);
        const ended = new Map(this.current.ended);
        ended.set(screens.user_id, screens.reason);
        const frames = new Map(this.current.frames);
        for (const [key, frame] of this.current.frames) {
          if (frame.userId !== screens.user_id) continue;
          this.options.urls.revoke(frame.url);
          frames.delete(key);
        }
        this.update({ watching, ended, frames });
        return true;
      }
      case 'error':
        this.failed(screens.error);
        return true;
      default:
        return false;
    }
  }

  private failed(error: WireError): void {
    const request = this.pending.shift();
    if (request?.kind === 'capture') {
      const captures = new Map(this.current.captures);
      captures.set(request.userId, { state: 'failed', code: error.code, message: error.message });
      this.update({ captures });
      return;
    }
    if (request?.kind === 'watch') this.sent = null;  // Not accepted: the next change sends again.
    this.update({ error: error.message });
  }

  /** Applies a binary message: a frame of a watched person replaces that monitor's previous one. */
  handleBinary(data: ArrayBuffer): void {
    const parsed = parseViewerFrame(data);
    if (!parsed.ok) {
      this.update({ badFrames: this.current.badFrames + 1, badFrameError: parsed.error });
      return;
    }
    const { header, jpeg } = parsed.frame;
    // Frames sent before the server saw a smaller watch set may still arrive; none are shown
    // (or passed on to the gallery) once the server ended the viewing of that person.
    if (!this.current.wanted.includes(header.user_id) || this.current.ended.has(header.user_id)) return;
    const key = frameKey(header.user_id, header.device_id, header.monitor);
    const previous = this.current.frames.get(key);
    if (previous && previous.takenAt > header.taken_at) return;  // An older capture, late.
    const blob = new Blob([jpeg], { type: 'image/jpeg' });
    const frame: ScreenFrame = {
      key,
      userId: header.user_id,
      deviceId: header.device_id,
      monitor: header.monitor,
      width: header.width,
      height: header.height,
      takenAt: header.taken_at,
      receivedAt: header.received_at,
      reason: header.reason,
      requestId: header.request_id ?? null,
      url: this.options.urls.create(blob),
      bytes: jpeg.length,
    };
    if (previous) this.options.urls.revoke(previous.url);
    const frames = new Map(this.current.frames);
    frames.set(key, frame);
    const change: Partial<ScreensState> = { frames };
    if (this.current.refusals.has(header.user_id)) {
      const refusals = new Map(this.current.refusals);
      refusals.delete(header.user_id);
      change.refusals = refusals;
    }
    this.update(change);
    this.options.onFrame?.(frame, blob);
  }

  /** Revokes every object URL; the store is empty afterwards. */
  dispose(): void {
    this.disposed = true;
    for (const frame of this.current.frames.values()) this.options.urls.revoke(frame.url);
    this.needs.clear();
    this.pending = [];
    this.sent = null;
    this.update({ ...kEmpty });
  }
}
