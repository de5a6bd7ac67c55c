import { randomBytes } from 'node:crypto';
import { runScript } from './process';
import { distPath } from './workspace';

export interface Actor {
  userId: number;
  email: string;
  token: string;
  tokenId: number;
}

/** Runs the auth admin CLI against a platform's environment and returns its JSON output. */
export async function authCli<T = any>(env: NodeJS.ProcessEnv, args: string[]): Promise<T> {
  const out = await runScript(distPath('apps', 'auth', 'src', 'cli.js'), args, env);
  return JSON.parse(out.trim().split('\n').pop() ?? '{}') as T;
}

export function uniqueEmail(label: string): string {
  return `${label}-${randomBytes(4).toString('hex')}@example.test`;
}

/**
 * A user with an unrestricted read+write `oat_` token, made with the admin CLI (the way an operator
 * bootstraps users before OIDC sign-in). Organizations and memberships then go through the API.
 */
export async function createActor(
  env: NodeJS.ProcessEnv,
  label: string,
  options: { platformAdmin?: boolean; abilities?: string; expiresIn?: number } = {},
): Promise<Actor> {
  const email = uniqueEmail(label);
  const user = await authCli<{ userId: number }>(env, ['create-user', email, ...(options.platformAdmin ? ['--platform-admin'] : [])]);
  const args = ['issue-token', email, '--name', `${label} token`];
  if (options.abilities) args.push('--abilities', options.abilities);
  if (options.expiresIn) args.push('--expires-in', String(options.expiresIn));
  const token = await authCli<{ token: string; tokenId: number }>(env, args);
  return { userId: user.userId, email, token: token.token, tokenId: token.tokenId };
}

/** A well-formed `oat_` token that no one issued (valid checksum, unknown hash). */
export { generateAccessToken as generateAccessTokenForTests } from '@alien/identity';

/**
 * Makes `member` a member of `organizationId` with `role`, the way the API does it: the owner (or an
 * admin) invites them by user id, then the member accepts the invitation with their own token. Every
 * suite that needs a second member in an organization goes through here. Returns the invitation id.
 */
export async function joinOrganization(
  gatewayUrl: string,
  by: Actor,
  organizationId: number,
  member: Actor,
  role: string,
): Promise<number> {
  const call = (token: string, path: string, body?: unknown) =>
    fetch(`${gatewayUrl}${path}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  const invited = await call(by.token, `/organizations/${organizationId}/members`, { userId: member.userId, role });
  if (invited.status !== 201) {
    throw new Error(`inviting user ${member.userId} into ${organizationId} answered ${invited.status}: ${await invited.text()}`);
  }
  const invitation = ((await invited.json()) as { data: { id: number } }).data;
  const accepted = await call(member.token, `/users/me/invitations/${invitation.id}/accept`);
  if (accepted.status !== 200) {
    throw new Error(`user ${member.userId} accepting invitation ${invitation.id} answered ${accepted.status}: ${await accepted.text()}`);
  }
  return invitation.id;
}
