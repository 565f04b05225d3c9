// The cross-tenant suite: two organizations with every role. Every route the server has must
// have an entry in kRoutes (the test reads `worktrace-server routes`); every route with a path
// id is called with the other organization's ids (404), with a lower role (403) and with an
// allowed role (2xx). Bodies naming another organization's ids are refused; WebSocket viewers
// only get events of devices they may see; API token scopes and revocation hold.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client, describeResponse as show, expectStatus, signIn } from '../lib/api.mjs';
import { enrollDevice, invite, startFixture } from '../lib/fixture.mjs';
import { Harness, deviceInfo, sleep } from '../lib/harness.mjs';
import { connectAgent, connectDashboard, openViewer } from '../lib/ws.mjs';

const h = new Harness('integration-tenancy');
let fx;
let A;
let B;
let serial = 0;

/** A name no other call of this run uses. */
function unique(prefix) {
  serial += 1;
  return `${prefix} ${serial}`;
}

before(async () => {
  fx = await startFixture(h);
  A = fx.orgs.a;
  B = fx.orgs.b;
});

after(() => h.cleanup());

// ---- Disposable resources of org A, made by its owner, for calls that change or delete. ----

async function freshDepartment() {
  return expectStatus(await A.people.owner.client.post('/api/v1/departments', { name: unique('Dept') }), 201, 'department').id;
}

async function freshTeam() {
  const body = { name: unique('Team'), department_id: A.department.id };
  return expectStatus(await A.people.owner.client.post('/api/v1/teams', body), 201, 'team').id;
}

async function freshTeamWithMember() {
  const team = await freshTeam();
  const path = `/api/v1/teams/${team}/members/${A.people.employeeA.id}`;
  expectStatus(await A.people.owner.client.put(path, { is_manager: false }), 200, 'add member');
  return { team, user: A.people.employeeA.id };
}

async function freshInvited() {
  const email = `${unique('invitee').replace(' ', '-')}@a.worktrace.test`;
  const invited = await invite(A.people.owner.client, { email, name: 'Invitee', role: 'employee' });
  return invited.person.id;
}

async function freshEnrollmentToken() {
  return expectStatus(await A.people.owner.client.post('/api/v1/enrollment-tokens', { uses: 1 }), 201, 'enrollment token').id;
}

async function freshDevice() {
  return (await enrollDevice(A.people.owner.client, unique('disposable').replace(' ', '-'))).id;
}

async function freshApiToken() {
  const body = { name: unique('token'), scopes: ['people:read'] };
  return expectStatus(await A.people.owner.client.post('/api/v1/api-tokens', body), 201, 'API token').id;
}

/** A new session of org A's employeeA; returns its id from GET /me/sessions (current: true). */
async function freshSessionOfEmployeeA() {
  const session = await signIn(A.origin, A.people.employeeA.email, A.people.employeeA.password);
  const list = expectStatus(await session.get('/api/v1/me/sessions'), 200, 'sessions');
  const current = list.sessions.find((entry) => entry.current);
  assert.ok(current, `no current session in ${JSON.stringify(list)}`);
  return current.id;
}

