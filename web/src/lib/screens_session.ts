// The glue between the screen pages and the dashboard channel: one shared /ws/dashboard
// connection while any screen page is open, its ScreensStore, the live list of people (for
// names and statuses), and the signed-in user's gallery in this browser. Moving from the wall to
// a person's view keeps the connection and the frames already received.
import { writable, type Readable, type Writable } from 'svelte/store';
import type { Api } from './api';
import { applyActivityState, sortLive } from './activity';
import { messageOf } from './client';
import { LiveFeed } from './feed';
import {
  Gallery,
  GallerySettingsStore,
  capBytesOf,
  deleteGalleryDatabase,
  galleryAllowed,
  galleryDbName,
  gallerySettingsKey,
  kLegacyDbName,
  kLegacySettingsKey,
  sameOwner,
  staleGalleryDbs,
  type GalleryOwner,
} from './gallery';
import { LiveConnection, sameOriginWsUrl, type LiveStatus } from './live';
import { ScreensStore, type ScreenFrame } from './screens';
import type { LivePerson } from './types';

/** How long the channel stays open after the last screen page closed (page to page moves). */
const kLingerMs = 3_000;
/** Watch-set changes within this delay go out as one `screens.watch`. */
const kSyncDelayMs = 50;

export interface ScreensSession {
  store: ScreensStore;
  status: Readable<LiveStatus>;
  /** The visible people with what they are doing now (GET /api/v1/activity/live, kept live). */
  people: Readable<LivePerson[] | null>;
  peopleError: Readable<string>;
}

export interface GalleryServices {
  /** Whose gallery this is; null while nobody is signed in. */
  owner: GalleryOwner | null;
  settings: GallerySettingsStore;
  /** null when the browser has no IndexedDB (a private window of some browsers) or signed out. */
  gallery: Gallery | null;
  /** Counts kept screenshots (and clears), so open gallery panels reload. */
  version: Writable<number>;
  error: Writable<string>;
}

function localStorageOrNull(): Storage | null {
  try {
    return typeof localStorage === 'undefined' ? null : localStorage;
  } catch {
    return null;  // Blocked by the browser.
  }
}

function servicesFor(owner: GalleryOwner | null): GalleryServices {
  let names: { db: string; settings: string } | null = null;
  try {
    if (owner) names = { db: galleryDbName(owner), settings: gallerySettingsKey(owner) };
  } catch {
    // Ids the gallery cannot be named after: no gallery, rather than a shared one.
  }
  return {
    owner: names ? owner : null,
    settings: new GallerySettingsStore(names ? localStorageOrNull() : null, names?.settings ?? ''),
    gallery: names && typeof indexedDB !== 'undefined' ? new Gallery(indexedDB, names.db) : null,
    version: writable(0),
    error: writable(''),
  };
}

let galleryServices: GalleryServices = servicesFor(null);
let legacySettingsRemoved = false;

/** The signed-in user's gallery and its settings, shared by every page. */
export function gallery(): GalleryServices {
  return galleryServices;
}

/** Deletes the gallery database (kept screenshots) of `services`; its settings stay. */
function forget(services: GalleryServices): Promise<void> {
  return services.gallery?.destroy() ?? Promise.resolve();
}

/**
 * Deletes every gallery database but the signed-in user's (decided when the list arrives): the
 * one all accounts shared in earlier versions, and those of sessions that ended without a
 * sign-out in this page. Browsers without indexedDB.databases() lose only the shared one.
 */
async function sweep(): Promise<void> {
  if (typeof indexedDB === 'undefined') return;
  if (!legacySettingsRemoved) {
    legacySettingsRemoved = true;
    try {
      localStorageOrNull()?.removeItem(kLegacySettingsKey);
    } catch {
      // Blocked by the browser.
    }
  }
  let names: string[] = [kLegacyDbName];
  if (typeof indexedDB.databases === 'function') {
    const listed = await indexedDB.databases();
    names = listed.map((database) => database.name ?? '');
  }
  const stale = staleGalleryDbs(names, galleryServices.owner);
  await Promise.all(stale.map((name) => deleteGalleryDatabase(indexedDB, name)));
}

