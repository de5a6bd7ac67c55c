import { MigrationInterface, QueryRunner } from 'typeorm';

type Row = { name: string; slug: string; description?: string; url?: string; spdxId?: string };

const LICENSES: Row[] = [
  { name: 'Creative Commons Attribution 4.0', slug: 'cc-by-4-0', spdxId: 'CC-BY-4.0', url: 'https://creativecommons.org/licenses/by/4.0/' },
  { name: 'Creative Commons Attribution-ShareAlike 4.0', slug: 'cc-by-sa-4-0', spdxId: 'CC-BY-SA-4.0', url: 'https://creativecommons.org/licenses/by-sa/4.0/' },
  { name: 'Creative Commons Attribution-NonCommercial 4.0', slug: 'cc-by-nc-4-0', spdxId: 'CC-BY-NC-4.0', url: 'https://creativecommons.org/licenses/by-nc/4.0/' },
  { name: 'Creative Commons Zero 1.0 (Public Domain)', slug: 'cc0-1-0', spdxId: 'CC0-1.0', url: 'https://creativecommons.org/publicdomain/zero/1.0/' },
  { name: 'MIT License', slug: 'mit', spdxId: 'MIT', url: 'https://opensource.org/license/mit' },
  { name: 'Apache License 2.0', slug: 'apache-2-0', spdxId: 'Apache-2.0', url: 'https://www.apache.org/licenses/LICENSE-2.0' },
  { name: 'BSD 3-Clause License', slug: 'bsd-3-clause', spdxId: 'BSD-3-Clause', url: 'https://opensource.org/license/bsd-3-clause' },
  { name: 'GNU General Public License v3.0', slug: 'gpl-3-0', spdxId: 'GPL-3.0-only', url: 'https://www.gnu.org/licenses/gpl-3.0.html' },
  { name: 'Open Data Commons Open Database License 1.0', slug: 'odbl-1-0', spdxId: 'ODbL-1.0', url: 'https://opendatacommons.org/licenses/odbl/1-0/' },
  { name: 'Open Data Commons Attribution License 1.0', slug: 'odc-by-1-0', spdxId: 'ODC-By-1.0', url: 'https://opendatacommons.org/licenses/by/1-0/' },
];

const TAGS: Row[] = [
  { name: 'Climate', slug: 'climate' },
  { name: 'Finance', slug: 'finance' },
  { name: 'Health', slug: 'health' },
  { name: 'Geospatial', slug: 'geospatial' },
  { name: 'Natural language', slug: 'natural-language' },
  { name: 'Computer vision', slug: 'computer-vision' },
  { name: 'Time series', slug: 'time-series' },
  { name: 'Open government', slug: 'open-government' },
  { name: 'Energy', slug: 'energy' },
  { name: 'Transport', slug: 'transport' },
];

const PROVIDERS: Row[] = [
  { name: 'OpenAI', slug: 'openai', url: 'https://openai.com', description: 'Chat, embedding and image models' },
  { name: 'Anthropic', slug: 'anthropic', url: 'https://www.anthropic.com', description: 'Claude chat models' },
  { name: 'Mistral AI', slug: 'mistral-ai', url: 'https://mistral.ai', description: 'Open-weight and hosted models' },
  { name: 'Hugging Face', slug: 'hugging-face', url: 'https://huggingface.co', description: 'Model and dataset hub' },
  { name: 'Eurostat', slug: 'eurostat', url: 'https://ec.europa.eu/eurostat', description: 'Statistical office of the European Union' },
  { name: 'NASA Earthdata', slug: 'nasa-earthdata', url: 'https://www.earthdata.nasa.gov', description: 'Earth observation data' },
];

const SOURCES: Row[] = [
  { name: 'data.europa.eu', slug: 'data-europa-eu', url: 'https://data.europa.eu', description: 'The official portal for European data' },
  { name: 'data.gov', slug: 'data-gov', url: 'https://data.gov', description: 'U.S. government open data' },
  { name: 'Kaggle', slug: 'kaggle', url: 'https://www.kaggle.com/datasets', description: 'Community datasets' },
  { name: 'Zenodo', slug: 'zenodo', url: 'https://zenodo.org', description: 'Research data repository' },
  { name: 'Common Crawl', slug: 'common-crawl', url: 'https://commoncrawl.org', description: 'Open web crawl data' },
];

/** Starter reference data. Re-running is harmless: rows are keyed by slug. */
export class SeedReferenceLists1764400000001 implements MigrationInterface {
  name = 'SeedReferenceLists1764400000001';

  async up(q: QueryRunner): Promise<void> {
    await insert(q, 'tags', TAGS);
    await insert(q, 'providers', PROVIDERS);
    await insert(q, 'sources', SOURCES);
    for (const row of LICENSES) {
      await q.query(
        `INSERT INTO "catalog"."licenses" ("name", "slug", "description", "url", "spdx_id")
         VALUES ($1, $2, $3, $4, $5) ON CONFLICT ("slug") DO NOTHING`,
        [row.name, row.slug, row.description ?? null, row.url ?? null, row.spdxId ?? null],
      );
    }
  }

  async down(q: QueryRunner): Promise<void> {
    for (const [table, rows] of [['tags', TAGS], ['providers', PROVIDERS], ['sources', SOURCES], ['licenses', LICENSES]] as const) {
      await q.query(`DELETE FROM "catalog"."${table}" WHERE "slug" = ANY($1)`, [rows.map((r) => r.slug)]);
    }
  }
}

async function insert(q: QueryRunner, table: string, rows: Row[]): Promise<void> {
  for (const row of rows) {
    await q.query(
      `INSERT INTO "catalog"."${table}" ("name", "slug", "description", "url")
       VALUES ($1, $2, $3, $4) ON CONFLICT ("slug") DO NOTHING`,
      [row.name, row.slug, row.description ?? null, row.url ?? null],
    );
  }
}
