// The live team view's list: what each visible person is doing now, kept current by
// `activity.state` messages, and the filters the page offers. Pure functions.
import type { ActivityStatus, LivePerson, ServerMessage } from './types';

export const kActivityStatuses: readonly ActivityStatus[] = ['active', 'idle', 'paused', 'off_hours', 'online', 'offline'];

const kStatusLabels: Record<ActivityStatus, string> = {
  active: 'active',
  idle: 'idle',
  paused: 'paused',
  off_hours: 'off hours',
  online: 'online',
  offline: 'offline',
};

export function statusLabel(status: ActivityStatus): string {
  return kStatusLabels[status] ?? status;
}

/** What the status means, for the pill's tooltip. */
export function statusHint(status: ActivityStatus): string {
  switch (status) {
    case 'active':
      return 'Working on the computer now';
    case 'idle':
      return 'No input for longer than the idle threshold';
    case 'paused':
      return 'Tracking is paused for this person (restriction of processing)';
    case 'off_hours':
      return 'Outside the work schedule: nothing is recorded';
    case 'online':
      return 'The agent is connected but has not reported activity yet';
    case 'offline':
      return 'No agent of this person is connected';
  }
}

/** By name (case-insensitive), then email, then id: the order of GET /api/v1/activity/live. */
export function sortLive(people: readonly LivePerson[]): LivePerson[] {
  return [...people].sort(
    (a, b) =>
      a.name.localeCompare(b.name, 'en', { sensitivity: 'base' }) ||
      a.email.localeCompare(b.email, 'en', { sensitivity: 'base' }) ||
      a.user_id - b.user_id,
  );
}

/** How active a status is: a person with several devices shows the most active one. */
const kStatusRank: Record<ActivityStatus, number> = { active: 5, idle: 4, paused: 3, off_hours: 2, online: 1, offline: 0 };

/**
 * The list after `message` (a new array; the input is not modified). An `activity.state` updates
 * its person's row in place. A message about another device than the one the row shows wins
 * only when it is at least as active (the server's rule for a person with several devices), so
 * an idle laptop does not hide an active desktop. Other messages and unknown people leave the
 * list as it is.
 */
export function applyActivityState(people: readonly LivePerson[], message: ServerMessage): LivePerson[] {
  if (message.type !== 'activity.state') return [...people];
  return people.map((person) => {
    if (person.user_id !== message.user_id) return person;
    const otherDevice = person.device_id !== null && message.device_id !== null && person.device_id !== message.device_id;
    if (otherDevice && kStatusRank[message.status] < kStatusRank[person.status]) return person;
    return {
      ...person,
      status: message.status,
      app: message.app,
      title: message.title,
      since: message.since,
      device_id: message.device_id ?? person.device_id,
      last_seen_at: message.status === 'offline' ? (message.since ?? person.last_seen_at) : person.last_seen_at,
    };
  });
}

export interface LiveFilter {
  teamId: number | null;
  status: ActivityStatus | '';
  /** Matched against name and email, case-insensitive. */
  query: string;
}

export function filterLive(people: readonly LivePerson[], filter: LiveFilter): LivePerson[] {
  const query = filter.query.trim().toLocaleLowerCase('en');
  return people.filter(
    (person) =>
      (filter.teamId === null || person.team_ids.includes(filter.teamId)) &&
      (filter.status === '' || person.status === filter.status) &&
      (query === '' || person.name.toLocaleLowerCase('en').includes(query) || person.email.toLocaleLowerCase('en').includes(query)),
  );
}

/** How many people have each status (for the filter's option labels). */
export function countByStatus(people: readonly LivePerson[]): Record<ActivityStatus, number> {
  const counts = Object.fromEntries(kActivityStatuses.map((status) => [status, 0])) as Record<ActivityStatus, number>;
  for (const person of people) counts[person.status] = (counts[person.status] ?? 0) + 1;
  return counts;
}

