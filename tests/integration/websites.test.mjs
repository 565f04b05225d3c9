// Time per web domain against a real worktrace-server: an assigned device posts spans with
// browser URLs (and an editor's project/file, an idle and a private span); the timeline shows
// the new fields; GET /people/{id}/websites adds the seconds per domain and its top pages
// exactly as computed from the spans posted here (idle and private time never counts; the
// query is cut by the server's default strip_query policy); GET /teams/{id}/websites sums the
// team's rollups; access follows the timeline (self, admins, the team's manager; others 403,
// another organization 404); bad ranges are 400s naming the parameter; under url_mode
// "domain" the pages are empty.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Client, expectError, expectStatus } from '../lib/api.mjs';
import { startFixture } from '../lib/fixture.mjs';
import { Harness } from '../lib/harness.mjs';

const h = new Harness('integration-websites');
let A;
let B;
let agent; // employeeA's device
let seq = 0;

const kSlotMs = 600_000;
const kS = 1000;
// Two hours ago on a 10-minute boundary.
const kBase = Math.floor((Date.now() - 2 * 3_600_000) / kSlotMs) * kSlotMs;
const kFrom = kBase;
const kTo = kBase + 3_600_000;

function span(start, end, { app = 'chromium', title = '', idle = false, url, domain, project, file, hidden } = {}) {
  seq += 1;
  const record = { seq, type: 'span', start: kBase + start * kS, end: kBase + end * kS, app, exe: app ? `/usr/bin/${app}` : '', title, idle };
  if (url !== undefined) record.url = url;
  if (domain !== undefined) record.domain = domain;
  if (project !== undefined) record.project = project;
  if (file !== undefined) record.file = file;
  if (hidden) record.private = true;
  return record;
}

async function post(records) {
  return agent.post('/api/v1/agent/activity', JSON.stringify({ records }), { headers: { 'Content-Type': 'application/json' } });
}

function websitesPath(person, from = kFrom, to = kTo) {
  return `/api/v1/people/${person}/websites?from=${from}&to=${to}`;
}

before(async () => {
  const fx = await startFixture(h);
  A = fx.orgs.a;
  B = fx.orgs.b;
  agent = new Client(A.origin, { bearer: A.devices.employeeA.credential, label: 'agent' });
  // example.com: /a 60 s + /a 20 s = 80 s, /b 30 s -> 110 s; docs.test /x 100 s; total 210 s.
  // Not counted: 60 s idle on example.com, 30 s private, 100 s in an editor (no domain).
  const accepted = expectStatus(
    await post([
      span(0, 60, { title: 'A', url: 'https://example.com/a?utm_source=mail#top', domain: 'example.com' }),
      span(60, 90, { title: 'B', url: 'https://example.com/b', domain: 'example.com' }),
      span(90, 190, { title: 'X', url: 'https://docs.test/x', domain: 'docs.test' }),
      span(190, 250, { title: 'A', url: 'https://example.com/a', domain: 'example.com', idle: true }),
      span(250, 270, { title: 'A again', url: 'https://example.com/a', domain: 'example.com' }),
      span(270, 300, { app: '', hidden: true }),
      span(300, 400, { app: 'code', title: 'main.cpp - worktrace', project: 'worktrace', file: 'server/main.cpp' }),
    ]),
    200,
    'batch',
  );
  assert.equal(accepted.accepted, 7);
});

after(() => h.cleanup());

