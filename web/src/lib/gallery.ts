// The optional gallery: screenshots kept in this browser only (IndexedDB), never on the server.
// Off by default; the switch and the size cap are remembered in localStorage. When the kept
// bytes exceed the cap, the oldest screenshots are removed first. Each signed-in user of each
// organization has a database (and settings) of their own, deleted when they sign out, so that
// the next person on a shared browser never sees them.
import { writable, type Readable } from 'svelte/store';
import type { ScreensState } from './screens';

export const kDefaultCapMb = 200;
export const kMinCapMb = 10;
export const kMaxCapMb = 10_000;
const kMb = 1024 * 1024;
/** The one database and settings key every account shared before they were per user. */
export const kLegacyDbName = 'worktrace-gallery';
export const kLegacySettingsKey = 'worktrace.gallery';
const kDbVersion = 1;

/** Whose gallery: the signed-in user of an organization. */
export interface GalleryOwner {
  orgId: number;
  userId: number;
}

function ownerPart(value: number, what: string): string {
  if (!Number.isSafeInteger(value) || value < 1) throw new Error(`gallery: bad ${what} ${value}`);
  return String(value);
}

/** The IndexedDB database of `owner`'s gallery: `worktrace-gallery-<org_id>-<user_id>`. */
export function galleryDbName(owner: GalleryOwner): string {
  return `${kLegacyDbName}-${ownerPart(owner.orgId, 'organization id')}-${ownerPart(owner.userId, 'user id')}`;
}

/** The localStorage key of `owner`'s gallery settings: `worktrace.gallery.<org_id>.<user_id>`. */
export function gallerySettingsKey(owner: GalleryOwner): string {
  return `${kLegacySettingsKey}.${ownerPart(owner.orgId, 'organization id')}.${ownerPart(owner.userId, 'user id')}`;
}

/**
 * The gallery databases among `names` (indexedDB.databases()) that are not `keep`'s: the shared
 * one of earlier versions and other users'. Only one session exists per browser and server, so
 * these belong to sessions that ended (a user who left without signing out, or whose session
 * expired).
 */
export function staleGalleryDbs(names: readonly string[], keep: GalleryOwner | null): string[] {
  const kept = keep ? galleryDbName(keep) : null;
  return names.filter((name) => name !== kept && (name === kLegacyDbName || /^worktrace-gallery-\d+-\d+$/.test(name)));
}

export const sameOwner = (a: GalleryOwner | null, b: GalleryOwner | null): boolean =>
  a === b || (a !== null && b !== null && a.orgId === b.orgId && a.userId === b.userId);

/**
 * Whether `userId`'s screenshots may be shown from, or kept in, the gallery: only while the
 * server accepts the watch of that person (not before its reply, not refused, not ended).
 */
export function galleryAllowed(screens: Pick<ScreensState, 'watching' | 'refused' | 'ended'>, userId: number): boolean {
  return screens.watching.has(userId) && !screens.refused.has(userId) && !screens.ended.has(userId);
}

/** What is known of a kept screenshot without reading its bytes. */
export interface GalleryEntry {
  id: number;
  user_id: number;
  device_id: number;
  monitor: number;
  width: number;
  height: number;
  taken_at: number;
  bytes: number;
}

export type NewGalleryEntry = Omit<GalleryEntry, 'id'>;

export interface GallerySettings {
  enabled: boolean;
  capMb: number;
}

export const kDefaultSettings: GallerySettings = { enabled: false, capMb: kDefaultCapMb };

/** The settings stored under `text`; the defaults for anything missing or unreadable. */
export function parseGallerySettings(text: string | null): GallerySettings {
  if (text === null) return { ...kDefaultSettings };
  try {
    const value: unknown = JSON.parse(text);
    if (typeof value !== 'object' || value === null) return { ...kDefaultSettings };
    const { enabled, capMb } = value as Record<string, unknown>;
    return {
      enabled: enabled === true,
      capMb: Number.isInteger(capMb) && (capMb as number) >= kMinCapMb && (capMb as number) <= kMaxCapMb ? (capMb as number) : kDefaultCapMb,
    };
  } catch {
    return { ...kDefaultSettings };
  }
}

