import { kActivityStatuses } from './activity';
import { parseScreensMessage } from './screens_wire';
import type { ActivityStateMessage, ActivityStatus, Device, ServerMessage } from './types';

const kMaxMessageBytes = 64 * 1024;

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isDevice(value: unknown): value is Device {
  return (
    isObject(value) &&
    Number.isInteger(value.id) &&
    typeof value.hostname === 'string' &&
    typeof value.online === 'boolean'
  );
}

const optionalInteger = (value: unknown): value is number | null | undefined =>
  value === undefined || value === null || Number.isInteger(value);

/** An `activity.state` message with its optional fields filled in ('' and null), or null. */
function parseActivityState(value: Record<string, unknown>): ActivityStateMessage | null {
  if (!Number.isInteger(value.user_id) || typeof value.status !== 'string') return null;
  if (!(kActivityStatuses as readonly string[]).includes(value.status)) return null;
  if (!optionalInteger(value.device_id) || !optionalInteger(value.since)) return null;
  if ((value.app !== undefined && typeof value.app !== 'string') || (value.title !== undefined && typeof value.title !== 'string')) {
    return null;
  }
  return {
    type: 'activity.state',
    user_id: value.user_id as number,
    device_id: (value.device_id as number | null | undefined) ?? null,
    status: value.status as ActivityStatus,
    app: (value.app as string | undefined) ?? '',
    title: (value.title as string | undefined) ?? '',
    since: (value.since as number | null | undefined) ?? null,
  };
}

/**
 * Parses one text frame from /ws/dashboard. Returns null for anything that is not a message
 * this dashboard understands (too large, not JSON, unknown type, missing fields), so a newer
 * server can add message types without breaking an open page.
 */
export function parseServerMessage(text: string): ServerMessage | null {
  if (text.length > kMaxMessageBytes) return null;
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return null;
  }
  if (!isObject(value)) return null;
  switch (value.type) {
    case 'hello':
      return typeof value.server_version === 'string' && isObject(value.user)
        ? (value as ServerMessage)
        : null;
    case 'device.online':
    case 'device.updated':
      return isDevice(value.device) ? (value as ServerMessage) : null;
    case 'device.offline':
      return Number.isInteger(value.device_id) && typeof value.last_seen_at === 'number'
        ? (value as ServerMessage)
        : null;
    case 'activity.state':
      return parseActivityState(value);
    case 'pong':
      return { type: 'pong' };
    default:
      return parseScreensMessage(value);
  }
}

/** Online devices first, then by name (case-insensitive), then by id. */
export function compareDevices(a: Device, b: Device): number {
  if (a.online !== b.online) return a.online ? -1 : 1;
  const byName = displayName(a).localeCompare(displayName(b), 'en', { sensitivity: 'base' });
  return byName !== 0 ? byName : a.id - b.id;
}

export function displayName(device: Pick<Device, 'name' | 'hostname'>): string {
  return device.name || device.hostname;
}

export function sortDevices(devices: readonly Device[]): Device[] {
  return [...devices].sort(compareDevices);
}

/** The device list after `message`; the input is not modified. Messages not about devices leave it as is. */
export function applyMessage(devices: readonly Device[], message: ServerMessage): Device[] {
  switch (message.type) {
    case 'device.online':
    case 'device.updated': {
      const others = devices.filter((device) => device.id !== message.device.id);
      return sortDevices([...others, message.device]);
    }
    case 'device.offline': {
      if (!devices.some((device) => device.id === message.device_id)) return [...devices];
      return sortDevices(
        devices.map((device) =>
          device.id === message.device_id
            ? { ...device, online: false, last_seen_at: message.last_seen_at }
            : device,
        ),
      );
    }
    default:
      return [...devices];
  }
}

export function applyMessages(devices: readonly Device[], messages: readonly ServerMessage[]): Device[] {
  return messages.reduce<Device[]>((list, message) => applyMessage(list, message), [...devices]);
}
