import { ApiError } from '@alien/envelope';
import { KeyRing } from '@alien/secrets';

const ASSOCIATED_DATA = 'catalog-file-ticket';

interface TicketBase {
  datasetId: number;
  /** Expiry, epoch milliseconds. */
  exp: number;
  /** Who asked and in which request (for logs; the authorisation already happened over NATS). */
  userId: number | null;
  organizationId: number | null;
  requestId: string;
}

export type TicketClaims =
  | (TicketBase & { op: 'upload'; entryId: number; maxBytes: number })
  | (TicketBase & { op: 'create'; maxBytes: number })
  | (TicketBase & {
      op: 'download';
      entryId: number;
      objectId: string;
      size: number;
      sha256: string;
      contentType: string | null;
      fileName: string;
    });

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
/** What the service decides; the ticket adds the caller and the expiry. */
export type TicketRequest = DistributiveOmit<TicketClaims, 'exp' | 'userId' | 'organizationId' | 'requestId'>;
type Unsealed = DistributiveOmit<TicketClaims, 'exp'>;

/**
 * A file ticket is what the catalog hands the gateway after authorising a file operation over NATS:
 * the claims, sealed (AES-256-GCM, so neither readable nor forgeable without the catalog's key ring).
 * The catalog's file port accepts nothing else, so reaching that port grants no access by itself, and
 * the gateway holds no storage credentials.
 */
export class FileTickets {
  constructor(
    private readonly ring: KeyRing,
    private readonly ttlMs: number,
  ) {}

  issue(claims: Unsealed): string {
    return this.ring.seal(JSON.stringify({ ...claims, exp: Date.now() + this.ttlMs }), ASSOCIATED_DATA);
  }

  /** The claims of a valid, unexpired ticket for `op`; 403 `invalid_ticket` otherwise. */
  open<O extends TicketClaims['op']>(ticket: string | string[] | undefined, op: O): Extract<TicketClaims, { op: O }> {
    if (typeof ticket !== 'string' || ticket.length > 4096) throw ApiError.forbidden('A file ticket is required', 'invalid_ticket');
    let claims: TicketClaims;
    try {
      claims = JSON.parse(this.ring.open(ticket, ASSOCIATED_DATA)) as TicketClaims;
    } catch {
      throw ApiError.forbidden('The file ticket is not valid', 'invalid_ticket');
    }
    if (claims.op !== op) throw ApiError.forbidden('The file ticket is for another operation', 'invalid_ticket');
    if (claims.exp < Date.now()) throw ApiError.forbidden('The file ticket has expired', 'invalid_ticket');
    return claims as Extract<TicketClaims, { op: O }>;
  }
}
