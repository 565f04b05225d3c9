import { describe, expect, it } from 'vitest';
import { assignableRoles, kAllScopes, scopesFor } from './scopes';

describe('scopesFor', () => {
  it('offers everything to owners and admins, reads to managers, nothing to employees', () => {
    expect(scopesFor('owner')).toEqual(kAllScopes);
    expect(scopesFor('admin')).toEqual(kAllScopes);
    expect(scopesFor('manager')).toEqual(['org:read', 'people:read', 'devices:read', 'reports:read']);
    expect(scopesFor('employee')).toEqual([]);
  });
});

describe('assignableRoles', () => {
  it('lets only owners make owners', () => {
    expect(assignableRoles('owner')).toEqual(['employee', 'manager', 'admin', 'owner']);
    expect(assignableRoles('admin')).toEqual(['employee', 'manager', 'admin']);
  });
});
