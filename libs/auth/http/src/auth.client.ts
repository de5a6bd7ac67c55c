import { ServiceClientFor } from '@alien/nest-http';
import { Injectable } from '@nestjs/common';

/** The auth service over NATS: `auth.call(AuthContracts.users.me, {}, ctx)`. */
@Injectable()
export class AuthClient extends ServiceClientFor('auth') {}
