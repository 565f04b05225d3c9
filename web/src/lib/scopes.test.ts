import { describe, expect, it } from 'vitest';
import { kAllScopes, scopesFor } from './scopes';

describe('scopesFor', () => {
  it('offers everything to owners and admins, reads to managers, nothing to employees', () => {
    expect(scopesFor('owner')).toEqual(kAllScopes);
    expect(scopesFor('admin')).toEqual(kAllScopes);
    expect(scopesFor('manager')).toEqual(['org:read', 'people:read', 'devices:read', 'reports:read']);
    expect(scopesFor('employee')).toEqual([]);
  });
});