describe('ingest and timeline', () => {
  test('the timeline shows url, domain, project, file and private', async () => {
    const body = expectStatus(await A.people.owner.client.get(`/api/v1/people/${A.people.employeeA.id}/timeline?from=${kFrom}&to=${kTo}`), 200);
    assert.equal(body.spans.length, 7);
    assert.deepEqual(
      body.spans.map((s) => [s.url, s.domain, s.project, s.file, s.private]),
      [
        ['https://example.com/a', 'example.com', '', '', false],
        ['https://example.com/b', 'example.com', '', '', false],
        ['https://docs.test/x', 'docs.test', '', '', false],
        ['https://example.com/a', 'example.com', '', '', false],
        ['https://example.com/a', 'example.com', '', '', false],
        ['', '', '', '', true],
        ['', '', 'worktrace', 'server/main.cpp', false],
      ],
    );
    assert.equal(body.spans[5].app, '');
    assert.equal(body.spans[5].end - body.spans[5].start, 30 * kS);
  });

  test('bad web fields are refused with the field named, and nothing is stored', async () => {
    const cases = [
      [span(500, 510, { url: 'https://example.com/', domain: 'evil.test' }), '$.records[0].domain: does not match url'],
      [span(500, 510, { url: 'https://example.com/' }), '$.records[0].domain: is required with url'],
      [span(500, 510, { url: 'javascript:alert(1)', domain: '' }), '$.records[0].url: must be an http or https URL with a host'],
      [span(500, 510, { url: `https://example.com/${'a'.repeat(2100)}`, domain: 'example.com' }), '$.records[0].url: must be at most 2048 bytes'],
      [span(500, 510, { app: '', title: 'secret', hidden: true }), '$.records[0].title: must be empty in a private span'],
      [span(500, 510, { project: 'p'.repeat(256) }), '$.records[0].project: must be at most 255 bytes'],
    ];
    for (const [record, message] of cases) {
      const error = expectError(await post([record]), 400, { code: 'invalid_argument' }, message);
      assert.equal(error.message, message);
    }
    const body = expectStatus(await A.people.owner.client.get(`/api/v1/people/${A.people.employeeA.id}/timeline?from=${kFrom}&to=${kTo}`), 200);
    assert.equal(body.spans.length, 7);
  });
});

describe('a person\'s websites', () => {
  const kExpected = {
    total_seconds: 210,
    domains: [
      {
        domain: 'example.com',
        seconds: 110,
        pages: [
          { url: 'https://example.com/a', title: 'A', seconds: 80 },
          { url: 'https://example.com/b', title: 'B', seconds: 30 },
        ],
      },
      { domain: 'docs.test', seconds: 100, pages: [{ url: 'https://docs.test/x', title: 'X', seconds: 100 }] },
    ],
  };

  test('seconds per domain and top pages, computed from the spans', async () => {
    const person = A.people.employeeA;
    for (const client of [person.client, A.people.owner.client, A.people.admin.client, A.people.manager.client]) {
      const body = expectStatus(await client.get(websitesPath(person.id)), 200, client.label);
      assert.deepEqual(body, { user_id: person.id, from: kFrom, to: kTo, ...kExpected });
    }
    // Clipped to the range [30 s, 100 s): /a 30 s, /b 30 s, docs.test 10 s.
    const clipped = expectStatus(await person.client.get(websitesPath(person.id, kBase + 30 * kS, kBase + 100 * kS)), 200);
    assert.equal(clipped.total_seconds, 70);
    assert.deepEqual(
      clipped.domains.map((d) => [d.domain, d.seconds, d.pages.map((p) => p.seconds)]),
      [['example.com', 60, [30, 30]], ['docs.test', 10, [10]]],
    );
    const audit = expectStatus(await A.people.owner.client.get('/api/v1/audit?action=activity.viewed'), 200, 'audit');
    assert.ok(
      audit.entries.some((entry) => entry.details?.view === 'websites'),
      `no websites view in ${JSON.stringify(audit).slice(0, 500)}`,
    );
  });

  test('others see nothing: another team\'s manager, another employee, another organization', async () => {
    const path = websitesPath(A.people.employeeA.id);
    expectError(await A.people.managerB.client.get(path), 403, { code: 'permission_denied' });
    expectError(await A.people.employeeB.client.get(path), 403, { code: 'permission_denied' });
    expectError(await B.people.owner.client.get(path), 404, { code: 'not_found' });
    expectError(await new Client(A.origin).get(path), 401);
  });

  test('bad ranges are refused naming the parameter', async () => {
    const client = A.people.employeeA.client;
    const id = A.people.employeeA.id;
    expectError(await client.get(`/api/v1/people/${id}/websites?to=${kTo}`), 400, { message: /^from: is required/ });
    expectError(await client.get(`/api/v1/people/${id}/websites?from=${kFrom}`), 400, { message: /^to: is required/ });
    expectError(await client.get(`/api/v1/people/${id}/websites?from=abc&to=${kTo}`), 400, { message: /^from: / });
    expectError(await client.get(websitesPath(id, kTo, kFrom)), 400, { message: /^to: must be after from/ });
    expectError(await client.get(websitesPath(id, kFrom, kFrom + 31 * 86_400_000 + 1)), 400, { message: /31 days/ });
    expectStatus(await client.get(websitesPath(id, kFrom, kFrom + 31 * 86_400_000)), 200);
  });
});

