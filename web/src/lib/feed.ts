import type { ServerMessage } from './types';

export interface LiveFeedOptions<T> {
  /** Fetches the full list. */
  load: () => Promise<T[]>;
  /** Orders a freshly loaded list (default: as loaded). */
  prepare?: (items: T[]) => T[];
  /** The list after one live message: a new array, the input unchanged. */
  apply: (items: readonly T[], message: ServerMessage) => T[];
  onItems: (items: T[]) => void;
  onError: (error: unknown) => void;
}

/**
 * A list shown live: a full load, kept current by /ws/dashboard messages. A `hello` (every
 * (re)connect) triggers a reload, because messages sent while disconnected are lost. Messages
 * that arrive while a load is in flight are applied at once and again on top of the loaded
 * list, so neither a stale list nor a lost event wins. Single-threaded (browser event loop).
 */
export class LiveFeed<T> {
  private readonly options: LiveFeedOptions<T>;
  private items: T[] = [];
  /** Messages received since the newest load started; null while no load is in flight. */
  private sinceLoadStarted: ServerMessage[] | null = null;
  private loadSeq = 0;

  constructor(options: LiveFeedOptions<T>) {
    this.options = options;
  }

  get current(): readonly T[] {
    return this.items;
  }

  async reload(): Promise<void> {
    const seq = ++this.loadSeq;
    this.sinceLoadStarted = [];
    let loaded: T[];
    try {
      loaded = await this.options.load();
    } catch (error) {
      if (seq === this.loadSeq) {
        this.sinceLoadStarted = null;
        this.options.onError(error);
      }
      return;
    }
    if (seq !== this.loadSeq) return;  // A newer load is in flight; it decides.
    const prepared = this.options.prepare ? this.options.prepare(loaded) : loaded;
    this.items = (this.sinceLoadStarted ?? []).reduce<T[]>((list, message) => this.options.apply(list, message), prepared);
    this.sinceLoadStarted = null;
    this.options.onItems(this.items);
  }

  /** Applies one live message; returns the reload it started, if any. */
  handle(message: ServerMessage): Promise<void> | undefined {
    if (message.type === 'hello') return this.reload();
    if (message.type === 'pong') return undefined;
    this.sinceLoadStarted?.push(message);
    this.items = this.options.apply(this.items, message);
    this.options.onItems(this.items);
    return undefined;
  }
}
