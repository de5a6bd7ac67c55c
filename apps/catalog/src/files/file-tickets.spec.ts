import { ApiError } from '@alien/envelope';
import { KeyRing, generateKeyRingSpec } from '@alien/secrets';
import { FileTickets } from './file-tickets';

describe(FileTickets.name, () => {
  const ring = new KeyRing(generateKeyRingSpec('t1'));
  const sut = new FileTickets(ring, 60_000);
  const claims = { op: 'upload' as const, datasetId: 1, entryId: 2, maxBytes: 10, userId: 3, organizationId: 4, requestId: 'r' };
  const refusal = (fn: () => unknown) => {
    try {
      fn();
      return 'accepted';
    } catch (e) {
      return e instanceof ApiError ? `${e.status} ${e.code}` : String(e);
    }
  };

  it('opens what it issued, for the same operation only', () => {
    const ticket = sut.issue(claims);
    expect(ticket).not.toContain('"datasetId"');
    expect(sut.open(ticket, 'upload')).toMatchObject(claims);
    expect(refusal(() => sut.open(ticket, 'download'))).toBe('403 invalid_ticket');
  });

  it('refuses missing, tampered, foreign, reused-as-credential and expired tickets with 403', () => {
    const ticket = sut.issue(claims);
    const parts = ticket.split('.');
    parts[4] = `${parts[4]?.slice(0, -2)}AA`;
    expect(refusal(() => sut.open(undefined, 'upload'))).toBe('403 invalid_ticket');
    expect(refusal(() => sut.open(parts.join('.'), 'upload'))).toBe('403 invalid_ticket');
    expect(refusal(() => new FileTickets(new KeyRing(generateKeyRingSpec('t1')), 60_000).open(ticket, 'upload'))).toBe('403 invalid_ticket');
    // A sealed credential (other associated data) is not a ticket.
    expect(refusal(() => sut.open(ring.seal(JSON.stringify({ ...claims, exp: Date.now() + 60_000 }), 'ai-model:1'), 'upload'))).toBe('403 invalid_ticket');
    expect(refusal(() => new FileTickets(ring, -1).open(new FileTickets(ring, -1).issue(claims), 'upload'))).toBe('403 invalid_ticket');
  });
});
