// Accounts of issue 3 against a real worktrace-server: sign-up, invitations, password rules,
// login throttling, sessions, CSRF, two-factor authentication, and refused bad input.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client, expectError, expectStatus, invitationToken, sessionFrom, signIn } from '../lib/api.mjs';
import { accept, createOrgs, invite, kUnthrottledApi } from '../lib/fixture.mjs';
import { Harness } from '../lib/harness.mjs';
import { cookiePair } from '../lib/http.mjs';
import { expectClosed, openViewer } from '../lib/ws.mjs';
import { secretFromOtpauth, totp, totpStep } from '../lib/totp.mjs';

const h = new Harness('integration-accounts');
let server;
let orgs;
let owner;
let serial = 0;

function unique(prefix) {
  serial += 1;
  return `${prefix}${serial}`;
}

before(async () => {
  const dataDir = await h.tempDir('worktrace-data-');
  orgs = await createOrgs(h, dataDir, ['acc', 'req']);
  server = await h.startServer({ dataDir, webRoot: null, args: [...kUnthrottledApi] });
  owner = await signIn(server.origin, orgs.acc.ownerEmail, orgs.acc.ownerPassword, 'acc.owner');
  expectStatus(await owner.patch('/api/v1/org', { seats: 1000 }), 200, 'seats');
});

after(() => h.cleanup());

/** Invites `role` into org acc and accepts; returns {id, email, password, client}. */
async function newPerson(role = 'employee', by = owner) {
  const email = `${unique(role)}@acc.worktrace.test`;
  const password = `Person-${serial}-Walnut-Quill-33`;
  const invited = await invite(by, { email, name: `Person ${serial}`, role });
  const client = await accept(server.origin, invited.token, password, email);
  return { id: invited.person.id, email, password, client };
}

const anonymous = () => new Client(server.origin);

describe('sign-up', () => {
  test('creates an organization with its owner and a session', async () => {
    expectStatus(await anonymous().get('/api/v1/signup'), 200, 'signup state');
    assert.equal((await anonymous().get('/api/v1/signup')).body.enabled, true);
    const email = `${unique('founder')}@signup.worktrace.test`;
    const response = await anonymous().post('/api/v1/signup', {
      org_name: 'Signed Up Ltd',
      name: 'Founder',
      email,
      password: 'Founder-Password-Lantern-8',
    });
    expectStatus(response, 201, 'sign-up');
    assert.equal(response.body.user.email, email);
    assert.equal(response.body.user.role, 'owner');
    assert.equal(response.body.org.name, 'Signed Up Ltd');
    const session = sessionFrom(server.origin, response, 'founder');
    const me = expectStatus(await session.get('/api/v1/me'), 200, 'me');
    assert.equal(me.user.id, response.body.user.id);
    assert.notEqual(me.org.id, owner.org.id, 'sign-up joined an existing organization');

    const again = await anonymous().post('/api/v1/signup', { org_name: 'Again', name: 'F', email, password: 'Founder-Password-Lantern-8' });
    expectError(again, 409, { message: /^email: already registered/ }, 'duplicate sign-up');
  });

  test('switched off by WORKTRACE_SIGNUP=false: 403', async () => {
    const dataDir = await h.tempDir('worktrace-data-');
    const off = await h.startServer({ dataDir, webRoot: null, args: [...kUnthrottledApi], env: { WORKTRACE_SIGNUP: 'false' }, name: 'server-signup-off' });
    const client = new Client(off.origin);
    assert.equal(expectStatus(await client.get('/api/v1/signup'), 200, 'state').enabled, false);
    const response = await client.post('/api/v1/signup', { org_name: 'No', name: 'No', email: 'no@off.worktrace.test', password: 'Founder-Password-Lantern-8' });
    expectError(response, 403, { message: /sign-up is switched off on this server/ }, 'sign-up off');
    assert.equal(cookiePair(response.setCookies, 'wt_session'), null);
    await off.stop();
  });
});

