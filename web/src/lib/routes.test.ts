import { describe, expect, it } from 'vitest';
import { dayHash, hashOf, screenHash, teamWebsitesHash, landingPage, mayOpen, navigationFor, parseHash, parseLocation } from './routes';

describe('parseHash', () => {
  it('reads the pages and the invitation token', () => {
    expect(parseHash('#/people')).toEqual({ page: 'people', token: '' });
    expect(parseHash('#/account')).toEqual({ page: 'account', token: '' });
    expect(parseHash('#/invite/wti_abc-DEF_123')).toEqual({ page: 'invite', token: 'wti_abc-DEF_123' });
  });

  it('refuses unknown pages, bad tokens and extra segments', () => {
    expect(parseHash('')).toBeNull();
    expect(parseHash('#/')).toBeNull();
    expect(parseHash('#/nope')).toBeNull();
    expect(parseHash('#/invite')).toBeNull();
    expect(parseHash('#/invite/a b')).toBeNull();
    expect(parseHash('#/invite/' + 'a'.repeat(129))).toBeNull();
    expect(parseHash('#/invite/abc/more')).toBeNull();
    expect(parseHash('#/people/extra')).toBeNull();
    expect(parseHash('#/constructor')).toBeNull();
  });

  it("reads a person's day, with or without the date", () => {
    expect(parseHash('#/live')).toEqual({ page: 'live', token: '' });
    expect(parseHash('#/day')).toEqual({ page: 'day', token: '' });
    expect(parseHash('#/people/12/day')).toEqual({ page: 'day', token: '', personId: 12 });
    expect(parseHash('#/people/12/day/2026-03-29')).toEqual({ page: 'day', token: '', personId: 12, date: '2026-03-29' });
  });

  it('refuses bad ids, dates and day paths', () => {
    expect(parseHash('#/people/0/day')).toBeNull();
    expect(parseHash('#/people/x/day')).toBeNull();
    expect(parseHash('#/people/12')).toBeNull();
    expect(parseHash('#/people/12/week')).toBeNull();
    expect(parseHash('#/people/12/day/2026-02-30')).toBeNull();
    expect(parseHash('#/people/12/day/today')).toBeNull();
    expect(parseHash('#/people/12/day/2026-03-29/more')).toBeNull();
  });

  it('round-trips through hashOf', () => {
    for (const hash of ['#/devices', '#/audit', '#/invite/wti_x', '#/live', '#/day', '#/people/7/day', '#/people/7/day/2026-10-25']) {
      const route = parseHash(hash);
      expect(route).not.toBeNull();
      if (route) expect(hashOf(route)).toBe(hash);
    }
  });
});

describe('parseLocation', () => {
  it("prefers the fragment and understands the foundation's paths", () => {
    expect(parseLocation({ hash: '#/people', pathname: '/devices' })?.page).toBe('people');
    expect(parseLocation({ hash: '', pathname: '/devices' })?.page).toBe('devices');
    expect(parseLocation({ hash: '', pathname: '/sign-in' })?.page).toBe('sign-in');
    expect(parseLocation({ hash: '', pathname: '/' })).toBeNull();
  });
});

describe('team websites routes', () => {
  it('reads #/websites and a team\'s websites with or without the date', () => {
    expect(parseHash('#/websites')).toEqual({ page: 'websites', token: '' });
    expect(parseHash('#/teams/4/websites')).toEqual({ page: 'websites', token: '', teamId: 4 });
    expect(parseHash('#/teams/4/websites/2026-03-29')).toEqual({ page: 'websites', token: '', teamId: 4, date: '2026-03-29' });
  });

  it('refuses bad ids, dates and paths', () => {
    expect(parseHash('#/teams')).toBeNull();
    expect(parseHash('#/teams/0/websites')).toBeNull();
    expect(parseHash('#/teams/4')).toBeNull();
    expect(parseHash('#/teams/4/members')).toBeNull();
    expect(parseHash('#/teams/4/websites/2026-02-30')).toBeNull();
    expect(parseHash('#/teams/4/websites/2026-03-29/x')).toBeNull();
  });

  it('round-trips through hashOf and teamWebsitesHash', () => {
    expect(teamWebsitesHash()).toBe('#/websites');
    expect(teamWebsitesHash(4)).toBe('#/teams/4/websites');
    expect(teamWebsitesHash(4, '2026-03-29')).toBe('#/teams/4/websites/2026-03-29');
    expect(parseHash(teamWebsitesHash(4, '2026-03-29'))).toEqual({ page: 'websites', token: '', teamId: 4, date: '2026-03-29' });
  });

  it('is open to owners, admins and managers but in nobody\'s header', () => {
    expect(mayOpen('owner', 'websites')).toBe(true);
    expect(mayOpen('admin', 'websites')).toBe(true);
    expect(mayOpen('manager', 'websites')).toBe(true);
    expect(mayOpen('employee', 'websites')).toBe(false);
  });
});

