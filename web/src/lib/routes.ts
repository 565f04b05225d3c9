import type { Role } from './types';

/** The dashboard's pages, addressed by the URL fragment (`#/people`, `#/invite/<token>`). */
export type Page =
  | 'sign-in'
  | 'sign-up'
  | 'invite'
  | 'devices'
  | 'people'
  | 'structure'
  | 'org'
  | 'account'
  | 'audit';

export interface Route {
  page: Page;
  /** The invitation token of `#/invite/<token>`; '' otherwise. */
  token: string;
}

/** Pages reachable without a session. */
export const kPublicPages: readonly Page[] = ['sign-in', 'sign-up', 'invite'];

const kTitles: Record<Page, string> = {
  'sign-in': 'Sign in',
  'sign-up': 'Create an organization',
  invite: 'Join your organization',
  devices: 'Devices',
  people: 'People',
  structure: 'Departments and teams',
  org: 'Organization',
  account: 'My account',
  audit: 'Audit log',
};

/** The signed-in pages in navigation order, with who may open each. */
const kNavigation: readonly { page: Page; label: string; roles: readonly Role[] }[] = [
  { page: 'devices', label: 'Devices', roles: ['owner', 'admin', 'manager', 'employee'] },
  { page: 'people', label: 'People', roles: ['owner', 'admin', 'manager'] },
  { page: 'structure', label: 'Departments & teams', roles: ['owner', 'admin'] },
  { page: 'org', label: 'Organization', roles: ['owner', 'admin'] },
  { page: 'audit', label: 'Audit log', roles: ['owner', 'admin'] },
  { page: 'account', label: 'My account', roles: ['owner', 'admin', 'manager', 'employee'] },
];

const kTokenPattern = /^[A-Za-z0-9_-]{1,128}$/;
const kLegacyPaths: Record<string, Page> = { '/sign-in': 'sign-in', '/devices': 'devices' };

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
  if (parts.length === 1 && first !== undefined && Object.hasOwn(kTitles, first)) {
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
  return route.page === 'invite' ? `#/invite/${route.token}` : `#/${route.page}`;
}

/** The pages `role` may open, in navigation order, with their labels. */
export function navigationFor(role: Role): { page: Page; label: string }[] {
  return kNavigation.filter((item) => item.roles.includes(role)).map(({ page, label }) => ({ page, label }));
}

export function mayOpen(role: Role, page: Page): boolean {
  return kNavigation.some((item) => item.page === page && item.roles.includes(role));
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