// ---- The coverage table. ----
// Keys are "METHOD PATTERN" with any {param} written "{}". An entry is one of:
//   {public: why}                   no caller identity (or a device credential / a token in the path)
//   {self: why}                     acts on the caller only, no id of anyone else in the path
//   {list: {allow, deny}}           no path id: roles that get 2xx / 403 (GET only, or with body)
//   {target, allow, deny, body}     a path id: target(org) -> path for org A's resource (called
//                                   again for every check when it creates the resource); deny is
//                                   a list of role keys (403) or [role, [statuses]] pairs.
const kRoutes = {
  'GET /healthz': { public: 'health check' },
  'GET /api/v1/version': { public: 'server version' },
  'POST /api/v1/agent/enroll': { public: 'an enrollment token is the credential' },
  'GET /ws/agent': { public: 'device credential; tested in devices.test.mjs and below' },
  'GET /ws/dashboard': { self: 'tested in "WebSocket viewers" below' },
  'POST /api/v1/auth/login': { public: 'sign-in' },
  'POST /api/v1/auth/login/2fa': { public: 'second sign-in step' },
  'POST /api/v1/auth/logout': { self: 'ends the caller\'s session' },
  'GET /api/v1/me': { self: 'the caller' },
  'PATCH /api/v1/me': { self: 'the caller' },
  'POST /api/v1/me/password': { self: 'the caller' },
  'GET /api/v1/me/sessions': { self: 'the caller\'s sessions' },
  'DELETE /api/v1/me/sessions': { self: 'the caller\'s other sessions' },
  'DELETE /api/v1/me/sessions/{}': {
    target: async () => `/api/v1/me/sessions/${await freshSessionOfEmployeeA()}`,
    allow: ['employeeA'],
    deny: [['owner', [404]], ['employeeB', [404]]],
  },
  'POST /api/v1/me/2fa/setup': { self: 'the caller' },
  'POST /api/v1/me/2fa/enable': { self: 'the caller' },
  'POST /api/v1/me/2fa/disable': { self: 'the caller' },
  'POST /api/v1/me/2fa/recovery-codes': { self: 'the caller' },
  'GET /api/v1/api-tokens': { list: { allow: ['owner', 'admin', 'manager'] } },
  'POST /api/v1/api-tokens': { list: { deny: ['employeeA'], body: () => ({ name: unique('t'), scopes: ['people:read'] }) } },
  'DELETE /api/v1/api-tokens/{}': {
    target: async () => `/api/v1/api-tokens/${await freshApiToken()}`,
    allow: ['owner', 'admin'],
    deny: [['manager', [403, 404]], ['employeeA', [403, 404]]],
  },
  'GET /api/v1/signup': { public: 'is sign-up on' },
  'POST /api/v1/signup': { public: 'creates a new organization' },
  'GET /api/v1/org': { list: { allow: ['owner', 'admin', 'manager', 'employeeA'] } },
  'PATCH /api/v1/org': { list: { deny: ['manager', 'employeeA'], body: () => ({ legal_name: 'x' }) } },
  'GET /api/v1/departments': { list: { allow: ['owner', 'admin', 'manager'], deny: ['employeeA'] } },
  'POST /api/v1/departments': { list: { deny: ['manager', 'employeeA'], body: () => ({ name: unique('D') }) } },
  'PATCH /api/v1/departments/{}': {
    target: async () => `/api/v1/departments/${await freshDepartment()}`,
    body: () => ({ name: unique('Renamed') }),
    allow: ['owner', 'admin'],
    deny: ['manager', 'employeeA'],
  },
  'DELETE /api/v1/departments/{}': {
    target: async () => `/api/v1/departments/${await freshDepartment()}`,
    allow: ['owner', 'admin'],
    deny: ['manager', 'employeeA'],
  },
  'GET /api/v1/teams': { list: { allow: ['owner', 'admin', 'manager'], deny: ['employeeA'] } },
  'POST /api/v1/teams': { list: { deny: ['manager', 'employeeA'], body: () => ({ name: unique('T'), department_id: A.department.id }) } },
  'PATCH /api/v1/teams/{}': {
    target: async () => `/api/v1/teams/${await freshTeam()}`,
    body: () => ({ name: unique('Renamed team') }),
    allow: ['owner', 'admin'],
    deny: ['manager', 'employeeA'],
  },
  'DELETE /api/v1/teams/{}': {
    target: async () => `/api/v1/teams/${await freshTeam()}`,
    allow: ['owner', 'admin'],
    deny: ['manager', 'employeeA'],
  },
  'GET /api/v1/teams/{}/members': {
    target: () => `/api/v1/teams/${A.teams.A.id}/members`,
    allow: ['owner', 'admin', 'manager'],
    deny: ['managerB', 'employeeA'],
  },
  'PUT /api/v1/teams/{}/members/{}': {
    target: () => `/api/v1/teams/${A.teams.A.id}/members/${A.people.employeeA.id}`,
    body: () => ({ is_manager: false }),
    allow: ['owner', 'admin'],
    deny: ['manager', 'employeeA'],
  },
  'DELETE /api/v1/teams/{}/members/{}': {
    target: async () => {
      const { team, user } = await freshTeamWithMember();
      return `/api/v1/teams/${team}/members/${user}`;
    },
    allow: ['owner', 'admin'],
    deny: ['manager', 'employeeA'],
  },
  'GET /api/v1/people': { list: { allow: ['owner', 'admin', 'manager'], deny: ['employeeA'] } },
  'POST /api/v1/people': {
    list: { deny: ['manager', 'employeeA'], body: () => ({ email: `x${serial++}@a.worktrace.test`, name: 'X', role: 'employee' }) },
  },
  'GET /api/v1/people/{}': {
    target: () => `/api/v1/people/${A.people.employeeA.id}`,
    allow: ['owner', 'admin', 'manager', 'employeeA'],
    deny: ['managerB', 'employeeB'],
  },
  'PATCH /api/v1/people/{}': {
    target: () => `/api/v1/people/${A.people.employeeA.id}`,
    body: () => ({ job_title: unique('Engineer') }),
    allow: ['owner', 'admin'],
    deny: ['manager', 'employeeA'],
  },
  'DELETE /api/v1/people/{}': {
    target: async () => `/api/v1/people/${await freshInvited()}`,
    allow: ['owner', 'admin'],
    deny: ['manager', 'employeeA'],
  },
  'POST /api/v1/people/{}/invitation': {
    target: async () => `/api/v1/people/${await freshInvited()}/invitation`,
    allow: ['owner', 'admin'],
    deny: ['manager', 'employeeA'],
  },
  'GET /api/v1/invitations/{}': { public: 'the invitation token is the credential' },
  'POST /api/v1/invitations/accept': { public: 'the invitation token is the credential' },
  'POST /api/v1/enrollment-tokens': { list: { deny: ['manager', 'employeeA'], body: () => ({ uses: 1 }) } },
  'GET /api/v1/server/tls': { list: { deny: ['manager', 'employeeA'], allow: ['owner', 'admin'] } },
  'GET /api/v1/enrollment-tokens': { list: { allow: ['owner', 'admin'], deny: ['manager', 'employeeA'] } },
  'DELETE /api/v1/enrollment-tokens/{}': {
    target: async () => `/api/v1/enrollment-tokens/${await freshEnrollmentToken()}`,
    allow: ['owner', 'admin'],
    deny: ['manager', 'employeeA'],
  },
  'GET /api/v1/devices': { list: { allow: ['owner', 'admin', 'manager', 'employeeA'] } },
  'GET /api/v1/devices/{}': {
    target: () => `/api/v1/devices/${A.devices.employeeA.id}`,
    allow: ['owner', 'admin', 'manager', 'employeeA'],
    deny: ['managerB', 'employeeB'],
  },
  'PATCH /api/v1/devices/{}': {
    target: () => `/api/v1/devices/${A.devices.employeeA.id}`,
    body: () => ({ name: unique('Laptop') }),
    allow: ['owner', 'admin'],
    deny: ['manager', 'employeeA'],
  },
  'POST /api/v1/devices/{}/revoke': {
    target: async () => `/api/v1/devices/${await freshDevice()}/revoke`,
    allow: ['owner', 'admin'],
    deny: ['manager', 'employeeA'],
  },
  'POST /api/v1/agent/activity': { public: 'a device credential; tested in activity_ingest.test.mjs' },
  'GET /api/v1/people/{}/timeline': {
    target: () => `/api/v1/people/${A.people.employeeA.id}/timeline`,
    allow: ['owner', 'admin', 'manager', 'employeeA'],
    deny: ['managerB', 'employeeB'],
  },
  'GET /api/v1/people/{}/input': {
    target: () => `/api/v1/people/${A.people.employeeA.id}/input`,
    allow: ['owner', 'admin', 'manager', 'employeeA'],
    deny: ['managerB', 'employeeB'],
  },
  'GET /api/v1/people/{}/websites': {
    target: () => `/api/v1/people/${A.people.employeeA.id}/websites?from=${Date.now() - 86_400_000}&to=${Date.now()}`,
    allow: ['owner', 'admin', 'manager', 'employeeA'],
    deny: ['managerB', 'employeeB'],
  },
  'GET /api/v1/teams/{}/websites': {
    target: () => `/api/v1/teams/${A.teams.A.id}/websites?from=${Date.now() - 86_400_000}&to=${Date.now()}`,
    allow: ['owner', 'admin', 'manager'],
    deny: ['managerB', 'employeeA'],
  },
  'GET /api/v1/org/tracking': { list: { allow: ['owner', 'admin', 'manager', 'employeeA'] } },
  'GET /api/v1/org/redaction': { list: { allow: ['owner', 'admin', 'manager', 'employeeA'] } },
  'PUT /api/v1/org/redaction': { list: { deny: ['manager', 'employeeA'], body: () => ({ url_mode: 'strip_query' }) } },
  'PUT /api/v1/org/tracking': { list: { deny: ['manager', 'employeeA'], body: () => ({ notify_on_start: true }) } },
  'GET /api/v1/people/{}/tracking': {
    target: () => `/api/v1/people/${A.people.employeeA.id}/tracking`,
    allow: ['owner', 'admin', 'manager', 'employeeA'],
    deny: ['managerB', 'employeeB'],
  },
  'PUT /api/v1/people/{}/tracking': {
    target: () => `/api/v1/people/${A.people.employeeA.id}/tracking`,
    body: () => ({ paused: false }),
    allow: ['owner', 'admin'],
    deny: ['manager', 'employeeA'],
  },
  'GET /api/v1/activity/live': { list: { allow: ['owner', 'admin', 'manager', 'employeeA'] } },
  'GET /api/v1/audit': { list: { allow: ['owner', 'admin'], deny: ['manager', 'employeeA'] } },
  'GET /api/v1/audit/verify': { list: { allow: ['owner', 'admin'], deny: ['manager', 'employeeA'] } },
};

