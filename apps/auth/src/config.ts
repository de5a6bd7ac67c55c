import { int, readConfig, str } from '@alien/config';
import { commonServiceSpecs } from '@alien/nest-service';

export const AUTH_HEALTH_PORT = 3401;

export function loadAuthConfig(source: NodeJS.ProcessEnv = process.env) {
  return readConfig(
    {
      ...commonServiceSpecs(AUTH_HEALTH_PORT),
      /** Active (unrevoked, unexpired) `oat_` tokens a user may hold; one more answers 409. */
      ACCESS_TOKEN_QUOTA: int({ default: 50, min: 1, max: 10_000 }),
      /**
       * Invitations plus managed accounts an organization (and, separately, one inviting user) may
       * create per hour (sliding window); one more answers 429 `invitation_rate_limited`.
       */
      INVITATIONS_PER_HOUR: int({ default: 50, min: 1, max: 100_000 }),
    },
    source,
  );
}

export type AuthConfig = ReturnType<typeof loadAuthConfig>;

/** Variables of the admin CLI (`node dist/apps/auth/src/cli.js …`). */
export function loadCliConfig(source: NodeJS.ProcessEnv = process.env) {
  return readConfig(
    {
      ...commonServiceSpecs(AUTH_HEALTH_PORT),
      /** A demo token from an earlier `seed-demo`; reused while it is still valid. */
      DEMO_TOKEN: str({ optional: true, secret: true }),
      DEMO_ADMIN_EMAIL: str({ default: 'admin@alien.local' }),
    },
    source,
  );
}
