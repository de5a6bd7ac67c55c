import type { Server } from 'node:http';

/**
 * Stops accepting connections and waits (at most `graceMs`) until every request in flight is answered.
 * Responses sent meanwhile should carry `Connection: close`, so keep-alive clients reconnect
 * elsewhere instead of holding this process open. Returns the number of connections still open when
 * the grace period ran out (they are then destroyed).
 */
export async function closeHttpServer(server: Server, graceMs: number): Promise<number> {
  // close() also closes the connections idle right now; load balancers stopped sending here during
  // SHUTDOWN_DELAY_MS (or the pod's preStop sleep), so no request is racing them.
  const closed = new Promise<void>((resolve) => server.close(() => resolve()));
  let timer: NodeJS.Timeout | undefined;
  const expired = new Promise<'expired'>((resolve) => {
    timer = setTimeout(() => resolve('expired'), graceMs);
  });
  const outcome = await Promise.race([closed, expired]);
  clearTimeout(timer);
  if (outcome !== 'expired') return 0;
  const open = await new Promise<number>((resolve) => server.getConnections((_e, n) => resolve(n)));
  server.closeAllConnections();
  return open;
}
