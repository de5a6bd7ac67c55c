import { ApiError } from '@alien/envelope';
import { ApiErrors } from '@alien/nest-http';
import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';

/**
 * Documentation of the cluster proxy in the OpenAPI document. The proxy app serves it: the gateway
 * streams `/clusters/{id}/proxy…` to the proxy before routing (DataPlanePassthrough), so this method
 * runs only if that wiring is missing.
 */
@ApiTags('clusters')
@Controller('clusters')
export class ClusterProxyDocsController {
  @Get(':id/proxy/:path')
  @ApiOperation({
    summary: 'Any method: the cluster’s Data API at baseUrl + /{path}, as you (streamed both ways)',
    description:
      'GET, HEAD, POST, PUT, PATCH, DELETE… with any body, query string kept. The cluster receives your identity in ' +
      '`x-user-id`, `x-organization-id`, `x-user-role`, `x-token-id`, `x-auth-method`, `x-token-abilities`, a signed ' +
      '`x-alien-identity` (ES256, 60 s, aud = the cluster id; keys at `/.well-known/jwks.json`) and its own credential; ' +
      'whatever identity headers or credentials you send are removed. The answer is the cluster’s own (not an envelope). ' +
      'Errors of the platform are envelopes: 401, 404 (not your cluster), 400 (a path leaving the base URL), 413 ' +
      '(body over 100 MB), 502 (unreachable), 503 (offline or suspended), 504 (no answer within 30 s, 120 s for POST). ' +
      'A `read` token is passed on, not refused: the cluster decides.',
  })
  @ApiBearerAuth('bearer')
  @ApiParam({ name: 'id', schema: { type: 'integer', minimum: 1 } })
  @ApiParam({ name: 'path', description: 'The rest of the path, any number of segments', schema: { type: 'string' } })
  @ApiErrors(400, 401, 404, 413, 502, 503, 504)
  notRoutedHere(): never {
    throw new ApiError(503, 'The proxy route is not reachable through this gateway', 'proxy_unavailable');
  }
}
