// The glue between the screen pages and the dashboard channel: one shared /ws/dashboard
// connection while any screen page is open, its ScreensStore, the live list of people (for
// names and statuses), and the browser's gallery. Moving from the wall to a person's view keeps
// the connection and the frames already received.
import { writable, type Readable, type Writable } from 'svelte/store';
import type { Api } from './api';
import { applyActivityState, sortLive } from './activity';
import { messageOf } from './client';
import { LiveFeed } from './feed';
import { Gallery, GallerySettingsStore, capBytesOf } from './gallery';
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
  settings: GallerySettingsStore;
  /** null when the browser has no IndexedDB (a private window of some browsers). */
  gallery: Gallery | null;
  /** Counts kept screenshots (and clears), so open gallery panels reload. */
  version: Writable<number>;
  error: Writable<string>;
}

let galleryServices: GalleryServices | null = null;

/** The gallery and its settings, shared by every page. */
export function gallery(): GalleryServices {
  galleryServices ??= {
    settings: new GallerySettingsStore(typeof localStorage === 'undefined' ? null : localStorage),
    gallery: typeof indexedDB === 'undefined' ? null : new Gallery(indexedDB),
    version: writable(0),
    error: writable(''),
  };
  return galleryServices;
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
    onFrame: keep,
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
