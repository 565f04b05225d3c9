import { messageOf } from './client';

/**
 * The state of a panel's one-at-a-time actions: whether one is running and the message of the
 * last failure (or of a form's validation problem). Components show `pending` on their buttons
 * and `error` in their alert.
 */
export class Busy {
  pending = $state(false);
  error = $state('');

  /** Shows `problem` (a validation message) as the error; true when there was one. */
  reject(problem: string | null | undefined): boolean {
    if (!problem) return false;
    this.error = problem;
    return true;
  }

  /**
   * Runs `action` unless another one is pending: clears the error first, keeps `pending` set
   * while it runs and records its failure's message. True when the action ran and succeeded.
   */
  async run(action: () => Promise<unknown>): Promise<boolean> {
    if (this.pending) return false;
    this.pending = true;
    this.error = '';
    try {
      await action();
      return true;
    } catch (failure) {
      this.error = messageOf(failure);
      return false;
    } finally {
      this.pending = false;
    }
  }

  /**
   * Runs `read` whether or not an action is pending (a (re)load): clears the error when it
   * succeeds, records its failure's message otherwise. True when it succeeded.
   */
  async load(read: () => Promise<unknown>): Promise<boolean> {
    try {
      await read();
      this.error = '';
      return true;
    } catch (failure) {
      this.error = messageOf(failure);
      return false;
    }
  }
}

/** A list read from the server that actions change: each successful action reloads it. */
export class ServerList<T> extends Busy {
  items = $state<T[]>([]);
  /** Whether a read has succeeded yet (before that, `items` is empty for lack of an answer). */
  loaded = $state(false);

  readonly #read: () => Promise<T[]>;

  /** `read` fetches the list; it is called by `load`, not here. */
  constructor(read: () => Promise<T[]>) {
    super();
    this.#read = read;
  }

  /** Reads the list again; a failure leaves the items as they were and sets the error. */
  reload(): Promise<boolean> {
    return this.load(async () => {
      this.items = await this.#read();
      this.loaded = true;
    });
  }

  /** Runs `action` as `run` does, then reloads the list. True when the action succeeded. */
  change(action: () => Promise<unknown>): Promise<boolean> {
    return this.run(async () => {
      await action();
      await this.reload();
    });
  }
}
