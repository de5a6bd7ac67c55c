import { IdentityAssertionSigner, JsonWebKeySet } from '@alien/identity-assertion';
import { RpcHandler } from '@alien/nest-rpc';
import { ProxyContracts } from '@alien/proxy/contracts';
import { Controller } from '@nestjs/common';

/** The public keys of `x-alien-identity` (the gateway serves them at `GET /.well-known/jwks.json`). */
@Controller()
export class JwksHandler {
  constructor(private readonly signer: IdentityAssertionSigner) {}

  @RpcHandler(ProxyContracts.jwks)
  jwks(): JsonWebKeySet {
    return this.signer.jwks;
  }
}
