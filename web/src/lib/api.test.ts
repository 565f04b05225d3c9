import { describe, expect, it } from 'vitest';
import { Api, ApiError, type FetchFn } from './api';

interface Call {
  input: string;
  init: RequestInit | undefined;
}

function recording(respond: (call: Call) => Response | Promise<Response>) {
  const calls: Call[] = [];
  const fetchFn: FetchFn = async (input, init) => {
    const call = { input, init };
    calls.push(call);
    return respond(call);
  };
  return { api: new Api(fetchFn), calls };
}

const json = (status: number, body: unknown) =>
  new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });

describe('Api', () => {
  it('posts the login as JSON with same-origin credentials', async () => {
    const session = { user: { id: 1, email: 'a@b.c', name: 'A', role: 'owner' }, org: { id: 1, name: 'Org' } };
    const { api, calls } = recording(() => json(200, session));
    await expect(api.login('a@b.c', 'secret')).resolves.toEqual(session);
    expect(calls[0]?.input).toBe('/api/v1/auth/login');
    expect(calls[0]?.init?.method).toBe('POST');
    expect(calls[0]?.init?.credentials).toBe('same-origin');
    expect(new Headers(calls[0]?.init?.headers).get('content-type')).toBe('application/json');
    expect(JSON.parse(String(calls[0]?.init?.body))).toEqual({ email: 'a@b.c', password: 'secret' });
  });

  it("surfaces the server's error code and message", async () => {
    const { api } = recording(() =>
      json(401, { error: { code: 'unauthenticated', message: 'email or password is wrong' } }),
    );
    const failure = await api.login('a@b.c', 'nope').catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(ApiError);
    expect(failure).toMatchObject({ status: 401, code: 'unauthenticated', message: 'email or password is wrong' });
    expect((failure as ApiError).unauthenticated).toBe(true);
  });

  it('copes with an error body that is not JSON', async () => {
    const { api } = recording(() => new Response('<html>Bad gateway</html>', { status: 502, statusText: 'Bad Gateway' }));
    await expect(api.me()).rejects.toMatchObject({ status: 502, code: 'http_502', message: 'Bad Gateway' });
  });

  it('turns a network failure into a readable error', async () => {
    const { api } = recording(() => {
      throw new TypeError('Failed to fetch');
    });
    await expect(api.version()).rejects.toMatchObject({ status: 0, code: 'network' });
  });

  it('unwraps the device list and accepts 204 on logout', async () => {
    const { api, calls } = recording((call) =>
      call.input === '/api/v1/devices' ? json(200, { devices: [{ id: 1 }] }) : new Response(null, { status: 204 }),
    );
    await expect(api.devices()).resolves.toEqual([{ id: 1 }]);
    await expect(api.logout()).resolves.toBeUndefined();
    expect(calls[1]?.init?.method).toBe('POST');
  });

  it('creates an enrollment token for one use', async () => {
    const token = { id: 4, token: 'wte_x', uses: 1, expires_at: 1 };
    const { api, calls } = recording(() => json(201, token));
    await expect(api.createEnrollmentToken()).resolves.toEqual(token);
    expect(calls[0]?.input).toBe('/api/v1/enrollment-tokens');
    expect(JSON.parse(String(calls[0]?.init?.body))).toEqual({ uses: 1 });
  });
});

