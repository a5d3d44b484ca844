import { describe, expect, it } from 'vitest';
import { isAdminRole as sharedIsAdmin, roleLabels as sharedLabels, roles } from '../../shared/api.js';
import { isAdminRole, roleLabels } from './roles.js';

describe('role facts repeated for the small bundles', () => {
  it('match shared/api.ts exactly', () => {
    expect(roleLabels).toEqual(sharedLabels);
    for (const role of roles) expect(isAdminRole(role)).toBe(sharedIsAdmin(role));
  });
});
