import { ANONYMOUS, isAuthenticated, roleAtLeast } from './identity';

describe('roleAtLeast', () => {
  it('orders owner > admin > writer > viewer', () => {
    expect(roleAtLeast('owner', 'admin')).toBe(true);
    expect(roleAtLeast('admin', 'admin')).toBe(true);
    expect(roleAtLeast('writer', 'admin')).toBe(false);
    expect(roleAtLeast('viewer', 'writer')).toBe(false);
    expect(roleAtLeast('client', 'viewer')).toBe(true);
    expect(roleAtLeast(null, 'viewer')).toBe(false);
  });
  it('treats the anonymous identity as unauthenticated', () => {
    expect(isAuthenticated(ANONYMOUS)).toBe(false);
  });
});
