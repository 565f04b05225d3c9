// Issue 3 in the browser: an owner signs up, builds departments and teams, invites a manager and
// employees who accept in their own browsers; the manager sees only their team; the owner turns
// on 2FA and the next sign-in asks for the code.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchBrowser, screenshotOnFailure } from '../lib/browser.mjs';
import { Harness } from '../lib/harness.mjs';
import { totp, totpStep } from '../lib/totp.mjs';

const h = new Harness('e2e-accounts');
let server;

const kPassword = 'Correct-Horse-Battery-Staple-42';
const kOwner = { name: 'Olga Owner', email: 'olga@acme.test', org: 'Acme Robotics' };
const kManager = { name: 'Mia Manager', email: 'mia@acme.test', role: 'manager' };
const kEmployee = { name: 'Emil Employee', email: 'emil@acme.test', role: 'employee' };
const kOther = { name: 'Otto Other', email: 'otto@acme.test', role: 'employee' };

/** The RFC 6238 code of time step `step` for `secret` (base32). */
const codeAt = (secret, step) => totp(secret, { step });

const currentStep = () => totpStep();

/** A 6-digit code that is none of the codes the server could accept around `step`. */
function wrongCode(secret, step) {
  const valid = new Set([-2, -1, 0, 1, 2, 3].map((delta) => codeAt(secret, step + delta)));
  for (let candidate = 0; ; candidate += 1) {
    const code = String(candidate).padStart(6, '0');
    if (!valid.has(code)) return code;
  }
}

before(async () => {
  const { dataDir } = await h.initData();
  server = await h.startServer({ dataDir, env: { WORKTRACE_SIGNUP: 'true' } });
});

after(() => h.cleanup());

/** A page in a fresh browser profile that records uncaught page errors. */
async function freshPage() {
  const context = await launchBrowser(h);
  const page = context.pages()[0] ?? (await context.newPage());
  const errors = [];
  page.on('pageerror', (error) => errors.push(error.message));
  return { context, page, errors };
}

async function invite(page, person) {
  await page.getByTestId('invite-open').click();
  await page.getByTestId('invite-email-input').fill(person.email);
  await page.getByTestId('invite-name-input').fill(person.name);
  await page.getByTestId('invite-role').selectOption(person.role);
  await page.getByTestId('invite-send').click();
  const url = (await page.getByTestId('invitation-url').textContent()) ?? '';
  assert.match(url, new RegExp(`^${server.origin.replace(/[.]/g, '\\.')}/#/invite/wti_[A-Za-z0-9_-]{43}$`));
  await page.getByTestId('invitation-close').click();
  return url;
}

/** Opens the invitation link in a fresh browser, accepts it, and checks the landing. */
async function accept(url, person) {
  const session = await freshPage();
  const { page } = session;
  await page.goto(url);
  await page.getByTestId('invite-form').waitFor();
  assert.equal(await page.getByTestId('invite-email').textContent(), person.email);
  assert.equal(await page.getByTestId('invite-org').textContent(), kOwner.org);
  await page.getByTestId('invite-password').fill(kPassword);
  await page.getByTestId('invite-submit').click();
  await page.getByTestId('main-nav').waitFor();
  assert.equal(await page.getByTestId('user-name').textContent(), person.name);
  return session;
}

async function signIn(page, email, password) {
  await page.getByTestId('sign-in-form').waitFor();
  await page.getByTestId('sign-in-email').fill(email);
  await page.getByTestId('sign-in-password').fill(password);
  await page.getByTestId('sign-in-submit').click();
}

async function navLinks(page) {
  return page.getByTestId('main-nav').getByRole('link').allTextContents();
}

async function addMember(page, team, person, { manager = false } = {}) {
  const row = page.locator(`[data-testid="team-row"][data-name="${team}"]`);
  const panel = row.getByTestId('team-members');
  if (!(await panel.isVisible())) await row.getByTestId('team-members-toggle').click();
  await panel.getByTestId('member-add-person').selectOption({ label: `${person.name} (${person.email})` });
  if (manager) await panel.getByTestId('member-add-manager').check();
  await panel.getByTestId('member-add').click();
  const member = panel.locator(`[data-testid="member-row"][data-email="${person.email}"]`);
  await member.waitFor();
  assert.equal(await member.getByTestId('member-manager').isChecked(), manager);
}

