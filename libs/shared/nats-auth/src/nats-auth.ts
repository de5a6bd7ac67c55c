/**
 * Who may publish and subscribe to what on NATS. Services trust the identity inside a message, so a pod
 * that could publish any subject could act as a platform admin: each app gets its own NATS user, allowed
 * only what its contracts say it does. Pure functions; the domains' contracts are passed in.
 */

/** What one service does on NATS (declared in libs/platform/nats-permissions, from the contracts). */
export interface ServiceNatsUse {
  /** The service's name: it serves every subject under `<service>.` (queue group of the same name). */
  service: string;
  /** Events it publishes; all under `<service>.`, which it may publish to (documentation and checks). */
  publishes: readonly string[];
  /** Other services' request/reply subjects it calls (exact). */
  requests: readonly string[];
  /** Events of others it reacts to with a plain subscription (JetStream consumers need no subject grant). */
  consumes: readonly string[];
}

/** What the gateway does: calls any request/reply subject, emits fire-and-forget events, hears auth's. */
export interface GatewayNatsUse {
  requests: readonly string[];
  publishes: readonly string[];
  consumes: readonly string[];
}

export interface NatsPermissions {
  publish: { allow: string[] };
  subscribe: { allow: string[] };
  /** May answer the requests it received (publish once to their reply subject). */
  allow_responses?: boolean;
}

export interface NatsUser {
  user: string;
  password: string;
  permissions: NatsPermissions;
}

/** Reply inboxes (nats.js default) and the JetStream API (streams, consumers, acks). */
const INBOX = '_INBOX.>';
const JETSTREAM = ['$JS.API.>', '$JS.ACK.>'];

const sorted = (subjects: Iterable<string>) => [...new Set(subjects)].sort();

export function servicePermissions(use: ServiceNatsUse, prefix = ''): NatsPermissions {
  const p = (s: string) => `${prefix}${s}`;
  return {
    publish: { allow: sorted([p(`${use.service}.>`), ...use.requests.map(p), ...JETSTREAM]) },
    subscribe: { allow: sorted([p(`${use.service}.>`), ...use.consumes.map(p), INBOX]) },
    allow_responses: true,
  };
}

/** The gateway may call services but never publish their events (auth.organization.deleted, say). */
export function gatewayPermissions(use: GatewayNatsUse, prefix = ''): NatsPermissions {
  const p = (s: string) => `${prefix}${s}`;
  return {
    publish: { allow: sorted([...use.requests.map(p), ...use.publishes.map(p), ...JETSTREAM]) },
    subscribe: { allow: sorted([...use.consumes.map(p), INBOX]) },
  };
}

function quote(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/**
 * A nats-server configuration: every app's user with its permissions, no anonymous access. Passwords
 * may be `$ENV_VAR` references (resolved by nats-server at start) or literal values (tests).
 */
export function natsServerConfig(options: { users: NatsUser[]; listen?: string; jetstreamStoreDir?: string }): string {
  const list = (values: string[]) => `[${values.map(quote).join(', ')}]`;
  const users = options.users.map((u) => {
    const password = u.password.startsWith('$') ? u.password : quote(u.password);
    const perms = [
      `publish: { allow: ${list(u.permissions.publish.allow)} }`,
      `subscribe: { allow: ${list(u.permissions.subscribe.allow)} }`,
      ...(u.permissions.allow_responses ? ['allow_responses: true'] : []),
    ];
    return `    { user: ${quote(u.user)}, password: ${password}, permissions: {\n        ${perms.join('\n        ')}\n    } }`;
  });
  return [
    '# Generated from the contracts by libs/platform/nats-permissions (npm run nats-config); edit SERVICE_NATS there, not this file.',
    ...(options.listen ? [`listen: ${quote(options.listen)}`] : []),
    ...(options.jetstreamStoreDir !== undefined ? [`jetstream { store_dir: ${quote(options.jetstreamStoreDir)} }`] : ['jetstream: enabled']),
    'authorization {',
    '  # No user: no connection (an anonymous client is refused).',
    '  users = [',
    users.join(',\n'),
    '  ]',
    '}',
    '',
  ].join('\n');
}
