import type { Device } from './types';

const kSecond = 1000;
const kMinute = 60 * kSecond;
const kHour = 60 * kMinute;
const kDay = 24 * kHour;
const kGiB = 1024 ** 3;

const relative = new Intl.RelativeTimeFormat('en', { numeric: 'auto' });

/** "just now", "5 minutes ago", "yesterday", ... for `thenMs` seen from `nowMs`. */
export function formatRelativeTime(thenMs: number, nowMs: number): string {
  if (!Number.isFinite(thenMs) || thenMs <= 0) return 'never';
  const ageMs = nowMs - thenMs;
  // Clocks of browser and server differ a little; a time slightly ahead is "now".
  if (ageMs < 45 * kSecond) return 'just now';
  if (ageMs < kHour) return relative.format(-Math.round(ageMs / kMinute), 'minute');
  if (ageMs < kDay) return relative.format(-Math.round(ageMs / kHour), 'hour');
  if (ageMs < 30 * kDay) return relative.format(-Math.round(ageMs / kDay), 'day');
  if (ageMs < 365 * kDay) return relative.format(-Math.round(ageMs / (30 * kDay)), 'month');
  return relative.format(-Math.round(ageMs / (365 * kDay)), 'year');
}

/** An absolute local date and time for tooltips. */
export function formatDateTime(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '';
  return new Date(ms).toLocaleString('en', { dateStyle: 'medium', timeStyle: 'short' });
}

/** Memory in GiB with one decimal below 10 GiB ("7.7 GiB", "31 GiB"); "—" when unknown. */
export function formatMemory(bytes: number | undefined): string {
  if (bytes === undefined || !Number.isFinite(bytes) || bytes <= 0) return '—';
  const gib = bytes / kGiB;
  const text = gib < 10 ? gib.toFixed(1) : Math.round(gib).toString();
  return `${text} GiB`;
}

/** "Intel(R) Core(TM) i5 · 8 cores"; the parts that are known. */
export function formatCpu(model: string | undefined, cores: number | undefined): string {
  const parts: string[] = [];
  if (model) parts.push(model);
  if (cores && cores > 0) parts.push(cores === 1 ? '1 core' : `${cores} cores`);
  return parts.length > 0 ? parts.join(' · ') : '—';
}

/** The OS line: PRETTY_NAME, else "id version", plus the architecture. */
export function formatOs(device: Pick<Device, 'os_name' | 'os_id' | 'os_version' | 'arch'>): string {
  const name = device.os_name || [device.os_id, device.os_version].filter(Boolean).join(' ');
  const parts = [name, device.arch].filter((part): part is string => Boolean(part));
  return parts.length > 0 ? parts.join(' · ') : '—';
}

/**
 * The agent command that enrolls a machine with `token` against the server at `origin`. With the
 * server's TLS key pin (GET /api/v1/server/tls), the agent trusts that key and needs no CA.
 */
export function enrollCommand(origin: string, token: string, pinSha256: string | null = null): string {
  const pin = pinSha256 ? ` --pin-sha256 ${pinSha256}` : '';
  return `worktrace-agent enroll --server ${origin} --token ${token}${pin}`;
}

/**
 * A duration for people: "45 s" under a minute, "12 min" under an hour, else "2 h 5 min" (whole
 * minutes, rounded down; "2 h" on the hour). Negative or unknown durations are "0 s".
 */
export function formatDuration(ms: number): string {
  if (!Number.isFinite(ms) || ms <= 0) return '0 s';
  if (ms < kMinute) return `${Math.floor(ms / kSecond)} s`;
  const minutes = Math.floor(ms / kMinute);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  const rest = minutes % 60;
  return rest === 0 ? `${hours} h` : `${hours} h ${rest} min`;
}

/** How long a state has lasted: "for 12 min"; "for less than a minute" at first; "" when unknown. */
export function formatSince(sinceMs: number | null, nowMs: number): string {
  if (sinceMs === null || !Number.isFinite(sinceMs) || sinceMs <= 0) return '';
  const ageMs = nowMs - sinceMs;
  return ageMs < kMinute ? 'for less than a minute' : `for ${formatDuration(ageMs)}`;
}

/** A count with thousands separators ("12,345"). */
export function formatCount(value: number): string {
  return Number.isFinite(value) ? Math.round(value).toLocaleString('en') : '—';
}