describe('invitations', () => {
  test('accepting activates the person; the link works once', async () => {
    const email = `${unique('invitee')}@acc.worktrace.test`;
    const invited = await invite(owner, { email, name: 'Invitee', role: 'employee' });
    assert.equal(invited.person.status, 'invited');
    assert.match(invited.invitation.url, /#\/invite\/wti_[A-Za-z0-9_-]{43}$/);
    const info = expectStatus(await anonymous().get(`/api/v1/invitations/${invited.token}`), 200, 'invitation info');
    assert.equal(info.email, email);
    assert.equal(info.org_name, orgs.acc.name);
    assert.ok(info.expires_at > Date.now() + 6 * 86_400_000, `expires_at ${info.expires_at}`);

    const password = 'Invitee-Password-Kettle-5';
    const session = await accept(server.origin, invited.token, password, email);
    assert.equal(expectStatus(await session.get('/api/v1/me'), 200, 'me').user.status, 'active');
    const second = await anonymous().post('/api/v1/invitations/accept', { token: invited.token, password });
    expectError(second, 404, { message: /invitation is unknown, used or expired/ }, 'second use');
    expectStatus(await anonymous().get(`/api/v1/invitations/${invited.token}`), 404, 'info after use');
    await signIn(server.origin, email, password);
  });

  test('a re-issued invitation voids the earlier link', async () => {
    const invited = await invite(owner, { email: `${unique('reissue')}@acc.worktrace.test`, name: 'R', role: 'employee' });
    const again = expectStatus(await owner.post(`/api/v1/people/${invited.person.id}/invitation`), 201, 're-issue');
    const old = await anonymous().post('/api/v1/invitations/accept', { token: invited.token, password: 'Reissue-Password-Kettle-5' });
    expectStatus(old, 404, 'old link');
    const token = invitationToken(again.url);
    await accept(server.origin, token, 'Reissue-Password-Kettle-5', 'reissued');
  });

  test('cancelling an invitation deletes the invited person and frees the email', async () => {
    const email = `${unique('cancel')}@acc.worktrace.test`;
    const invited = await invite(owner, { email, name: 'Cancelled', role: 'employee' });
    expectStatus(await owner.delete(`/api/v1/people/${invited.person.id}`), 204, 'cancel');
    expectStatus(await owner.get(`/api/v1/people/${invited.person.id}`), 404, 'person after cancel');
    expectError(await anonymous().get(`/api/v1/invitations/${invited.token}`), 404, { message: /invitation is unknown, used or expired/ }, 'link after cancel');
    const log = expectStatus(await owner.get('/api/v1/audit?action=person.invitation_cancelled'), 200, 'audit');
    const entry = log.entries.find((item) => item.details?.email === email);
    assert.ok(entry, `no person.invitation_cancelled entry for ${email} in ${JSON.stringify(log.entries)}`);
    assert.equal(entry.subject_user_id, null);
    assert.equal(entry.target_id, String(invited.person.id));
    // The email can be invited again; active people are suspended, not deleted.
    const again = await invite(owner, { email, name: 'Again', role: 'employee' });
    await accept(server.origin, again.token, 'Cancelled-Password-Kettle-5', email);
    expectError(await owner.delete(`/api/v1/people/${again.person.id}`), 409, { message: /only invited people can be deleted; suspend active people instead/ }, 'active');
    // Only owners cancel an owner's invitation.
    const admin = await newPerson('admin');
    const boss = await invite(owner, { email: `${unique('boss')}@acc.worktrace.test`, name: 'Boss', role: 'owner' });
    expectStatus(await admin.client.delete(`/api/v1/people/${boss.person.id}`), 403, 'admin cancels an owner');
    expectStatus(await owner.delete(`/api/v1/people/${boss.person.id}`), 204, 'owner cancels an owner');
  });

  test('the people list comes in pages that follow one another', async () => {
    const all = expectStatus(await owner.get('/api/v1/people?limit=1000'), 200, 'all people');
    assert.equal(all.next, null);
    assert.ok(all.people.length >= 3, `only ${all.people.length} people`);
    const seen = [];
    let after = '';
    for (let pages = 0; pages <= all.people.length; pages += 1) {
      const page = expectStatus(await owner.get(`/api/v1/people?limit=2${after ? `&after=${encodeURIComponent(after)}` : ''}`), 200, 'page');
      assert.ok(page.people.length <= 2);
      seen.push(...page.people.map((person) => person.id));
      if (page.next === null) break;
      after = page.next;
    }
    assert.deepEqual(seen, all.people.map((person) => person.id));
    expectError(await owner.get('/api/v1/people?limit=0'), 400, { message: /limit: must be 1\.\.1000/ }, 'limit 0');
    expectError(await owner.get('/api/v1/people?after=nonsense'), 400, { message: /after: is not a cursor of this list/ }, 'bad cursor');
  });

  test('an invited person cannot sign in before accepting', async () => {
    const email = `${unique('pending')}@acc.worktrace.test`;
    await invite(owner, { email, name: 'Pending', role: 'employee' });
    expectError(await anonymous().post('/api/v1/auth/login', { email, password: 'whatever-password-1' }), 401, { message: /email or password is wrong/ });
  });
});

describe('password rules', () => {
  test('short, common and over-long passwords are refused; 64+ characters are fine', async () => {
    const person = await newPerson();
    const change = (next) => person.client.post('/api/v1/me/password', { current_password: person.password, new_password: next });
    expectError(await change('Short7!'), 400, { code: 'invalid_argument', message: /new_password/ }, 'short');
    expectError(await change('password1'), 400, { code: 'invalid_argument', message: /new_password/ }, 'common');
    expectError(await change('p'.repeat(1025)), 400, { code: 'invalid_argument', message: /new_password/ }, 'too long');
    expectError(await change('é'.repeat(513)), 400, { code: 'invalid_argument', message: /new_password/ }, '1026 bytes in 513 characters');
    expectError(
      await person.client.post('/api/v1/me/password', { current_password: 'not-my-password-9', new_password: 'Another-Good-Password-1' }),
      [400, 401, 403],
      {},
      'wrong current password',
    );
    const long = 'correct horse battery staple, '.repeat(3).slice(0, 80);
    expectStatus(await change(long), 204, '80 characters');
    await signIn(server.origin, person.email, long);

    const token = (await invite(owner, { email: `${unique('short')}@acc.worktrace.test`, name: 'S', role: 'employee' })).token;
    const shortAccept = await anonymous().post('/api/v1/invitations/accept', { token, password: 'abc' });
    expectError(shortAccept, 400, { message: /password/ }, 'accept with a short password');
  });
});

describe('login throttling', () => {
  /** Five wrong passwords for `email`, each 401; the sixth attempt is 429. Returns the 429. */
  async function throttle(origin, email) {
    const client = new Client(origin);
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      const response = await client.post('/api/v1/auth/login', { email, password: `wrong-password-${attempt}` });
      expectError(response, 401, { message: /^email or password is wrong$/ }, `attempt ${attempt}`);
    }
    const blocked = await client.post('/api/v1/auth/login', { email, password: 'wrong-password-6' });
    expectError(blocked, 429, { message: /^too many failed sign-ins; try again in \d+ s$/ }, 'sixth attempt');
    const retryAfter = Number(blocked.headers['retry-after']);
    assert.ok(Number.isInteger(retryAfter) && retryAfter > 0 && retryAfter <= 3600, `Retry-After ${blocked.headers['retry-after']}`);
    assert.equal(blocked.body.error.message, `too many failed sign-ins; try again in ${retryAfter} s`);
    return blocked;
  }

  test('five failures for one account: 429 with Retry-After, even for the right password', async () => {
    const dataDir = await h.tempDir('worktrace-data-');
    const [org] = Object.values(await createOrgs(h, dataDir, ['thr']));
    const throttled = await h.startServer({ dataDir, webRoot: null, args: [...kUnthrottledApi], name: 'server-throttle' });
    await throttle(throttled.origin, org.ownerEmail);
    const right = await new Client(throttled.origin).post('/api/v1/auth/login', { email: org.ownerEmail, password: org.ownerPassword });
    expectStatus(right, 429, 'right password while throttled');
    assert.equal(cookiePair(right.setCookies, 'wt_session'), null);
    await throttled.stop();
  });

  test('an unknown email gets the same answers', async () => {
    const dataDir = await h.tempDir('worktrace-data-');
    await createOrgs(h, dataDir, ['unk']);
    const throttled = await h.startServer({ dataDir, webRoot: null, args: [...kUnthrottledApi], name: 'server-throttle-unknown' });
    await throttle(throttled.origin, 'nobody-at-all@unk.worktrace.test');
    await throttled.stop();
  });
});

