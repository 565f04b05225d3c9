// Issue 5 in the browser: spans with URLs, editor files and a private span reach the dashboard.
// The person's day lists their websites (domains, time, share, top pages) and the timeline's
// details show domain, URL, project/file and "Private"; the manager of the person's team sees
// the team's websites (only their team's people); an admin edits the redaction policy (a bad
// pattern gets the server's 400 message next to its field; the saved policy reaches the agent);
// an employee reads the policy and sees "domains only" once the policy keeps no more.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { expectStatus } from '../lib/api.mjs';
import { screenshotOnFailure, signedInPage as signedInAs } from '../lib/browser.mjs';
import { buildOrg, createOrgs, kUnthrottledApi } from '../lib/fixture.mjs';
import { Harness, deviceInfo } from '../lib/harness.mjs';
import { request } from '../lib/http.mjs';
import { connectAgent } from '../lib/ws.mjs';

const h = new Harness('e2e-websites-dashboard');

const kMinuteMs = 60_000;
const kDocs = 'docs.example.com';
const kNews = 'news.example.org';

let server;
let org;
let person;
let agent;
/** Yesterday in UTC (the organization's zone here), "YYYY-MM-DD", and its first instant. */
let yesterday;
let dayStart;

const at = (hours, minutes) => dayStart + (hours * 60 + minutes) * kMinuteMs;

/** employeeA's day: 40 min on docs (two pages, plus idle time), 20 min on news, private and editor spans. */
function personSpans() {
  const firefox = { app: 'firefox', exe: '/usr/lib/firefox/firefox', idle: false };
  return [
    { start: at(9, 0), end: at(9, 30), ...firefox, title: 'Guide — Docs', url: `https://${kDocs}/guide`, domain: kDocs },
    { start: at(9, 30), end: at(9, 40), ...firefox, title: 'API — Docs', url: `https://${kDocs}/api`, domain: kDocs },
    { start: at(9, 40), end: at(9, 50), ...firefox, title: 'API — Docs', url: `https://${kDocs}/api`, domain: kDocs, idle: true },
    { start: at(10, 0), end: at(10, 20), app: 'chromium', exe: '/usr/lib/chromium/chromium', idle: false, title: 'Today', url: `https://${kNews}/today`, domain: kNews },
    { start: at(10, 20), end: at(10, 25), app: '', exe: '', title: '', idle: false, private: true },
    { start: at(10, 30), end: at(10, 45), app: 'code', exe: '/usr/share/code/code', idle: false, title: 'websites.ts — worktrace', project: 'worktrace', file: 'web/src/lib/websites.ts' },
  ];
}

async function ingest(device, spans) {
  const records = spans.map((span, index) => ({ seq: index + 1, type: 'span', ...span }));
  const answer = await request(server.origin, '/api/v1/agent/activity', {
    method: 'POST',
    headers: { Authorization: `Bearer ${device.credential}` },
    body: { records, dropped_total: 0 },
  });
  assert.equal(answer.status, 200, `POST /api/v1/agent/activity -> ${answer.status}: ${answer.text}`);
  assert.equal(JSON.parse(answer.text).acked_seq, records.length);
}

before(async () => {
  const dataDir = await h.tempDir('worktrace-data-');
  const created = await createOrgs(h, dataDir, ['a']);
  server = await h.startServer({ dataDir, args: [...kUnthrottledApi] });
  org = await buildOrg(server, created.a);
  expectStatus(await org.people.owner.client.patch('/api/v1/org', { time_zone: 'UTC' }), 200, 'org time zone');
  person = org.people.employeeA;
  yesterday = new Date(Date.now() - 86_400_000).toISOString().slice(0, 10);
  dayStart = Date.parse(`${yesterday}T00:00:00Z`);
  await ingest(org.devices.employeeA, personSpans());
  // employeeB is in team B: their time on docs must not show in team A's view.
  await ingest(org.devices.employeeB, [
    { start: at(9, 0), end: at(9, 15), app: 'firefox', exe: '/usr/bin/firefox', title: 'X', idle: false, url: `https://${kDocs}/x`, domain: kDocs },
  ]);

  agent = await connectAgent(server.origin, org.devices.employeeA.credential);
  h.onCleanup(() => agent.close());
  await agent.next('welcome');
  agent.send({ type: 'hello', device: deviceInfo({ hostname: org.devices.employeeA.hostname }) });
});

after(() => h.cleanup());

function signedInPage(who) {
  return signedInAs(h, server.origin, who);
}

const rowOf = (page, testid, domain) => page.locator(`[data-testid="${testid}"][data-domain="${domain}"]`);