/**
 * The ids to remove so that the kept bytes fit in `capBytes`: the oldest first (by taken_at,
 * then by id, the order they were kept).
 */
export function evictionPlan(entries: readonly Pick<GalleryEntry, 'id' | 'bytes' | 'taken_at'>[], capBytes: number): number[] {
  let total = entries.reduce((sum, entry) => sum + entry.bytes, 0);
  if (total <= capBytes) return [];
  const oldestFirst = [...entries].sort((a, b) => a.taken_at - b.taken_at || a.id - b.id);
  const removed: number[] = [];
  for (const entry of oldestFirst) {
    if (total <= capBytes) break;
    removed.push(entry.id);
    total -= entry.bytes;
  }
  return removed;
}

/** "12.5 MB" for a byte count. */
export function formatMegabytes(bytes: number): string {
  const mb = bytes / kMb;
  if (bytes > 0 && mb < 0.1) return '< 0.1 MB';
  return `${mb < 10 ? mb.toFixed(1) : Math.round(mb)} MB`;
}

/** The switch and the cap, kept in `storage` (localStorage) under `key`, as a Svelte store. */
export class GallerySettingsStore implements Readable<GallerySettings> {
  private readonly store;
  private readonly storage: Pick<Storage, 'getItem' | 'setItem'> | null;
  private readonly key: string;
  current: GallerySettings;

  /** `key` from gallerySettingsKey(); a null `storage` remembers nothing. */
  constructor(storage: Pick<Storage, 'getItem' | 'setItem'> | null, key: string) {
    this.storage = storage;
    this.key = key;
    let initial = { ...kDefaultSettings };
    try {
      initial = parseGallerySettings(storage?.getItem(key) ?? null);
    } catch {
      // Storage blocked by the browser: the defaults, not remembered.
    }
    this.store = writable<GallerySettings>(initial);
    this.current = initial;
  }

  subscribe(run: (value: GallerySettings) => void): () => void {
    return this.store.subscribe(run);
  }

  set(change: Partial<GallerySettings>): void {
    this.current = { ...this.current, ...change };
    this.store.set(this.current);
    try {
      this.storage?.setItem(this.key, JSON.stringify(this.current));
    } catch {
      // Not remembered; the page still follows the setting.
    }
  }
}

function done<T>(request: IDBRequest<T>): Promise<T> {
  return new Promise((resolve, reject) => {
    request.onsuccess = () => resolve(request.result);
    request.onerror = () => reject(request.error ?? new Error('IndexedDB request failed'));
  });
}

function finished(transaction: IDBTransaction): Promise<void> {
  return new Promise((resolve, reject) => {
    transaction.oncomplete = () => resolve();
    transaction.onerror = () => reject(transaction.error ?? new Error('IndexedDB transaction failed'));
    transaction.onabort = () => reject(transaction.error ?? new Error('IndexedDB transaction aborted'));
  });
}

/**
 * Deletes the database `name`. Resolves once deleted, or once the deletion waits for another
 * tab's connection (it completes when that one closes; open galleries close on versionchange).
 */
export function deleteGalleryDatabase(factory: IDBFactory, name: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const request = factory.deleteDatabase(name);
    request.onsuccess = () => resolve();
    request.onblocked = () => resolve();
    request.onerror = () => reject(request.error ?? new Error('IndexedDB database cannot be deleted'));
  });
}

/**
 * The IndexedDB glue: `entries` (metadata, index by user) and `blobs` (the JPEGs, same id), in
 * the database `name` (galleryDbName()). Writes run one after another so the cap is applied to a
 * settled list.
 */
export class Gallery {
  private readonly factory: IDBFactory;
  readonly name: string;
  private db: Promise<IDBDatabase> | null = null;
  private queue: Promise<unknown> = Promise.resolve();
  private destroyed = false;

  constructor(factory: IDBFactory, name: string) {
    this.factory = factory;
    this.name = name;
  }

