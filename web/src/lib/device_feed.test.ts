import { describe, expect, it } from 'vitest';
import { DeviceFeed } from './device_feed';
import { makeDevice } from './test_devices';
import type { Device } from './types';

const kHello = {
  type: 'hello' as const,
  server_version: '0.1.0',
  user: { id: 1, email: 'owner@example.com', name: 'Owner', role: 'owner' as const },
};

/** A load whose answer the test releases by hand. */
function deferredLoads() {
  const resolvers: ((devices: Device[]) => void)[] = [];
  const rejecters: ((error: unknown) => void)[] = [];
  const load = () =>
    new Promise<Device[]>((resolve, reject) => {
      resolvers.push(resolve);
      rejecters.push(reject);
    });
  return { load, resolvers, rejecters };
}

function setup() {
  const loads = deferredLoads();
  const published: Device[][] = [];
  const errors: unknown[] = [];
  const feed = new DeviceFeed({
    load: loads.load,
    onDevices: (devices) => published.push(devices),
    onError: (error) => errors.push(error),
  });
  return { feed, loads, published, errors };
}

const summary = (devices: readonly Device[]) => devices.map((device) => [device.id, device.online]);

describe('DeviceFeed', () => {
  it('publishes the loaded list sorted', async () => {
    const t = setup();
    const done = t.feed.reload();
    t.loads.resolvers[0]?.([makeDevice({ id: 1, hostname: 'b' }), makeDevice({ id: 2, hostname: 'a' })]);
    await done;
    expect(summary(t.published.at(-1) ?? [])).toEqual([
      [2, false],
      [1, false],
    ]);
  });

  it('reloads on every hello', async () => {
    const t = setup();
    const done = t.feed.handle(kHello);
    expect(done).toBeDefined();
    t.loads.resolvers[0]?.([makeDevice({ id: 5, online: true })]);
    await done;
    expect(summary(t.feed.current)).toEqual([[5, true]]);
  });

  it('keeps events that arrive while a load is in flight', async () => {
    const t = setup();
    const done = t.feed.reload();
    t.feed.handle({ type: 'device.online', device: makeDevice({ id: 7, online: true }) });
    expect(summary(t.published.at(-1) ?? [])).toEqual([[7, true]]);

    // The list was read before device 7 connected: the event must survive the load.
    t.loads.resolvers[0]?.([makeDevice({ id: 1 })]);
    await done;
    expect(summary(t.feed.current)).toEqual([
      [7, true],
      [1, false],
    ]);
  });

  it('lets only the newest of overlapping loads decide', async () => {
    const t = setup();
    const first = t.feed.reload();
    const second = t.feed.reload();
    t.loads.resolvers[1]?.([makeDevice({ id: 2 })]);
    await second;
    t.loads.resolvers[0]?.([makeDevice({ id: 1 })]);
    await first;
    expect(summary(t.feed.current)).toEqual([[2, false]]);
    expect(t.published).toHaveLength(1);
  });

  it('reports a failed load and keeps the current list', async () => {
    const t = setup();
    const first = t.feed.reload();
    t.loads.resolvers[0]?.([makeDevice({ id: 1 })]);
    await first;
    const second = t.feed.reload();
    t.loads.rejecters[1]?.(new Error('boom'));
    await second;
    expect(t.errors).toHaveLength(1);
    expect(summary(t.feed.current)).toEqual([[1, false]]);
  });

  it('applies live events between loads', () => {
    const t = setup();
    t.feed.handle({ type: 'device.online', device: makeDevice({ id: 3, online: true }) });
    t.feed.handle({ type: 'device.offline', device_id: 3, last_seen_at: 99 });
    expect(t.feed.current.map((device) => [device.id, device.online, device.last_seen_at])).toEqual([
      [3, false, 99],
    ]);
    expect(t.feed.handle({ type: 'pong' })).toBeUndefined();
    expect(t.published).toHaveLength(2);
  });
});
