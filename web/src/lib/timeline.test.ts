import { describe, expect, it } from 'vitest';
import { appColor } from './app_colors';
import { barWidths, hourlyInput, kPrivateColor, kSlotMs, layoutSpans, slotSeries, spanLabel } from './timeline';
import type { ActivitySlot, InputMinute, TimelineSpan } from './types';
import { dayBounds } from './zone_time';

const kHourMs = 3_600_000;
const utc = (text: string) => Date.parse(text);

function span(start: number, end: number, overrides: Partial<TimelineSpan> = {}): TimelineSpan {
  return { start, end, app: 'xterm', exe: '/usr/bin/xterm', title: 'build - make', idle: false, ...overrides };
}

function slot(start: number, activity_pct: number): ActivitySlot {
  return { slot: start, active_ms: activity_pct * 6000, idle_ms: 0, keys: 0, clicks: 0, scrolls: 0, distance_px: 0, activity_pct };
}

describe('layoutSpans', () => {
  const day = dayBounds('2026-01-15', 'Europe/Berlin');

  it('places spans as percentages of the day and leaves gaps', () => {
    const boxes = layoutSpans(
      [span(day.from + 12 * kHourMs, day.from + 18 * kHourMs, { app: 'firefox' }), span(day.from + 6 * kHourMs, day.from + 9 * kHourMs)],
      day.from,
      day.to,
    );
    expect(boxes.map((box) => [box.span.app, box.left, box.width])).toEqual([
      ['xterm', 25, 12.5],
      ['firefox', 50, 25],
    ]);
    expect(boxes[1]?.color).toBe(appColor('firefox'));
  });

  it('clips spans to the day and drops those outside or empty', () => {
    const boxes = layoutSpans(
      [
        span(day.from - kHourMs, day.from + kHourMs),
        span(day.to - kHourMs, day.to + kHourMs),
        span(day.to, day.to + kHourMs),
        span(day.from + 2 * kHourMs, day.from + 2 * kHourMs),
      ],
      day.from,
      day.to,
    );
    expect(boxes.map((box) => [box.start - day.from, box.end - day.from])).toEqual([
      [0, kHourMs],
      [23 * kHourMs, 24 * kHourMs],
    ]);
    expect(boxes[0]?.left).toBe(0);
    expect((boxes[1]?.left ?? 0) + (boxes[1]?.width ?? 0)).toBeCloseTo(100, 10);
  });

  it('uses the real length of a 23-hour day', () => {
    const short = dayBounds('2026-03-29', 'Europe/Berlin');
    const [box] = layoutSpans([span(short.from, short.from + 23 * kHourMs)], short.from, short.to);
    expect(box?.width).toBeCloseTo(100, 10);
  });

  it('lays out nothing for an empty range', () => {
    expect(layoutSpans([span(0, 10)], 10, 10)).toEqual([]);
  });
});

describe('layoutSpans of private spans', () => {
  it('gives them the private color, whatever their (empty) app', () => {
    const day = dayBounds('2026-01-15', 'UTC');
    const boxes = layoutSpans([span(day.from, day.from + kHourMs, { app: '', private: true })], day.from, day.to);
    expect(boxes[0]?.color).toBe(kPrivateColor);
  });
});

describe('spanLabel', () => {
  it('names the app, title, wall-clock times and duration', () => {
    const start = utc('2026-01-15T08:00:00Z');
    const text = spanLabel({ span: span(start, start + 12 * 60_000), start, end: start + 12 * 60_000 }, 'Europe/Berlin');
    expect(text).toBe('xterm — build - make, 09:00–09:12 (12 min)');
  });

  it('marks idle spans and unnamed apps', () => {
    const start = utc('2026-01-15T08:00:00Z');
    const text = spanLabel({ span: span(start, start + 30_000, { app: '', title: '', idle: true }), start, end: start + 30_000 }, 'UTC');
    expect(text).toBe('Unknown application (idle), 08:00–08:00 (30 s)');
  });

  it('adds a browser span\'s domain and says only "Private" for a private span', () => {
    const start = utc('2026-01-15T08:00:00Z');
    const end = start + 60_000;
    const web = span(start, end, { app: 'firefox', title: 'Docs', url: 'https://example.com/docs', domain: 'example.com' });
    expect(spanLabel({ span: web, start, end }, 'UTC')).toBe('firefox — Docs (example.com), 08:00–08:01 (1 min)');
    const hidden = span(start, end, { app: '', exe: '', title: '', private: true });
    expect(spanLabel({ span: hidden, start, end }, 'UTC')).toBe('Private, 08:00–08:01 (1 min)');
  });
});

