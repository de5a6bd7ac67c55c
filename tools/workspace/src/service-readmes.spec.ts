import * as authContracts from '@alien/auth/contracts';
import * as catalogContracts from '@alien/catalog/contracts';
import { SERVICES, collectContracts } from '@alien/contracts';
import * as orchestrationContracts from '@alien/orchestration/contracts';
import * as proxyContracts from '@alien/proxy/contracts';
import { readText } from './projects';

/** Every contract of every domain, as the code declares them. */
const contracts = [authContracts, catalogContracts, orchestrationContracts, proxyContracts].flatMap((m) =>
  collectContracts(m as Record<string, unknown>),
);
const SUBJECT = /`([a-z][a-z0-9-]*(?:\.[a-z0-9-]+)+\.v\d+)`/g;

/** The subjects a README names under one `### <heading>` (up to the next heading). */
function subjectsUnder(readme: string, heading: string): string[] {
  const start = readme.indexOf(`### ${heading}`);
  if (start < 0) return [];
  const rest = readme.slice(start + heading.length + 4);
  const end = rest.search(/\n#{2,3} /);
  const section = end < 0 ? rest : rest.slice(0, end);
  return [...new Set([...section.matchAll(SUBJECT)].map((m) => m[1] as string))].sort();
}

describe.each(SERVICES)('apps/%s/README.md', (service) => {
  const readme = readText(`apps/${service}/README.md`);

  it('names its owner, configuration, schema and runbook', () => {
    expect(readme).toMatch(/\*\*Owner:\*\* .*@alien-platform\//);
    for (const heading of ['## NATS', '## Configuration', '## Schema', '## Runbook']) expect(readme).toContain(heading);
  });

  it('lists exactly the request/reply subjects its contracts declare under "Serves"', () => {
    const declared = contracts.filter((c) => c.kind === 'rpc' && c.subject.startsWith(`${service}.`)).map((c) => c.subject);
    expect(subjectsUnder(readme, 'Serves')).toEqual([...new Set(declared)].sort());
  });

  it('lists exactly the events its contracts declare under "Publishes"', () => {
    const declared = contracts.filter((c) => c.kind === 'event' && c.subject.startsWith(`${service}.`)).map((c) => c.subject);
    expect(subjectsUnder(readme, 'Publishes')).toEqual([...new Set(declared)].sort());
  });

  it('consumes only subjects some contract declares', () => {
    const known = new Set(contracts.map((c) => c.subject));
    expect(subjectsUnder(readme, 'Consumes').filter((s) => !known.has(s))).toEqual([]);
  });
});