describe('sessions', () => {
  test('list and revoke one, and revoke all others', async () => {
    const person = await newPerson();
    const second = await signIn(server.origin, person.email, person.password);
    const third = await signIn(server.origin, person.email, person.password);
    const listed = expectStatus(await person.client.get('/api/v1/me/sessions'), 200, 'list').sessions;
    assert.equal(listed.length, 3, JSON.stringify(listed));
    assert.equal(listed.filter((entry) => entry.current).length, 1);
    for (const entry of listed) {
      for (const key of ['id', 'created_at', 'last_seen_at', 'expires_at', 'remote_ip', 'user_agent', 'current']) assert.ok(key in entry, key);
    }
    const secondId = expectStatus(await second.get('/api/v1/me/sessions'), 200, 'list').sessions.find((entry) => entry.current).id;
    expectStatus(await person.client.delete(`/api/v1/me/sessions/${secondId}`), 204, 'revoke one');
    expectStatus(await second.get('/api/v1/me'), 401, 'revoked session');
    expectStatus(await third.get('/api/v1/me'), 200, 'other session');
    expectStatus(await person.client.delete('/api/v1/me/sessions/999999999'), 404, 'unknown session');
    expectStatus(await person.client.delete('/api/v1/me/sessions'), 204, 'revoke others');
    expectStatus(await third.get('/api/v1/me'), 401, 'revoked by "all others"');
    expectStatus(await person.client.get('/api/v1/me'), 200, 'the current session stays');
  });

  test('a password change revokes the other sessions', async () => {
    const person = await newPerson();
    const other = await signIn(server.origin, person.email, person.password);
    const next = 'Changed-Password-Meadow-42';
    expectStatus(await person.client.post('/api/v1/me/password', { current_password: person.password, new_password: next }), 204, 'change');
    expectStatus(await other.get('/api/v1/me'), 401, 'other session after the change');
    expectStatus(await person.client.get('/api/v1/me'), 200, 'the changing session');
    expectStatus(await anonymous().post('/api/v1/auth/login', { email: person.email, password: person.password }), 401, 'old password');
    await signIn(server.origin, person.email, next);
  });
});

