import { describe, expect, it } from 'vitest';
import { applyActivityState, countByStatus, filterLive, sortLive, statusLabel } from './activity';
import { parseServerMessage } from './devices';
import type { ActivityStateMessage, LivePerson } from './types';

function person(overrides: Partial<LivePerson>): LivePerson {
  return {
    user_id: 1,
    name: 'Ada',
    email: 'ada@example.com',
    team_ids: [],
    status: 'online',
    app: '',
    title: '',
    since: null,
    device_id: 10,
    last_seen_at: 1_000,
    ...overrides,
  };
}

function state(overrides: Partial<ActivityStateMessage>): ActivityStateMessage {
  return { type: 'activity.state', user_id: 1, device_id: 10, status: 'active', app: 'xterm', title: 'build', since: 5_000, ...overrides };
}

describe('applyActivityState', () => {
  const list = [person({ user_id: 1 }), person({ user_id: 2, name: 'Bob', device_id: 20 })];

  it('updates the person in place and leaves the others and the input alone', () => {
    const next = applyActivityState(list, state({}));
    expect(next[0]).toMatchObject({ status: 'active', app: 'xterm', title: 'build', since: 5_000, device_id: 10 });
    expect(next[1]).toBe(list[1]);
    expect(list[0]?.status).toBe('online');
  });

  it('turns idle, then offline with the time it went', () => {
    let next = applyActivityState(list, state({}));
    next = applyActivityState(next, state({ status: 'idle', since: 6_000 }));
    expect(next[0]).toMatchObject({ status: 'idle', since: 6_000 });
    next = applyActivityState(next, state({ status: 'offline', app: '', title: '', since: 9_000 }));
    expect(next[0]).toMatchObject({ status: 'offline', app: '', title: '', last_seen_at: 9_000 });
  });

  it('ignores another device going offline', () => {
    const next = applyActivityState([person({ status: 'active', app: 'xterm' })], state({ status: 'offline', device_id: 99 }));
    expect(next[0]).toMatchObject({ status: 'active', app: 'xterm', device_id: 10 });
  });

  it('shows the most active of a person\'s devices', () => {
    const desk = [person({ status: 'active', app: 'xterm', device_id: 10 })];
    // The laptop going idle does not hide the active desktop...
    expect(applyActivityState(desk, state({ status: 'idle', device_id: 11, app: 'vim' }))[0]).toMatchObject({ status: 'active', device_id: 10 });
    // ...but the laptop becoming active takes the row.
    expect(applyActivityState(desk, state({ status: 'active', device_id: 11, app: 'vim' }))[0]).toMatchObject({ status: 'active', device_id: 11, app: 'vim' });
    // The row's own device changes it whatever the status.
    expect(applyActivityState(desk, state({ status: 'idle', device_id: 10 }))[0]).toMatchObject({ status: 'idle', device_id: 10 });
  });

  it('takes the device of a person who had none', () => {
    const next = applyActivityState([person({ device_id: null, status: 'offline' })], state({ device_id: 42 }));
    expect(next[0]).toMatchObject({ status: 'active', device_id: 42 });
  });

  it('ignores unknown people and other messages', () => {
    expect(applyActivityState(list, state({ user_id: 77 }))).toEqual(list);
    expect(applyActivityState(list, { type: 'device.offline', device_id: 10, last_seen_at: 5 })).toEqual(list);
  });

  it('works on messages as parsed from the socket', () => {
    const message = parseServerMessage('{"type":"activity.state","user_id":2,"device_id":20,"status":"paused","since":7}');
    expect(message).not.toBeNull();
    const next = applyActivityState(list, message ?? { type: 'pong' });
    expect(next[1]).toMatchObject({ status: 'paused', app: '', title: '', since: 7 });
  });
});

describe('parseServerMessage for activity.state', () => {
  it('refuses bad statuses and fields', () => {
    expect(parseServerMessage('{"type":"activity.state","user_id":1,"status":"asleep"}')).toBeNull();
    expect(parseServerMessage('{"type":"activity.state","user_id":"1","status":"idle"}')).toBeNull();
    expect(parseServerMessage('{"type":"activity.state","user_id":1,"status":"idle","since":"x"}')).toBeNull();
    expect(parseServerMessage('{"type":"activity.state","user_id":1,"status":"idle","app":5}')).toBeNull();
  });

  it('fills in absent optional fields', () => {
    expect(parseServerMessage('{"type":"activity.state","user_id":1,"status":"off_hours"}')).toEqual({
      type: 'activity.state',
      user_id: 1,
      device_id: null,
      status: 'off_hours',
      app: '',
      title: '',
      since: null,
    });
  });
});

describe('filterLive', () => {
  const list = [
    person({ user_id: 1, name: 'Ada Lovelace', team_ids: [1], status: 'active' }),
    person({ user_id: 2, name: 'Bob', email: 'bob@example.com', team_ids: [2], status: 'idle' }),
    person({ user_id: 3, name: 'Cy', email: 'cy@ada.example', team_ids: [1, 2], status: 'offline' }),
  ];
  const ids = (people: LivePerson[]) => people.map((p) => p.user_id);

  it('filters by team, status and name or email', () => {
    expect(ids(filterLive(list, { teamId: 1, status: '', query: '' }))).toEqual([1, 3]);
    expect(ids(filterLive(list, { teamId: null, status: 'idle', query: '' }))).toEqual([2]);
    expect(ids(filterLive(list, { teamId: null, status: '', query: ' ADA ' }))).toEqual([1, 3]);
    expect(ids(filterLive(list, { teamId: 2, status: 'offline', query: 'cy' }))).toEqual([3]);
    expect(ids(filterLive(list, { teamId: 2, status: 'active', query: '' }))).toEqual([]);
  });

  it('counts statuses', () => {
    expect(countByStatus(list)).toEqual({ active: 1, idle: 1, paused: 0, off_hours: 0, online: 0, offline: 1 });
  });
});

describe('sortLive and labels', () => {
  it('sorts by name without regard to case', () => {
    const sorted = sortLive([person({ user_id: 1, name: 'bob' }), person({ user_id: 2, name: 'Ada' }), person({ user_id: 3, name: 'ada', email: 'a@b' })]);
    expect(sorted.map((p) => p.user_id)).toEqual([3, 2, 1]);
  });

  it('writes off hours with a space', () => {
    expect(statusLabel('off_hours')).toBe('off hours');
    expect(statusLabel('active')).toBe('active');
  });
});