describe('Api sessions', () => {
  const person = { id: 1, email: 'a@b.c', name: 'A', role: 'owner' };

  it('sends the CSRF token from the sign-in on unsafe requests only', async () => {
    const { api, calls } = recording((call) =>
      call.input === '/api/v1/auth/login'
        ? json(200, { user: person, org: { id: 1, name: 'O' }, csrf_token: 'csrf-1' })
        : json(200, { departments: [] }),
    );
    await api.login('a@b.c', 'pw');
    await api.departments();
    await api.createDepartment({ name: 'Eng' });
    expect(new Headers(calls[0]?.init?.headers).get('x-csrf-token')).toBeNull();
    expect(new Headers(calls[1]?.init?.headers).get('x-csrf-token')).toBeNull();
    expect(new Headers(calls[2]?.init?.headers).get('x-csrf-token')).toBe('csrf-1');
    expect(calls[2]?.init?.method).toBe('POST');
  });

  it('takes the token from /me and forgets it on logout', async () => {
    const { api, calls } = recording((call) =>
      call.input === '/api/v1/me'
        ? json(200, { user: person, org: { id: 1, name: 'O' }, csrf_token: 'csrf-me' })
        : new Response(null, { status: 204 }),
    );
    await api.me();
    await api.revokeSession(7);
    await api.logout();
    await api.revokeOtherSessions();
    expect(calls[1]?.input).toBe('/api/v1/me/sessions/7');
    expect(new Headers(calls[1]?.init?.headers).get('x-csrf-token')).toBe('csrf-me');
    expect(new Headers(calls[2]?.init?.headers).get('x-csrf-token')).toBe('csrf-me');
    expect(new Headers(calls[3]?.init?.headers).get('x-csrf-token')).toBeNull();
  });

  it('returns the 2FA challenge without remembering a session', async () => {
    const { api } = recording(() => json(200, { mfa_required: true, challenge: 'ch' }));
    await expect(api.login('a@b.c', 'pw')).resolves.toEqual({ mfa_required: true, challenge: 'ch' });
    expect(api.hasCsrfToken).toBe(false);
  });

  it('reports a lost session, but not a wrong password, to the app', async () => {
    const lost: string[] = [];
    const { api } = recording(() => json(401, { error: { code: 'unauthenticated', message: 'nope' } }));
    api.events = { onUnauthenticated: (error) => lost.push(error.message) };
    await expect(api.login('a@b.c', 'pw')).rejects.toMatchObject({ status: 401 });
    await expect(api.loginSecondFactor('ch', '123456')).rejects.toMatchObject({ status: 401 });
    expect(lost).toEqual([]);
    await expect(api.people()).rejects.toMatchObject({ status: 401 });
    expect(lost).toEqual(['nope']);
  });

  it('reports the organization requiring 2FA, and no other 403', async () => {
    const required: number[] = [];
    let message = 'two-factor authentication is required by your organization: set it up in your account';
    const { api } = recording(() => json(403, { error: { code: 'permission_denied', message } }));
    api.events = { onMfaRequired: (error) => required.push(error.status) };
    const failure = await api.org().catch((error: unknown) => error);
    expect((failure as ApiError).mfaSetupRequired).toBe(true);
    expect(required).toEqual([403]);
    message = 'CSRF token missing or wrong';
    await expect(api.org()).rejects.toMatchObject({ status: 403 });
    expect(required).toEqual([403]);
  });

  it('says when to retry after a 429', async () => {
    let message = 'too many requests';
    const { api } = recording(
      () =>
        new Response(JSON.stringify({ error: { code: 'rate_limited', message } }), {
          status: 429,
          headers: { 'Content-Type': 'application/json', 'Retry-After': '12' },
        }),
    );
    await expect(api.people()).rejects.toMatchObject({ status: 429, retryAfterS: 12, message: 'too many requests (try again in 12 s)' });
    message = 'too many failed sign-ins; try again in 30 s';
    await expect(api.login('a@b.c', 'pw')).rejects.toMatchObject({ message: 'too many failed sign-ins; try again in 30 s' });
  });

  it('builds filter queries from the set values only', async () => {
    const { api, calls } = recording(() => json(200, { people: [], entries: [], next_before_seq: null }));
    await api.people({ status: 'invited', department_id: null, team_id: 4, q: '  ada ' });
    await api.people();
    await api.audit({ action: 'person.invited', before_seq: 90, limit: 50, from: null });
    expect(calls[0]?.input).toBe('/api/v1/people?status=invited&team_id=4&q=ada');
    expect(calls[1]?.input).toBe('/api/v1/people');
    expect(calls[2]?.input).toBe('/api/v1/audit?action=person.invited&before_seq=90&limit=50');
  });

  it('follows the people pages to the end', async () => {
    const person = (id: number) => ({ id, email: `p${id}@b.c`, name: `P ${id}` });
    const { api, calls } = recording((call) =>
      call.input.includes('after=2.7032')
        ? json(200, { people: [person(3)], next: null })
        : json(200, { people: [person(1), person(2)], next: '2.7032' }),
    );
    const people = await api.people({ status: 'active' });
    expect(people.map((p) => p.id)).toEqual([1, 2, 3]);
    expect(calls.map((call) => call.input)).toEqual([
      '/api/v1/people?status=active',
      '/api/v1/people?status=active&after=2.7032',
    ]);
  });

  it('cancels an invitation with DELETE on the person', async () => {
    const { api, calls } = recording(() => new Response(null, { status: 204 }));
    await api.cancelInvitation(7);
    expect(calls[0]?.input).toBe('/api/v1/people/7');
    expect(calls[0]?.init?.method).toBe('DELETE');
  });
});

