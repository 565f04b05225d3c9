import { describe, expect, it } from 'vitest';
import { GallerySettingsStore, evictionPlan, formatMegabytes, kDefaultCapMb, parseGallerySettings } from './gallery';

const entry = (id: number, bytes: number, taken_at: number) => ({ id, bytes, taken_at });

describe('evictionPlan', () => {
  it('keeps everything within the cap', () => {
    expect(evictionPlan([entry(1, 40, 1), entry(2, 60, 2)], 100)).toEqual([]);
    expect(evictionPlan([], 0)).toEqual([]);
  });

  it('removes the oldest first until the rest fits', () => {
    const entries = [entry(3, 50, 300), entry(1, 50, 100), entry(2, 50, 200), entry(4, 50, 400)];
    expect(evictionPlan(entries, 100)).toEqual([1, 2]);
    expect(evictionPlan(entries, 101)).toEqual([1, 2]);
    expect(evictionPlan(entries, 99)).toEqual([1, 2, 3]);
  });

  it('breaks ties of taken_at by the order kept, and removes even the newest when it alone is too big', () => {
    expect(evictionPlan([entry(2, 10, 5), entry(1, 10, 5)], 10)).toEqual([1]);
    expect(evictionPlan([entry(1, 500, 5)], 100)).toEqual([1]);
  });
});

describe('gallery settings', () => {
  it('is off with a 200 MB cap by default and on bad input', () => {
    expect(parseGallerySettings(null)).toEqual({ enabled: false, capMb: kDefaultCapMb });
    expect(parseGallerySettings('{bad')).toEqual({ enabled: false, capMb: kDefaultCapMb });
    expect(parseGallerySettings('{"enabled":"yes","capMb":5}')).toEqual({ enabled: false, capMb: kDefaultCapMb });
    expect(parseGallerySettings('{"enabled":true,"capMb":500}')).toEqual({ enabled: true, capMb: 500 });
  });

  it('is remembered in storage', () => {
    const saved = new Map<string, string>();
    const storage = { getItem: (key: string) => saved.get(key) ?? null, setItem: (key: string, value: string) => void saved.set(key, value) };
    const first = new GallerySettingsStore(storage);
    let seen = first.current;
    const stop = first.subscribe((value) => (seen = value));
    first.set({ enabled: true });
    first.set({ capMb: 50 });
    stop();
    expect(seen).toEqual({ enabled: true, capMb: 50 });
    expect(new GallerySettingsStore(storage).current).toEqual({ enabled: true, capMb: 50 });
  });

  it('works without storage (blocked by the browser)', () => {
    const throwing = {
      getItem: (): string | null => {
        throw new Error('SecurityError');
      },
      setItem: (): void => {
        throw new Error('SecurityError');
      },
    };
    const store = new GallerySettingsStore(throwing);
    store.set({ enabled: true });
    expect(store.current.enabled).toBe(true);
  });
});

describe('formatMegabytes', () => {
  it('shows one decimal below 10 MB', () => {
    expect(formatMegabytes(1.5 * 1024 * 1024)).toBe('1.5 MB');
    expect(formatMegabytes(200 * 1024 * 1024)).toBe('200 MB');
    expect(formatMegabytes(2_000)).toBe('< 0.1 MB');
    expect(formatMegabytes(0)).toBe('0.0 MB');
  });
});
