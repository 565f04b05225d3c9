// An open dashboard holds the rights its person had when it connected. When an owner changes
// them (role, team membership, the organization's 2FA rule), the socket is closed with 1008
// "access changed", and a new connection gets only what the new rights allow.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { expectStatus } from '../lib/api.mjs';
import { startFixture } from '../lib/fixture.mjs';
import { Harness, deviceInfo, sleep } from '../lib/harness.mjs';
import { connectAgent, connectDashboard } from '../lib/ws.mjs';

const h = new Harness('integration-dashboard-rights');
let A;

before(async () => {
  const fx = await startFixture(h, { orgKeys: ['a'] });
  A = fx.orgs.a;
});

after(() => h.cleanup());

async function viewer(client) {
  const socket = await connectDashboard(client.origin, client.cookie);
  await socket.next('hello');
  return socket;
}

async function expectAccessChanged(socket, what) {
  const closed = await socket.waitClosed(5_000).catch((error) => {
    socket.terminate();
    throw new Error(`${what}: ${error.message}`);
  });
  assert.equal(closed.code, 1008, `${what}: closed with ${closed.code} ${closed.reason}`);
  assert.equal(closed.reason, 'access changed', what);
}

/** Brings team A's device online and back offline; returns the messages naming it. */
async function deviceEventsSeenBy(socket) {
  const device = A.devices.employeeA;
  const agent = await connectAgent(A.origin, device.credential);
  await agent.next('welcome');
  agent.send({ type: 'hello', device: deviceInfo({ hostname: device.hostname }) });
  await sleep(500);
  await agent.close(1000);
  await sleep(1_000);
  return socket.buffer.filter((message) => message.device?.id === device.id || message.device_id === device.id);
}

describe('dashboards follow changes of their person\'s rights', () => {
  test('a manager removed from their team is cut off and then sees no more of its devices', async () => {
    const manager = A.people.manager;
    const socket = await viewer(manager.client);
    const others = await viewer(A.people.managerB.client);
    try {
      expectStatus(
        await A.people.owner.client.delete(`/api/v1/teams/${A.teams.A.id}/members/${manager.id}`),
        204,
        'remove the manager from team A',
      );
      await expectAccessChanged(socket, 'the manager\'s dashboard');
      await sleep(300);
      assert.equal(others.closeInfo, null, 'another person\'s dashboard stays open');

      const again = await viewer(manager.client);
      try {
        assert.deepEqual(await deviceEventsSeenBy(again), [], 'events of team A after removal');
      } finally {
        await again.close();
      }
    } finally {
      await others.close();
      expectStatus(
        await A.people.owner.client.put(`/api/v1/teams/${A.teams.A.id}/members/${manager.id}`, { is_manager: true }),
        200,
        'restore the manager',
      );
    }
  });

  test('an admin demoted to employee is cut off', async () => {
    const admin = A.people.admin;
    const socket = await viewer(admin.client);
    expectStatus(await A.people.owner.client.patch(`/api/v1/people/${admin.id}`, { role: 'employee' }), 200, 'demote');
    await expectAccessChanged(socket, 'the demoted admin\'s dashboard');
    const again = await viewer(admin.client);
    try {
      assert.deepEqual(await deviceEventsSeenBy(again), [], 'events of the organization after demotion');
    } finally {
      await again.close();
      expectStatus(await A.people.owner.client.patch(`/api/v1/people/${admin.id}`, { role: 'admin' }), 200, 'restore');
    }
  });

  test('requiring 2FA closes the dashboards of those who must now set it up', async () => {
    const manager = A.people.manager;
    const socket = await viewer(manager.client);
    // The last test of the file: the owner has no 2FA either, so the rule holds them too.
    expectStatus(await A.people.owner.client.patch('/api/v1/org', { require_2fa: true }), 200, 'require 2FA');
    await expectAccessChanged(socket, 'the manager\'s dashboard');
    await assert.rejects(viewer(manager.client), 'a new dashboard before 2FA is set up');
  });
});
