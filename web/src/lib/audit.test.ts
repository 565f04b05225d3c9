import { describe, expect, it } from 'vitest';
import { dayRange, localDayStart } from './audit';

describe('dayRange', () => {
  it('leaves empty sides open', () => {
    expect(dayRange('', '')).toEqual({ from: null, to: null });
  });

  it('covers whole local days, inclusive', () => {
    const range = dayRange('2026-03-01', '2026-03-02');
    if (typeof range === 'string') throw new Error(range);
    expect(range.from).toBe(new Date(2026, 2, 1).getTime());
    expect(range.to).toBe(new Date(2026, 2, 3).getTime() - 1);
  });

  it('refuses bad dates and reversed ranges, naming the field', () => {
    expect(dayRange('2026-02-30', '')).toBe('from: not a date');
    expect(dayRange('', 'yesterday')).toBe('to: not a date');
    expect(dayRange('2026-03-02', '2026-03-01')).toBe('from: must not be after to');
    expect(localDayStart('2026-12-31')).toBe(new Date(2026, 11, 31).getTime());
  });
});
