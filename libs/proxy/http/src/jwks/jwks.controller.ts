import { RequestContext } from '@alien/identity';
import { ApiErrors, Ctx, Public } from '@alien/nest-http';
import { ProxyContracts } from '@alien/proxy/contracts';
import { Controller, Get, Header } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { ProxyClient } from '../proxy.client';

@ApiTags('identity assertions')
@Controller()
export class JwksController {
  constructor(private readonly proxy: ProxyClient) {}

  /**
   * A standard JSON Web Key Set (RFC 7517), deliberately not wrapped in the envelope: JWT libraries
   * read it as is (`createRemoteJWKSet`, jwks-rsa, …). Errors (503 when the proxy is down) are envelopes.
   */
  @Get('.well-known/jwks.json')
  @Public()
  // No credentials needed; a bad one sent anyway is 401, as on every route.
  @ApiSecurity({})
  @ApiErrors(401, 503)
  @Header('cache-control', 'public, max-age=300')
  @ApiOperation({
    summary: 'Public keys that verify `x-alien-identity` (a standard JWKS, not an envelope)',
    description:
      'Data clusters verify the ES256 identity assertion the cluster proxy sends them: `aud` is the cluster id, ' +
      '`iss` the platform, `sub` the user id, `org`, `role`, `tid`, `amr`, `abl` mirror the identity headers; 60 s. ' +
      'Every key in use is listed (several during a rotation); pick by `kid`.',
  })
  @ApiResponse({
    status: 200,
    description: 'JWKS',
    schema: {
      type: 'object',
      required: ['keys'],
      properties: {
        keys: {
          type: 'array',
          items: {
            type: 'object',
            properties: {
              kty: { type: 'string', example: 'EC' },
              crv: { type: 'string', example: 'P-256' },
              x: { type: 'string' },
              y: { type: 'string' },
              kid: { type: 'string' },
              alg: { type: 'string', example: 'ES256' },
              use: { type: 'string', example: 'sig' },
            },
          },
        },
      },
    },
  })
  async jwks(@Ctx() ctx: RequestContext) {
    return this.proxy.call(ProxyContracts.jwks, {}, ctx);
  }
}
