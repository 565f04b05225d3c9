import { describe, expect, it } from 'vitest';
import {
  ScreensStore,
  framesOf,
  kMaxViewerFrameBytes,
  latestFrameOf,
  parseScreensMessage,
  parseViewerFrame,
  refusalText,
  type ObjectUrls,
} from './screens';

const kJpeg = [0xff, 0xd8, 0xff, 0xe0, 0x00, 0x10, 0x4a, 0x46, 0x49, 0x46, 0xff, 0xd9];

interface HeaderFields {
  user_id?: unknown;
  device_id?: unknown;
  monitor?: unknown;
  width?: unknown;
  height?: unknown;
  taken_at?: unknown;
  received_at?: unknown;
  reason?: unknown;
  request_id?: unknown;
}

/** A WTV1 message as the server builds it. */
function frameBytes(fields: HeaderFields = {}, jpeg: readonly number[] = kJpeg, magic = 'WTV1'): ArrayBuffer {
  const header = JSON.stringify({
    user_id: 7,
    device_id: 3,
    monitor: 0,
    width: 640,
    height: 480,
    taken_at: 1_000,
    received_at: 1_010,
    reason: 'schedule',
    ...fields,
  });
  return raw(magic, new TextEncoder().encode(header), jpeg);
}

function raw(magic: string, header: Uint8Array, jpeg: readonly number[], declared = header.length): ArrayBuffer {
  const out = new Uint8Array(6 + header.length + jpeg.length);
  out.set([...magic].map((c) => c.charCodeAt(0)), 0);
  out[4] = declared >> 8;
  out[5] = declared & 0xff;
  out.set(header, 6);
  out.set(jpeg, 6 + header.length);
  return out.buffer;
}

describe('parseViewerFrame', () => {
  it('splits header and JPEG', () => {
    const parsed = parseViewerFrame(frameBytes({ reason: 'demand', request_id: 'abcdefghijklmnop', monitor: 2 }));
    expect(parsed.ok).toBe(true);
    if (!parsed.ok) return;
    expect(parsed.frame.header).toMatchObject({ user_id: 7, device_id: 3, monitor: 2, reason: 'demand', request_id: 'abcdefghijklmnop' });
    expect([...parsed.frame.jpeg]).toEqual(kJpeg);
  });

  it.each([
    ['bad magic', frameBytes({}, kJpeg, 'WTS1'), 'screen frame: bad magic (expected WTV1)'],
    ['too short', new Uint8Array([0x57, 0x54]).buffer, 'screen frame: too short (2 bytes)'],
    ['header length too small', raw('WTV1', new TextEncoder().encode('{}'), kJpeg, 1), 'screen frame: header length 1 not in 2..1024'],
    ['header length too large', raw('WTV1', new TextEncoder().encode('{}'), kJpeg, 1025), 'screen frame: header length 1025 not in 2..1024'],
    ['truncated header', raw('WTV1', new TextEncoder().encode('{}'), [], 40), 'screen frame: truncated header'],
    ['not JSON', raw('WTV1', new TextEncoder().encode('{x'), kJpeg), 'screen frame: header is not JSON'],
    ['not an object', raw('WTV1', new TextEncoder().encode('[1]'), kJpeg), 'screen frame: header is not a JSON object'],
    ['bad user', frameBytes({ user_id: 0 }), 'screen frame: $.user_id: must be an integer in 1..9007199254740991'],
    ['bad monitor', frameBytes({ monitor: 16 }), 'screen frame: $.monitor: must be an integer in 0..15'],
    ['missing taken_at', frameBytes({ taken_at: undefined }), 'screen frame: $.taken_at: must be an integer in 0..9007199254740991'],
    ['bad reason', frameBytes({ reason: 'later' }), 'screen frame: $.reason: must be schedule or demand'],
    ['bad request id', frameBytes({ request_id: 'a b' }), 'screen frame: $.request_id: must be 1..64 of A-Z a-z 0-9 _ -'],
    ['not a JPEG', frameBytes({}, [0x89, 0x50, 0x4e, 0x47]), 'screen frame: not a JPEG'],
    ['JPEG without end', frameBytes({}, [0xff, 0xd8, 0xff, 0xe0, 0x00]), 'screen frame: not a JPEG'],
  ])('refuses %s', (_name, data, error) => {
    expect(parseViewerFrame(data)).toEqual({ ok: false, error });
  });

  it('refuses a message over the size limit without reading it', () => {
    expect(parseViewerFrame(new ArrayBuffer(kMaxViewerFrameBytes + 1))).toEqual({
      ok: false,
      error: `screen frame: larger than ${kMaxViewerFrameBytes} bytes`,
    });
  });
});