  private open(): Promise<IDBDatabase> {
    if (this.destroyed) return Promise.reject(new Error('The gallery of this browser was cleared (signed out).'));
    this.db ??= new Promise((resolve, reject) => {
      const request = this.factory.open(this.name, kDbVersion);
      request.onupgradeneeded = () => {
        const db = request.result;
        const entries = db.createObjectStore('entries', { keyPath: 'id', autoIncrement: true });
        entries.createIndex('user_id', 'user_id');
        db.createObjectStore('blobs');
      };
      request.onsuccess = () => {
        const db = request.result;
        // Another tab deletes this database (its user signed out): let it.
        db.onversionchange = () => {
          db.close();
          this.db = null;
        };
        resolve(db);
      };
      request.onerror = () => reject(request.error ?? new Error('IndexedDB cannot be opened'));
    });
    return this.db;
  }

  private serial<T>(work: () => Promise<T>): Promise<T> {
    const next = this.queue.then(work, work);
    this.queue = next.catch(() => undefined);
    return next;
  }

  private async evictBeyond(db: IDBDatabase, capBytes: number): Promise<void> {
    const all = await done(db.transaction('entries').objectStore('entries').getAll() as IDBRequest<GalleryEntry[]>);
    const remove = evictionPlan(all, capBytes);
    if (remove.length === 0) return;
    const evict = db.transaction(['entries', 'blobs'], 'readwrite');
    for (const old of remove) {
      evict.objectStore('entries').delete(old);
      evict.objectStore('blobs').delete(old);
    }
    await finished(evict);
  }

  /** Keeps one screenshot, then removes the oldest beyond `capBytes`. */
  add(entry: NewGalleryEntry, blob: Blob, capBytes: number): Promise<void> {
    return this.serial(async () => {
      const db = await this.open();
      const write = db.transaction(['entries', 'blobs'], 'readwrite');
      const added = write.objectStore('entries').add(entry);
      // Within the same transaction, before it commits.
      added.onsuccess = () => write.objectStore('blobs').put(blob, added.result);
      await finished(write);
      await this.evictBeyond(db, capBytes);
    });
  }

  /** `userId`'s kept screenshots (every person's when null), newest first, at most `limit`. */
  async list(userId: number | null, limit: number): Promise<GalleryEntry[]> {
    const store = (await this.open()).transaction('entries').objectStore('entries');
    const request = userId === null ? store.getAll() : store.index('user_id').getAll(IDBKeyRange.only(userId));
    const entries = (await done(request)) as GalleryEntry[];
    return entries.sort((a, b) => b.taken_at - a.taken_at || b.id - a.id).slice(0, limit);
  }

  async blob(id: number): Promise<Blob | null> {
    const store = (await this.open()).transaction('blobs').objectStore('blobs');
    const value: unknown = await done(store.get(id));
    return value instanceof Blob ? value : null;
  }

  /** How many screenshots and bytes are kept. */
  async usage(): Promise<{ count: number; bytes: number }> {
    const entries = await this.list(null, Number.MAX_SAFE_INTEGER);
    return { count: entries.length, bytes: entries.reduce((sum, entry) => sum + entry.bytes, 0) };
  }

  /** Removes every kept screenshot. */
  clear(): Promise<void> {
    return this.serial(async () => {
      const db = await this.open();
      const transaction = db.transaction(['entries', 'blobs'], 'readwrite');
      transaction.objectStore('entries').clear();
      transaction.objectStore('blobs').clear();
      await finished(transaction);
    });
  }

  /** Closes and deletes the whole database (sign-out); the gallery cannot be used afterwards. */
  destroy(): Promise<void> {
    return this.serial(async () => {
      this.destroyed = true;
      const db = this.db;
      this.db = null;
      if (db) await db.then((open) => open.close(), () => undefined);
      await deleteGalleryDatabase(this.factory, this.name);
    });
  }

  /** Applies a smaller cap at once. */
  trim(capBytes: number): Promise<void> {
    return this.serial(async () => {
      await this.evictBeyond(await this.open(), capBytes);
    });
  }
}

export const capBytesOf = (settings: GallerySettings): number => settings.capMb * kMb;
