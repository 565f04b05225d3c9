import type { Role } from './types';
import { parseDate } from './zone_time';

/** The dashboard's pages, addressed by the URL fragment (`#/people`, `#/invite/<token>`). */
export type Page =
  | 'sign-in'
  | 'sign-up'
  | 'invite'
  | 'devices'
  | 'live'
  | 'day'
  | 'people'
  | 'structure'
  | 'org'
  | 'account'
  | 'audit'
  | 'websites'
  | 'screens'
  | 'screen';

export interface Route {
  page: Page;
  /** The invitation token of `#/invite/<token>`; '' otherwise. */
  token: string;
  /**
   * `day`: whose day (`#/people/<id>/day`); absent for the signed-in user's own (`#/day`).
   * `screen`: whose live screen (`#/people/<id>/screen`).
   */
  personId?: number;
  /** `day`, `websites`: which day ("YYYY-MM-DD" in the organization's zone); absent for today. */
  date?: string;
  /** `websites`: which team (`#/teams/<id>/websites`); absent for the first one the user sees. */
  teamId?: number;
}

/** Pages reachable without a session. */
export const kPublicPages: readonly Page[] = ['sign-in', 'sign-up', 'invite'];

const kTitles: Record<Page, string> = {
  'sign-in': 'Sign in',
  'sign-up': 'Create an organization',
  invite: 'Join your organization',
  devices: 'Devices',
  live: 'Live',
  day: 'Day',
  people: 'People',
  structure: 'Departments and teams',
  org: 'Organization',
  account: 'My account',
  audit: 'Audit log',
  websites: 'Websites',
  screens: 'Screens',
  screen: 'Live screen',
};

const kEveryone: readonly Role[] = ['owner', 'admin', 'manager', 'employee'];

/**
 * The signed-in pages in navigation order: who sees each in the navigation (`nav`) and who may
 * open it (`open`, default `nav`). Employees open the live view and the organization page too,
 * and see only themselves there and the tracking policy read-only.
 */
const kNavigation: readonly { page: Page; label: string; nav: readonly Role[]; open?: readonly Role[] }[] = [
  { page: 'devices', label: 'Devices', nav: kEveryone },
  { page: 'live', label: 'Live', nav: ['owner', 'admin', 'manager'], open: kEveryone },
  { page: 'day', label: 'My day', nav: kEveryone },
  { page: 'people', label: 'People', nav: ['owner', 'admin', 'manager'] },
  { page: 'screens', label: 'Screens', nav: ['owner', 'admin', 'manager'] },
  { page: 'structure', label: 'Departments & teams', nav: ['owner', 'admin'] },
  { page: 'org', label: 'Organization', nav: ['owner', 'admin'], open: kEveryone },
  { page: 'audit', label: 'Audit log', nav: ['owner', 'admin'] },
  { page: 'account', label: 'My account', nav: kEveryone },
  // Reached from the People page (and its team filter), not from the header.
  { page: 'websites', label: 'Websites', nav: [], open: ['owner', 'admin', 'manager'] },
  // Reached from the Screens wall and a person's day.
  { page: 'screen', label: 'Live screen', nav: [], open: ['owner', 'admin', 'manager'] },
];

const kTokenPattern = /^[A-Za-z0-9_-]{1,128}$/;
const kIdPattern = /^[1-9]\d{0,14}$/;
const kLegacyPaths: Record<string, Page> = { '/sign-in': 'sign-in', '/devices': 'devices' };

/** `#/people/<id>/day[/<date>]` or `#/people/<id>/screen`, or null. */
function parsePersonPath(parts: readonly string[]): Route | null {
  const [first, id, third, date] = parts;
  if (first === 'people' && third === 'screen' && id !== undefined && kIdPattern.test(id) && parts.length === 3) {
    return { page: 'screen', token: '', personId: Number(id) };
  }
  if (first !== 'people' || third !== 'day' || id === undefined || !kIdPattern.test(id) || parts.length > 4) return null;
  if (date !== undefined && parseDate(date) === null) return null;
  const route: Route = { page: 'day', token: '', personId: Number(id) };
  if (date !== undefined) route.date = date;
  return route;
}

