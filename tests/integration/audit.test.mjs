// The audit log and device revocation against a real worktrace-server: actions leave entries,
// the filters and paging work, the chain verifies, and a row changed behind the server's back
// (sqlite3, triggers dropped) is named by `worktrace-server audit verify`. A revoked device
// loses its open agent channel (1008) and its credential.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Client, expectError, expectStatus, signIn } from '../lib/api.mjs';
import { accept, createOrgs, enrollDevice, invite, kUnthrottledApi } from '../lib/fixture.mjs';
import { Harness, deviceInfo } from '../lib/harness.mjs';
import { UpgradeRefused, connectAgent } from '../lib/ws.mjs';

const h = new Harness('integration-audit');
let server;
let dataDir;
let org;
let owner;
let employee;
let device;

before(async () => {
  dataDir = await h.tempDir('worktrace-data-');
  ({ aud: org } = await createOrgs(h, dataDir, ['aud']));
  server = await h.startServer({ dataDir, webRoot: null, args: [...kUnthrottledApi] });
  owner = await signIn(server.origin, org.ownerEmail, org.ownerPassword, 'aud.owner');
});

after(() => h.cleanup());

async function entries(query = '') {
  return expectStatus(await owner.get(`/api/v1/audit${query}`), 200, `audit${query}`);
}

async function latest(action) {
  const found = (await entries(`?action=${encodeURIComponent(action)}`)).entries;
  assert.ok(found.length > 0, `no ${action} entry`);
  return found[0];
}

describe('device revocation', () => {
  test('closes the open agent channel with 1008 and the credential then gets 401', async () => {
    device = await enrollDevice(owner, 'revoked-pc');
    const agent = await connectAgent(server.origin, device.credential);
    await agent.next('welcome');
    agent.send({ type: 'hello', device: deviceInfo({ hostname: 'revoked-pc' }) });

    const revoked = expectStatus(await owner.post(`/api/v1/devices/${device.id}/revoke`), 200, 'revoke');
    assert.equal(revoked.revoked, true);
    assert.equal(revoked.id, device.id);
    const closed = await agent.waitClosed(5_000);
    assert.equal(closed.code, 1008, `closed with ${closed.code} ${closed.reason}`);

    const again = await connectAgent(server.origin, device.credential).then(
      (client) => {
        client.terminate();
        return null;
      },
      (error) => error,
    );
    assert.ok(again instanceof UpgradeRefused, `the revoked credential still connects: ${again}`);
    assert.equal(again.status, 401);
    const listed = expectStatus(await owner.get(`/api/v1/devices/${device.id}`), 200, 'device');
    assert.equal(listed.revoked, true);
    assert.equal(listed.online, false);
  });
});

