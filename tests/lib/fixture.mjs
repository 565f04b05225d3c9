// The issue 3 fixture: organizations made with `worktrace-server org create`, filled through
// the HTTP API with a department, two teams, one person per role, an enrolled device per
// employee and an API token. Every call's status is checked, so a broken step names itself.
import { Client, expectStatus, invitationToken, sessionFrom, signIn } from './api.mjs';
import assert from 'node:assert/strict';
import path from 'node:path';

import { deviceInfo } from './harness.mjs';

/**
 * Server arguments for suites that send many requests from one address: the per-address API
 * rate limit (default 50/s) would otherwise answer 429 to the tests themselves.
 */
export const kUnthrottledApi = Object.freeze(['--api-rate-per-s', '100000']);

/** The people `buildOrg` invites besides the owner: key, role, teams (A/B), managed teams. */
export const kPeople = Object.freeze([
  { key: 'admin', role: 'admin', teams: [], manages: [] },
  { key: 'manager', role: 'manager', teams: ['A'], manages: ['A'] },
  { key: 'managerB', role: 'manager', teams: ['B'], manages: ['B'] },
  { key: 'employeeA', role: 'employee', teams: ['A'], manages: [] },
  { key: 'employeeB', role: 'employee', teams: ['B'], manages: [] },
]);

/** A password that passes the rules (long, not common) and differs per person and org. */
export function passwordFor(key, orgKey) {
  return `${key}-${orgKey}-Quiet-Harbor-7291`;
}

export function emailFor(key, orgKey) {
  return `${key.toLowerCase()}@${orgKey}.worktrace.test`;
}

/**
 * Runs `org create` for each of `orgKeys` on `dataDir` (the server need not run). Returns
 * {key: {key, name, ownerEmail, ownerPassword}}.
 */
export async function createOrgs(h, dataDir, orgKeys) {
  const orgs = {};
  for (const key of orgKeys) {
    const org = {
      key,
      name: `Org ${key.toUpperCase()}`,
      ownerEmail: emailFor('owner', key),
      ownerPassword: passwordFor('owner', key),
    };
    await h.createOrg({ dataDir, name: org.name, ownerEmail: org.ownerEmail, ownerName: `Owner ${key}`, password: org.ownerPassword });
    orgs[key] = org;
  }
  return orgs;
}

/** Invites a person as `by`; returns {person, invitation, token}. */
export async function invite(by, { email, name, role, department_id, team_ids, job_title }) {
  const body = { email, name, role };
  if (department_id !== undefined) body.department_id = department_id;
  if (team_ids !== undefined) body.team_ids = team_ids;
  if (job_title !== undefined) body.job_title = job_title;
  const answer = expectStatus(await by.post('/api/v1/people', body), 201, `invite ${email}`);
  return { person: answer.person, invitation: answer.invitation, token: invitationToken(answer.invitation.url) };
}

/** Accepts an invitation; returns the new session's Client. */
export async function accept(origin, token, password, label) {
  const anonymous = new Client(origin);
  const response = await anonymous.post('/api/v1/invitations/accept', { token, password });
  expectStatus(response, 200, `accept the invitation of ${label}`);
  return sessionFrom(origin, response, label);
}

/** Creates an enrollment token and enrolls a device with it; returns {id, credential}. */
export async function enrollDevice(owner, hostname) {
  const token = expectStatus(await owner.post('/api/v1/enrollment-tokens', { uses: 1, label: hostname }), 201, 'enrollment token');
  const anonymous = new Client(owner.origin);
  const enrolled = expectStatus(
    await anonymous.post('/api/v1/agent/enroll', { token: token.token, device: deviceInfo({ hostname }) }),
    201,
    `enroll ${hostname}`,
  );
  return { id: enrolled.device_id, credential: enrolled.credential, hostname };
}

/**
 * Enrolls this machine's real agent (`worktrace-agent enroll`) into a fresh config dir of harness
 * `h` with a one-use token of `owner` (a Client), and gives the device to `person` ({id}).
 * Returns {agentDir, deviceId}.
 */
