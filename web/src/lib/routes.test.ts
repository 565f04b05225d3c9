import { describe, expect, it } from 'vitest';
import { hashOf, landingPage, mayOpen, navigationFor, parseHash, parseLocation } from './routes';

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

  it('round-trips through hashOf', () => {
    for (const hash of ['#/devices', '#/audit', '#/invite/wti_x']) {
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

describe('navigation by role', () => {
  it('gives owners and admins every page', () => {
    const pages = navigationFor('owner').map((item) => item.page);
    expect(pages).toEqual(['devices', 'people', 'structure', 'org', 'audit', 'account']);
    expect(navigationFor('admin').map((item) => item.page)).toEqual(pages);
  });

  it('gives managers devices, people and their account', () => {
    expect(navigationFor('manager').map((item) => item.page)).toEqual(['devices', 'people', 'account']);
  });

  it('gives employees their devices and account only', () => {
    expect(navigationFor('employee').map((item) => item.page)).toEqual(['devices', 'account']);
    expect(mayOpen('employee', 'people')).toBe(false);
    expect(mayOpen('employee', 'audit')).toBe(false);
    expect(mayOpen('manager', 'audit')).toBe(false);
    expect(mayOpen('admin', 'audit')).toBe(true);
  });

  it('never offers the public pages to a signed-in user', () => {
    expect(mayOpen('owner', 'sign-in')).toBe(false);
    expect(mayOpen('owner', 'invite')).toBe(false);
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