/** "METHOD /a/{x}/b" -> "METHOD /a/{}/b": parameter names do not matter for coverage. */
function normalize(route) {
  return route.replace(/\{[^}]*\}/g, '{}');
}

function call(client, method, path, body) {
  return client.call(method, path, method === 'GET' || method === 'DELETE' ? undefined : body);
}

test('every route of the server has an entry in the coverage table', async () => {
  const routes = await h.routes();
  assert.ok(routes.length > 10, `worktrace-server routes printed only ${routes.length} line(s)`);
  const missing = routes.filter((route) => !(normalize(route) in kRoutes));
  assert.deepEqual(missing, [], `routes without an entry in kRoutes of tenancy.test.mjs: ${missing.join(', ')}`);
  const idRoutes = routes.filter((route) => route.includes('{'));
  for (const route of idRoutes) {
    const entry = kRoutes[normalize(route)];
    assert.ok(entry.target || entry.public, `${route} takes an id but its entry has no cross-tenant checks`);
  }
});

describe('routes with a path id', () => {
  for (const [route, entry] of Object.entries(kRoutes)) {
    if (!entry.target) continue;
    const [method] = route.split(' ');
    const body = () => (entry.body ? entry.body() : {});

    test(`${route}: org B's owner with org A's id gets 404`, async () => {
      const path = await entry.target();
      const response = await call(B.people.owner.client, method, path, body());
      expectStatus(response, 404, 'other tenant');
      assert.equal(response.body?.error?.code, 'not_found', show(response));
    });

    test(`${route}: org A's lower roles are refused`, async () => {
      for (const denied of entry.deny ?? []) {
        const [role, statuses] = Array.isArray(denied) ? denied : [denied, [403]];
        const path = await entry.target();
        const response = await call(A.people[role].client, method, path, body());
        expectStatus(response, statuses, `${role}`);
      }
    });

    test(`${route}: the allowed roles of org A get 2xx`, async () => {
      for (const role of entry.allow ?? []) {
        const path = await entry.target();
        const response = await call(A.people[role].client, method, path, body());
        assert.ok(response.status >= 200 && response.status < 300, `${role}: ${show(response)}`);
      }
    });
  }
});

