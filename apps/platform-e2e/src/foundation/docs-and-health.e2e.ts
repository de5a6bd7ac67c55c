import { workspaceRoot } from '@alien/testing';
import { spawnSync } from 'node:child_process';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sharedPlatform } from '../support/env';
import { expectErrorEnvelope } from './envelope-assertions';

const { api } = sharedPlatform();

type Schema = Record<string, any>;

/**
 * A small OpenAPI 3.0 schema checker (type, nullable, enum, required, properties, items,
 * additionalProperties, $ref), enough to hold real responses against what the document promises.
 */
function schemaErrors(doc: any, schema: Schema, value: unknown, at = '$'): string[] {
  if (schema['$ref']) return schemaErrors(doc, resolveRef(doc, schema['$ref']), value, at);
  if (value === null) return schema['nullable'] || schema['type'] === undefined ? [] : [`${at}: null but not nullable`];
  const errors: string[] = [];
  const type = schema['type'];
  const actual = Array.isArray(value) ? 'array' : typeof value;
  if (type === 'integer' ? !Number.isInteger(value) : type !== undefined && type !== actual) {
    return [`${at}: expected ${type}, got ${actual}`];
  }
  if (schema['enum'] && !schema['enum'].includes(value)) errors.push(`${at}: ${JSON.stringify(value)} not in enum`);
  if (actual === 'object' && value !== null) {
    const obj = value as Record<string, unknown>;
    for (const key of schema['required'] ?? []) if (!(key in obj)) errors.push(`${at}.${key}: required`);
    for (const [key, child] of Object.entries(obj)) {
      const sub = schema['properties']?.[key] ?? (typeof schema['additionalProperties'] === 'object' ? schema['additionalProperties'] : undefined);
      if (sub) errors.push(...schemaErrors(doc, sub, child, `${at}.${key}`));
    }
  }
  if (actual === 'array' && schema['items']) {
    (value as unknown[]).forEach((item, i) => errors.push(...schemaErrors(doc, schema['items'], item, `${at}[${i}]`)));
  }
  return errors;
}

function resolveRef(doc: any, ref: string): Schema {
  if (!ref.startsWith('#/')) throw new Error(`external $ref ${ref}`);
  const target = ref
    .slice(2)
    .split('/')
    .reduce((node: any, part) => node?.[part.replace(/~1/g, '/').replace(/~0/g, '~')], doc);
  if (!target) throw new Error(`$ref ${ref} does not resolve`);
  return target;
}

function collectRefs(node: unknown, out: string[] = []): string[] {
  if (Array.isArray(node)) node.forEach((n) => collectRefs(n, out));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') out.push(value);
      else collectRefs(value, out);
    }
  }
  return out;
}

const METHODS = ['get', 'put', 'post', 'delete', 'patch', 'head', 'options'];