/** `#/teams/<id>/websites[/<date>]`, or null. */
function parseTeamWebsitesPath(parts: readonly string[]): Route | null {
  const [first, id, third, date] = parts;
  if (first !== 'teams' || third !== 'websites' || id === undefined || !kIdPattern.test(id) || parts.length > 4) return null;
  if (date !== undefined && parseDate(date) === null) return null;
  const route: Route = { page: 'websites', token: '', teamId: Number(id) };
  if (date !== undefined) route.date = date;
  return route;
}

/** The route of a location fragment; null for anything that is not one of ours. */
export function parseHash(hash: string): Route | null {
  const path = hash.replace(/^#/, '');
  const parts = path.split('/').filter((part) => part.length > 0);
  const [first, second] = parts;
  if (first === 'invite') {
    return second !== undefined && kTokenPattern.test(second) && parts.length === 2
      ? { page: 'invite', token: second }
      : null;
  }
  if (first === 'people' && parts.length > 1) return parsePersonPath(parts);
  if (first === 'teams') return parseTeamWebsitesPath(parts);
  if (parts.length === 1 && first !== undefined && first !== 'screen' && Object.hasOwn(kTitles, first)) {
    return { page: first as Page, token: '' };
  }
  return null;
}

/** The route of a whole location: the fragment, else the foundation's paths (/devices, /sign-in). */
export function parseLocation(location: Pick<Location, 'hash' | 'pathname'>): Route | null {
  const fromHash = parseHash(location.hash);
  if (fromHash) return fromHash;
  const legacy = Object.hasOwn(kLegacyPaths, location.pathname) ? kLegacyPaths[location.pathname] : undefined;
  return legacy ? { page: legacy, token: '' } : null;
}

export function hashOf(route: Route): string {
  if (route.page === 'invite') return `#/invite/${route.token}`;
  if (route.page === 'day' && route.personId !== undefined) {
    return `#/people/${route.personId}/day${route.date ? `/${route.date}` : ''}`;
  }
  if (route.page === 'screen' && route.personId !== undefined) return `#/people/${route.personId}/screen`;
  if (route.page === 'websites' && route.teamId !== undefined) {
    return `#/teams/${route.teamId}/websites${route.date ? `/${route.date}` : ''}`;
  }
  return `#/${route.page}`;
}

/** The fragment of a team's websites (`teamId` absent: the first team; `date` absent: today). */
export function teamWebsitesHash(teamId?: number, date?: string): string {
  if (teamId === undefined) return '#/websites';
  return hashOf(date ? { page: 'websites', token: '', teamId, date } : { page: 'websites', token: '', teamId });
}

/** The fragment of `personId`'s day (`date` absent: today). */
export function dayHash(personId: number, date?: string): string {
  return hashOf(date ? { page: 'day', token: '', personId, date } : { page: 'day', token: '', personId });
}

/** The fragment of `personId`'s live screen. */
export function screenHash(personId: number): string {
  return hashOf({ page: 'screen', token: '', personId });
}

/** The pages in `role`'s navigation, in order, with their labels. */
export function navigationFor(role: Role): { page: Page; label: string }[] {
  return kNavigation.filter((item) => item.nav.includes(role)).map(({ page, label }) => ({ page, label }));
}

export function mayOpen(role: Role, page: Page): boolean {
  return kNavigation.some((item) => item.page === page && (item.open ?? item.nav).includes(role));
}

/**
 * Where a signed-in user lands for `requested`: the page itself when the role may open it,
 * the account page while the organization's 2FA requirement is unmet, else the devices page.
 */
export function landingPage(role: Role, requested: Page | null, mfaSetupRequired: boolean): Page {
  if (mfaSetupRequired) return 'account';
  if (requested && mayOpen(role, requested)) return requested;
  return 'devices';
}

export function titleOf(page: Page): string {
  return `${kTitles[page]} · Worktrace`;
}

/**
 * Shows `route` in the address bar as `/#/page` (replacing the entry: these are redirects) and
 * in the window title.
 */
export function showRoute(route: Route): void {
  const target = `/${hashOf(route)}`;
  if (window.location.pathname + window.location.hash !== target) window.history.replaceState(null, '', target);
  document.title = titleOf(route.page);
}
