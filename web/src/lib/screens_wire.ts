// The wire format of live screenshots on /ws/dashboard: binary WTV1 frames and the screens.*
// text messages (docs/api/v1.md, "Screenshots"; protocol/screen_frame.hpp on the server).
import type { ScreensMessage, WireError } from './types';

export const kViewerFrameMagic = 'WTV1';
const kPreambleBytes = 6;
const kMinHeaderBytes = 2;
export const kMaxHeaderBytes = 1024;
/** The agent's limit (4 MiB) plus room for the server's longer header. */
export const kMaxViewerFrameBytes = 4 * 1024 * 1024 + kMaxHeaderBytes;
export const kMaxMonitors = 16;
export const kMaxScreenSide = 8192;
/** The server's limit on one `screens.watch`. */
export const kMaxWatched = 200;

/** The header the server puts before each JPEG. Times are epoch milliseconds. */
export interface ViewerFrameHeader {
  user_id: number;
  device_id: number;
  monitor: number;
  width: number;
  height: number;
  taken_at: number;
  received_at: number;
  reason: 'schedule' | 'demand';
  request_id?: string;
}

export interface ViewerFrame {
  header: ViewerFrameHeader;
  /** The JPEG, a view into the message (FF D8 ... FF D9). */
  jpeg: Uint8Array<ArrayBuffer>;
}

export type FrameParse = { ok: true; frame: ViewerFrame } | { ok: false; error: string };

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const isIntIn = (value: unknown, min: number, max: number): value is number =>
  Number.isSafeInteger(value) && (value as number) >= min && (value as number) <= max;

const kRequestIdPattern = /^[A-Za-z0-9_-]{1,64}$/;

/** The header's fields checked one by one; an error names the first bad one. */
function readHeader(value: unknown): ViewerFrameHeader | string {
  if (!isObject(value)) return 'header is not a JSON object';
  const ints: [keyof ViewerFrameHeader, number, number][] = [
    ['user_id', 1, Number.MAX_SAFE_INTEGER],
    ['device_id', 1, Number.MAX_SAFE_INTEGER],
    ['monitor', 0, kMaxMonitors - 1],
    ['width', 1, kMaxScreenSide],
    ['height', 1, kMaxScreenSide],
    ['taken_at', 0, Number.MAX_SAFE_INTEGER],
    ['received_at', 0, Number.MAX_SAFE_INTEGER],
  ];
  for (const [key, min, max] of ints) {
    if (!isIntIn(value[key], min, max)) return `$.${key}: must be an integer in ${min}..${max}`;
  }
  if (value.reason !== 'schedule' && value.reason !== 'demand') return '$.reason: must be schedule or demand';
  if (value.request_id !== undefined && (typeof value.request_id !== 'string' || !kRequestIdPattern.test(value.request_id))) {
    return '$.request_id: must be 1..64 of A-Z a-z 0-9 _ -';
  }
  return value as unknown as ViewerFrameHeader;
}

/**
 * Splits one binary dashboard message: "WTV1", a big-endian u16 header length (2..1024), the
 * JSON header, then a JPEG. Never throws; the error says what was wrong ("screen frame: bad
 * magic (expected WTV1)").
 */
export function parseViewerFrame(data: ArrayBuffer): FrameParse {
  const fail = (what: string): FrameParse => ({ ok: false, error: `screen frame: ${what}` });
  if (data.byteLength > kMaxViewerFrameBytes) return fail(`larger than ${kMaxViewerFrameBytes} bytes`);
  if (data.byteLength < kPreambleBytes) return fail(`too short (${data.byteLength} bytes)`);
  const bytes = new Uint8Array(data);
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  if (magic !== kViewerFrameMagic) return fail(`bad magic (expected ${kViewerFrameMagic})`);
  const headerBytes = ((bytes[4] ?? 0) << 8) | (bytes[5] ?? 0);
  if (headerBytes < kMinHeaderBytes || headerBytes > kMaxHeaderBytes) {
    return fail(`header length ${headerBytes} not in ${kMinHeaderBytes}..${kMaxHeaderBytes}`);
  }
  if (bytes.length < kPreambleBytes + headerBytes) return fail('truncated header');
  let json: unknown;
  try {
    json = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(kPreambleBytes, kPreambleBytes + headerBytes)));
  } catch {
    return fail('header is not JSON');
  }
  const header = readHeader(json);
  if (typeof header === 'string') return fail(header);
  const jpeg = bytes.subarray(kPreambleBytes + headerBytes);
  const n = jpeg.length;
  if (n < 4 || jpeg[0] !== 0xff || jpeg[1] !== 0xd8 || jpeg[n - 2] !== 0xff || jpeg[n - 1] !== 0xd9) return fail('not a JPEG');
  return { ok: true, frame: { header, jpeg } };
}

function isWireError(value: unknown): value is WireError {
  return isObject(value) && typeof value.code === 'string' && typeof value.message === 'string';
}

const isId = (value: unknown): value is number => isIntIn(value, 1, Number.MAX_SAFE_INTEGER);

/** A screens.* or error message (already JSON-parsed), or null when it is not a valid one. */
export function parseScreensMessage(value: Record<string, unknown>): ScreensMessage | null {
  switch (value.type) {
    case 'screens.watching': {
      const ids = value.user_ids;
      const refused = value.refused ?? [];
      if (!Array.isArray(ids) || !ids.every(isId) || typeof value.enabled !== 'boolean' || !Array.isArray(refused)) return null;
      if (!refused.every((entry: unknown) => isObject(entry) && isId(entry.user_id) && isWireError(entry.error))) return null;
      return { type: 'screens.watching', user_ids: ids, refused: refused as { user_id: number; error: WireError }[], enabled: value.enabled };
    }
    case 'screens.capture_sent':
      return isId(value.user_id) && typeof value.request_id === 'string' && isIntIn(value.devices, 0, 10_000)
        ? { type: 'screens.capture_sent', user_id: value.user_id, request_id: value.request_id, devices: value.devices }
        : null;
    case 'screens.refused':
      return isId(value.user_id) && isId(value.device_id) && typeof value.request_id === 'string' && typeof value.reason === 'string'
        ? { type: 'screens.refused', user_id: value.user_id, device_id: value.device_id, request_id: value.request_id, reason: value.reason }
        : null;
    case 'screens.ended':
      return isId(value.user_id) && typeof value.reason === 'string'
        ? { type: 'screens.ended', user_id: value.user_id, reason: value.reason }
        : null;
    case 'error':
      return isWireError(value.error) ? { type: 'error', error: { code: value.error.code, message: value.error.message } } : null;
    default:
      return null;
  }
}