describe('dashboard sockets end with their session', () => {
  test('revoke, logout, password change and suspension close the viewer with 1008', async () => {
    const person = await newPerson();
    const revoked = await signIn(server.origin, person.email, person.password);
    const revokedSocket = await openViewer(revoked);
    const revokedId = expectStatus(await revoked.get('/api/v1/me/sessions'), 200, 'list').sessions.find((entry) => entry.current).id;
    expectStatus(await person.client.delete(`/api/v1/me/sessions/${revokedId}`), 204, 'revoke');
    await expectClosed(revokedSocket, 1008, undefined, 'revoked session');

    const leaving = await signIn(server.origin, person.email, person.password);
    const leavingSocket = await openViewer(leaving);
    const unrelatedSocket = await openViewer(person.client);
    expectStatus(await leaving.post('/api/v1/auth/logout'), 204, 'logout');
    await expectClosed(leavingSocket, 1008, undefined, 'logout');

    const other = await signIn(server.origin, person.email, person.password);
    const otherSocket = await openViewer(other);
    const next = 'Socket-Password-Change-Birch-8';
    expectStatus(await person.client.post('/api/v1/me/password', { current_password: person.password, new_password: next }), 204, 'change');
    await expectClosed(otherSocket, 1008, undefined, 'password change');
    assert.equal(unrelatedSocket.closeInfo, null, 'the changing session\'s own socket was closed');

    expectStatus(await owner.patch(`/api/v1/people/${person.id}`, { status: 'suspended' }), 200, 'suspend');
    await expectClosed(unrelatedSocket, 1008, undefined, 'suspension');
  });
});

describe('CSRF', () => {
  test('a cookie write without or with a wrong X-CSRF-Token is 403; with it, it works', async () => {
    const person = await newPerson();
    const missing = await person.client.patch('/api/v1/me', { name: 'No Token' }, { csrf: false });
    expectError(missing, 403, { code: 'permission_denied', message: /CSRF token missing or wrong/ }, 'missing');
    const wrong = await person.client.patch('/api/v1/me', { name: 'Wrong Token' }, { headers: { 'X-CSRF-Token': 'A'.repeat(43) } });
    expectError(wrong, 403, { code: 'permission_denied', message: /CSRF token missing or wrong/ }, 'wrong');
    const other = await newPerson();
    const foreign = await person.client.patch('/api/v1/me', { name: 'Foreign Token' }, { headers: { 'X-CSRF-Token': other.client.csrf } });
    expectStatus(foreign, 403, "another session's token");
    assert.equal(expectStatus(await person.client.get('/api/v1/me'), 200, 'me').user.name, person.client.user.name, 'a refused write changed the name');
    const right = await person.client.patch('/api/v1/me', { name: 'With Token' });
    assert.equal(expectStatus(right, 200, 'with token').user.name, 'With Token');
    const me = expectStatus(await person.client.get('/api/v1/me'), 200, 'me');
    assert.equal(me.csrf_token, person.client.csrf, '/me does not give the session\'s CSRF token');
  });
});