test('owner signs up, builds the organization, invites people; 2FA guards the next sign-in', { timeout: 90_000 }, async () => {
  const owner = await freshPage();
  const page = owner.page;
  await screenshotOnFailure(page, 'e2e-accounts', async () => {
    // Sign-up, from the link on the sign-in page.
    await page.goto(`${server.origin}/`);
    await page.getByTestId('sign-up-link').click();
    await page.getByTestId('sign-up-form').waitFor();
    await page.getByTestId('sign-up-org').fill(kOwner.org);
    await page.getByTestId('sign-up-name').fill(kOwner.name);
    await page.getByTestId('sign-up-email').fill(kOwner.email);
    await page.getByTestId('sign-up-password').fill('short');
    assert.match((await page.getByTestId('sign-up-password-hint').textContent()) ?? '', /Too short/);
    await page.getByTestId('sign-up-password').fill(kPassword);
    assert.equal(await page.getByTestId('sign-up-password-hint').textContent(), 'Good length.');
    await page.getByTestId('sign-up-submit').click();
    await page.getByTestId('devices-empty').waitFor();
    assert.equal(await page.getByTestId('org-name').textContent(), kOwner.org);
    assert.deepEqual(await navLinks(page), ['Devices', 'Live', 'My day', 'People', 'Screens', 'Departments & teams', 'Organization', 'Audit log', 'My account']);

    // A department with two teams.
    await page.getByTestId('nav-structure').click();
    await page.getByTestId('dept-new-name').fill('Engineering');
    await page.getByTestId('dept-create').click();
    await page.locator('[data-testid="dept-row"][data-name="Engineering"]').waitFor();
    for (const team of ['Platform', 'Apps']) {
      await page.getByTestId('team-new-name').fill(team);
      await page.getByTestId('team-new-department').selectOption({ label: 'Engineering' });
      await page.getByTestId('team-create').click();
      await page.locator(`[data-testid="team-row"][data-name="${team}"]`).waitFor();
    }
    // The department still has teams: the server's refusal is shown.
    page.once('dialog', (dialog) => dialog.accept());
    await page.locator('[data-testid="dept-row"][data-name="Engineering"] [data-testid="dept-delete"]').first().click();
    assert.match((await page.getByTestId('structure-error').textContent()) ?? '', /still has/);

    // Invitations: the one-time links are read from the page.
    await page.getByTestId('nav-people').click();
    await page.getByTestId('people-table').waitFor();
    const links = {};
    for (const person of [kManager, kEmployee, kOther]) links[person.email] = await invite(page, person);
    const invitedRow = page.locator(`[data-testid="person-row"][data-email="${kManager.email}"]`);
    assert.equal(await invitedRow.getAttribute('data-status'), 'invited');

    // Each accepts in a fresh browser and is signed in.
    const manager = await accept(links[kManager.email], kManager);
    assert.deepEqual(await navLinks(manager.page), ['Devices', 'Live', 'My day', 'People', 'Screens', 'My account']);
    const employee = await accept(links[kEmployee.email], kEmployee);
    assert.deepEqual(await navLinks(employee.page), ['Devices', 'My day', 'My account']);
    const other = await accept(links[kOther.email], kOther);
    await other.context.close();

    // The employee signs out and back in with the new password.
    await employee.page.getByTestId('sign-out').click();
    await signIn(employee.page, kEmployee.email, kPassword);
    await employee.page.getByTestId('main-nav').waitFor();
    await employee.page.goto(`${server.origin}/#/people`);
    await employee.page.getByTestId('main-nav').waitFor();
    assert.match(employee.page.url(), /#\/devices$/);
    assert.deepEqual(employee.errors, []);
    await employee.context.close();

    // The owner puts the manager in charge of Platform with the employee; Otto goes to Apps.
    await page.getByTestId('nav-structure').click();
    await page.locator('[data-testid="team-row"][data-name="Platform"]').waitFor();
    await addMember(page, 'Platform', kManager, { manager: true });
    await addMember(page, 'Platform', kEmployee);
    await addMember(page, 'Apps', kOther);

    // The manager sees only their team's people (and themself).
    await manager.page.goto(`${server.origin}/#/people`);
    await manager.page.reload();
    await manager.page.getByTestId('people-table').waitFor();
    const seen = await manager.page.getByTestId('person-email').allTextContents();
    assert.deepEqual(seen.sort(), [kEmployee.email, kManager.email].sort());
    assert.equal(await manager.page.getByTestId('invite-open').count(), 0);
    assert.equal(await manager.page.getByTestId('person-edit').count(), 0);
    assert.deepEqual(manager.errors, []);
    await manager.context.close();

    // The owner turns on 2FA with a code computed from the secret on the page.
    await page.getByTestId('nav-account').click();
    await page.getByTestId('totp-setup').click();
    await page.getByTestId('totp-qr').waitFor();
    const secret = ((await page.getByTestId('totp-secret').textContent()) ?? '').trim();
    assert.match(secret, /^[A-Z2-7]{16,}=*$/);
    const enableStep = currentStep();
    await page.getByTestId('totp-code').fill(codeAt(secret, enableStep));
    await page.getByTestId('totp-enable-password').fill(kPassword);
    await page.getByTestId('totp-enable').click();
    await page.getByTestId('recovery-codes').waitFor();
    assert.equal(await page.getByTestId('recovery-code').count(), 10);
    assert.equal(await page.getByTestId('twofactor-status').textContent(), 'on');

    // Signing in again asks for the code. A code is accepted once, so use the next time step
    // (within the allowed skew) unless time has moved on already.
    await page.getByTestId('sign-out').click();
    await signIn(page, kOwner.email, kPassword);
    await page.getByTestId('mfa-form').waitFor();
    await page.getByTestId('mfa-code').fill(wrongCode(secret, currentStep()));
    await page.getByTestId('mfa-submit').click();
    assert.equal(await page.getByTestId('mfa-error').textContent(), 'code is wrong');
    await page.getByTestId('mfa-code').fill(codeAt(secret, Math.max(currentStep(), enableStep + 1)));
    await page.getByTestId('mfa-submit').click();
    await page.getByTestId('main-nav').waitFor();
    assert.equal(await page.getByTestId('user-name').textContent(), kOwner.name);

    // The audit log recorded it all, and its chain verifies.
    await page.getByTestId('nav-audit').click();
    await page.getByTestId('audit-table').waitFor();
    const actions = await page.getByTestId('audit-row').evaluateAll((rows) => rows.map((row) => row.getAttribute('data-action')));
    for (const action of ['person.invited', 'person.joined', 'auth.2fa_enabled', 'auth.login']) {
      assert.ok(actions.includes(action), `audit has no ${action}: ${actions.join(', ')}`);
    }
    await page.getByTestId('audit-verify').click();
    assert.equal(await page.getByTestId('audit-verify-result').getAttribute('data-ok'), 'true');

    // The organization now requires 2FA: the manager, without it, is held on the account page.
    await page.getByTestId('nav-org').click();
    await page.getByTestId('org-require-2fa').check();
    await page.getByTestId('org-save').click();
    assert.equal(await page.getByTestId('org-done').textContent(), 'Saved.');
    assert.deepEqual(owner.errors, []);
    const held = await freshPage();
    await held.page.goto(`${server.origin}/#/people`);
    await signIn(held.page, kManager.email, kPassword);
    await held.page.getByTestId('mfa-setup-required').waitFor();
    assert.match(held.page.url(), /#\/account$/);
    await held.page.getByTestId('nav-people').click();
    await held.page.getByTestId('mfa-setup-required').waitFor();
    assert.match(held.page.url(), /#\/account$/);
    await held.page.getByTestId('totp-setup').click();
    await held.page.getByTestId('totp-secret').waitFor();
    assert.deepEqual(held.errors, []);
  });
});
