// A person's day laid out for drawing: spans as percentages of the day, the 10-minute activity
// slots as chart series, input minutes summed per hour. Pure functions of the API's answers.
import { appColor } from './app_colors';
import { formatDuration } from './format';
import type { ActivitySlot, InputMinute, TimelineSpan } from './types';
import { formatClock, zonedParts } from './zone_time';

export const kSlotMs = 600_000;

/** The color of private spans (an excluded app or domain): a neutral that no app gets. */
export const kPrivateColor = '#a8a29e';

/** One span placed on the day's bar. */
export interface SpanBox {
  span: TimelineSpan;
  /** The span clipped to the day. */
  start: number;
  end: number;
  /** Offset from the day's start and length, in percent of the day (0..100). */
  left: number;
  width: number;
  color: string;
}

/**
 * The spans inside [from, to), clipped to it, in time order, as boxes on a bar that shows the
 * whole day. Spans outside the day or of no length are left out; gaps stay gaps.
 */
export function layoutSpans(spans: readonly TimelineSpan[], from: number, to: number): SpanBox[] {
  const length = to - from;
  if (!(length > 0)) return [];
  const boxes: SpanBox[] = [];
  for (const span of spans) {
    const start = Math.max(span.start, from);
    const end = Math.min(span.end, to);
    if (end <= start) continue;
    boxes.push({
      span,
      start,
      end,
      left: ((start - from) / length) * 100,
      width: ((end - start) / length) * 100,
      color: span.private ? kPrivateColor : appColor(span.app),
    });
  }
  return boxes.sort((a, b) => a.start - b.start || a.end - b.end);
}

/**
 * What a span says to a reader: "xterm — build - make, 09:00–09:12 (12 min)", idle marked, the
 * domain of a browser span added ("firefox — Docs (example.com), ..."), a private span only
 * "Private, 09:00–09:12 (12 min)".
 */
export function spanLabel(box: Pick<SpanBox, 'span' | 'start' | 'end'>, zone: string): string {
  const what = box.span.private ? 'Private' : box.span.app || 'Unknown application';
  const title = box.span.title ? ` — ${box.span.title}` : '';
  const domain = box.span.domain ? ` (${box.span.domain})` : '';
  const idle = box.span.idle ? ' (idle)' : '';
  const when = `${formatClock(box.start, zone)}–${formatClock(box.end, zone)}`;
  return `${what}${title}${domain}${idle}, ${when} (${formatDuration(box.end - box.start)})`;
}

/** Widths in percent of the largest value (for the bars of a top list); 0 when all are 0. */
export function barWidths(values: readonly number[]): number[] {
  const max = Math.max(0, ...values);
  return values.map((value) => (max > 0 ? Math.max(0, (value / max) * 100) : 0));
}

/** The day's 10-minute grid with the activity % of each slot (0 without data). */
export interface SlotSeries {
  /** Slot starts (epoch ms), every 10 minutes, covering [from, to). */
  starts: number[];
  /** Activity % (0..100) of each slot. */
  percents: number[];
  /** How many slots have an activity % above 0. */
  nonZero: number;
}

/**
 * The slots of [from, to) on the server's UTC 10-minute grid (a day of a zone whose offset is
 * not a multiple of 10 minutes, such as +05:45, starts inside a slot: that slot is included).
 */
export function slotSeries(slots: readonly ActivitySlot[], from: number, to: number): SlotSeries {
  const byStart = new Map(slots.map((slot) => [slot.slot, slot.activity_pct]));
  const starts: number[] = [];
  const percents: number[] = [];
  for (let start = Math.floor(from / kSlotMs) * kSlotMs; start < to; start += kSlotMs) {
    starts.push(start);
    const percent = byStart.get(start) ?? 0;
    percents.push(Math.min(100, Math.max(0, Number.isFinite(percent) ? percent : 0)));
  }
  return { starts, percents, nonZero: percents.filter((percent) => percent > 0).length };
}

/** Input counts summed over one wall-clock hour of the organization's zone. */
export interface InputHour {
  /** The hour's first instant. */
  start: number;
  /** "09:00–10:00" on the zone's wall clock. */
  label: string;
  keys: number;
  clicks: number;
  scrolls: number;
  distance_px: number;
}

/** The minutes summed per wall-clock hour in `zone`, in time order; hours without data are left out. */
export function hourlyInput(minutes: readonly InputMinute[], zone: string): InputHour[] {
  const hours = new Map<number, InputHour>();
  for (const minute of minutes) {
    const parts = zonedParts(minute.minute, zone);
    const start = minute.minute - (parts.minute * 60 + parts.second) * 1000;
    let hour = hours.get(start);
    if (!hour) {
      const next = (parts.hour + 1) % 24;
      const label = `${String(parts.hour).padStart(2, '0')}:00–${String(next === 0 ? 24 : next).padStart(2, '0')}:00`;
      hour = { start, label, keys: 0, clicks: 0, scrolls: 0, distance_px: 0 };
      hours.set(start, hour);
    }
    hour.keys += minute.keys;
    hour.clicks += minute.clicks;
    hour.scrolls += minute.scrolls;
    hour.distance_px += minute.distance_px;
  }
  return [...hours.values()].sort((a, b) => a.start - b.start);
}