describe('parseScreensMessage', () => {
  it('reads each screens message', () => {
    expect(parseScreensMessage({ type: 'screens.watching', user_ids: [1, 2], refused: [{ user_id: 3, error: { code: 'not_found', message: 'no such person' } }], enabled: true })).toEqual({
      type: 'screens.watching',
      user_ids: [1, 2],
      refused: [{ user_id: 3, error: { code: 'not_found', message: 'no such person' } }],
      enabled: true,
    });
    expect(parseScreensMessage({ type: 'screens.capture_sent', user_id: 1, request_id: 'r', devices: 2 })?.type).toBe('screens.capture_sent');
    expect(parseScreensMessage({ type: 'screens.refused', user_id: 1, device_id: 2, request_id: 'r', reason: 'idle' })?.type).toBe('screens.refused');
    expect(parseScreensMessage({ type: 'screens.ended', user_id: 1, reason: 'gone' })?.type).toBe('screens.ended');
    expect(parseScreensMessage({ type: 'error', error: { code: 'rate_limited', message: 'slow down' } })).toEqual({
      type: 'error',
      error: { code: 'rate_limited', message: 'slow down' },
    });
  });

  it('refuses malformed ones', () => {
    expect(parseScreensMessage({ type: 'screens.watching', user_ids: [0], refused: [], enabled: true })).toBeNull();
    expect(parseScreensMessage({ type: 'screens.watching', user_ids: [1], refused: [{ user_id: 2 }], enabled: true })).toBeNull();
    expect(parseScreensMessage({ type: 'screens.watching', user_ids: [1], refused: [] })).toBeNull();
    expect(parseScreensMessage({ type: 'screens.capture_sent', user_id: 1 })).toBeNull();
    expect(parseScreensMessage({ type: 'error', error: 'bad' })).toBeNull();
    expect(parseScreensMessage({ type: 'screens.other' })).toBeNull();
  });
});

describe('refusalText', () => {
  it('says why in words', () => {
    expect(refusalText('Ada', 'idle')).toBe('Not captured: Ada is idle');
    expect(refusalText('Ada', 'off_hours')).toBe('Not captured: Ada is outside work hours');
    expect(refusalText('Ada', 'new_reason')).toBe('Not captured: Ada was not captured (new_reason)');
  });
});

class CountingUrls implements ObjectUrls {
  next = 0;
  live = new Set<string>();
  revoked: string[] = [];

  create(): string {
    const url = `blob:test/${++this.next}`;
    this.live.add(url);
    return url;
  }

  revoke(url: string): void {
    this.revoked.push(url);
    this.live.delete(url);
  }
}

function setup(open = true) {
  const sent: string[] = [];
  const urls = new CountingUrls();
  const received: number[] = [];
  let isOpen = open;
  const store = new ScreensStore({
    send: (text) => {
      if (!isOpen) return false;
      sent.push(text);
      return true;
    },
    urls,
    now: () => 5_000,
    onFrame: (frame) => received.push(frame.userId),
  });
  return { store, sent, urls, received, setOpen: (value: boolean) => (isOpen = value) };
}

const watching = (ids: number[], enabled = true, refused: { user_id: number; error: { code: string; message: string } }[] = []) => ({
  type: 'screens.watching' as const,
  user_ids: ids,
  refused,
  enabled,
});

