// Lints an OpenAPI document with Redocly's `recommended` ruleset (@redocly/openapi-core is ESM-only,
// so this runs as its own process). Usage: node openapi-lint.mjs <file.json>; prints a JSON array of
// problems `{ruleId, severity, message, location}` on stdout.
import { createConfig, lintFromString } from '@redocly/openapi-core';
import { readFileSync } from 'node:fs';

const file = process.argv[2];
// `recommended`, as is, except no-ambiguous-paths: the id-or-slug convention (DESIGN.md) has
// `/x/slug/{slug}` beside `/x/{id}/<sub-resource>`, which match the same URL only for an id spelled
// "slug" — ids are digits, and the router tries the literal segment first.
const config = await createConfig({ extends: ['recommended'], rules: { 'no-ambiguous-paths': 'off' } });
const problems = await lintFromString({ source: readFileSync(file, 'utf8'), absoluteRef: file, config });
process.stdout.write(
  JSON.stringify(
    problems.map((p) => ({
      ruleId: p.ruleId,
      severity: p.severity,
      message: p.message,
      location: p.location?.[0]?.pointer,
    })),
  ),
);