describe('routes without a path id: roles', () => {
  for (const [route, entry] of Object.entries(kRoutes)) {
    if (!entry.list) continue;
    const [method, path] = route.split(' ');
    test(`${route}: ${(entry.list.deny ?? []).join(', ') || 'nobody'} refused, ${(entry.list.allow ?? []).join(', ') || 'none'} allowed`, async () => {
      for (const role of entry.list.deny ?? []) {
        const response = await call(A.people[role].client, method, path, entry.list.body?.());
        expectStatus(response, 403, role);
      }
      for (const role of entry.list.allow ?? []) {
        const response = await call(A.people[role].client, method, path, entry.list.body?.());
        assert.ok(response.status >= 200 && response.status < 300, `${role}: ${show(response)}`);
      }
    });
  }

  test('lists only show the caller\'s organization', async () => {
    const owner = B.people.owner.client;
    const aIds = {
      people: new Set(Object.values(A.people).map((person) => person.id)),
      devices: new Set(Object.values(A.devices).map((device) => device.id)),
      teams: new Set([A.teams.A.id, A.teams.B.id]),
      departments: new Set([A.department.id]),
    };
    for (const [kind, path] of [['people', '/api/v1/people'], ['devices', '/api/v1/devices'], ['teams', '/api/v1/teams'], ['departments', '/api/v1/departments']]) {
      const list = expectStatus(await owner.get(path), 200, path)[kind];
      assert.ok(Array.isArray(list), `${path}: no ${kind} array`);
      assert.ok(list.length > 0, `${path}: org B's own ${kind} are missing`);
      const leaked = list.filter((item) => aIds[kind].has(item.id));
      assert.deepEqual(leaked, [], `${path} shows org A's ${kind} to org B`);
    }
    const audit = expectStatus(await owner.get('/api/v1/audit?limit=500'), 200, 'audit');
    const aPeople = aIds.people;
    const foreign = audit.entries.filter((entry) => aPeople.has(entry.actor_user_id) || aPeople.has(entry.subject_user_id));
    assert.deepEqual(foreign, [], 'org B\'s audit log shows entries about org A\'s people');
  });

  test('a manager lists only the people of the teams they manage, and themselves', async () => {
    const people = expectStatus(await A.people.manager.client.get('/api/v1/people'), 200, 'people').people;
    const ids = new Set(people.map((person) => person.id));
    assert.ok(ids.has(A.people.employeeA.id), 'the manager does not see their team member');
    assert.ok(ids.has(A.people.manager.id), 'the manager does not see themselves');
    assert.ok(!ids.has(A.people.employeeB.id), 'the manager sees a person of another team');
    const devices = expectStatus(await A.people.manager.client.get('/api/v1/devices'), 200, 'devices').devices;
    assert.deepEqual(devices.map((device) => device.id), [A.devices.employeeA.id]);
    const own = expectStatus(await A.people.employeeB.client.get('/api/v1/devices'), 200, 'devices').devices;
    assert.deepEqual(own.map((device) => device.id), [A.devices.employeeB.id]);
  });
});

