import { describe, expect, it } from 'vitest';
import {
  GallerySettingsStore,
  evictionPlan,
  formatMegabytes,
  galleryAllowed,
  galleryDbName,
  gallerySettingsKey,
  kDefaultCapMb,
  parseGallerySettings,
  sameOwner,
  staleGalleryDbs,
} from './gallery';

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
    const first = new GallerySettingsStore(storage, 'worktrace.gallery.1.2');
    let seen = first.current;
    const stop = first.subscribe((value) => (seen = value));
    first.set({ enabled: true });
    first.set({ capMb: 50 });
    stop();
    expect(seen).toEqual({ enabled: true, capMb: 50 });
    expect(new GallerySettingsStore(storage, 'worktrace.gallery.1.2').current).toEqual({ enabled: true, capMb: 50 });
  });

  it('keeps each user\'s settings apart', () => {
    const saved = new Map<string, string>();
    const storage = { getItem: (key: string) => saved.get(key) ?? null, setItem: (key: string, value: string) => void saved.set(key, value) };
    new GallerySettingsStore(storage, gallerySettingsKey({ orgId: 1, userId: 2 })).set({ enabled: true });
    expect([...saved.keys()]).toEqual(['worktrace.gallery.1.2']);
    expect(new GallerySettingsStore(storage, gallerySettingsKey({ orgId: 1, userId: 3 })).current.enabled).toBe(false);
    expect(new GallerySettingsStore(storage, gallerySettingsKey({ orgId: 9, userId: 2 })).current.enabled).toBe(false);
    expect(new GallerySettingsStore(storage, gallerySettingsKey({ orgId: 1, userId: 2 })).current.enabled).toBe(true);
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
    const store = new GallerySettingsStore(throwing, 'worktrace.gallery.1.2');
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

describe('gallery per user', () => {
  it('names the database and the settings after the organization and the user', () => {
    expect(galleryDbName({ orgId: 4, userId: 17 })).toBe('worktrace-gallery-4-17');
    expect(gallerySettingsKey({ orgId: 4, userId: 17 })).toBe('worktrace.gallery.4.17');
    expect(galleryDbName({ orgId: 17, userId: 4 })).not.toBe(galleryDbName({ orgId: 4, userId: 17 }));
    expect(galleryDbName({ orgId: 1, userId: 12 })).not.toBe(galleryDbName({ orgId: 11, userId: 2 }));
  });

  it('refuses ids that are not positive integers', () => {
    expect(() => galleryDbName({ orgId: 0, userId: 1 })).toThrow();
    expect(() => galleryDbName({ orgId: 1, userId: 1.5 })).toThrow();
    expect(() => gallerySettingsKey({ orgId: Number.NaN, userId: 1 })).toThrow();
  });

  it('compares owners by organization and user', () => {
    expect(sameOwner({ orgId: 1, userId: 2 }, { orgId: 1, userId: 2 })).toBe(true);
    expect(sameOwner({ orgId: 1, userId: 2 }, { orgId: 2, userId: 2 })).toBe(false);
    expect(sameOwner(null, { orgId: 1, userId: 2 })).toBe(false);
    expect(sameOwner(null, null)).toBe(true);
  });

  it('finds the galleries to delete: the shared one and other users\', never the signed-in user\'s', () => {
    const names = ['worktrace-gallery', 'worktrace-gallery-1-2', 'worktrace-gallery-1-3', 'worktrace-gallery-2-2', 'other-db', 'worktrace-gallery-x'];
    expect(staleGalleryDbs(names, { orgId: 1, userId: 2 })).toEqual(['worktrace-gallery', 'worktrace-gallery-1-3', 'worktrace-gallery-2-2']);
    expect(staleGalleryDbs(names, null)).toEqual(['worktrace-gallery', 'worktrace-gallery-1-2', 'worktrace-gallery-1-3', 'worktrace-gallery-2-2']);
  });
});

describe('galleryAllowed', () => {
  const screens = (watching: number[], refused: number[] = [], ended: number[] = []) => ({
    watching: new Set(watching),
    refused: new Map(refused.map((id) => [id, { code: 'permission_denied', message: 'no' }] as const)),
    ended: new Map(ended.map((id) => [id, 'gone'] as const)),
  });

  it('allows a person only once the server accepted the watch', () => {
    expect(galleryAllowed(screens([5]), 5)).toBe(true);
    expect(galleryAllowed(screens([]), 5)).toBe(false);  // No reply yet.
    expect(galleryAllowed(screens([6]), 5)).toBe(false);
  });

  it('does not allow a refused person or one whose viewing ended', () => {
    expect(galleryAllowed(screens([], [5]), 5)).toBe(false);
    expect(galleryAllowed(screens([5], [5]), 5)).toBe(false);
    expect(galleryAllowed(screens([5], [], [5]), 5)).toBe(false);
    expect(galleryAllowed(screens([], [], [5]), 5)).toBe(false);
  });
});
