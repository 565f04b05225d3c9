import { describe, expect, it } from 'vitest';
import { Busy, ServerList } from './busy.svelte';

/** A promise with its resolve handle, to look at the state while an action runs. */
function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve = (): void => undefined;
  const promise = new Promise<void>((done) => (resolve = done));
  return { promise, resolve };
}

describe('Busy', () => {
  it('is pending while an action runs and clears the previous error', async () => {
    const busy = new Busy();
    busy.error = 'old';
    const gate = deferred();
    const running = busy.run(() => gate.promise);
    expect(busy.pending).toBe(true);
    expect(busy.error).toBe('');
    gate.resolve();
    expect(await running).toBe(true);
    expect(busy.pending).toBe(false);
  });

  it('records the message of a failure', async () => {
    const busy = new Busy();
    expect(await busy.run(() => Promise.reject(new Error('seat limit reached')))).toBe(false);
    expect(busy.error).toBe('seat limit reached');
    expect(busy.pending).toBe(false);
  });

  it('does not start a second action while one is pending', async () => {
    const busy = new Busy();
    const gate = deferred();
    const first = busy.run(() => gate.promise);
    let ran = false;
    expect(await busy.run(async () => void (ran = true))).toBe(false);
    expect(ran).toBe(false);
    gate.resolve();
    await first;
  });

  it('shows a validation problem and reports whether there was one', () => {
    const busy = new Busy();
    expect(busy.reject(null)).toBe(false);
    expect(busy.reject(undefined)).toBe(false);
    expect(busy.error).toBe('');
    expect(busy.reject('name: required')).toBe(true);
    expect(busy.error).toBe('name: required');
  });

  it('loads even while an action is pending, clearing the error on success', async () => {
    const busy = new Busy();
    const gate = deferred();
    const action = busy.run(() => gate.promise);
    busy.error = 'stale';
    expect(await busy.load(() => Promise.resolve())).toBe(true);
    expect(busy.error).toBe('');
    expect(await busy.load(() => Promise.reject(new Error('offline')))).toBe(false);
    expect(busy.error).toBe('offline');
    expect(busy.pending).toBe(true);
    gate.resolve();
    await action;
  });
});

describe('ServerList', () => {
  it('reads nothing until reloaded, then keeps the items', async () => {
    let reads = 0;
    const list = new ServerList(async () => {
      reads += 1;
      return ['a', 'b'];
    });
    expect(reads).toBe(0);
    expect(list.loaded).toBe(false);
    expect(await list.reload()).toBe(true);
    expect(list.items).toEqual(['a', 'b']);
    expect(list.loaded).toBe(true);
  });

  /** A loaded list of [1] whose reads fail with "offline" once `server.down` is set. */
  async function listWithServer(): Promise<{ list: ServerList<number>; server: { down: boolean } }> {
    const server = { down: false };
    const list = new ServerList(async () => {
      if (server.down) throw new Error('offline');
      return [1];
    });
    await list.reload();
    return { list, server };
  }

  it('keeps the items when a read fails', async () => {
    const { list, server } = await listWithServer();
    server.down = true;
    expect(await list.reload()).toBe(false);
    expect(list.items).toEqual([1]);
    expect(list.error).toBe('offline');
  });

  it('reloads after a successful change only', async () => {
    let server = [1, 2];
    let reads = 0;
    const list = new ServerList(async () => {
      reads += 1;
      return [...server];
    });
    await list.reload();
    expect(reads).toBe(1);
    expect(await list.change(async () => void (server = [1]))).toBe(true);
    expect(reads).toBe(2);
    expect(list.items).toEqual([1]);
    expect(await list.change(() => Promise.reject(new Error('forbidden')))).toBe(false);
    expect(reads).toBe(2);
    expect(list.error).toBe('forbidden');
    expect(list.items).toEqual([1]);
  });

  it('reports a change as done when only the reload after it fails', async () => {
    const { list, server } = await listWithServer();
    expect(await list.change(async () => void (server.down = true))).toBe(true);
    expect(list.error).toBe('offline');
    expect(list.pending).toBe(false);
  });
});
