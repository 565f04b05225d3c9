// What the screen pages say about a person: the placeholder before a frame, the state of
// "Capture now", and who is on the wall.
import { kDisabledText, type CaptureState, type Refusal, type ScreenFrame } from './screens';
import type { ActivityStatus, LivePerson, Person, Team } from './types';

/** The words in a tile or view that has no screenshot to show. */
export function placeholderText(status: ActivityStatus | null): string {
  switch (status) {
    case 'offline':
      return 'Offline';
    case 'paused':
      return 'Paused';
    case 'off_hours':
      return 'Outside work hours';
    case 'idle':
      return 'Idle: no screenshots while idle';
    default:
      return 'Waiting for the next screenshot';
  }
}

/**
 * The line beside "Capture now": what became of the last request; '' when there is nothing to
 * say or the device's refusal of it says it (shown on its own).
 */
export function captureText(capture: CaptureState | undefined, frames: readonly ScreenFrame[], refusal?: Refusal): string {
  if (!capture) return '';
  switch (capture.state) {
    case 'sending':
      return 'Asking…';
    case 'sent': {
      if (frames.some((frame) => frame.requestId === capture.requestId)) return 'Captured.';
      if (refusal?.requestId === capture.requestId) return '';
      const devices = capture.devices === 1 ? '1 device' : `${capture.devices} devices`;
      return `Asked ${devices}; waiting for the screenshot…`;
    }
    case 'failed':
      if (capture.code === 'rate_limited') return 'Just asked; wait two seconds before asking again.';
      if (capture.code === 'unavailable') return 'No device of this person is online.';
      return capture.message;
  }
}

/** Why nothing can be watched, when the organization turned screenshots off; else ''. */
export function disabledText(enabled: boolean | null): string {
  return enabled === false ? kDisabledText : '';
}

/** The teams the viewer may pick: all for owners and admins, the managed ones for managers. */
export function pickableTeams(teams: readonly Team[], viewer: Pick<Person, 'role' | 'managed_team_ids'>): Team[] {
  if (viewer.role === 'owner' || viewer.role === 'admin') return [...teams];
  return teams.filter((team) => viewer.managed_team_ids.includes(team.id));
}

/** The people on the wall: of `teamId` (null: everyone the viewer sees), the viewer excluded, by name. */
export function wallPeople(people: readonly LivePerson[], teamId: number | null, viewerId: number): LivePerson[] {
  return people
    .filter((person) => person.user_id !== viewerId && (teamId === null || person.team_ids.includes(teamId)))
    .sort((a, b) => a.name.localeCompare(b.name, 'en', { sensitivity: 'base' }) || a.user_id - b.user_id);
}