describe('barWidths', () => {
  it('scales to the largest value', () => {
    expect(barWidths([50, 100, 25])).toEqual([50, 100, 25]);
    expect(barWidths([0, 0])).toEqual([0, 0]);
    expect(barWidths([])).toEqual([]);
  });
});

describe('slotSeries', () => {
  it('covers a Berlin day with 144 slots and fills in the data', () => {
    const day = dayBounds('2026-01-15', 'Europe/Berlin');
    const series = slotSeries([slot(day.from + kSlotMs, 40), slot(day.from + 5 * kSlotMs, 0), slot(day.from + 6 * kSlotMs, 150)], day.from, day.to);
    expect(series.starts).toHaveLength(144);
    expect(series.starts[0]).toBe(day.from);
    expect(series.percents.slice(0, 7)).toEqual([0, 40, 0, 0, 0, 0, 100]);
    expect(series.nonZero).toBe(2);
  });

  it('has 138 and 150 slots on the DST days of 2026', () => {
    const spring = dayBounds('2026-03-29', 'Europe/Berlin');
    const autumn = dayBounds('2026-10-25', 'Europe/Berlin');
    expect(slotSeries([], spring.from, spring.to).starts).toHaveLength(138);
    expect(slotSeries([], autumn.from, autumn.to).starts).toHaveLength(150);
  });

  it('includes the slot a Kathmandu day starts in', () => {
    const day = dayBounds('2026-01-15', 'Asia/Kathmandu');
    const series = slotSeries([slot(utc('2026-01-14T18:10:00Z'), 30)], day.from, day.to);
    expect(series.starts[0]).toBe(utc('2026-01-14T18:10:00Z'));
    expect(series.starts).toHaveLength(145);
    expect(series.percents[0]).toBe(30);
  });
});

describe('hourlyInput', () => {
  function minute(at: number, keys: number): InputMinute {
    return { minute: at, keys, clicks: 1, scrolls: 2, distance_px: 100 };
  }

  it('sums minutes per wall-clock hour of the zone', () => {
    const rows = hourlyInput(
      [minute(utc('2026-01-15T08:05:00Z'), 10), minute(utc('2026-01-15T08:59:00Z'), 5), minute(utc('2026-01-15T09:00:00Z'), 1)],
      'Europe/Berlin',
    );
    expect(rows.map((row) => [row.label, row.keys, row.clicks, row.scrolls, row.distance_px])).toEqual([
      ['09:00–10:00', 15, 2, 4, 200],
      ['10:00–11:00', 1, 1, 2, 100],
    ]);
    expect(rows[0]?.start).toBe(utc('2026-01-15T08:00:00Z'));
  });

  it('cuts Kathmandu hours at :15 UTC', () => {
    const rows = hourlyInput([minute(utc('2026-01-15T03:14:00Z'), 1), minute(utc('2026-01-15T03:15:00Z'), 2)], 'Asia/Kathmandu');
    expect(rows.map((row) => [row.label, row.keys])).toEqual([
      ['08:00–09:00', 1],
      ['09:00–10:00', 2],
    ]);
    expect(rows[1]?.start).toBe(utc('2026-01-15T03:15:00Z'));
  });

  it('keeps the repeated hour of the autumn change apart', () => {
    const rows = hourlyInput([minute(utc('2026-10-25T00:30:00Z'), 1), minute(utc('2026-10-25T01:30:00Z'), 2)], 'Europe/Berlin');
    expect(rows.map((row) => [row.label, row.keys])).toEqual([
      ['02:00–03:00', 1],
      ['02:00–03:00', 2],
    ]);
  });

  it('labels the last hour 23:00–24:00', () => {
    expect(hourlyInput([minute(utc('2026-01-15T22:30:00Z'), 1)], 'Europe/Berlin')[0]?.label).toBe('23:00–24:00');
  });
});