/** Sets up and enables TOTP for `client` (whose password is `password`); returns {secret, recoveryCodes}. */
async function enableTotp(client, password) {
  const setup = expectStatus(await client.post('/api/v1/me/2fa/setup'), 200, '2fa setup');
  assert.match(setup.secret, /^[A-Z2-7]{16,}=*$/);
  assert.match(setup.otpauth_uri, /^otpauth:\/\/totp\/Worktrace:[^?]+\?/);
  assert.equal(secretFromOtpauth(setup.otpauth_uri), setup.secret);
  const uri = new URL(setup.otpauth_uri);
  assert.equal(uri.searchParams.get('issuer'), 'Worktrace');
  assert.equal(uri.searchParams.get('digits'), '6');
  assert.equal(uri.searchParams.get('period'), '30');
  const enabled = expectStatus(await client.post('/api/v1/me/2fa/enable', { code: totp(setup.secret), password }), 200, '2fa enable');
  assert.equal(enabled.recovery_codes.length, 10);
  for (const code of enabled.recovery_codes) assert.match(code, /^[A-Za-z0-9]{5}-[A-Za-z0-9]{5}$/);
  return { secret: setup.secret, recoveryCodes: enabled.recovery_codes };
}

/** Password step of a 2FA sign-in: asserts the challenge and no cookie; returns the challenge. */
async function challengeFor(email, password) {
  const response = await anonymous().post('/api/v1/auth/login', { email, password });
  const body = expectStatus(response, 200, 'password step');
  assert.equal(body.mfa_required, true, JSON.stringify(body));
  assert.equal(typeof body.challenge, 'string');
  assert.equal(cookiePair(response.setCookies, 'wt_session'), null, 'the password step started a session');
  return body.challenge;
}