test("the person's day lists websites and the timeline shows URL, file and Private", { timeout: 90_000 }, async () => {
  const { page, errors } = await signedInPage(org.people.manager);
  await screenshotOnFailure(page, 'e2e-websites-person', async () => {
    await page.goto(`${server.origin}/#/people/${person.id}/day/${yesterday}`);
    const section = page.getByTestId('websites');
    await section.getByTestId('website-row').first().waitFor();
    assert.deepEqual(await section.getByTestId('website-domain').allTextContents(), [kDocs, kNews]);
    const docs = rowOf(page, 'website-row', kDocs);
    assert.equal(await docs.getByTestId('website-time').textContent(), '40 min');
    assert.equal(await docs.getByTestId('website-share').textContent(), '67%');
    assert.equal(await rowOf(page, 'website-row', kNews).getByTestId('website-time').textContent(), '20 min');
    assert.equal(await section.getByTestId('websites-total').textContent(), '1 h');
    assert.equal(await section.getByTestId('websites-domains-only').count(), 0);

    // Expanding the domain shows its pages (the default policy keeps paths), largest first.
    await docs.getByTestId('website-toggle').click();
    assert.equal(await docs.getByTestId('website-toggle').getAttribute('aria-expanded'), 'true');
    assert.deepEqual(await docs.getByTestId('website-page-title').allTextContents(), ['Guide — Docs', 'API — Docs']);
    assert.deepEqual(await docs.getByTestId('website-page-time').allTextContents(), ['30 min', '10 min']);
    assert.deepEqual(await docs.getByTestId('website-page').evaluateAll((nodes) => nodes.map((node) => node.dataset.url)), [
      `https://${kDocs}/guide`,
      `https://${kDocs}/api`,
    ]);

    // The timeline's details.
    const spans = page.getByTestId('timeline').getByTestId('timeline-span');
    await page.locator('[data-testid="timeline"][data-span-count="6"]').waitFor();
    assert.equal(await spans.nth(0).getAttribute('data-domain'), kDocs);
    assert.equal(await spans.nth(0).getAttribute('aria-label'), `firefox — Guide — Docs (${kDocs}), 09:00–09:30 (30 min)`);
    await spans.nth(0).hover();
    assert.equal(await page.getByTestId('timeline-tooltip-domain').textContent(), kDocs);
    assert.equal(await page.getByTestId('timeline-tooltip-url').textContent(), `https://${kDocs}/guide`);
    await spans.nth(4).hover();
    assert.equal(await spans.nth(4).getAttribute('data-private'), 'true');
    assert.equal(await page.getByTestId('timeline-tooltip-private').textContent(), 'Private');
    assert.equal(await spans.nth(4).getAttribute('aria-label'), 'Private, 10:20–10:25 (5 min)');
    await spans.nth(5).hover();
    assert.equal(await page.getByTestId('timeline-tooltip-editor').textContent(), 'worktrace · web/src/lib/websites.ts');

    // The day before has nothing.
    await page.getByTestId('day-prev').click();
    await page.getByTestId('websites-empty').waitFor();
    assert.deepEqual(errors, []);
  });
});

