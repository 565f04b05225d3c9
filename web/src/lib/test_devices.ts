import type { Device } from './types';

/** A complete Device as the server sends it, with `overrides` applied. */
export function makeDevice(overrides: Partial<Device> & Pick<Device, 'id'>): Device {
  const hostname = overrides.hostname ?? `host-${overrides.id}`;
  return {
    hostname,
    name: hostname,
    os_name: 'Debian GNU/Linux 12 (bookworm)',
    os_id: 'debian',
    os_version: '12',
    kernel: '6.1.0-18-amd64',
    arch: 'x86_64',
    cpu_model: 'AMD EPYC 7B13',
    cpu_cores: 2,
    memory_bytes: 8 * 1024 ** 3,
    agent_version: '0.1.0',
    local_ips: ['10.0.0.5'],
    remote_ip: '127.0.0.1',
    enrolled_at: 1_700_000_000_000,
    last_seen_at: 1_700_000_000_000,
    online: false,
    revoked: false,
    ...overrides,
  };
}
