import { Injectable } from '@nestjs/common';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { ClusterProxy } from '../clusters/cluster-proxy';
import { ExternalApiProxy } from '../external-apis/external-api-proxy';

/** `/clusters/{id}/proxy`, then `/…`, `?…` or nothing. `{id}` is checked by the handler (422). */
const CLUSTER_PROXY = /^\/clusters\/([^/?#]*)\/proxy(?=[/?]|$)/;
/** `[/internal]/external-apis/{connectorId}/endpoints/{endpointId}/proxy[?…]`. */
const EXTERNAL_PROXY = /^\/(internal\/)?external-apis\/([^/?#]*)\/endpoints\/([^/?#]*)\/proxy(?=\?|$)/;

/**
 * The proxy app's data plane, in front of Nest: requests for the streaming routes go straight to
 * their handlers on the raw Node request and response (no framework body parsing, no buffering);
 * everything else (health probes) goes to Fastify.
 */
@Injectable()
export class DataPlane {
  constructor(
    private readonly clusters: ClusterProxy,
    private readonly externalApis: ExternalApiProxy,
  ) {}

  /** Takes the request when it is for the data plane; false leaves it to Fastify. */
  route(req: IncomingMessage, res: ServerResponse): boolean {
    const url = req.url ?? '/';
    if (url.startsWith('/clusters/')) {
      const match = CLUSTER_PROXY.exec(url);
      if (match) {
        void this.clusters.handle(req, res, match[1] as string, url.slice(match[0].length));
        return true;
      }
    }
    if (url.startsWith('/external-apis/') || url.startsWith('/internal/external-apis/')) {
      const match = EXTERNAL_PROXY.exec(url);
      if (match) {
        const internal = match[1] !== undefined;
        void this.externalApis.handle(req, res, internal, match[2] as string, match[3] as string, url.slice(match[0].length));
        return true;
      }
    }
    return false;
  }
}
