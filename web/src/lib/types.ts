// Wire types of docs/api/v1.md. Timestamps are epoch milliseconds; IDs are integers.

export type Role = 'owner' | 'admin' | 'manager' | 'employee';

export interface User {
  id: number;
  email: string;
  name: string;
  role: Role;
}

export interface Org {
  id: number;
  name: string;
}

/** GET /api/v1/me and POST /api/v1/auth/login. */
export interface Session {
  user: User;
  org: Org;
}

export interface Version {
  name: string;
  version: string;
}

export interface DeviceInfo {
  hostname: string;
  os_name?: string;
  os_id?: string;
  os_version?: string;
  kernel?: string;
  arch?: string;
  cpu_model?: string;
  cpu_cores?: number;
  memory_bytes?: number;
  agent_version: string;
  local_ips?: string[];
}

export interface Device extends DeviceInfo {
  id: number;
  name: string;
  remote_ip?: string;
  enrolled_at: number;
  last_seen_at: number;
  online: boolean;
  revoked: boolean;
}

/** POST /api/v1/enrollment-tokens: the token is shown only in this answer. */
export interface EnrollmentToken {
  id: number;
  token: string;
  uses: number;
  expires_at: number;
}

/** Messages the server sends on /ws/dashboard. */
export type ServerMessage =
  | { type: 'hello'; server_version: string; user: User }
  | { type: 'device.online'; device: Device }
  | { type: 'device.updated'; device: Device }
  | { type: 'device.offline'; device_id: number; last_seen_at: number }
  | { type: 'pong' };