describe('bodies naming another organization\'s ids are refused', () => {
  const refused = [400, 404];

  test('POST /people with org B\'s department or team', async () => {
    const owner = A.people.owner.client;
    const base = () => ({ email: `cross${serial++}@a.worktrace.test`, name: 'Cross', role: 'employee' });
    expectStatus(await owner.post('/api/v1/people', { ...base(), department_id: B.department.id }), refused, 'department_id');
    expectStatus(await owner.post('/api/v1/people', { ...base(), team_ids: [B.teams.A.id] }), refused, 'team_ids');
  });

  test('PATCH /people/{id} with org B\'s department or team changes nothing', async () => {
    const owner = A.people.owner.client;
    const path = `/api/v1/people/${A.people.employeeA.id}`;
    const before = expectStatus(await owner.get(path), 200, 'person');
    expectStatus(await owner.patch(path, { department_id: B.department.id }), refused, 'department_id');
    expectStatus(await owner.patch(path, { team_ids: [A.teams.A.id, B.teams.B.id] }), refused, 'team_ids');
    const after = expectStatus(await owner.get(path), 200, 'person');
    assert.equal(after.department_id, before.department_id);
    assert.deepEqual([...after.team_ids].sort(), [...before.team_ids].sort());
  });

  test('teams, departments, members and devices with org B\'s ids', async () => {
    const owner = A.people.owner.client;
    expectStatus(await owner.post('/api/v1/teams', { name: unique('X'), department_id: B.department.id }), refused, 'team department_id');
    expectStatus(await owner.post('/api/v1/departments', { name: unique('X'), parent_id: B.department.id }), refused, 'parent_id');
    expectStatus(await owner.patch(`/api/v1/teams/${A.teams.A.id}`, { department_id: B.department.id }), refused, 'team move');
    expectStatus(await owner.put(`/api/v1/teams/${A.teams.A.id}/members/${B.people.employeeA.id}`, { is_manager: false }), 404, 'member of B');
    const patch = await owner.patch(`/api/v1/devices/${A.devices.employeeA.id}`, { user_id: B.people.employeeA.id });
    expectStatus(patch, 400, 'device user_id');
    assert.match(patch.body.error.message, /user_id: no such person/);
    const device = expectStatus(await owner.get(`/api/v1/devices/${A.devices.employeeA.id}`), 200, 'device');
    assert.equal(device.user_id, A.people.employeeA.id, 'the refused PATCH moved the device');
  });
});

