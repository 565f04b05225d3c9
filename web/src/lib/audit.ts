const kDayMs = 24 * 3600 * 1000;

/** Epoch ms of local midnight starting `day` ("YYYY-MM-DD"), or null when it is not a date. */
export function localDayStart(day: string): number | null {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!match) return null;
  const [year, month, date] = [Number(match[1]), Number(match[2]), Number(match[3])];
  const value = new Date(year, month - 1, date);
  if (value.getFullYear() !== year || value.getMonth() !== month - 1 || value.getDate() !== date) return null;
  return value.getTime();
}

/**
 * The audit query's time range for the date inputs: `from` at the start of the first day, `to`
 * at the end of the last day (inclusive, local time). Empty inputs leave that side open.
 */
export function dayRange(fromDay: string, toDay: string): { from: number | null; to: number | null } | string {
  const from = fromDay === '' ? null : localDayStart(fromDay);
  if (from === null && fromDay !== '') return 'from: not a date';
  const toStart = toDay === '' ? null : localDayStart(toDay);
  if (toStart === null && toDay !== '') return 'to: not a date';
  // The end of the day; DST changes make some days 23 or 25 hours, so ask for the next midnight.
  const to = toStart === null ? null : (localDayStart(nextDay(toDay)) ?? toStart + kDayMs) - 1;
  if (from !== null && to !== null && from > to) return 'from: must not be after to';
  return { from, to };
}

function nextDay(day: string): string {
  const [year, month, date] = day.split('-').map(Number);
  const next = new Date(year ?? 0, (month ?? 1) - 1, (date ?? 1) + 1);
  const pad = (value: number) => String(value).padStart(2, '0');
  return `${next.getFullYear()}-${pad(next.getMonth() + 1)}-${pad(next.getDate())}`;
}
