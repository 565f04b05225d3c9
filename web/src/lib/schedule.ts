// The organization's tracking policy as an editable form and back (PUT /api/v1/org/tracking):
// idle threshold in minutes, the start notification, and the work schedule as per-weekday
// "HH:MM"-"HH:MM" intervals. The checks mirror the server's; its message wins and is shown next
// to the field it names.
import type { DayKey, TrackingPatch, TrackingPolicy, WorkScheduleJson } from './types';
import { isKnownZone } from './zone_time';

export const kDayKeys: readonly DayKey[] = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

export const kDayNames: Record<DayKey, string> = {
  mon: 'Monday',
  tue: 'Tuesday',
  wed: 'Wednesday',
  thu: 'Thursday',
  fri: 'Friday',
  sat: 'Saturday',
  sun: 'Sunday',
};

export const kMaxIntervalsPerDay = 8;
export const kIdleMinutesMin = 1;
export const kIdleMinutesMax = 60;

export interface IntervalForm {
  from: string;
  to: string;
}

export interface TrackingForm {
  /** Minutes without input after which a person counts as idle (1..60). */
  idleMinutes: string;
  notifyOnStart: boolean;
  /** false: track at any time (schedule null). */
  scheduled: boolean;
  timeZone: string;
  days: Record<DayKey, IntervalForm[]>;
}

/**
 * Problems by field: "idle", "timeZone", "schedule" (the schedule as a whole), "days.mon" (a
 * day), "days.mon.1" (its second interval).
 */
export type Problems = Record<string, string>;

const kClockPattern = /^(\d{1,2}):(\d{2})$/;

/** Minutes of the day of "HH:MM" (00:00..24:00; "9:05" is read too), or null. */
export function parseClock(text: string): number | null {
  const match = kClockPattern.exec(text.trim());
  if (!match) return null;
  const hours = Number(match[1]);
  const minutes = Number(match[2]);
  if (minutes > 59 || hours > 24 || (hours === 24 && minutes !== 0)) return null;
  return hours * 60 + minutes;
}

/** "HH:MM" of a minute of the day (0..1440). */
export function formatClockMinutes(minutes: number): string {
  return `${String(Math.floor(minutes / 60)).padStart(2, '0')}:${String(minutes % 60).padStart(2, '0')}`;
}

function emptyDays(): Record<DayKey, IntervalForm[]> {
  return { mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: [] };
}

/** The idle threshold in minutes as the form shows it ("3"; "1.5" for a threshold of 90 s). */
function idleMinutesText(seconds: number): string {
  const minutes = seconds / 60;
  return Number.isInteger(minutes) ? String(minutes) : String(Math.round(minutes * 10) / 10);
}

/** The form for `policy`; a new schedule starts in `orgZone`. */
export function trackingForm(policy: TrackingPolicy, orgZone: string): TrackingForm {
  const days = emptyDays();
  for (const key of kDayKeys) {
    for (const [from, to] of policy.schedule?.days[key] ?? []) days[key].push({ from, to });
  }
  return {
    idleMinutes: idleMinutesText(policy.idle_threshold_s),
    notifyOnStart: policy.notify_on_start,
    scheduled: policy.schedule !== null,
    timeZone: policy.schedule?.time_zone ?? orgZone,
    days,
  };
}

/** The weekday template the editor offers when work hours are switched on: Mon-Fri 09:00-17:00. */
export function defaultWeek(): Record<DayKey, IntervalForm[]> {
  const days = emptyDays();
  for (const key of kDayKeys.slice(0, 5)) days[key] = [{ from: '09:00', to: '17:00' }];
  return days;
}

/** Checks one day's intervals; adds problems under "days.<key>[.index]"; returns them sorted as [from, to] texts. */
function checkDay(key: DayKey, intervals: readonly IntervalForm[], problems: Problems): [string, string][] {
  if (intervals.length > kMaxIntervalsPerDay) problems[`days.${key}`] = `at most ${kMaxIntervalsPerDay} intervals a day`;
  const parsed: { index: number; from: number; to: number }[] = [];
  intervals.forEach((interval, index) => {
    const from = parseClock(interval.from);
    const to = parseClock(interval.to);
    const field = `days.${key}.${index}`;
    if (from === null || to === null) problems[field] = 'times must be HH:MM, 00:00 to 24:00';
    else if (from >= to) problems[field] = 'must end after it starts';
    else parsed.push({ index, from, to });
  });
  parsed.sort((a, b) => a.from - b.from || a.to - b.to);
  for (let position = 1; position < parsed.length; position += 1) {
    const previous = parsed[position - 1];
    const current = parsed[position];
    if (previous && current && current.from < previous.to) {
      problems[`days.${key}.${Math.max(previous.index, current.index)}`] = 'overlaps another interval of the day';
    }
  }
  return parsed.map(({ from, to }) => [formatClockMinutes(from), formatClockMinutes(to)]);
}