describe('API tokens', () => {
  test('a people:read token reads people and gets 403 on writes and other scopes', async () => {
    const token = new Client(A.origin, { bearer: A.apiToken.token });
    const people = expectStatus(await token.get('/api/v1/people'), 200, 'read people');
    assert.ok(people.people.some((person) => person.id === A.people.employeeA.id));
    expectStatus(await token.post('/api/v1/people', { email: 'tok@a.worktrace.test', name: 'T', role: 'employee' }), 403, 'invite');
    expectStatus(await token.patch(`/api/v1/people/${A.people.employeeA.id}`, { job_title: 'x' }), 403, 'edit');
    expectStatus(await token.post('/api/v1/departments', { name: unique('tok') }), 403, 'department');
    expectStatus(await token.get('/api/v1/devices'), 403, 'devices:read missing');
    expectStatus(await token.get('/api/v1/audit'), 403, 'audit:read missing');
    const other = new Client(B.origin, { bearer: B.apiToken.token });
    expectStatus(await other.get(`/api/v1/people/${A.people.employeeA.id}`), 404, 'org B token, org A person');
  });

  test('a revoked token gets 401', async () => {
    const owner = A.people.owner.client;
    const created = expectStatus(await owner.post('/api/v1/api-tokens', { name: unique('revoke me'), scopes: ['people:read'] }), 201, 'token');
    assert.match(created.token, /^wta_/);
    const token = new Client(A.origin, { bearer: created.token });
    expectStatus(await token.get('/api/v1/people'), 200, 'before revoke');
    expectStatus(await owner.delete(`/api/v1/api-tokens/${created.id}`), 204, 'revoke');
    expectStatus(await token.get('/api/v1/people'), 401, 'after revoke');
    const listed = expectStatus(await owner.get('/api/v1/api-tokens'), 200, 'list').tokens.find((entry) => entry.id === created.id);
    assert.equal(listed?.revoked, true, 'the token is not listed as revoked');
    assert.ok(!JSON.stringify(listed).includes(created.token), 'the list shows the secret');
  });
});

describe('WebSocket viewers', () => {
  const kQuietMs = 1_500;

  function mentions(message, deviceId) {
    return message.device?.id === deviceId || message.device_id === deviceId;
  }

  test('device events of team A reach only those who may see the device', async () => {
    const device = A.devices.employeeA;
    const allowed = { owner: await openViewer(A.people.owner.client), manager: await openViewer(A.people.manager.client) };
    const denied = {
      'org B owner': await openViewer(B.people.owner.client),
      'org A employee of team B': await openViewer(A.people.employeeB.client),
      'org A manager of team B': await openViewer(A.people.managerB.client),
    };
    try {
      const agent = await connectAgent(A.origin, device.credential);
      await agent.next('welcome');
      agent.send({ type: 'hello', device: deviceInfo({ hostname: device.hostname }) });
      for (const [name, socket] of Object.entries(allowed)) {
        await socket.next((message) => message.type === 'device.online' && mentions(message, device.id), { timeoutMs: 5_000 }).catch((error) => {
          throw new Error(`${name}: ${error.message}`);
        });
      }
      agent.send({ type: 'device_info', device: deviceInfo({ hostname: device.hostname, kernel: '6.12.0-tenancy' }) });
      for (const [name, socket] of Object.entries(allowed)) {
        await socket.next((message) => message.type === 'device.updated' && mentions(message, device.id), { timeoutMs: 5_000 }).catch((error) => {
          throw new Error(`${name}: ${error.message}`);
        });
      }
      await agent.close(1000);
      for (const [name, socket] of Object.entries(allowed)) {
        await socket.next((message) => message.type === 'device.offline' && mentions(message, device.id), { timeoutMs: 5_000 }).catch((error) => {
          throw new Error(`${name}: ${error.message}`);
        });
      }
      await sleep(kQuietMs);
      for (const [name, socket] of Object.entries(denied)) {
        const leaked = socket.buffer.filter((message) => mentions(message, device.id) || JSON.stringify(message).includes(device.hostname));
        assert.deepEqual(leaked, [], `${name} received events of org A team A's device`);
        assert.equal(socket.closeInfo, null, `${name}'s socket was closed`);
      }
    } finally {
      for (const socket of [...Object.values(allowed), ...Object.values(denied)]) await socket.close();
    }
  });

  test('the hello and later messages of org B\'s viewer never name org A\'s devices', async () => {
    const socket = await connectDashboard(B.origin, B.people.owner.client.cookie);
    try {
      const hello = await socket.next('hello');
      const text = JSON.stringify(hello);
      for (const device of Object.values(A.devices)) assert.ok(!text.includes(device.hostname), `hello names ${device.hostname}`);
      assert.equal(hello.user.id, B.people.owner.id);
    } finally {
      await socket.close();
    }
  });
});
