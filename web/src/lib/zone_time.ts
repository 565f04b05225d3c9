// Calendar days and wall-clock times in an IANA time zone (the organization's), with Intl only.
// Days are "YYYY-MM-DD" strings; instants are epoch milliseconds.

export interface ZonedParts {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const kMinuteMs = 60_000;
const kDayMs = 86_400_000;
const kDatePattern = /^(\d{4})-(\d{2})-(\d{2})$/;

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** Whether Intl knows `zone` (an IANA name such as "Europe/Berlin"). */
export function isKnownZone(zone: string): boolean {
  try {
    formatterFor(zone);
    return true;
  } catch {
    return false;
  }
}

/** The wall-clock date and time at `epochMs` in `zone`. Throws RangeError for an unknown zone. */
export function zonedParts(epochMs: number, zone: string): ZonedParts {
  const parts: Record<string, number> = {};
  for (const part of formatterFor(zone).formatToParts(new Date(epochMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value);
  }
  return {
    year: parts.year ?? 0,
    month: parts.month ?? 1,
    day: parts.day ?? 1,
    hour: parts.hour ?? 0,
    minute: parts.minute ?? 0,
    second: parts.second ?? 0,
  };
}

/** How far `zone`'s wall clock is ahead of UTC at `epochMs` (ms; +05:45 -> 20,700,000). */
export function zoneOffsetMs(epochMs: number, zone: string): number {
  const p = zonedParts(epochMs, zone);
  const wall = Date.UTC(p.year, p.month - 1, p.day, p.hour, p.minute, p.second);
  return wall - Math.floor(epochMs / 1000) * 1000;
}

/** The year, month and day of a "YYYY-MM-DD" string, or null when it is not a real date. */
export function parseDate(text: string): { year: number; month: number; day: number } | null {
  const match = kDatePattern.exec(text);
  if (!match) return null;
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return null;
  return { year, month, day };
}

const pad = (value: number, width = 2): string => String(value).padStart(width, '0');

function formatDate(year: number, month: number, day: number): string {
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}`;
}

/** `date` moved by `days` calendar days. Throws for a malformed date. */
export function addDays(date: string, days: number): string {
  const parsed = parseDate(date);
  if (!parsed) throw new RangeError(`not a date: ${date}`);
  const moved = new Date(Date.UTC(parsed.year, parsed.month - 1, parsed.day) + days * kDayMs);
  return formatDate(moved.getUTCFullYear(), moved.getUTCMonth() + 1, moved.getUTCDate());
}

/** The calendar day in `zone` that contains `epochMs`. */
export function dateInZone(epochMs: number, zone: string): string {
  const p = zonedParts(epochMs, zone);
  return formatDate(p.year, p.month, p.day);
}

/**
 * The first instant at which `zone`'s wall clock shows `date` at `minuteOfDay` (0..1440). A wall
 * time that happens twice (clocks turned back) gives the earlier instant; one that never happens
 * (clocks turned forward over it) gives the instant the clocks jumped, the first one after it.
 */
export function zonedToEpoch(date: string, minuteOfDay: number, zone: string): number {
  const parsed = parseDate(date);
  if (!parsed) throw new RangeError(`not a date: ${date}`);
  const wall = Date.UTC(parsed.year, parsed.month - 1, parsed.day) + minuteOfDay * kMinuteMs;
  // The offsets in force around that wall time; a transition lies between them if they differ.
  const offsets = [...new Set([-kDayMs, 0, kDayMs].map((shift) => zoneOffsetMs(wall + shift, zone)))];
  const valid = offsets.map((offset) => wall - offset).filter((at) => zoneOffsetMs(at, zone) === wall - at);
  if (valid.length > 0) return Math.min(...valid);
  // A gap: the clocks jumped over `wall`. Find the jump between the two candidate instants.
  const candidates = offsets.map((offset) => wall - offset);
  let low = Math.min(...candidates);
  let high = Math.max(...candidates);
  const before = zoneOffsetMs(low, zone);
  while (high - low > 1) {
    const middle = Math.floor((low + high) / 2);
    if (zoneOffsetMs(middle, zone) === before) low = middle;
    else high = middle;
  }
  return high;
}

/** The day `date` in `zone` as [from, to) epoch ms: 23 or 25 hours long on DST days. */
export function dayBounds(date: string, zone: string): { from: number; to: number } {
  return { from: zonedToEpoch(date, 0, zone), to: zonedToEpoch(addDays(date, 1), 0, zone) };
}

/** "HH:MM" on `zone`'s wall clock at `epochMs`. */
export function formatClock(epochMs: number, zone: string): string {
  const p = zonedParts(epochMs, zone);
  return `${pad(p.hour)}:${pad(p.minute)}`;
}

/** The wall-clock hour marks of `date` every `stepHours` hours, 00:00 to 24:00, as instants. */
export function hourMarks(date: string, zone: string, stepHours = 3): { label: string; at: number }[] {
  const marks: { label: string; at: number }[] = [];
  for (let hour = 0; hour <= 24; hour += stepHours) {
    marks.push({ label: `${pad(hour)}:00`, at: zonedToEpoch(date, hour * 60, zone) });
  }
  return marks;
}

/** The day of the week of `date`: 0 = Monday .. 6 = Sunday. */
export function weekdayOf(date: string): number {
  const parsed = parseDate(date);
  if (!parsed) throw new RangeError(`not a date: ${date}`);
  return (new Date(Date.UTC(parsed.year, parsed.month - 1, parsed.day)).getUTCDay() + 6) % 7;
}

/** "Sunday 29 March 2026" (punctuation as the locale data has it) for `date` (a calendar day: no zone involved). */
export function formatLongDate(date: string): string {
  const parsed = parseDate(date);
  if (!parsed) return date;
  return new Date(Date.UTC(parsed.year, parsed.month - 1, parsed.day)).toLocaleDateString('en-GB', {
    timeZone: 'UTC',
    weekday: 'long',
    day: 'numeric',
    month: 'long',
    year: 'numeric',
  });
}