describe('navigation by role', () => {
  it('gives owners and admins every page', () => {
    const pages = navigationFor('owner').map((item) => item.page);
    expect(pages).toEqual(['devices', 'live', 'day', 'people', 'screens', 'structure', 'org', 'audit', 'account']);
    expect(navigationFor('admin').map((item) => item.page)).toEqual(pages);
    expect(navigationFor('owner').find((item) => item.page === 'day')?.label).toBe('My day');
  });

  it('gives managers devices, the live view, their day, people and their account', () => {
    expect(navigationFor('manager').map((item) => item.page)).toEqual(['devices', 'live', 'day', 'people', 'screens', 'account']);
  });

  it('gives employees their devices, their day and account', () => {
    expect(navigationFor('employee').map((item) => item.page)).toEqual(['devices', 'day', 'account']);
    expect(mayOpen('employee', 'people')).toBe(false);
    expect(mayOpen('employee', 'audit')).toBe(false);
    expect(mayOpen('manager', 'audit')).toBe(false);
    expect(mayOpen('admin', 'audit')).toBe(true);
  });

  it('lets everyone open the live view (themselves), days and the tracking policy', () => {
    for (const page of ['live', 'day', 'org'] as const) expect(mayOpen('employee', page)).toBe(true);
    expect(mayOpen('manager', 'org')).toBe(true);
  });

  it('never offers the public pages to a signed-in user', () => {
    expect(mayOpen('owner', 'sign-in')).toBe(false);
    expect(mayOpen('owner', 'invite')).toBe(false);
  });
});

describe('dayHash', () => {
  it('addresses a day or today', () => {
    expect(dayHash(5)).toBe('#/people/5/day');
    expect(dayHash(5, '2026-03-29')).toBe('#/people/5/day/2026-03-29');
  });
});

describe('landingPage', () => {
  it('opens the requested page when the role may', () => {
    expect(landingPage('admin', 'people', false)).toBe('people');
    expect(landingPage('employee', 'people', false)).toBe('devices');
    expect(landingPage('owner', null, false)).toBe('devices');
    expect(landingPage('owner', 'sign-in', false)).toBe('devices');
  });

  it('sends users who must set up 2FA to their account', () => {
    expect(landingPage('owner', 'people', true)).toBe('account');
  });
});

describe('screen routes', () => {
  it('parses and builds the wall and a person\'s live screen', () => {
    expect(parseHash('#/screens')).toEqual({ page: 'screens', token: '' });
    expect(parseHash('#/people/12/screen')).toEqual({ page: 'screen', token: '', personId: 12 });
    expect(screenHash(12)).toBe('#/people/12/screen');
    expect(hashOf({ page: 'screen', token: '', personId: 3 })).toBe('#/people/3/screen');
  });

  it('refuses malformed screen paths', () => {
    expect(parseHash('#/screen')).toBeNull();
    expect(parseHash('#/people/0/screen')).toBeNull();
    expect(parseHash('#/people/x/screen')).toBeNull();
    expect(parseHash('#/people/4/screen/extra')).toBeNull();
  });

  it('lets owners, admins and managers open them, not employees', () => {
    for (const role of ['owner', 'admin', 'manager'] as const) {
      expect(mayOpen(role, 'screens')).toBe(true);
      expect(mayOpen(role, 'screen')).toBe(true);
    }
    expect(mayOpen('employee', 'screens')).toBe(false);
    expect(mayOpen('employee', 'screen')).toBe(false);
  });
});
