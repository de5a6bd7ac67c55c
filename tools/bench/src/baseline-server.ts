/**
 * P1 baseline: one plain Node process answering `GET /tags/:id` and `GET /datasets/:id` with the same
 * queries, columns and JSON envelopes as gateway → NATS → catalog, but with nothing in between (no
 * Nest, no NATS, no TypeORM). Callers are anonymous, as in the scenarios.
 * Started by the harness as its own process: `node dist/tools/bench/src/baseline-server.js`.
 *
 * Env: DATABASE_URL, PORT (0 = any), HOST, POOL_SIZE (match catalog's DATABASE_POOL_SIZE),
 * BASELINE_SERVER = fastify | http | auto (fastify when it can be loaded, else node:http).
 */
import type { FastifyInstance, FastifyServerOptions } from 'fastify';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { Pool } from 'pg';

interface TagRow {
  id: number;
  name: string;
  slug: string;
  description: string | null;
  url: string | null;
  created_at: Date;
  updated_at: Date;
}

type Reply = { status: number; body: string };

const SQL = 'SELECT id, name, slug, description, url, created_at, updated_at FROM catalog.tags WHERE id = $1';
const NOT_FOUND = JSON.stringify({ success: false, message: 'Tag not found', error: { status: 404 } });
const BAD_ID = JSON.stringify({ success: false, message: 'Validation failure', error: { status: 422 } });

const pool = new Pool({
  connectionString: process.env['DATABASE_URL'],
  max: Number(process.env['POOL_SIZE'] ?? 10),
  // Same connection settings as the services' DataSource (libs/persistence).
  statement_timeout: 10_000,
  idleTimeoutMillis: 30_000,
  connectionTimeoutMillis: 2_000,
  application_name: 'alien-bench-baseline',
});

/** Same fields, order and formats as catalog's toReferenceItem, wrapped in the success envelope. */
async function getTag(rawId: string): Promise<Reply> {
  if (!/^[1-9][0-9]{0,9}$/.test(rawId)) return { status: 422, body: BAD_ID };
  const { rows } = await pool.query<TagRow>(SQL, [Number(rawId)]);
  const row = rows[0];
  if (!row) return { status: 404, body: NOT_FOUND };
  const data = {
    id: row.id,
    name: row.name,
    slug: row.slug,
    description: row.description,
    url: row.url,
    spdxId: null,
    createdAt: row.created_at.toISOString(),
    updatedAt: row.updated_at.toISOString(),
  };
  return { status: 200, body: JSON.stringify({ success: true, data }) };
}

/**
 * `GET /datasets/:id`: the catalog's statement (apps/catalog/src/datasets/dataset-view.ts, which tools may
 * not import) — the dataset with its license, provider and source joined and its tags aggregated — for an
 * anonymous caller (public datasets only), mapped like toDatasetView.
 */
const DATASET_SQL = `
  SELECT d."id", d."name", d."slug", d."description", d."type", d."schema_fields", d."schema_version", d."pipeline",
         d."visibility", d."license_id", d."provider_id", d."source_id", d."cluster_id", d."access_price",
         d."organization_id", d."entry_count", d."created_at", d."updated_at",
         l."slug" AS "license_slug", l."name" AS "license_name",
         p."slug" AS "provider_slug", p."name" AS "provider_name",
         s."slug" AS "source_slug", s."name" AS "source_name",
         COALESCE((SELECT json_agg(json_build_object('id', t."id", 'slug', t."slug", 'name', t."name") ORDER BY t."name", t."id")
                   FROM "catalog"."dataset_tags" dt JOIN "catalog"."tags" t ON t."id" = dt."tag_id"
                   WHERE dt."dataset_id" = d."id"), '[]'::json) AS "tags"
  FROM "catalog"."datasets" d
  LEFT JOIN "catalog"."licenses" l ON l."id" = d."license_id"
  LEFT JOIN "catalog"."providers" p ON p."id" = d."provider_id"
  LEFT JOIN "catalog"."sources" s ON s."id" = d."source_id"
  WHERE d."id" = $1 AND (d."visibility" = 'public' OR d."organization_id" = $2)`;
const DATASET_NOT_FOUND = JSON.stringify({ success: false, message: 'Dataset not found', error: { status: 404 } });

type Ref = { id: number; slug: string; name: string };
const ref = (id: number | null, slug: string | null, name: string | null): Ref | null =>
  id === null || slug === null || name === null ? null : { id, slug, name };