describe('two-factor authentication', () => {
  test('setup, enable, sign-in with a code; a replayed code is refused; recovery codes work once', async () => {
    const person = await newPerson('manager');
    const first = await person.client.post('/api/v1/me/2fa/setup');
    expectStatus(first, 200, 'setup');
    const bad = await person.client.post('/api/v1/me/2fa/enable', { code: totp(first.body.secret) === '000000' ? '111111' : '000000', password: person.password });
    expectError(bad, 400, { message: /^code: is wrong$/ }, 'enable with a wrong code');
    // A stolen cookie is not enough: the password is required and checked.
    const noPassword = await person.client.post('/api/v1/me/2fa/enable', { code: totp(first.body.secret) });
    expectError(noPassword, 400, { code: 'invalid_argument', message: /password/ }, 'enable without the password');
    const wrongPassword = await person.client.post('/api/v1/me/2fa/enable', { code: totp(first.body.secret), password: 'Not-The-Password-Elm-3' });
    expectError(wrongPassword, 400, { message: /^password: is wrong$/ }, 'enable with a wrong password');
    assert.equal(expectStatus(await person.client.get('/api/v1/me'), 200, 'me').user.totp_enabled, false);

    const { secret, recoveryCodes } = await enableTotp(person.client, person.password);
    assert.equal(expectStatus(await person.client.get('/api/v1/me'), 200, 'me').user.totp_enabled, true);
    expectStatus(await person.client.post('/api/v1/me/2fa/setup'), 409, 'setup when enabled');

    // The next step's code (allowed by the +-1 skew) is newer than the one enable used.
    const code = totp(secret, { step: totpStep() + 1 });
    const challenge = await challengeFor(person.email, person.password);
    const wrongCode = await anonymous().post('/api/v1/auth/login/2fa', { challenge, code: code === '123456' ? '654321' : '123456' });
    expectError(wrongCode, 401, { message: /code is wrong/ }, 'wrong code');
    const signedIn = await anonymous().post('/api/v1/auth/login/2fa', { challenge, code });
    expectStatus(signedIn, 200, 'sign-in with the code');
    const session = sessionFrom(server.origin, signedIn, '2fa session');
    expectStatus(await session.get('/api/v1/me'), 200, 'me with the 2fa session');

    const replay = await anonymous().post('/api/v1/auth/login/2fa', { challenge: await challengeFor(person.email, person.password), code });
    expectError(replay, 401, { message: /code is wrong/ }, 'replayed code');

    const recovery = recoveryCodes[0];
    const byRecovery = await anonymous().post('/api/v1/auth/login/2fa', { challenge: await challengeFor(person.email, person.password), code: recovery });
    expectStatus(byRecovery, 200, 'recovery code');
    const recoveryAgain = await anonymous().post('/api/v1/auth/login/2fa', { challenge: await challengeFor(person.email, person.password), code: recovery });
    expectError(recoveryAgain, 401, { message: /code is wrong/ }, 'recovery code twice');

    const regenerated = await person.client.post('/api/v1/me/2fa/recovery-codes', { password: person.password });
    const fresh = expectStatus(regenerated, 200, 'new recovery codes').recovery_codes;
    assert.equal(fresh.length, 10);
    const oldCode = await anonymous().post('/api/v1/auth/login/2fa', { challenge: await challengeFor(person.email, person.password), code: recoveryCodes[1] });
    expectError(oldCode, 401, { message: /code is wrong/ }, 'a recovery code from before the regeneration');
    const newCode = await anonymous().post('/api/v1/auth/login/2fa', { challenge: await challengeFor(person.email, person.password), code: fresh[0] });
    expectStatus(newCode, 200, 'a new recovery code');

    const challengeOnly = await challengeFor(person.email, person.password);
    expectStatus(await anonymous().get('/api/v1/me', { headers: { Cookie: `wt_session=${challengeOnly}` } }), 401, 'a challenge is not a session');
  });

  test('a challenge takes five wrong codes at most', async () => {
    const person = await newPerson('manager');
    const { secret } = await enableTotp(person.client, person.password);
    const limited = await challengeFor(person.email, person.password);
    const right = totp(secret, { step: totpStep() + 1 });
    for (let attempt = 1; attempt <= 5; attempt += 1) {
      const guess = String(100000 + attempt) === right ? '999999' : String(100000 + attempt);
      expectStatus(await anonymous().post('/api/v1/auth/login/2fa', { challenge: limited, code: guess }), 401, `wrong code ${attempt}`);
    }
    // Refused as a spent challenge (401) or as a throttled account (429): never a session.
    const afterLimit = await anonymous().post('/api/v1/auth/login/2fa', { challenge: limited, code: right });
    expectStatus(afterLimit, [401, 429], 'a right code after five wrong ones on the same challenge');
    assert.equal(cookiePair(afterLimit.setCookies, 'wt_session'), null);
  });

  test('require_2fa: a manager without TOTP gets 403 everywhere but the setup routes until enabled', async () => {
    const reqOwner = await signIn(server.origin, orgs.req.ownerEmail, orgs.req.ownerPassword, 'req.owner');
    const invitedManager = await invite(reqOwner, { email: 'manager@req.worktrace.test', name: 'Req Manager', role: 'manager' });
    const invitedEmployee = await invite(reqOwner, { email: 'employee@req.worktrace.test', name: 'Req Employee', role: 'employee' });
    const manager = await accept(server.origin, invitedManager.token, 'Req-Manager-Password-Fig-1', 'req.manager');
    const employee = await accept(server.origin, invitedEmployee.token, 'Req-Employee-Password-Fig-1', 'req.employee');

    expectStatus(await reqOwner.patch('/api/v1/org', { require_2fa: true }), 200, 'require 2fa');
    const required = /two-factor authentication is required by your organization/;
    for (const [name, client] of [['owner', reqOwner], ['manager', manager]]) {
      expectError(await client.get('/api/v1/people'), 403, { message: required }, `${name} GET /people`);
      expectError(await client.get('/api/v1/org'), 403, { message: required }, `${name} GET /org`);
      const me = expectStatus(await client.get('/api/v1/me'), 200, `${name} GET /me`);
      assert.equal(me.mfa_setup_required, true);
      assert.equal(me.org.require_2fa, true);
    }
    // The sign-in answer says so too, so the dashboard can go straight to the setup.
    const ownerAgain = await anonymous().post('/api/v1/auth/login', { email: orgs.req.ownerEmail, password: orgs.req.ownerPassword });
    assert.equal(expectStatus(ownerAgain, 200, 'owner signs in again').mfa_setup_required, true);
    const employeeAgain = await anonymous().post('/api/v1/auth/login', { email: 'employee@req.worktrace.test', password: 'Req-Employee-Password-Fig-1' });
    assert.equal(expectStatus(employeeAgain, 200, 'employee signs in again').mfa_setup_required, false);
    const employeeMe = expectStatus(await employee.get('/api/v1/me'), 200, 'employee GET /me');
    assert.equal(employeeMe.mfa_setup_required, false);
    expectStatus(await employee.get('/api/v1/org'), 200, 'employees are not required to use 2FA');

    await enableTotp(manager, 'Req-Manager-Password-Fig-1');
    expectStatus(await manager.get('/api/v1/people'), 200, 'manager after enabling');
    assert.equal(expectStatus(await manager.get('/api/v1/me'), 200, 'me').mfa_setup_required, false);
    const disable = await manager.post('/api/v1/me/2fa/disable', { password: 'Req-Manager-Password-Fig-1' });
    expectStatus(disable, 409, 'disable while required');
    expectError(await reqOwner.get('/api/v1/people'), 403, { message: required }, 'the owner is still held');
  });
});

