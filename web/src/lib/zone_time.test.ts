import { describe, expect, it } from 'vitest';
import {
  addDays,
  dateInZone,
  dayBounds,
  formatClock,
  formatLongDate,
  hourMarks,
  isKnownZone,
  parseDate,
  weekdayOf,
  zoneOffsetMs,
  zonedToEpoch,
} from './zone_time';

const kHourMs = 3_600_000;
const utc = (text: string) => Date.parse(text);

describe('dayBounds', () => {
  it('cuts an ordinary Berlin day at local midnight (CET, +01:00)', () => {
    expect(dayBounds('2026-01-15', 'Europe/Berlin')).toEqual({
      from: utc('2026-01-14T23:00:00Z'),
      to: utc('2026-01-15T23:00:00Z'),
    });
  });

  it('gives the spring-forward day of 2026 in Berlin 23 hours', () => {
    const { from, to } = dayBounds('2026-03-29', 'Europe/Berlin');
    expect(from).toBe(utc('2026-03-28T23:00:00Z'));
    expect(to).toBe(utc('2026-03-29T22:00:00Z'));
    expect(to - from).toBe(23 * kHourMs);
  });

  it('gives the fall-back day of 2026 in Berlin 25 hours', () => {
    const { from, to } = dayBounds('2026-10-25', 'Europe/Berlin');
    expect(from).toBe(utc('2026-10-24T22:00:00Z'));
    expect(to).toBe(utc('2026-10-25T23:00:00Z'));
    expect(to - from).toBe(25 * kHourMs);
  });

  it('handles the quarter-hour offset of Kathmandu (+05:45)', () => {
    const { from, to } = dayBounds('2026-03-29', 'Asia/Kathmandu');
    expect(from).toBe(utc('2026-03-28T18:15:00Z'));
    expect(to - from).toBe(24 * kHourMs);
    expect(zoneOffsetMs(from, 'Asia/Kathmandu')).toBe(5 * kHourMs + 45 * 60_000);
  });

  it('starts a day whose midnight does not exist at the jump (Santiago, September 2026)', () => {
    // Chile moves from -04:00 to -03:00 at 00:00 on the first Sunday of September.
    const { from, to } = dayBounds('2026-09-06', 'America/Santiago');
    expect(from).toBe(utc('2026-09-06T04:00:00Z'));
    expect(formatClock(from, 'America/Santiago')).toBe('01:00');
    expect(to - from).toBe(23 * kHourMs);
  });

  it('is UTC days in UTC', () => {
    expect(dayBounds('2026-02-28', 'UTC')).toEqual({ from: utc('2026-02-28T00:00:00Z'), to: utc('2026-03-01T00:00:00Z') });
  });
});

describe('zonedToEpoch', () => {
  it('takes the earlier instant of a wall time that happens twice', () => {
    // 02:30 on 25 October 2026 in Berlin: first in CEST (00:30Z), then in CET (01:30Z).
    expect(zonedToEpoch('2026-10-25', 150, 'Europe/Berlin')).toBe(utc('2026-10-25T00:30:00Z'));
  });

  it('takes the jump for a wall time that never happens', () => {
    // 02:30 on 29 March 2026 in Berlin: the clocks go from 02:00 straight to 03:00 (01:00Z).
    expect(zonedToEpoch('2026-03-29', 150, 'Europe/Berlin')).toBe(utc('2026-03-29T01:00:00Z'));
  });

  it('refuses a malformed date', () => {
    expect(() => zonedToEpoch('2026-13-01', 0, 'UTC')).toThrow(RangeError);
  });
});

describe('dates', () => {
  it('reads only real YYYY-MM-DD dates', () => {
    expect(parseDate('2026-02-28')).toEqual({ year: 2026, month: 2, day: 28 });
    expect(parseDate('2026-02-29')).toBeNull();
    expect(parseDate('2026-2-1')).toBeNull();
    expect(parseDate('')).toBeNull();
  });

  it('moves across months and years', () => {
    expect(addDays('2026-12-31', 1)).toBe('2027-01-01');
    expect(addDays('2026-03-01', -1)).toBe('2026-02-28');
    expect(addDays('2026-03-29', 1)).toBe('2026-03-30');
  });

  it('finds the day of an instant in the zone', () => {
    const at = utc('2026-03-28T18:20:00Z');
    expect(dateInZone(at, 'Asia/Kathmandu')).toBe('2026-03-29');
    expect(dateInZone(at, 'America/New_York')).toBe('2026-03-28');
    expect(formatClock(at, 'Asia/Kathmandu')).toBe('00:05');
  });

  it('knows the weekday and writes a long date', () => {
    expect(weekdayOf('2026-03-29')).toBe(6);
    expect(weekdayOf('2026-03-30')).toBe(0);
    expect(formatLongDate('2026-03-29')).toMatch(/^Sunday,? 29 March 2026$/);
  });

  it('tells known zones from unknown ones', () => {
    expect(isKnownZone('Asia/Kathmandu')).toBe(true);
    expect(isKnownZone('Mars/Olympus')).toBe(false);
  });
});

describe('hourMarks', () => {
  it('places the wall-clock hours of a short day', () => {
    const marks = hourMarks('2026-03-29', 'Europe/Berlin', 6);
    expect(marks.map((mark) => mark.label)).toEqual(['00:00', '06:00', '12:00', '18:00', '24:00']);
    expect(marks[1]?.at).toBe(utc('2026-03-29T04:00:00Z'));
    expect(marks.at(-1)?.at).toBe(utc('2026-03-29T22:00:00Z'));
  });
});
