import { describe, expect, it } from 'vitest';
import { captureText, disabledText, pickableTeams, placeholderText, wallPeople } from './screen_view';
import type { ScreenFrame } from './screens';
import type { LivePerson, Team } from './types';

const frame = (requestId: string | null): ScreenFrame => ({
  key: '1:1:0',
  userId: 1,
  deviceId: 1,
  monitor: 0,
  width: 10,
  height: 10,
  takenAt: 1,
  receivedAt: 1,
  reason: requestId ? 'demand' : 'schedule',
  requestId,
  url: 'blob:x',
  bytes: 10,
});

const person = (user_id: number, name: string, team_ids: number[]): LivePerson => ({
  user_id,
  name,
  email: `${name}@example.com`,
  team_ids,
  status: 'active',
  app: '',
  title: '',
  since: null,
  device_id: null,
  last_seen_at: null,
});

const team = (id: number): Team => ({ id, name: `T${id}`, department_id: 1, member_count: 1, manager_ids: [] });

describe('placeholderText', () => {
  it('names the state', () => {
    expect(placeholderText('offline')).toBe('Offline');
    expect(placeholderText('paused')).toBe('Paused');
    expect(placeholderText('active')).toBe('Waiting for the next screenshot');
    expect(placeholderText(null)).toBe('Waiting for the next screenshot');
  });
});

describe('captureText', () => {
  it('follows a request to its frame', () => {
    expect(captureText(undefined, [])).toBe('');
    expect(captureText({ state: 'sending' }, [])).toBe('Asking…');
    expect(captureText({ state: 'sent', requestId: 'r1', devices: 2 }, [frame(null)])).toBe('Asked 2 devices; waiting for the screenshot…');
    expect(captureText({ state: 'sent', requestId: 'r1', devices: 1 }, [frame('r1')])).toBe('Captured.');
    const refusal = { deviceId: 1, requestId: 'r1', reason: 'idle', at: 1 };
    expect(captureText({ state: 'sent', requestId: 'r1', devices: 1 }, [], refusal)).toBe('');
    expect(captureText({ state: 'sent', requestId: 'r2', devices: 1 }, [], refusal)).toBe('Asked 1 device; waiting for the screenshot…');
  });

  it('says why it failed', () => {
    expect(captureText({ state: 'failed', code: 'unavailable', message: 'no device of this person is online' }, [])).toBe('No device of this person is online.');
    expect(captureText({ state: 'failed', code: 'rate_limited', message: 'x' }, [])).toMatch(/wait two seconds/);
    expect(captureText({ state: 'failed', code: 'invalid_argument', message: 'watch the person first' }, [])).toBe('watch the person first');
  });
});

describe('disabledText', () => {
  it('speaks only when turned off', () => {
    expect(disabledText(null)).toBe('');
    expect(disabledText(true)).toBe('');
    expect(disabledText(false)).toBe('Screenshots are turned off in Organization settings → Tracking');
  });
});

describe('wall selection', () => {
  it('offers managers their own teams only', () => {
    const teams = [team(1), team(2)];
    expect(pickableTeams(teams, { role: 'admin', managed_team_ids: [] })).toHaveLength(2);
    expect(pickableTeams(teams, { role: 'manager', managed_team_ids: [2] }).map((t) => t.id)).toEqual([2]);
  });

  it('filters by team, leaves out the viewer, sorts by name', () => {
    const people = [person(3, 'zed', [1]), person(2, 'Ada', [1, 2]), person(9, 'Me', [1])];
    expect(wallPeople(people, null, 9).map((p) => p.user_id)).toEqual([2, 3]);
    expect(wallPeople(people, 2, 9).map((p) => p.user_id)).toEqual([2]);
  });
});
