// An open dashboard holds the rights its person had when it connected. When an owner changes
// them (role, team membership, the organization's 2FA rule), the socket is closed with 1008
// "access changed", and a new connection gets only what the new rights allow.
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { expectStatus } from '../lib/api.mjs';
import { startFixture } from '../lib/fixture.mjs';
import { Harness, deviceInfo, sleep } from '../lib/harness.mjs';
import { connectAgent, expectClosed, openViewer } from '../lib/ws.mjs';

const h = new Harness('integration-dashboard-rights');
let A;

before(async () => {
  const fx = await startFixture(h, { orgKeys: ['a'] });
  A = fx.orgs.a;
});

after(() => h.cleanup());

/**
 * Brings team A's device online and back offline; once an owner's dashboard has received its
 * device.offline, returns the messages naming the device that `socket` received.
 */
async function deviceEventsSeenBy(socket) {
  const device = A.devices.employeeA;
  const mentions = (message) => message.device?.id === device.id || message.device_id === device.id;
  const owner = await openViewer(A.people.owner.client);
  try {
    const agent = await connectAgent(A.origin, device.credential);
    await agent.next('welcome');
    agent.send({ type: 'hello', device: deviceInfo({ hostname: device.hostname }) });
    await owner.next((message) => message.type === 'device.online' && mentions(message), { timeoutMs: 5_000 }).catch((error) => {
      throw new Error(`the owner's dashboard: ${error.message}`);
    });
    await agent.close(1000);
    await owner.next((message) => message.type === 'device.offline' && mentions(message), { timeoutMs: 5_000 }).catch((error) => {
      throw new Error(`the owner's dashboard: ${error.message}`);
    });
  } finally {
    await owner.close();
  }
  assert.equal(socket.closeInfo, null, 'the tested dashboard stays open');
  return socket.buffer.filter(mentions);
}

describe('dashboards follow changes of their person\'s rights', () => {
  test('a manager removed from their team is cut off and then sees no more of its devices', async () => {
    const manager = A.people.manager;
    const socket = await openViewer(manager.client);
    const others = await openViewer(A.people.managerB.client);
    try {
      expectStatus(
        await A.people.owner.client.delete(`/api/v1/teams/${A.teams.A.id}/members/${manager.id}`),
        204,
        'remove the manager from team A',
      );
      await expectClosed(socket, 1008, 'access changed', 'the manager\'s dashboard');
      await sleep(300);
      assert.equal(others.closeInfo, null, 'another person\'s dashboard stays open');

      const again = await openViewer(manager.client);
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
    const socket = await openViewer(admin.client);
    expectStatus(await A.people.owner.client.patch(`/api/v1/people/${admin.id}`, { role: 'employee' }), 200, 'demote');
    await expectClosed(socket, 1008, 'access changed', 'the demoted admin\'s dashboard');
    const again = await openViewer(admin.client);
    try {
      assert.deepEqual(await deviceEventsSeenBy(again), [], 'events of the organization after demotion');
    } finally {
      await again.close();
      expectStatus(await A.people.owner.client.patch(`/api/v1/people/${admin.id}`, { role: 'admin' }), 200, 'restore');
    }
  });

  test('requiring 2FA closes the dashboards of those who must now set it up', async () => {
    const manager = A.people.manager;
    const socket = await openViewer(manager.client);
    // The last test of the file: the owner has no 2FA either, so the rule holds them too.
    expectStatus(await A.people.owner.client.patch('/api/v1/org', { require_2fa: true }), 200, 'require 2FA');
    await expectClosed(socket, 1008, 'access changed', 'the manager\'s dashboard');
    await assert.rejects(openViewer(manager.client), 'a new dashboard before 2FA is set up');
  });
});