describe('Api activity', () => {
  it('reads the live list, a timeline and input minutes with integer ranges', async () => {
    const { api, calls } = recording((call) =>
      call.input.includes('/input') ? json(200, { minutes: [{ minute: 60_000, keys: 1, clicks: 0, scrolls: 0, distance_px: 0 }] }) : json(200, { people: [] }),
    );
    await expect(api.liveActivity()).resolves.toEqual([]);
    await api.timeline(5, 1_774_738_800_000, 1_774_821_600_000);
    await expect(api.input(5, 1_774_738_800_000.4, 1_774_821_600_000)).resolves.toHaveLength(1);
    expect(calls.map((call) => call.input)).toEqual([
      '/api/v1/activity/live',
      '/api/v1/people/5/timeline?from=1774738800000&to=1774821600000',
      '/api/v1/people/5/input?from=1774738800000&to=1774821600000',
    ]);
  });

  it('writes the tracking policy and a pause with PUT and the CSRF token', async () => {
    const person = { id: 1, email: 'a@b.c', name: 'A', role: 'owner' };
    const { api, calls } = recording((call) => {
      if (call.input === '/api/v1/auth/login') return json(200, { user: person, org: { id: 1, name: 'O' }, csrf_token: 'csrf-2' });
      if (call.input === '/api/v1/people/9/tracking') return json(200, { user_id: 9, paused: true });
      return json(200, { idle_threshold_s: 300, notify_on_start: true, schedule: null });
    });
    await api.login('a@b.c', 'pw');
    await expect(api.updateTracking({ idle_threshold_s: 300 })).resolves.toMatchObject({ idle_threshold_s: 300 });
    await expect(api.setTrackingPaused(9, true)).resolves.toBe(true);
    for (const call of calls.slice(1)) {
      expect(call.init?.method).toBe('PUT');
      expect(new Headers(call.init?.headers).get('x-csrf-token')).toBe('csrf-2');
    }
    expect(JSON.parse(String(calls[1]?.init?.body))).toEqual({ idle_threshold_s: 300 });
    expect(JSON.parse(String(calls[2]?.init?.body))).toEqual({ paused: true });
  });
  it('reads whether a person is paused with GET', async () => {
    const { api, calls } = recording(() => json(200, { user_id: 4, paused: true }));
    await expect(api.trackingPaused(4)).resolves.toBe(true);
    expect(calls[0]?.input).toBe('/api/v1/people/4/tracking');
    expect(calls[0]?.init?.method ?? 'GET').toBe('GET');
  });

});

describe('Api websites and redaction', () => {
  it('reads a person\'s and a team\'s websites with integer ranges', async () => {
    const { api, calls } = recording(() => json(200, { from: 1, to: 2, total_seconds: 0, domains: [] }));
    await api.personWebsites(5, 1_774_738_800_000.7, 1_774_821_600_000);
    await api.teamWebsites(3, 1_774_738_800_000, 1_774_821_600_000);
    expect(calls.map((call) => call.input)).toEqual([
      '/api/v1/people/5/websites?from=1774738800000&to=1774821600000',
      '/api/v1/teams/3/websites?from=1774738800000&to=1774821600000',
    ]);
  });

  it('reads the redaction policy and replaces it with PUT and the CSRF token', async () => {
    const person = { id: 1, email: 'a@b.c', name: 'A', role: 'owner' };
    const policy = { url_mode: 'domain', title_rules: [{ pattern: 'x', action: 'drop' }], excluded_domains: ['a.com'], excluded_apps: [] };
    const { api, calls } = recording((call) => {
      if (call.input === '/api/v1/auth/login') return json(200, { user: person, org: { id: 1, name: 'O' }, csrf_token: 'csrf-3' });
      return json(200, policy);
    });
    await api.login('a@b.c', 'pw');
    await expect(api.redaction()).resolves.toEqual(policy);
    await expect(api.updateRedaction({ url_mode: 'domain', title_rules: [{ pattern: 'x', action: 'drop' }], excluded_domains: ['a.com'], excluded_apps: [] })).resolves.toEqual(policy);
    expect(calls[1]?.input).toBe('/api/v1/org/redaction');
    expect(calls[1]?.init?.method ?? 'GET').toBe('GET');
    expect(calls[2]?.init?.method).toBe('PUT');
    expect(new Headers(calls[2]?.init?.headers).get('x-csrf-token')).toBe('csrf-3');
    expect(JSON.parse(String(calls[2]?.init?.body))).toEqual(policy);
  });
});
