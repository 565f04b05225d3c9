// Sign-in, session cookie and /api/v1/me against a real worktrace-server.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Harness, kOwner } from '../lib/harness.mjs';
import { cookieAttributes, login, request } from '../lib/http.mjs';

const h = new Harness('integration-auth');
let server;

before(async () => {
  const { dataDir } = await h.initData();
  server = await h.startServer({ dataDir });
});

after(() => h.cleanup());

test('a wrong password and an unknown email get the same 401', async () => {
  const wrongPassword = await login(server.origin, kOwner.email, 'not-the-password-123');
  const unknownEmail = await login(server.origin, 'nobody@worktrace.test', kOwner.password);
  for (const attempt of [wrongPassword, unknownEmail]) {
    assert.equal(attempt.status, 401);
    assert.equal(attempt.body.error.code, 'unauthenticated');
    assert.equal(attempt.cookie, null, 'a failed login set a session cookie');
  }
  assert.deepEqual(unknownEmail.body, wrongPassword.body);
  assert.equal(wrongPassword.body.error.message, 'email or password is wrong');
});

test('a good login sets an HttpOnly SameSite=Strict cookie and returns the user', async () => {
  const result = await login(server.origin, kOwner.email, kOwner.password);
  assert.equal(result.status, 200, JSON.stringify(result.body));
  assert.match(result.cookie ?? '', /^wt_session=[A-Za-z0-9_-]{40,}$/);
  const attributes = cookieAttributes(result.setCookies, 'wt_session');
  assert.ok(attributes.has('httponly'), [...attributes].join('; '));
  assert.ok(attributes.has('samesite=strict'), [...attributes].join('; '));
  assert.ok(attributes.has('path=/'), [...attributes].join('; '));
  assert.ok(!attributes.has('secure'), 'Secure on plain HTTP would make the cookie unusable');

  assert.equal(result.body.user.email, kOwner.email);
  assert.equal(result.body.user.role, 'owner');
  assert.ok(Number.isInteger(result.body.user.id));
  assert.ok(Number.isInteger(result.body.org.id));
  assert.ok(result.body.org.name.length > 0);
});

test('the email is matched without regard to case', async () => {
  const result = await login(server.origin, kOwner.email.toUpperCase(), kOwner.password);
  assert.equal(result.status, 200, JSON.stringify(result.body));
});

test('GET /api/v1/me answers with a session and refuses without one', async () => {
  const anonymous = await request(server.origin, '/api/v1/me');
  assert.equal(anonymous.status, 401);
  assert.equal(anonymous.json().error.code, 'unauthenticated');

  const forged = await request(server.origin, '/api/v1/me', {
    headers: { Cookie: 'wt_session=AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA' },
  });
  assert.equal(forged.status, 401);

  const session = await login(server.origin, kOwner.email, kOwner.password);
  const me = await request(server.origin, '/api/v1/me', { headers: { Cookie: session.cookie } });
  assert.equal(me.status, 200, me.text);
  const body = me.json();
  assert.deepEqual(body.user, session.body.user);
  assert.equal(body.org.id, session.body.org.id);
  assert.equal(body.org.name, session.body.org.name);
  assert.equal(body.csrf_token, session.body.csrf_token, '/me and login give different CSRF tokens');
  // The Person object of issue 3 (docs: accounts contract).
  assert.deepEqual(Object.keys(body.user).sort(), [
    'created_at', 'department_id', 'email', 'id', 'job_title', 'last_sign_in_at', 'login',
    'managed_team_ids', 'name', 'role', 'status', 'team_ids', 'totp_enabled',
  ]);
});

test('logout ends the session and clears the cookie', async () => {
  const session = await login(server.origin, kOwner.email, kOwner.password);
  const logout = await request(server.origin, '/api/v1/auth/logout', {
    method: 'POST',
    headers: { Cookie: session.cookie },
    body: {},
  });
  assert.equal(logout.status, 204, logout.text);
  const cleared = cookieAttributes(logout.setCookies, 'wt_session');
  assert.ok(cleared, 'logout did not clear the cookie');
  assert.ok(cleared.has('max-age=0') || [...cleared].some((part) => part.startsWith('expires=')), [...cleared].join('; '));

  const me = await request(server.origin, '/api/v1/me', { headers: { Cookie: session.cookie } });
  assert.equal(me.status, 401, 'the session still works after logout');
});

test('login refuses oversized credentials with a clear 400', async () => {
  const response = await request(server.origin, '/api/v1/auth/login', {
    method: 'POST',
    body: { email: kOwner.email, password: 'x'.repeat(2000) },
  });
  assert.equal(response.status, 400, response.text);
  assert.equal(response.json().error.code, 'invalid_argument');
  assert.match(response.json().error.message, /password/);
});
