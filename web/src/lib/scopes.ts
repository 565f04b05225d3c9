import type { Role, Scope } from './types';

export const kAllScopes: readonly Scope[] = [
  'org:read',
  'org:write',
  'people:read',
  'people:write',
  'devices:read',
  'devices:write',
  'reports:read',
  'audit:read',
];

/** Scopes that only owners and admins can ever use (the server's policy decides in the end). */
const kWriteScopes: readonly Scope[] = ['org:write', 'people:write', 'devices:write', 'audit:read'];

/** The scopes worth offering to `role` when creating a token; employees may not create tokens. */
export function scopesFor(role: Role): Scope[] {
  switch (role) {
    case 'owner':
    case 'admin':
      return [...kAllScopes];
    case 'manager':
      return kAllScopes.filter((scope) => !kWriteScopes.includes(scope));
    case 'employee':
      return [];
  }
}

/** The roles `role` may give when inviting or editing a person: only owners make owners. */
export function assignableRoles(role: Role): Role[] {
  return role === 'owner' ? ['employee', 'manager', 'admin', 'owner'] : ['employee', 'manager', 'admin'];
}
