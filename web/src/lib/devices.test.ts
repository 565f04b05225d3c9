import { describe, expect, it } from 'vitest';
import { applyMessage, applyMessages, parseServerMessage, sortDevices } from './devices';
import { makeDevice } from './test_devices';

describe('parseServerMessage', () => {
  it('accepts the messages of the contract', () => {
    const device = makeDevice({ id: 3, online: true });
    expect(parseServerMessage(JSON.stringify({ type: 'device.online', device }))).toEqual({
      type: 'device.online',
      device,
    });
    expect(
      parseServerMessage(JSON.stringify({ type: 'device.offline', device_id: 3, last_seen_at: 5 })),
    ).toEqual({ type: 'device.offline', device_id: 3, last_seen_at: 5 });
    expect(
      parseServerMessage(
        JSON.stringify({
          type: 'hello',
          server_version: '0.1.0',
          user: { id: 1, email: 'a@b.c', name: 'A', role: 'owner' },
        }),
      )?.type,
    ).toBe('hello');
    expect(parseServerMessage('{"type":"pong"}')).toEqual({ type: 'pong' });
  });

  it('ignores what it does not understand', () => {
    expect(parseServerMessage('not json')).toBeNull();
    expect(parseServerMessage('[1,2]')).toBeNull();
    expect(parseServerMessage('{"type":"device.future"}')).toBeNull();
    expect(parseServerMessage('{"type":"device.online","device":{"id":"7"}}')).toBeNull();
    expect(parseServerMessage('{"type":"device.offline","device_id":1.5,"last_seen_at":1}')).toBeNull();
    expect(parseServerMessage('{"type":"hello"}')).toBeNull();
    expect(parseServerMessage(' '.repeat(70_000) + '{}')).toBeNull();
  });
});

describe('sortDevices', () => {
  it('puts online devices first, then sorts by name without case, then by id', () => {
    const sorted = sortDevices([
      makeDevice({ id: 1, hostname: 'zeta' }),
      makeDevice({ id: 2, hostname: 'Alpha' }),
      makeDevice({ id: 3, hostname: 'mid', online: true }),
      makeDevice({ id: 4, hostname: 'alpha' }),
    ]);
    expect(sorted.map((device) => device.id)).toEqual([3, 2, 4, 1]);
  });
});

describe('applyMessage', () => {
  it('adds a device that comes online and is not listed yet', () => {
    const added = makeDevice({ id: 9, online: true });
    const next = applyMessage([makeDevice({ id: 1 })], { type: 'device.online', device: added });
    expect(next.map((device) => [device.id, device.online])).toEqual([
      [9, true],
      [1, false],
    ]);
  });

  it('replaces a listed device on device.updated', () => {
    const before = [makeDevice({ id: 1, kernel: 'old' })];
    const next = applyMessage(before, {
      type: 'device.updated',
      device: makeDevice({ id: 1, kernel: 'new' }),
    });
    expect(next).toHaveLength(1);
    expect(next[0]?.kernel).toBe('new');
    expect(before[0]?.kernel).toBe('old');
  });

  it('marks a device offline with the new last-seen time', () => {
    const before = [makeDevice({ id: 1, online: true }), makeDevice({ id: 2, online: true })];
    const next = applyMessage(before, { type: 'device.offline', device_id: 1, last_seen_at: 42 });
    expect(next.map((device) => [device.id, device.online, device.last_seen_at])).toEqual([
      [2, true, 1_700_000_000_000],
      [1, false, 42],
    ]);
    expect(before[0]?.online).toBe(true);
  });

  it('ignores device.offline for an unknown device', () => {
    const before = [makeDevice({ id: 1, online: true })];
    expect(applyMessage(before, { type: 'device.offline', device_id: 5, last_seen_at: 1 })).toEqual(before);
  });

  it('applies a sequence in order', () => {
    const next = applyMessages(
      [],
      [
        { type: 'device.online', device: makeDevice({ id: 1, online: true }) },
        { type: 'device.offline', device_id: 1, last_seen_at: 7 },
      ],
    );
    expect(next.map((device) => [device.id, device.online, device.last_seen_at])).toEqual([[1, false, 7]]);
  });
});