describe('bad input', () => {
  test('field limits with messages naming the field; unknown keys', async () => {
    const cases = [
      ['POST', '/api/v1/departments', { name: 'd'.repeat(201) }, /name/],
      ['POST', '/api/v1/departments', { name: '' }, /name/],
      ['POST', '/api/v1/departments', { name: 'ok', colour: 'red' }, /colour/],
      ['POST', '/api/v1/people', { email: 'not-an-email', name: 'X', role: 'employee' }, /email/],
      ['POST', '/api/v1/people', { email: `${unique('x')}@acc.worktrace.test`, name: '', role: 'employee' }, /name/],
      ['POST', '/api/v1/people', { email: `${unique('x')}@acc.worktrace.test`, name: 'X', role: 'emperor' }, /role/],
      ['POST', '/api/v1/people', { email: `${unique('x')}@acc.worktrace.test`, name: 'X', role: 'employee', job_title: 'j'.repeat(5000) }, /job_title/],
      ['PATCH', '/api/v1/org', { name: '' }, /name/],
      ['PATCH', '/api/v1/org', { country: 'Narnia' }, /country/],
      ['PATCH', '/api/v1/org', { country: 'QQ' }, /country/],
      ['PATCH', '/api/v1/org', { time_zone: '../../etc/passwd' }, /time_zone/],
      ['PATCH', '/api/v1/org', { time_zone: 'Mars/Olympus_Mons' }, /time_zone/],
      ['PATCH', '/api/v1/org', { billing_email: 'billing' }, /billing_email/],
      ['PATCH', '/api/v1/org', { plan: 'free-forever' }, /plan/],
      ['PATCH', '/api/v1/org', { seats: 0 }, /seats/],
      ['PATCH', '/api/v1/org', { tax_id: 't'.repeat(51) }, /tax_id/],
      ['PATCH', '/api/v1/me', { name: 'n'.repeat(201) }, /name/],
      ['POST', '/api/v1/api-tokens', { name: 'x', scopes: ['everything:all'] }, /scopes/],
    ];
    for (const [method, path, body, field] of cases) {
      const response = await owner.call(method, path, body);
      expectError(response, 400, { code: 'invalid_argument', message: field }, `${method} ${path} ${JSON.stringify(body).slice(0, 60)}`);
    }
    const good = expectStatus(await owner.patch('/api/v1/org', { country: 'DE', time_zone: 'Europe/Berlin' }), 200, 'good org change');
    assert.equal(good.time_zone, 'Europe/Berlin');
  });

  test('duplicate emails, dangling department ids, seats below use', async () => {
    const person = await newPerson();
    const duplicate = await owner.post('/api/v1/people', { email: person.email.toUpperCase(), name: 'Dup', role: 'employee' });
    expectError(duplicate, 409, { message: /^email: already registered/ }, 'duplicate email');
    const dangling = await owner.post('/api/v1/people', { email: `${unique('d')}@acc.worktrace.test`, name: 'D', role: 'employee', department_id: 987654321 });
    expectError(dangling, [400, 404], { message: /department_id/ }, 'dangling department_id');
    const parent = await owner.post('/api/v1/departments', { name: unique('Child'), parent_id: 987654321 });
    expectError(parent, [400, 404], { message: /parent_id: no such department/ }, 'dangling parent_id');
    const patch = await owner.patch(`/api/v1/people/${person.id}`, { department_id: 987654321 });
    expectError(patch, [400, 404], { message: /department_id/ }, 'dangling department_id in PATCH');
    expectError(await owner.patch('/api/v1/org', { seats: 1 }), 409, {}, 'seats below seats_used');
    const { seats_used: used } = expectStatus(await owner.get('/api/v1/org'), 200, 'org');
    expectStatus(await owner.patch('/api/v1/org', { seats: used }), 200, 'seats = seats_used');
    const full = await owner.post('/api/v1/people', { email: `${unique('full')}@acc.worktrace.test`, name: 'Full', role: 'employee' });
    expectError(full, 409, { message: /seats/ }, 'invite with every seat taken');
    expectStatus(await owner.patch('/api/v1/org', { seats: 1000 }), 200, 'seats back');
  });

  test('departments: a cycle and deleting one with people are refused', async () => {
    const top = expectStatus(await owner.post('/api/v1/departments', { name: unique('Top') }), 201, 'top');
    const child = expectStatus(await owner.post('/api/v1/departments', { name: unique('Child'), parent_id: top.id }), 201, 'child');
    expectError(await owner.patch(`/api/v1/departments/${top.id}`, { parent_id: child.id }), 409, { message: /parent_id: would make a cycle/ }, 'cycle');
    expectError(await owner.post('/api/v1/departments', { name: child.name, parent_id: top.id }), 409, {}, 'duplicate sibling');
    const person = await newPerson();
    expectStatus(await owner.patch(`/api/v1/people/${person.id}`, { department_id: child.id }), 200, 'move person');
    expectError(await owner.delete(`/api/v1/departments/${child.id}`), 409, { message: /department still has/ }, 'delete with people');
    expectError(await owner.delete(`/api/v1/departments/${top.id}`), 409, { message: /department still has/ }, 'delete with a sub-department');
    expectStatus(await owner.patch(`/api/v1/people/${person.id}`, { department_id: null }), 200, 'clear department');
    expectStatus(await owner.delete(`/api/v1/departments/${child.id}`), 204, 'delete empty');
  });

  test('the last owner cannot be demoted or suspended; admins cannot touch owners', async () => {
    const ownerId = owner.user.id;
    expectError(await owner.patch(`/api/v1/people/${ownerId}`, { role: 'admin' }), 409, { message: /the last owner cannot/ }, 'demote');
    expectError(await owner.patch(`/api/v1/people/${ownerId}`, { status: 'suspended' }), 409, { message: /the last owner cannot/ }, 'suspend');
    const admin = await newPerson('admin');
    expectStatus(await admin.client.patch(`/api/v1/people/${ownerId}`, { job_title: 'Boss' }), 403, 'admin edits owner');
    expectStatus(await admin.client.patch('/api/v1/org', { plan: 'business' }), 403, 'admin changes the plan');
    expectStatus(await admin.client.patch('/api/v1/org', { seats: 500 }), 403, 'admin changes the seats');
    expectStatus(await admin.client.post('/api/v1/people', { email: `${unique('o')}@acc.worktrace.test`, name: 'O', role: 'owner' }), 403, 'admin invites owner');
    const employee = await newPerson();
    expectStatus(await admin.client.patch(`/api/v1/people/${employee.id}`, { role: 'owner' }), 403, 'admin makes owner');
    expectStatus(await owner.get('/api/v1/me'), 200, 'the owner still works');
  });

  test('suspending a person ends their sessions and sign-in', async () => {
    const person = await newPerson();
    expectStatus(await owner.patch(`/api/v1/people/${person.id}`, { status: 'suspended' }), 200, 'suspend');
    expectStatus(await person.client.get('/api/v1/me'), 401, 'session after suspension');
    expectError(await anonymous().post('/api/v1/auth/login', { email: person.email, password: person.password }), 401, { message: /email or password is wrong/ });
  });
});
