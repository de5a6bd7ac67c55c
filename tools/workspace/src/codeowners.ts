/** One CODEOWNERS line: a gitignore-style pattern and its owners. */
export interface OwnerRule {
  pattern: string;
  owners: string[];
  line: number;
}

export function parseCodeowners(text: string): OwnerRule[] {
  return text
    .split('\n')
    .map((raw, i) => ({ raw: raw.replace(/#.*$/, '').trim(), line: i + 1 }))
    .filter((l) => l.raw !== '')
    .map(({ raw, line }) => {
      const [pattern = '', ...owners] = raw.split(/\s+/);
      return { pattern, owners, line };
    });
}

/** Whether a CODEOWNERS pattern (the subset we use: `*`, `/dir/`, `/file`) covers a path. */
export function patternMatches(pattern: string, file: string): boolean {
  if (pattern === '*') return true;
  const anchored = pattern.replace(/^\//, '');
  if (anchored.endsWith('/')) return file === anchored.slice(0, -1) || file.startsWith(anchored);
  return file === anchored || file.startsWith(`${anchored}/`);
}

/** GitHub's rule: the last matching pattern decides who owns a path. */
export function ownersOf(rules: OwnerRule[], file: string): OwnerRule | undefined {
  let found: OwnerRule | undefined;
  for (const rule of rules) if (patternMatches(rule.pattern, file)) found = rule;
  return found;
}