/** The schedule of the form (null when not scheduled) and the problems found; empty days are left out. */
export function scheduleFromForm(form: TrackingForm): { schedule: WorkScheduleJson | null; problems: Problems } {
  const problems: Problems = {};
  if (!form.scheduled) return { schedule: null, problems };
  const timeZone = form.timeZone.trim();
  if (!isKnownZone(timeZone) || timeZone === '') problems.timeZone = 'must be an IANA time zone such as Europe/Berlin';
  const days: WorkScheduleJson['days'] = {};
  for (const key of kDayKeys) {
    const intervals = checkDay(key, form.days[key], problems);
    if (intervals.length > 0) days[key] = intervals;
  }
  return { schedule: { time_zone: timeZone, days }, problems };
}

/**
 * The PUT body with what differs from `current`, or the problems that stop it. An idle threshold
 * the form shows unchanged is not sent (so 90 s set elsewhere survives a save of the schedule).
 */
export function trackingPatch(form: TrackingForm, current: TrackingPolicy): { patch: TrackingPatch; problems: Problems } {
  const { schedule, problems } = scheduleFromForm(form);
  const patch: TrackingPatch = {};
  if (form.idleMinutes.trim() !== idleMinutesText(current.idle_threshold_s)) {
    const text = form.idleMinutes.trim();
    const minutes = /^\d{1,2}$/.test(text) ? Number(text) : Number.NaN;
    if (!(minutes >= kIdleMinutesMin && minutes <= kIdleMinutesMax)) {
      problems.idle = `must be a whole number of minutes, ${kIdleMinutesMin} to ${kIdleMinutesMax}`;
    } else {
      patch.idle_threshold_s = minutes * 60;
    }
  }
  if (form.notifyOnStart !== current.notify_on_start) patch.notify_on_start = form.notifyOnStart;
  const before = scheduleFromForm(trackingForm(current, current.schedule?.time_zone ?? '')).schedule;
  if (JSON.stringify(schedule) !== JSON.stringify(before)) patch.schedule = schedule;
  return { patch, problems };
}

/**
 * Splits a server message ("$.schedule.days.mon[1]: overlaps ...") into the form field it names
 * and the rest; `field` is null when the message names no field of this form.
 */
export function serverProblem(message: string): { field: string | null; text: string } {
  const match = /^\$?\.?([A-Za-z_][\w.[\]]*): (.+)$/s.exec(message);
  if (!match) return { field: null, text: message };
  const path = match[1] ?? '';
  const text = match[2] ?? message;
  if (path === 'idle_threshold_s') return { field: 'idle', text };
  if (path === 'notify_on_start') return { field: 'notify', text };
  if (path === 'schedule.time_zone') return { field: 'timeZone', text };
  const day = /^schedule\.days\.(mon|tue|wed|thu|fri|sat|sun)(?:\[(\d+)\])?/.exec(path);
  if (day) return { field: day[2] === undefined ? `days.${day[1]}` : `days.${day[1]}.${day[2]}`, text };
  if (path.startsWith('schedule')) return { field: 'schedule', text };
  return { field: null, text: message };
}

/**
 * The interval "Add interval" appends: an hour after the day's last one ends (up to 24:00), or
 * 09:00-17:00 for an empty day or one whose last interval cannot be read.
 */
export function nextInterval(intervals: readonly IntervalForm[]): IntervalForm {
  const end = intervals.length > 0 ? parseClock(intervals.at(-1)?.to ?? '') : null;
  if (end === null || end >= 1440) return { from: '09:00', to: '17:00' };
  return { from: formatClockMinutes(end), to: formatClockMinutes(Math.min(end + 60, 1440)) };
}
