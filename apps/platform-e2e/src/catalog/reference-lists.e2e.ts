import { query } from '@alien/testing';
import { sharedPlatform } from '../support/env';

const { api, databaseUrl } = sharedPlatform();

describe('reference lists (gateway → NATS → catalog → Postgres)', () => {
  it('lists seeded licenses as a paginated envelope', async () => {
    const res = await api.get('/licenses?perPage=5&orderBy=slug');
    expect(res.status).toBe(200);
    expect(res.body.success).toBe(true);
    expect(res.body.meta).toEqual({ currentPage: 1, perPage: 5, total: expect.any(Number), lastPage: expect.any(Number) });
    expect(res.body.meta.total).toBeGreaterThanOrEqual(10);
    expect(res.body.data).toHaveLength(5);
    const slugs = res.body.data.map((l: { slug: string }) => l.slug);
    expect(slugs).toEqual([...slugs].sort());
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('finds common licenses by slug and SPDX id is present', async () => {
    for (const [slug, spdx] of [['mit', 'MIT'], ['apache-2-0', 'Apache-2.0'], ['cc-by-4-0', 'CC-BY-4.0']]) {
      const res = await api.get(`/licenses/slug/${slug}`);
      expect(res.status).toBe(200);
      expect(res.body.data).toMatchObject({ slug, spdxId: spdx });
    }
  });

  it('gets by id what the list returned, with ISO-8601 UTC timestamps', async () => {
    const list = await api.get('/tags?perPage=1&orderBy=id');
    const first = list.body.data[0];
    const res = await api.get(`/tags/${first.id}`);
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ success: true, data: first });
    expect(first.createdAt).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/);
  });

  it('searches names case-insensitively with q, and treats SQL and wildcards as text', async () => {
    const res = await api.get('/tags?q=CLIM');
    expect(res.body.data.map((t: { slug: string }) => t.slug)).toEqual(['climate']);
    for (const q of ["' OR 1=1 --", "'; DROP TABLE catalog.tags; --", '%', '_', '\\']) {
      const r = await api.get(`/tags?q=${encodeURIComponent(q)}`);
      expect(r.status).toBe(200);
      expect(r.body.meta.total).toBe(0);
    }
    const [{ count }] = await query<{ count: string }>(databaseUrl, 'SELECT count(*) FROM catalog.tags');
    expect(Number(count)).toBeGreaterThanOrEqual(10);
  });

  it('pages consistently: page 2 continues page 1 without overlap', async () => {
    const p1 = await api.get('/tags?perPage=4&page=1&orderBy=name');
    const p2 = await api.get('/tags?perPage=4&page=2&orderBy=name');
    const ids1 = p1.body.data.map((t: { id: number }) => t.id);
    const ids2 = p2.body.data.map((t: { id: number }) => t.id);
    expect(ids1.filter((id: number) => ids2.includes(id))).toEqual([]);
    expect(p2.body.meta.currentPage).toBe(2);
    const desc = await api.get('/tags?perPage=100&orderBy=name&direction=desc');
    const names = desc.body.data.map((t: { name: string }) => t.name);
    expect(names[0].localeCompare(names[names.length - 1])).toBeGreaterThan(0);
  });

  it('batch keeps request order and omits unknown ids and slugs', async () => {
    const all = await api.get('/providers?perPage=3&orderBy=id');
    const [a, b, c] = all.body.data.map((p: { id: number }) => p.id);
    const res = await api.get(`/providers/batch?ids=${c},999999,${a},${b},${a}`);
    expect(res.status).toBe(200);
    expect(res.body.data.map((p: { id: number }) => p.id)).toEqual([c, a, b]);
    const bySlug = await api.get('/sources/batch?slugs=zenodo,nope,kaggle');
    expect(bySlug.body.data.map((s: { slug: string }) => s.slug)).toEqual(['zenodo', 'kaggle']);
  });

  it('answers 404 envelopes for unknown ids and slugs', async () => {
    expect((await api.get('/tags/999999')).body).toEqual({
      success: false,
      message: 'Tag not found',
      error: { status: 404, code: 'not_found' },
    });
    expect((await api.get('/licenses/slug/no-such-license')).status).toBe(404);
  });
});