describe('a team\'s websites', () => {
  test('the team\'s domains with who spent the time', async () => {
    const team = A.teams.A.id;
    const path = `/api/v1/teams/${team}/websites?from=${kFrom}&to=${kTo}`;
    for (const client of [A.people.manager.client, A.people.owner.client, A.people.admin.client]) {
      const body = expectStatus(await client.get(path), 200, client.label);
      assert.deepEqual(body, {
        team_id: team,
        from: kFrom,
        to: kTo,
        total_seconds: 210,
        domains: [
          { domain: 'example.com', seconds: 110, people: [{ user_id: A.people.employeeA.id, name: 'employeeA of a', seconds: 110 }] },
          { domain: 'docs.test', seconds: 100, people: [{ user_id: A.people.employeeA.id, name: 'employeeA of a', seconds: 100 }] },
        ],
      });
    }
    // Team B has nobody with web time.
    const other = expectStatus(await A.people.managerB.client.get(`/api/v1/teams/${A.teams.B.id}/websites?from=${kFrom}&to=${kTo}`), 200);
    assert.deepEqual(other.domains, []);
    assert.equal(other.total_seconds, 0);

    expectError(await A.people.managerB.client.get(path), 403, { code: 'permission_denied' });
    expectError(await A.people.employeeA.client.get(path), 403, { code: 'permission_denied' });
    expectError(await B.people.owner.client.get(path), 404, { code: 'not_found' });
    expectError(await A.people.manager.client.get(`/api/v1/teams/${team}/websites?from=${kFrom}`), 400, { message: /^to: is required/ });
  });
});

describe('url_mode "domain"', () => {
  test('pages are empty and new URLs are stored as scheme://host', async () => {
    expectStatus(await A.people.owner.client.put('/api/v1/org/redaction', { url_mode: 'domain' }), 200, 'PUT /org/redaction');
    const body = expectStatus(await A.people.owner.client.get(websitesPath(A.people.employeeA.id)), 200);
    assert.equal(body.total_seconds, 210);
    assert.deepEqual(body.domains, [
      { domain: 'example.com', seconds: 110, pages: [] },
      { domain: 'docs.test', seconds: 100, pages: [] },
    ]);
    expectStatus(await post([span(600, 640, { title: 'Deep', url: 'https://docs.test/deep/page?id=7', domain: 'docs.test' })]), 200);
    const timeline = expectStatus(
      await A.people.owner.client.get(`/api/v1/people/${A.people.employeeA.id}/timeline?from=${kBase + 600 * kS}&to=${kBase + 640 * kS}`),
      200,
    );
    assert.equal(timeline.spans[0].url, 'https://docs.test');
    assert.equal(timeline.spans[0].domain, 'docs.test');
    const after = expectStatus(await A.people.owner.client.get(websitesPath(A.people.employeeA.id)), 200);
    assert.equal(after.total_seconds, 250);
  });
});