async function getDataset(rawId: string): Promise<Reply> {
  if (!/^[1-9][0-9]{0,9}$/.test(rawId)) return { status: 422, body: BAD_ID };
  const { rows } = await pool.query(DATASET_SQL, [Number(rawId), null]);
  const row = rows[0];
  if (!row) return { status: 404, body: DATASET_NOT_FOUND };
  const data = {
    id: row.id,
    name: row.name,
    slug: row.slug,
    description: row.description,
    type: row.type,
    schema: { version: row.schema_version, fields: row.schema_fields },
    pipeline: row.pipeline,
    visibility: row.visibility,
    licenseId: row.license_id,
    providerId: row.provider_id,
    sourceId: row.source_id,
    tagIds: (row.tags as Ref[]).map((t) => t.id),
    license: ref(row.license_id, row.license_slug, row.license_name),
    provider: ref(row.provider_id, row.provider_slug, row.provider_name),
    source: ref(row.source_id, row.source_slug, row.source_name),
    tags: row.tags,
    clusterId: row.cluster_id,
    accessPrice: row.access_price,
    organizationId: row.organization_id,
    entryCount: row.entry_count,
    createdAt: (row.created_at as Date).toISOString(),
    updatedAt: (row.updated_at as Date).toISOString(),
  };
  return { status: 200, body: JSON.stringify({ success: true, data }) };
}

const ROUTE = /^\/tags\/([^/?]+)(?:\?.*)?$/;
const DATASET_ROUTE = /^\/datasets\/([^/?]+)(?:\?.*)?$/;

async function listenHttp(port: number, host: string): Promise<number> {
  const server = createServer((req, res) => {
    const tag = req.method === 'GET' ? ROUTE.exec(req.url ?? '') : null;
    const dataset = req.method === 'GET' ? DATASET_ROUTE.exec(req.url ?? '') : null;
    const send = (r: Reply) => {
      res.writeHead(r.status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(r.body) });
      res.end(r.body);
    };
    if (!tag && !dataset) return send({ status: 404, body: JSON.stringify({ success: false, message: 'Route not found', error: { status: 404 } }) });
    const answer = tag ? getTag(tag[1] ?? '') : getDataset(dataset?.[1] ?? '');
    answer.then(send, () => send({ status: 500, body: JSON.stringify({ success: false, message: 'Internal server error', error: { status: 500 } }) }));
  });
  server.keepAliveTimeout = 65_000;
  await new Promise<void>((resolve) => server.listen(port, host, resolve));
  const address = server.address();
  return typeof address === 'object' && address ? address.port : port;
}

const load = createRequire(__filename);

/** Fastify is not a declared dependency: it is in node_modules through @nestjs/platform-fastify. */
function loadFastify(): (options: FastifyServerOptions) => FastifyInstance {
  return load('fastify') as (options: FastifyServerOptions) => FastifyInstance;
}

async function listenFastify(port: number, host: string): Promise<number> {
  const app = loadFastify()({ logger: false });
  app.get<{ Params: { id: string } }>('/tags/:id', async (req, reply) => {
    const r = await getTag(req.params.id);
    return reply.code(r.status).type('application/json; charset=utf-8').send(r.body);
  });
  app.get<{ Params: { id: string } }>('/datasets/:id', async (req, reply) => {
    const r = await getDataset(req.params.id);
    return reply.code(r.status).type('application/json; charset=utf-8').send(r.body);
  });
  await app.listen({ port, host });
  const address = app.server.address();
  return typeof address === 'object' && address ? address.port : port;
}

async function main(): Promise<void> {
  const port = Number(process.env['PORT'] ?? 0);
  const host = process.env['HOST'] ?? '127.0.0.1';
  const wanted = process.env['BASELINE_SERVER'] ?? 'auto';
  await pool.query('SELECT 1');
  let server = 'node:http';
  let bound: number;
  if (wanted === 'http') {
    bound = await listenHttp(port, host);
  } else {
    try {
      bound = await listenFastify(port, host);
      server = `fastify ${(load('fastify/package.json') as { version: string }).version}`;
    } catch (error) {
      if (wanted === 'fastify') throw error;
      bound = await listenHttp(port, host);
    }
  }
  process.stdout.write(`${JSON.stringify({ level: 'info', msg: 'baseline listening', port: bound, server, poolSize: pool.options.max })}\n`);
  const stop = () => void pool.end().finally(() => process.exit(0));
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
}

main().catch((error: unknown) => {
  process.stderr.write(`baseline failed to start: ${(error as Error)?.message ?? String(error)}\n`);
  process.exit(1);
});