describe('foundation: OpenAPI document and docs page (shared platform)', () => {
  let doc: any;

  beforeAll(async () => {
    const res = await api.get('/docs/openapi.json');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^application\/json/);
    doc = res.body;
  });

  it('is a well-formed OpenAPI 3 document: refs resolve, operation ids are unique, path parameters are declared', () => {
    expect(doc.openapi).toMatch(/^3\.\d+\.\d+$/);
    expect(doc.info).toEqual(expect.objectContaining({ title: expect.any(String), version: expect.any(String) }));
    for (const ref of collectRefs(doc)) expect(() => resolveRef(doc, ref)).not.toThrow();
    const operationIds: string[] = [];
    for (const [path, item] of Object.entries<any>(doc.paths)) {
      expect(path).toMatch(/^\//);
      const templated = [...path.matchAll(/\{([^}]+)\}/g)].map((m) => m[1]);
      for (const method of Object.keys(item).filter((m) => METHODS.includes(m))) {
        const op = item[method];
        operationIds.push(op.operationId);
        expect(Object.keys(op.responses).length).toBeGreaterThan(0);
        const declared = (op.parameters ?? []).filter((p: any) => p.in === 'path');
        expect({ path, method, params: declared.map((p: any) => p.name).sort() }).toEqual({ path, method, params: [...templated].sort() });
        for (const p of declared) expect(p.required).toBe(true);
      }
    }
    expect(new Set(operationIds).size).toBe(operationIds.length);
  });

  it("passes Redocly's recommended OpenAPI ruleset with 0 errors and 0 warnings (checked in npm test)", () => {
    const file = path.join(tmpdir(), `openapi-${process.pid}-${Date.now()}.json`);
    writeFileSync(file, JSON.stringify(doc));
    const run = spawnSync(process.execPath, [path.join(workspaceRoot(), 'tools/workspace/src/openapi-lint.mjs'), file], { encoding: 'utf8' });
    rmSync(file, { force: true });
    expect(run.stderr).toBe('');
    const problems = JSON.parse(run.stdout) as { ruleId: string; severity: string; location: string; message: string }[];
    expect(problems.map((p) => `${p.severity} ${p.ruleId} ${p.location}: ${p.message}`)).toEqual([]);
  });

  it('declares x-organization-id and optional credentials on public routes', () => {
    expect(doc.paths['/tags'].get.security).toEqual([{}, { bearer: [] }]);
    expect(doc.paths['/users/me'].get.security).toEqual([{ bearer: [] }]);
    expect(doc.paths['/users/me'].get.parameters).toEqual(expect.arrayContaining([expect.objectContaining({ name: 'x-organization-id', in: 'header' })]));
    expect(doc.info.license).toEqual({ name: 'Proprietary (UNLICENSED)', url: '/docs/license' });
  });

  it('still documents every operation it had before the routes moved into the domains’ http libs', () => {
    // Snapshot of path + method taken from the gateway before libs/<domain>/http existed (issue 6).
    const before: string[] = JSON.parse(readFileSync(path.join(__dirname, 'openapi-operations-2026-11-29.json'), 'utf8'));
    const now = Object.entries<any>(doc.paths).flatMap(([p, item]) =>
      Object.keys(item)
        .filter((m) => METHODS.includes(m))
        .map((m) => `${m.toUpperCase()} ${p}`),
    );
    expect(before.filter((op) => !now.includes(op))).toEqual([]);
  });

  it('lists the foundation routes with envelope schemas for success and errors', () => {
    const expected: [string, string, string][] = [
      ['/tags', 'get', '200'],
      ['/tags/{id}', 'get', '200'],
      ['/tags/slug/{slug}', 'get', '200'],
      ['/tags/batch', 'get', '200'],
      ['/health', 'get', '200'],
    ];
    for (const [path, method, status] of expected) {
      const op = doc.paths[path]?.[method];
      expect({ path, documented: Boolean(op) }).toEqual({ path, documented: true });
      const success = resolveSchema(op.responses[status]);
      expect(success.required).toEqual(expect.arrayContaining(['success', 'data']));
      const errors = Object.entries<any>(op.responses).filter(([code]) => code === 'default' || Number(code) >= 400);
      expect(errors.length).toBeGreaterThan(0);
      for (const [, response] of errors) expect(response.content['application/json'].schema.$ref).toBe('#/components/schemas/ErrorEnvelopeDto');
    }
    expect(resolveSchema(doc.paths['/tags'].get.responses['200']).required).toEqual(['success', 'meta', 'data']);
    const envelope = doc.components.schemas.ErrorEnvelopeDto;
    expect(envelope.required).toEqual(['success', 'message', 'error']);
  });

  it('real responses match the schemas the document gives', async () => {
    const checks: [string, string, string][] = [
      ['/tags?perPage=3', '/tags', '200'],
      ['/tags/1', '/tags/{id}', '200'],
      ['/tags/slug/climate', '/tags/slug/{slug}', '200'],
      ['/tags/batch?ids=1,2', '/tags/batch', '200'],
      ['/health', '/health', '200'],
      ['/tags/abc', '/tags/{id}', '422'],
      ['/tags/999999', '/tags/{id}', '404'],
    ];
    for (const [url, path, status] of checks) {
      const res = await api.get(url);
      expect({ url, status: res.status }).toEqual({ url, status: Number(status) });
      const schema = doc.paths[path].get.responses[status].content['application/json'].schema;
      expect({ url, errors: schemaErrors(doc, schema, res.body) }).toEqual({ url, errors: [] });
    }
  });

  it('GET /docs serves HTML whose asset URLs all answer 200', async () => {
    const page = await api.get('/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const urls = [...page.text.matchAll(/(?:href|src)="([^"]+)"/g)].map((m) => m[1] as string);
    expect(urls.length).toBeGreaterThanOrEqual(3);
    for (const url of urls) {
      const asset = await api.get(url);
      expect({ url, status: asset.status, length: asset.text.length > 1000 }).toEqual({ url, status: 200, length: true });
      expect(asset.headers.get('content-type')).toMatch(url.endsWith('.css') ? /^text\/css/ : /^application\/javascript/);
    }
    expect(page.text).toContain("url: '/docs/openapi.json'");
  });

  it('an unknown docs asset is a 404 envelope, not a file read', async () => {
    expectErrorEnvelope(await api.get('/docs/assets/package.json'), 404);
    expectErrorEnvelope(await api.get('/docs/assets/..%2F..%2Fpackage.json'), 404);
  });

  function resolveSchema(response: any): Schema {
    const schema = response.content['application/json'].schema;
    return schema.$ref ? resolveRef(doc, schema.$ref) : schema;
  }
});

describe('foundation: GET /health (shared platform)', () => {
  it('answers 200 with every service ok and NATS up', async () => {
    const res = await api.get('/health');
    expect(res.status).toBe(200);
    expect(res.body.data.status).toBe('ok');
    expect(res.body.data.gateway).toEqual({ nats: 'up' });
    for (const service of ['auth', 'catalog', 'orchestration', 'proxy']) {
      expect(res.body.data.services[service]).toEqual({
        service,
        status: 'ok',
        details: { database: { status: 'up' }, nats: { status: 'up' } },
      });
    }
  });

  it('the gateway probes answer without touching services', async () => {
    expect((await api.get('/health/live')).body).toEqual({ success: true, data: { status: 'ok' } });
    expect((await api.get('/health/ready')).body).toEqual({ success: true, data: { status: 'ok', nats: 'up' } });
  });
});