/**
 * Opens the gallery of the signed-in `owner` (call before the signed-in pages show). Any other
 * user's gallery in this browser is deleted, as at sign-out.
 */
export function useGalleryOf(owner: GalleryOwner): void {
  if (sameOwner(galleryServices.owner, owner)) return;
  const previous = galleryServices;
  galleryServices = servicesFor(owner);
  forget(previous)
    .then(sweep)
    .catch(() => undefined);
}

/**
 * Sign-out, or no session (it ended): deletes the kept screenshots from this browser, the
 * signed-in user's and any left behind by earlier sessions.
 */
export function forgetGallery(): Promise<void> {
  const previous = galleryServices;
  galleryServices = servicesFor(null);
  return forget(previous).then(sweep);
}

function keep(frame: ScreenFrame, blob: Blob): void {
  const services = gallery();
  if (!services.settings.current.enabled || !services.gallery) return;
  const entry = {
    user_id: frame.userId,
    device_id: frame.deviceId,
    monitor: frame.monitor,
    width: frame.width,
    height: frame.height,
    taken_at: frame.takenAt,
    bytes: frame.bytes,
  };
  services.gallery
    .add(entry, blob, capBytesOf(services.settings.current))
    .then(() => {
      services.error.set('');
      services.version.update((n) => n + 1);
    })
    .catch((error: unknown) => services.error.set(`Could not keep a screenshot in this browser: ${messageOf(error)}`));
}

interface Shared {
  session: ScreensSession;
  connection: LiveConnection;
  users: number;
  lingerTimer: ReturnType<typeof setTimeout> | null;
}

let shared: Shared | null = null;

function start(api: Api): Shared {
  const status = writable<LiveStatus>('connecting');
  const people = writable<LivePerson[] | null>(null);
  const peopleError = writable('');
  let connection: LiveConnection | null = null;
  const store = new ScreensStore({
    send: (text) => connection?.send(text) ?? false,
    // Only people the server accepts (and has not ended) are kept.
    onFrame: (frame, blob) => {
      if (galleryAllowed(store.snapshot, frame.userId)) keep(frame, blob);
    },
    defer: (run) => setTimeout(run, kSyncDelayMs),
  });
  const feed = new LiveFeed<LivePerson>({
    load: () => api.liveActivity(),
    prepare: sortLive,
    apply: applyActivityState,
    onItems: (items) => {
      people.set(items);
      peopleError.set('');
    },
    onError: (error) => peopleError.set(messageOf(error)),
  });
  connection = new LiveConnection({
    url: sameOriginWsUrl(window.location, '/ws/dashboard'),
    onStatus: (next) => status.set(next),
    onMessage: (message) => {
      if (message.type === 'hello') store.connected();
      if (store.handle(message)) return;
      void feed.handle(message);
    },
    onBinary: (data) => store.handleBinary(data),
    // A dropped channel may mean the session ended: asking /me lets the client notice a 401.
    onLost: () => {
      api.me().catch(() => undefined);
    },
  });
  connection.start();
  return { session: { store, status, people, peopleError }, connection, users: 0, lingerTimer: null };
}

function stop(current: Shared): void {
  current.connection.stop();
  current.session.store.dispose();
  if (shared === current) shared = null;
}

/** The shared session for a screen page; call release() when the page closes. */
export function acquireScreens(api: Api): { session: ScreensSession; release: () => void } {
  shared ??= start(api);
  const current = shared;
  if (current.lingerTimer !== null) clearTimeout(current.lingerTimer);
  current.lingerTimer = null;
  current.users += 1;
  let released = false;
  return {
    session: current.session,
    release: () => {
      if (released) return;
      released = true;
      current.users -= 1;
      if (current.users > 0) return;
      current.lingerTimer = setTimeout(() => stop(current), kLingerMs);
    },
  };
}