export async function enrollAgentFor(h, owner, person) {
  const token = expectStatus(await owner.post('/api/v1/enrollment-tokens', { uses: 1 }), 201, 'token');
  const agentDir = path.join(await h.tempDir('worktrace-agent-'), 'agent');
  const enrolled = await h.enrollAgent({ origin: owner.origin, token: token.token, configDir: agentDir });
  assert.equal(enrolled.code, 0, enrolled.child.output());
  const deviceId = Number(/Enrolled device (\d+)/.exec(`${enrolled.stdout}${enrolled.stderr}`)?.[1]);
  assert.ok(deviceId > 0, enrolled.child.output());
  expectStatus(await owner.patch(`/api/v1/devices/${deviceId}`, { user_id: person.id }), 200, 'assign');
  return { agentDir, deviceId };
}

/**
 * Fills organization `org` (from createOrgs) on the running `server`: 1000 seats, department "Engineering",
 * teams "Team A"/"Team B" in it, the people of kPeople (invited and accepted; managers made
 * managers of their teams), a device per employee assigned to them, and an API token of the
 * owner with people:read only. Returns the org fixture:
 * {key, id, name, origin, department:{id}, teams:{A:{id}, B:{id}},
 *  people:{owner|admin|manager|managerB|employeeA|employeeB: {id, email, password, role, client}},
 *  devices:{employeeA|employeeB: {id, credential, hostname}}, apiToken:{id, token, scopes}}.
 */
export async function buildOrg(server, org) {
  const origin = server.origin;
  const owner = await signIn(origin, org.ownerEmail, org.ownerPassword, `${org.key}.owner`);
  const fx = {
    key: org.key,
    id: owner.org.id,
    name: org.name,
    origin,
    people: { owner: { id: owner.user.id, email: org.ownerEmail, password: org.ownerPassword, role: 'owner', client: owner } },
    teams: {},
    devices: {},
  };
  // The default of 10 seats would stop the suites' invitations.
  expectStatus(await owner.patch('/api/v1/org', { seats: 1000 }), 200, 'seats');
  fx.department = expectStatus(await owner.post('/api/v1/departments', { name: 'Engineering' }), 201, 'department');
  for (const team of ['A', 'B']) {
    fx.teams[team] = expectStatus(
      await owner.post('/api/v1/teams', { name: `Team ${team}`, department_id: fx.department.id }),
      201,
      `team ${team}`,
    );
  }
  for (const spec of kPeople) {
    const email = emailFor(spec.key, org.key);
    const password = passwordFor(spec.key, org.key);
    const invited = await invite(owner, {
      email,
      name: `${spec.key} of ${org.key}`,
      role: spec.role,
      department_id: fx.department.id,
      team_ids: spec.teams.map((team) => fx.teams[team].id),
    });
    const client = await accept(origin, invited.token, password, `${org.key}.${spec.key}`);
    fx.people[spec.key] = { id: invited.person.id, email, password, role: spec.role, client };
    for (const team of spec.manages) {
      expectStatus(
        await owner.put(`/api/v1/teams/${fx.teams[team].id}/members/${invited.person.id}`, { is_manager: true }),
        200,
        `make ${spec.key} manager of team ${team}`,
      );
    }
  }
  for (const key of ['employeeA', 'employeeB']) {
    const device = await enrollDevice(owner, `${org.key}-${key}-pc`);
    expectStatus(await owner.patch(`/api/v1/devices/${device.id}`, { user_id: fx.people[key].id }), 200, `assign ${device.hostname}`);
    fx.devices[key] = device;
  }
  fx.apiToken = expectStatus(
    await owner.post('/api/v1/api-tokens', { name: 'people reader', scopes: ['people:read'] }),
    201,
    'API token',
  );
  return fx;
}

/**
 * A data directory with organizations `orgKeys` (default a, b), a server on it, and each org
 * built with buildOrg. Returns {server, dataDir, orgs: {a: fx, b: fx}}.
 */
export async function startFixture(h, { orgKeys = ['a', 'b'], env = {}, name = 'server' } = {}) {
  const dataDir = await h.tempDir('worktrace-data-');
  const created = await createOrgs(h, dataDir, orgKeys);
  const server = await h.startServer({ dataDir, env, name, webRoot: null, args: [...kUnthrottledApi] });
  const orgs = {};
  for (const key of orgKeys) orgs[key] = await buildOrg(server, created[key]);
  return { server, dataDir, orgs };
}