describe('ScreensStore watch set', () => {
  it('sends the union of what the views need, once per change', () => {
    const t = setup();
    const wall = Symbol('wall');
    const view = Symbol('view');
    t.store.need(wall, [3, 1, 2]);
    t.store.need(view, [2]);
    t.store.need(wall, [1, 2, 3]);
    expect(t.sent).toEqual(['{"type":"screens.watch","user_ids":[1,2,3]}']);
    t.store.release(wall);
    t.store.release(view);
    expect(t.sent.slice(1)).toEqual(['{"type":"screens.watch","user_ids":[2]}', '{"type":"screens.watch","user_ids":[]}']);
  });

  it('coalesces changes when deferred: a page closing and the next opening keep the frames', () => {
    const sent: string[] = [];
    const urls = new CountingUrls();
    const queued: (() => void)[] = [];
    const store = new ScreensStore({ send: (text) => sent.push(text) > 0, urls, defer: (run) => queued.push(run) });
    const wall = Symbol('wall');
    store.need(wall, [7, 8]);
    queued.shift()?.();
    store.handleBinary(frameBytes({ user_id: 7 }));
    store.release(wall);
    store.need(Symbol('view'), [7]);
    expect(queued).toHaveLength(1);
    queued.shift()?.();
    expect(sent).toEqual(['{"type":"screens.watch","user_ids":[7,8]}', '{"type":"screens.watch","user_ids":[7]}']);
    expect(store.snapshot.frames.size).toBe(1);
    expect(urls.revoked).toEqual([]);
  });

  it('sends again after a reconnect, and what could not be sent before', () => {
    const t = setup(false);
    t.store.need(Symbol('wall'), [4]);
    expect(t.sent).toEqual([]);
    t.setOpen(true);
    t.store.connected();
    t.store.handle(watching([4]));
    t.store.release(Symbol('unknown'));
    t.store.connected();
    expect(t.sent).toEqual(['{"type":"screens.watch","user_ids":[4]}', '{"type":"screens.watch","user_ids":[4]}']);
    expect(t.store.snapshot.watching.size).toBe(0);
  });

  it('sends nothing on connect while no view needs anyone', () => {
    const t = setup();
    t.store.connected();
    expect(t.sent).toEqual([]);
  });

  it('records accepted, refused, and whether screenshots are on', () => {
    const t = setup();
    t.store.need(Symbol('wall'), [1, 2]);
    t.store.handle(watching([1], false, [{ user_id: 2, error: { code: 'permission_denied', message: 'only owners, admins and the person\'s managers may see their screen' } }]));
    const state = t.store.snapshot;
    expect([...state.watching]).toEqual([1]);
    expect(state.refused.get(2)?.code).toBe('permission_denied');
    expect(state.enabled).toBe(false);
  });

  it('caps the watch set at 200 people', () => {
    const t = setup();
    t.store.need(Symbol('wall'), Array.from({ length: 250 }, (_, i) => i + 1));
    const sent = JSON.parse(t.sent[0] ?? '{}') as { user_ids: number[] };
    expect(sent.user_ids).toHaveLength(200);
  });

  it('marks ended viewings and forgets them when watched again', () => {
    const t = setup();
    t.store.need(Symbol('view'), [5]);
    t.store.handle(watching([5]));
    t.store.handle({ type: 'screens.ended', user_id: 5, reason: 'you no longer manage this person' });
    expect(t.store.snapshot.watching.has(5)).toBe(false);
    expect(t.store.snapshot.ended.get(5)).toBe('you no longer manage this person');
    t.store.handle(watching([5]));
    expect(t.store.snapshot.ended.has(5)).toBe(false);
  });
});

describe('ScreensStore frames', () => {
  it('keeps the latest frame per monitor and revokes the replaced URL', () => {
    const t = setup();
    t.store.need(Symbol('view'), [7]);
    t.store.handleBinary(frameBytes({ monitor: 0, taken_at: 1_000 }));
    t.store.handleBinary(frameBytes({ monitor: 1, taken_at: 1_000 }));
    const first = t.store.snapshot.frames.get('7:3:0')?.url;
    t.store.handleBinary(frameBytes({ monitor: 0, taken_at: 2_000 }));
    expect(t.urls.revoked).toEqual([first]);
    expect(framesOf(t.store.snapshot, 7).map((frame) => [frame.monitor, frame.takenAt])).toEqual([[0, 2_000], [1, 1_000]]);
    expect(latestFrameOf(t.store.snapshot, 7)?.takenAt).toBe(2_000);
    expect(t.urls.live.size).toBe(2);
    expect(t.received).toEqual([7, 7, 7]);
  });

  it('ignores a late older frame, frames of people not watched, and counts bad ones', () => {
    const t = setup();
    t.store.need(Symbol('view'), [7]);
    t.store.handleBinary(frameBytes({ taken_at: 2_000 }));
    t.store.handleBinary(frameBytes({ taken_at: 1_000 }));
    t.store.handleBinary(frameBytes({ user_id: 8 }));
    t.store.handleBinary(new Uint8Array([1, 2, 3, 4, 5, 6, 7]).buffer);
    expect(t.store.snapshot.frames.size).toBe(1);
    expect(t.store.snapshot.frames.get('7:3:0')?.takenAt).toBe(2_000);
    expect(t.urls.next).toBe(1);
    expect(t.store.snapshot.badFrames).toBe(1);
    expect(t.store.snapshot.badFrameError).toBe('screen frame: bad magic (expected WTV1)');
  });

  it('drops the frames of a person whose viewing ended, and takes none of theirs until watched again', () => {
    const t = setup();
    t.store.need(Symbol('wall'), [7, 9]);
    t.store.handle(watching([7, 9]));
    t.store.handleBinary(frameBytes({ user_id: 7, monitor: 0 }));
    t.store.handleBinary(frameBytes({ user_id: 7, monitor: 1 }));
    t.store.handleBinary(frameBytes({ user_id: 9 }));
    const kept = t.store.snapshot.frames.get('9:3:0')?.url;
    t.store.handle({ type: 'screens.ended', user_id: 7, reason: 'you no longer manage this person' });
    expect(framesOf(t.store.snapshot, 7)).toEqual([]);
    expect(t.urls.revoked).toEqual(['blob:test/1', 'blob:test/2']);
    expect([...t.urls.live]).toEqual([kept]);
    expect(t.store.snapshot.ended.get(7)).toBe('you no longer manage this person');
    // A frame already on its way: neither shown nor passed on (to the gallery).
    t.store.handleBinary(frameBytes({ user_id: 7, taken_at: 9_000 }));
    expect(framesOf(t.store.snapshot, 7)).toEqual([]);
    expect(t.urls.next).toBe(3);
    expect(t.received).toEqual([7, 7, 9]);
    // Accepted again: frames come back.
    t.store.handle(watching([7, 9]));
    t.store.handleBinary(frameBytes({ user_id: 7, taken_at: 10_000 }));
    expect(framesOf(t.store.snapshot, 7).map((frame) => frame.takenAt)).toEqual([10_000]);
    expect(t.received).toEqual([7, 7, 9, 7]);
  });

  it('revokes the URLs of people no longer needed, and all on dispose', () => {
    const t = setup();
    const view = Symbol('view');
    t.store.need(view, [7, 9]);
    t.store.handleBinary(frameBytes({ user_id: 7 }));
    t.store.handleBinary(frameBytes({ user_id: 9 }));
    t.store.need(view, [9]);
    expect(t.urls.live.size).toBe(1);
    expect(framesOf(t.store.snapshot, 7)).toEqual([]);
    t.store.dispose();
    expect(t.urls.live.size).toBe(0);
    expect(t.store.snapshot.frames.size).toBe(0);
  });
});

