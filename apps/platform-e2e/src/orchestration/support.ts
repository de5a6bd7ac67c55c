import { Actor, Client, client, createActor } from '@alien/testing';

/** Graph builders producing nodes the way the platform's existing clients write them. */
export const param = (value: unknown, isExpression = false) => ({ value, isExpression, isAttachedToInputNode: false });

export function node(id: string, type: string, params: Record<string, unknown> = {}, data: Record<string, unknown> = {}) {
  const wrapped: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(params)) {
    wrapped[name] = typeof value === 'string' && value.startsWith('@') ? param(value, true) : param(value);
  }
  return {
    id,
    type,
    data: { label: id, handles: [], isInput: false, isOutput: false, isTool: false, errors: [], inputs: [], outputs: [], params: wrapped, ...data },
    position: { x: 0, y: 0 },
  };
}

export function edge(source: string, target: string, sourceHandle = 'outputs', targetHandle = 'inputs') {
  return { id: `e-${source}-${target}-${sourceHandle}`, source, target, sourceHandle, targetHandle };
}

export function chain(...nodes: ReturnType<typeof node>[]) {
  return { nodes, edges: nodes.slice(1).map((n, i) => edge((nodes[i] as { id: string }).id, n.id)) };
}

/** input → edit_fields → output: the P4 graph. */
export function threeSteps(expression = '{"greeting": "Hello " & name, "n": n + 1}') {
  return chain(node('input-1', 'input', {}, { isInput: true }), node('edit-1', 'edit_fields', { expression }), node('output-1', 'output', {}, { isOutput: true }));
}

export interface Member extends Actor {
  organizationId: number;
  api: Client;
}

/** A user (auth CLI) who creates their own organization through the API and acts in it. */
export async function memberWithOrganization(env: NodeJS.ProcessEnv, gatewayUrl: string, label: string): Promise<Member> {
  const actor = await createActor(env, label);
  const created = await client(gatewayUrl, actor.token).post('/organizations', { name: `${label} org` });
  if (created.status !== 201) throw new Error(`organization: ${created.status} ${created.text}`);
  const organizationId = created.body.data.id as number;
  const api = client(gatewayUrl, actor.token);
  const withOrg = {
    ...api,
    get: (p: string, o: Parameters<Client['get']>[1] = {}) => api.get(p, { ...o, headers: { 'x-organization-id': String(organizationId), ...o?.headers } }),
    post: (p: string, b?: unknown, o: Parameters<Client['post']>[2] = {}) =>
      api.post(p, b, { ...o, headers: { 'x-organization-id': String(organizationId), ...o?.headers } }),
    put: (p: string, b?: unknown, o: Parameters<Client['put']>[2] = {}) =>
      api.put(p, b, { ...o, headers: { 'x-organization-id': String(organizationId), ...o?.headers } }),
    patch: (p: string, b?: unknown, o: Parameters<Client['patch']>[2] = {}) =>
      api.patch(p, b, { ...o, headers: { 'x-organization-id': String(organizationId), ...o?.headers } }),
    delete: (p: string, o: Parameters<Client['delete']>[1] = {}) =>
      api.delete(p, { ...o, headers: { 'x-organization-id': String(organizationId), ...o?.headers } }),
  } as Client;
  return { ...actor, organizationId, api: withOrg };
}

/** Polls a job until it reaches a terminal state (or fails the test after `ms`). */
export async function waitForJob(api: Client, jobId: number, ms = 15_000): Promise<any> {
  const deadline = Date.now() + ms;
  for (;;) {
    const res = await api.get(`/jobs/${jobId}`);
    if (['completed', 'failed', 'cancelled'].includes(res.body?.data?.status)) return res.body.data;
    if (Date.now() > deadline) throw new Error(`job ${jobId} still ${res.body?.data?.status} after ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export interface SseEvent {
  event?: string;
  id?: string;
  data: any;
}

/**
 * Reads an SSE response the way a plain client does: splits on blank lines, parses `data:` JSON,
 * remembers `event:` and `id:` (callers that play existing clients ignore `event:`).
 */
export async function readSse(
  url: string,
  headers: Record<string, string>,
  options: { until?: (e: SseEvent, all: SseEvent[]) => boolean; timeoutMs?: number; signal?: AbortSignal } = {},
): Promise<{ status: number; headers: Headers; events: SseEvent[]; comments: string[]; body?: any }> {
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), options.timeoutMs ?? 15_000);
  options.signal?.addEventListener('abort', () => controller.abort());
  const res = await fetch(url, { headers, signal: controller.signal });
  const events: SseEvent[] = [];
  const comments: string[] = [];
  if (!res.headers.get('content-type')?.startsWith('text/event-stream')) {
    clearTimeout(timer);
    return { status: res.status, headers: res.headers, events, comments, body: await res.json().catch(() => undefined) };
  }
  const decoder = new TextDecoder();
  let buffer = '';
  try {
    for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let split: number;
      while ((split = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, split);
        buffer = buffer.slice(split + 2);
        const event: SseEvent = { data: undefined };
        let isComment = true;
        for (const line of block.split('\n')) {
          if (line.startsWith(':')) comments.push(line);
          else {
            isComment = false;
            const colon = line.indexOf(':');
            const field = line.slice(0, colon);
            const value = line.slice(colon + 1).replace(/^ /, '');
            if (field === 'data') event.data = JSON.parse(value);
            else if (field === 'event') event.event = value;
            else if (field === 'id') event.id = value;
          }
        }
        if (isComment) continue;
        events.push(event);
        if (options.until?.(event, events)) {
          controller.abort();
          return { status: res.status, headers: res.headers, events, comments };
        }
      }
    }
  } catch (error) {
    if (!controller.signal.aborted) throw error;
  } finally {
    clearTimeout(timer);
  }
  return { status: res.status, headers: res.headers, events, comments };
}