test("the manager sees their team's websites and who spent the time", { timeout: 60_000 }, async () => {
  const { page, errors } = await signedInPage(org.people.manager);
  await screenshotOnFailure(page, 'e2e-websites-team', async () => {
    await page.getByTestId('nav-people').click();
    await page.getByTestId('people-websites').click();
    await page.waitForURL(/#\/websites$/);
    await page.getByTestId('team-websites-team').waitFor();
    assert.equal(await page.getByTestId('team-websites-title').textContent(), 'Websites of Team A');
    await page.getByTestId('team-websites-prev').click();
    await page.waitForURL(new RegExp(`#/teams/${org.teams.A.id}/websites/${yesterday}$`));
    await rowOf(page, 'team-website-row', kDocs).waitFor();
    assert.deepEqual(await page.getByTestId('team-website-domain').allTextContents(), [kDocs, kNews]);
    const docs = rowOf(page, 'team-website-row', kDocs);
    // employeeB's 15 min on docs belong to team B.
    assert.equal(await docs.getByTestId('team-website-time').textContent(), '40 min');
    assert.equal(await docs.getByTestId('team-website-share').textContent(), '67%');
    assert.deepEqual(await docs.getByTestId('team-website-person').evaluateAll((nodes) => nodes.map((node) => node.dataset.userId)), [
      String(person.id),
    ]);
    assert.equal(await page.getByTestId('team-websites-total').textContent(), '1 h');
    // The manager of team A has no other team to pick, and team B is refused.
    assert.deepEqual(await page.getByTestId('team-websites-team').locator('option').allTextContents(), ['Team A']);
    await page.goto(`${server.origin}/#/teams/${org.teams.B.id}/websites/${yesterday}`);
    await page.getByTestId('team-websites-error').waitFor();
    assert.deepEqual(errors, []);
  });
});

test('an admin edits the redaction policy; a bad pattern gets the message at its field', { timeout: 90_000 }, async () => {
  const { page, errors } = await signedInPage(org.people.admin);
  await screenshotOnFailure(page, 'e2e-websites-redaction', async () => {
    await page.getByTestId('nav-org').click();
    const form = page.getByTestId('redaction-form');
    await form.waitFor();
    assert.equal(await form.getByTestId('redaction-mode-strip_query').isChecked(), true);
    assert.equal(await form.getByTestId('redaction-example-domain').textContent(), 'https://docs.example.com');
    await form.getByTestId('redaction-mode-domain').check();

    // A mask rule, previewed in the browser as it is typed.
    await form.getByTestId('redaction-rule-add').click();
    const first = form.getByTestId('redaction-rule').nth(0);
    await first.getByTestId('redaction-rule-pattern').fill('\\S+@\\S+');
    await first.getByTestId('redaction-rule-replacement').fill('[email]');
    await form.getByTestId('redaction-sample').fill('Mail to ann@example.com — Inbox');
    assert.equal(await form.getByTestId('redaction-preview-result').textContent(), 'Mail to [email] — Inbox');

    // A pattern the browser accepts but the server refuses (exponential backtracking).
    await form.getByTestId('redaction-rule-add').click();
    const second = form.getByTestId('redaction-rule').nth(1);
    await second.getByTestId('redaction-rule-pattern').fill('(a+)+$');
    await second.getByTestId('redaction-rule-action').selectOption('drop');
    await form.getByTestId('redaction-save').click();
    const problem = form.getByTestId('problem-rules.1.pattern');
    await problem.waitFor();
    assert.match((await problem.textContent()) ?? '', /^pattern: \S/);
    assert.equal(await second.getByTestId('redaction-rule-pattern').getAttribute('aria-invalid'), 'true');
    assert.equal(await form.getByTestId('redaction-done').count(), 0);

    // A bad domain is refused in the form; then the rule goes, the lists get entries, it saves.
    await form.getByTestId('redaction-domains-input').fill('not a domain');
    await form.getByTestId('redaction-domains-input').press('Enter');
    assert.equal(await form.getByTestId('redaction-domains-problem').textContent(), 'must be a domain name such as example.com');
    await form.getByTestId('redaction-domains-input').fill('Bank.Example.com');
    await form.getByTestId('redaction-domains-input').press('Enter');
    await form.getByTestId('redaction-apps-input').fill('KeePassXC');
    await form.getByTestId('redaction-apps-add').click();
    await second.getByTestId('redaction-rule-remove').click();
    await form.getByTestId('redaction-save').click();
    await form.getByTestId('redaction-done').waitFor();

    const expected = {
      url_mode: 'domain',
      title_rules: [{ pattern: '\\S+@\\S+', action: 'mask', replacement: '[email]' }],
      excluded_domains: ['bank.example.com'],
      excluded_apps: ['KeePassXC'],
    };
    assert.deepEqual(expectStatus(await org.people.admin.client.get('/api/v1/org/redaction'), 200, 'GET redaction'), expected);
    const config = await agent.next((message) => message.type === 'config' && message.redaction?.url_mode === 'domain');
    assert.deepEqual(config.redaction, expected);

    // Read back after a reload.
    await page.reload();
    await page.getByTestId('redaction-form').waitFor();
    assert.equal(await page.getByTestId('redaction-mode-domain').isChecked(), true);
    assert.equal(await page.getByTestId('redaction-rule-pattern').inputValue(), '\\S+@\\S+');
    assert.deepEqual(await page.getByTestId('redaction-domains-tag').evaluateAll((nodes) => nodes.map((node) => node.dataset.value)), [
      'bank.example.com',
    ]);
    assert.deepEqual(errors, []);
  });
});

test('the employee reads the policy and sees domains only on their day', { timeout: 60_000 }, async () => {
  const { page, errors } = await signedInPage(person);
  await screenshotOnFailure(page, 'e2e-websites-employee', async () => {
    await page.goto(`${server.origin}/#/org`);
    const form = page.getByTestId('redaction-form');
    await form.waitFor();
    await page.getByTestId('redaction-readonly').waitFor();
    assert.equal(await form.getByTestId('redaction-save').count(), 0);
    assert.equal(await form.getByTestId('redaction-mode-domain').isChecked(), true);
    assert.equal(await form.getByTestId('redaction-mode-domain').isDisabled(), true);
    assert.equal(await form.getByTestId('redaction-domains-input').count(), 0);
    assert.deepEqual(await form.getByTestId('redaction-apps-tag').evaluateAll((nodes) => nodes.map((node) => node.dataset.value)), ['KeePassXC']);

    await page.goto(`${server.origin}/#/people/${person.id}/day/${yesterday}`);
    await page.getByTestId('websites-domains-only').waitFor();
    assert.equal(await rowOf(page, 'website-row', kDocs).getByTestId('website-toggle').count(), 0);
    assert.equal(await rowOf(page, 'website-row', kDocs).getByTestId('website-time').textContent(), '40 min');
    assert.deepEqual(errors, []);
  });
});