describe('ScreensStore capture', () => {
  it('sends screens.capture and records the reply', () => {
    const t = setup();
    t.store.need(Symbol('view'), [7]);
    expect(t.store.capture(7)).toBe(true);
    expect(t.sent.at(-1)).toBe('{"type":"screens.capture","user_id":7}');
    expect(t.store.snapshot.captures.get(7)).toEqual({ state: 'sending' });
    t.store.handle(watching([7]));
    t.store.handle({ type: 'screens.capture_sent', user_id: 7, request_id: 'req_0123456789abcdef', devices: 2 });
    expect(t.store.snapshot.captures.get(7)).toEqual({ state: 'sent', requestId: 'req_0123456789abcdef', devices: 2 });
  });

  it('matches error replies to the request that caused them, in order', () => {
    const t = setup();
    t.store.need(Symbol('wall'), [7, 8]);
    t.store.handle(watching([7, 8]));
    t.store.capture(7);
    t.store.capture(8);
    t.store.handle({ type: 'error', error: { code: 'rate_limited', message: 'at most one capture per 2 s' } });
    t.store.handle({ type: 'error', error: { code: 'unavailable', message: 'no device of this person is online' } });
    expect(t.store.snapshot.captures.get(7)).toEqual({ state: 'failed', code: 'rate_limited', message: 'at most one capture per 2 s' });
    expect(t.store.snapshot.captures.get(8)).toEqual({ state: 'failed', code: 'unavailable', message: 'no device of this person is online' });
    expect(t.store.snapshot.error).toBe('');
  });

  it('shows an error of a rejected watch and sends the set again on the next change', () => {
    const t = setup();
    const view = Symbol('view');
    t.store.need(view, [7]);
    t.store.handle({ type: 'error', error: { code: 'invalid_argument', message: 'user_ids: must be distinct' } });
    expect(t.store.snapshot.error).toBe('user_ids: must be distinct');
    t.store.need(view, [7]);
    expect(t.sent).toHaveLength(2);
  });

  it('fails at once when the channel is closed', () => {
    const t = setup(false);
    expect(t.store.capture(7)).toBe(false);
    expect(t.store.snapshot.captures.get(7)?.state).toBe('failed');
  });

  it('keeps a refusal until a frame of the person arrives', () => {
    const t = setup();
    t.store.need(Symbol('view'), [7]);
    t.store.handle({ type: 'screens.refused', user_id: 7, device_id: 3, request_id: 'r1', reason: 'idle' });
    expect(t.store.snapshot.refusals.get(7)).toEqual({ deviceId: 3, requestId: 'r1', reason: 'idle', at: 5_000 });
    t.store.handleBinary(frameBytes());
    expect(t.store.snapshot.refusals.has(7)).toBe(false);
  });

  it('notifies subscribers of each change', () => {
    const t = setup();
    const seen: number[] = [];
    const stop = t.store.subscribe((state) => seen.push(state.frames.size));
    t.store.need(Symbol('view'), [7]);
    t.store.handleBinary(frameBytes());
    stop();
    expect(seen.at(-1)).toBe(1);
  });
});