describe('audit entries', () => {
  test('sign-in, failed sign-in, invitation, person viewed and device revoke are recorded', async () => {
    const failed = await new Client(server.origin).post('/api/v1/auth/login', { email: org.ownerEmail, password: 'Wrong-Password-Oak-1' });
    expectStatus(failed, 401, 'failed sign-in');
    // An unknown email goes to the server's own chain (organization 0), which no organization sees.
    const unknown = await new Client(server.origin).post('/api/v1/auth/login', { email: 'nobody-here@aud.worktrace.test', password: 'Wrong-Password-Oak-1' });
    expectStatus(unknown, 401, 'failed sign-in of an unknown email');
    assert.equal((await entries('?action=auth.login_failed_unknown_account')).entries.length, 0, 'an organization sees unknown-email sign-ins');
    await signIn(server.origin, org.ownerEmail, org.ownerPassword);
    const invited = await invite(owner, { email: 'employee@aud.worktrace.test', name: 'Audited Employee', role: 'employee' });
    employee = { id: invited.person.id, client: await accept(server.origin, invited.token, 'Audited-Employee-Pass-77', 'aud.employee') };
    expectStatus(await owner.get(`/api/v1/people/${employee.id}`), 200, 'view person');

    const login = await latest('auth.login');
    assert.equal(login.actor_user_id, owner.user.id);
    assert.equal(login.remote_ip, '127.0.0.1');
    const loginFailed = await latest('auth.login_failed');
    assert.equal(loginFailed.subject_user_id ?? loginFailed.actor_user_id, owner.user.id);
    assert.ok(!JSON.stringify(loginFailed).includes('Wrong-Password-Oak-1'), 'the audit log holds a password');
    const invitedEntry = await latest('person.invited');
    assert.equal(invitedEntry.actor_user_id, owner.user.id);
    assert.equal(invitedEntry.subject_user_id, employee.id);
    assert.ok(!JSON.stringify(invitedEntry).includes(invited.token), 'the audit log holds an invitation token');
    const viewed = await latest('person.viewed');
    assert.equal(viewed.subject_user_id, employee.id);
    assert.equal(viewed.actor_name.length > 0, true);
    const revoked = await latest('device.revoked');
    assert.equal(String(revoked.target_id), String(device.id));
    await latest('device.enrolled');
    await latest('person.joined');

    for (const entry of (await entries('?limit=500')).entries) {
      for (const key of ['seq', 'at', 'actor', 'actor_user_id', 'action', 'target_type', 'target_id', 'subject_user_id', 'remote_ip', 'details']) {
        assert.ok(key in entry, `entry ${entry.seq} has no ${key}`);
      }
    }
  });

  test('an unknown email leaves no entry in the organization\'s log (only in organization 0); viewing oneself is not a person.viewed', async () => {
    const before = (await entries('?limit=500')).entries;
    expectStatus(await new Client(server.origin).post('/api/v1/auth/login', { email: 'ghost@aud.worktrace.test', password: 'Ghost-Pass-12345' }), 401, 'ghost');
    expectStatus(await employee.client.get(`/api/v1/people/${employee.id}`), 200, 'self view');
    const afterEntries = (await entries('?limit=500')).entries;
    const added = afterEntries.filter((entry) => !before.some((old) => old.seq === entry.seq));
    assert.deepEqual(added.map((entry) => entry.action), [], 'new entries appeared');
  });

  test('filters and paging', async () => {
    const all = (await entries('?limit=500')).entries;
    assert.ok(all.length >= 6, `only ${all.length} entries`);
    for (let index = 1; index < all.length; index += 1) assert.ok(all[index - 1].seq > all[index].seq, 'not newest first');

    const byAction = (await entries('?action=person.viewed')).entries;
    assert.ok(byAction.length > 0 && byAction.every((entry) => entry.action === 'person.viewed'));
    const bySubject = (await entries(`?subject_user_id=${employee.id}`)).entries;
    assert.ok(bySubject.length >= 2 && bySubject.every((entry) => entry.subject_user_id === employee.id));
    const byActor = (await entries(`?actor_user_id=${employee.id}`)).entries;
    assert.ok(byActor.every((entry) => entry.actor_user_id === employee.id));

    const first = await entries('?limit=2');
    assert.equal(first.entries.length, 2);
    assert.deepEqual(first.entries.map((entry) => entry.seq), all.slice(0, 2).map((entry) => entry.seq));
    assert.ok(Number.isInteger(first.next_before_seq), JSON.stringify(first));
    const second = await entries(`?limit=2&before_seq=${first.next_before_seq}`);
    assert.deepEqual(second.entries.map((entry) => entry.seq), all.slice(2, 4).map((entry) => entry.seq));
    const last = await entries(`?limit=500`);
    assert.equal(last.next_before_seq, null);

    const future = Date.now() + 3_600_000;
    assert.deepEqual((await entries(`?from=${future}`)).entries, []);
    assert.equal((await entries(`?to=${future}&limit=500`)).entries.length, all.length);
    const past = all[all.length - 1].at - 1;
    assert.deepEqual((await entries(`?to=${past}`)).entries, []);

    for (const bad of ['?limit=0', '?limit=501', '?limit=abc']) {
      expectError(await owner.get(`/api/v1/audit${bad}`), 400, { code: 'invalid_argument' }, bad);
    }
  });

  test('GET /api/v1/audit/verify: the chain is intact', async () => {
    const result = expectStatus(await owner.get('/api/v1/audit/verify'), 200, 'verify');
    assert.equal(result.ok, true, JSON.stringify(result));
    assert.ok(result.entries >= 6);
    assert.equal(result.first_broken_seq, null);
    assert.equal(result.reason, null);
  });
});

describe('tampering', () => {
  function sqlite(sql) {
    return spawnSync('sqlite3', [path.join(dataDir, 'worktrace.db'), sql], { encoding: 'utf8', timeout: 10_000 });
  }

  test('a changed row is named by `audit verify` with exit 1', async () => {
    const target = await latest('person.invited');
    assert.equal((await server.stop()).code, 0, server.child.output());

    const intact = await h.server(['audit', 'verify', '--data', dataDir]);
    assert.equal(intact.code, 0, intact.child.output());
    assert.match(intact.stdout, new RegExp(`organization ${owner.org.id}: \\d+ entries, chain intact`));
    assert.match(intact.stdout, /organization 0: [1-9]\d* entries, chain intact/, 'the server\'s own chain');

    const refused = sqlite(`UPDATE audit_log SET details = '{}' WHERE org_id = ${owner.org.id} AND seq = ${target.seq};`);
    assert.notEqual(refused.status, 0, 'the append-only trigger let an UPDATE through');
    assert.match(refused.stderr, /append-only/);

    const tampered = sqlite(
      'DROP TRIGGER audit_log_no_update; DROP TRIGGER audit_log_no_delete; ' +
        `UPDATE audit_log SET details = '{"tampered":true}' WHERE org_id = ${owner.org.id} AND seq = ${target.seq};`,
    );
    assert.equal(tampered.status, 0, tampered.stderr);

    const broken = await h.server(['audit', 'verify', '--data', dataDir]);
    assert.equal(broken.code, 1, broken.child.output());
    assert.match(`${broken.stdout}\n${broken.stderr}`, new RegExp(`organization ${owner.org.id}: entry ${target.seq} is broken: \\S`));

    const restarted = await h.startServer({ dataDir, webRoot: null, args: [...kUnthrottledApi], name: 'server-after-tamper' });
    const session = await signIn(restarted.origin, org.ownerEmail, org.ownerPassword);
    const result = expectStatus(await session.get('/api/v1/audit/verify'), 200, 'verify after tampering');
    assert.equal(result.ok, false);
    assert.equal(result.first_broken_seq, target.seq);
    assert.equal(typeof result.reason, 'string');
  });
});
