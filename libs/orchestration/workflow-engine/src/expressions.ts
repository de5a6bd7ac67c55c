/**
 * Expressions in node params: `@<nodeId>` (a node's whole output), `@<nodeId>.<field>` with dot
 * paths and `[0]` / `["key"]` indices, and the same inside `{{ … }}` templates, plus `$input.<field>`
 * (the run's input) and `$context.jobId|nodeId` inside templates. A value that is exactly one
 * reference resolves to the referenced value itself (any JSON type); references inside longer text are
 * interpolated (objects as JSON). Field lookup falls back between camelCase and snake_case.
 */

export type PathStep = string | number;

export interface Reference {
  /** `node` (`@id…`), `input` (`$input…`) or `context` (`$context…`). */
  kind: 'node' | 'input' | 'context';
  /** The referenced node id (kind `node`). */
  nodeId?: string;
  path: PathStep[];
  /** Offsets of the reference text in the string. */
  start: number;
  end: number;
}

/** A reference to a node id the graph does not have (reported by validation). */
export interface UnknownReference {
  text: string;
  start: number;
}

interface Scan {
  references: Reference[];
  unknown: UnknownReference[];
  /** Template bodies that are not a single reference, e.g. `{{ 1 + 2 }}`. */
  badTemplates: string[];
  /** The string is exactly one reference (optionally inside `{{ }}`, whitespace around). */
  whole?: Reference;
}

const ID_CHAR = /[A-Za-z0-9_-]/;
const FIELD = /^[A-Za-z_$][A-Za-z0-9_$]*/;

function readPath(text: string, at: number): { path: PathStep[]; end: number } {
  const path: PathStep[] = [];
  let i = at;
  for (;;) {
    if (text[i] === '.') {
      const m = FIELD.exec(text.slice(i + 1));
      if (!m) break;
      path.push(m[0]);
      i += 1 + m[0].length;
      continue;
    }
    if (text[i] === '[') {
      const rest = text.slice(i);
      const num = /^\[(\d+)\]/.exec(rest);
      if (num) {
        path.push(Number(num[1]));
        i += num[0].length;
        continue;
      }
      const str = /^\[\s*(["'])((?:(?!\1).)*)\1\s*\]/.exec(rest);
      if (str) {
        path.push(str[2] ?? '');
        i += str[0].length;
        continue;
      }
    }
    break;
  }
  return { path, end: i };
}

/** The longest known node id starting at `at` and not followed by another id character. */
function matchNodeId(text: string, at: number, nodeIds: ReadonlySet<string>, longest: number): string | undefined {
  const max = Math.min(longest, text.length - at);
  for (let len = max; len > 0; len--) {
    const candidate = text.slice(at, at + len);
    if (!nodeIds.has(candidate)) continue;
    const next = text[at + len];
    if (next === undefined || !ID_CHAR.test(next)) return candidate;
  }
  return undefined;
}

function readReference(
  text: string,
  at: number,
  nodeIds: ReadonlySet<string>,
  longest: number,
): { ref?: Reference; unknown?: UnknownReference; end: number } {
  if (text[at] === '@') {
    const id = matchNodeId(text, at + 1, nodeIds, longest);
    if (id === undefined) {
      const m = /^@[A-Za-z0-9_-]+/.exec(text.slice(at));
      return m ? { unknown: { text: m[0], start: at }, end: at + m[0].length } : { end: at + 1 };
    }
    const { path, end } = readPath(text, at + 1 + id.length);
    return { ref: { kind: 'node', nodeId: id, path, start: at, end }, end };
  }
  for (const kind of ['input', 'context'] as const) {
    const word = `$${kind}`;
    if (text.startsWith(word, at) && !ID_CHAR.test(text[at + word.length] ?? '')) {
      const { path, end } = readPath(text, at + word.length);
      return { ref: { kind, path, start: at, end }, end };
    }
  }
  return { end: at + 1 };
}

/** Scans per set of node ids (one set per graph), so a graph's strings are scanned once per run. */
const scanCache = new WeakMap<ReadonlySet<string>, Map<string, Scan>>();
const SCAN_CACHE_LIMIT = 2000;

/**
 * Finds the references in a string. `inline` also reads bare `@id` references outside templates (the
 * value is an expression); otherwise only `{{ }}` templates and a whole-string `@id…` count.
 */
export function scanExpression(text: string, nodeIds: ReadonlySet<string>, inline = true): Scan {
  let cache = scanCache.get(nodeIds);
  if (!cache) scanCache.set(nodeIds, (cache = new Map()));
  const cacheKey = `${inline ? 1 : 0}${text}`;
  const cached = cache.get(cacheKey);
  if (cached) return cached;
  let longest = 0;
  for (const id of nodeIds) longest = Math.max(longest, id.length);
  const scan: Scan = { references: [], unknown: [], badTemplates: [] };
  let i = 0;
  while (i < text.length) {
    if (text.startsWith('{{', i)) {
      const close = text.indexOf('}}', i + 2);
      if (close < 0) break;
      const body = text.slice(i + 2, close);
      const lead = body.length - body.trimStart().length;
      const inner = body.trim();
      const read = readReference(inner, 0, nodeIds, longest);
      if (read.ref && read.end === inner.length) {
        scan.references.push({ ...read.ref, start: i, end: close + 2 });
      } else if (read.unknown) {
        scan.unknown.push({ text: read.unknown.text, start: i + 2 + lead });
      } else {
        scan.badTemplates.push(inner);
      }
      i = close + 2;
      continue;
    }
    if (text[i] === '@' && (inline || i === text.length - text.trimStart().length) && (i === 0 || !ID_CHAR.test(text[i - 1] ?? ''))) {
      const read = readReference(text, i, nodeIds, longest);
      if (read.ref) scan.references.push(read.ref);
      else if (read.unknown && inline) scan.unknown.push(read.unknown);
      i = read.end;
      continue;
    }
    i++;
  }
  const trimmedStart = text.length - text.trimStart().length;
  const trimmedEnd = text.trimEnd().length;
  const [only] = scan.references;
  if (scan.references.length === 1 && only && only.start === trimmedStart && only.end === trimmedEnd) scan.whole = only;
  if (cache.size >= SCAN_CACHE_LIMIT) cache.clear();
  cache.set(cacheKey, scan);
  return scan;
}

const camel = (s: string) => s.replace(/_([a-z0-9])/g, (_m, c: string) => c.toUpperCase());
const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

/** Follows a path into a value; missing steps give `undefined`. */
export function readPathValue(value: unknown, path: PathStep[]): unknown {
  let current = value;
  for (const step of path) {
    if (current === null || current === undefined) return undefined;
    if (typeof step === 'number') {
      current = Array.isArray(current) ? current[step] : (current as Record<string, unknown>)[String(step)];
      continue;
    }
    if (typeof current !== 'object') return undefined;
    const record = current as Record<string, unknown>;
    if (step in record) current = record[step];
    else if (camel(step) in record) current = record[camel(step)];
    else if (snake(step) in record) current = record[snake(step)];
    else if (Array.isArray(current) && step === 'length') current = current.length;
    else return undefined;
  }
  return current;
}

/** What expressions read: node outputs, the run input and the run context. */
export interface ExpressionScope {
  nodeIds: ReadonlySet<string>;
  /** The output of a node that ran; undefined for nodes that did not (skipped, not yet run). */
  output(nodeId: string): unknown;
  input: unknown;
  context: Record<string, unknown>;
}

function referenceValue(ref: Reference, scope: ExpressionScope): unknown {
  const base = ref.kind === 'node' ? scope.output(ref.nodeId as string) : ref.kind === 'input' ? scope.input : scope.context;
  return readPathValue(base, ref.path);
}

function asText(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value;
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  return JSON.stringify(value);
}

/** Resolves the references in one string (see the module comment). */
export function resolveString(text: string, scope: ExpressionScope, inline = true): unknown {
  const scan = scanExpression(text, scope.nodeIds, inline);
  if (scan.whole) return referenceValue(scan.whole, scope);
  if (scan.references.length === 0) return text;
  let out = '';
  let last = 0;
  for (const ref of scan.references) {
    out += text.slice(last, ref.start) + asText(referenceValue(ref, scope));
    last = ref.end;
  }
  return out + text.slice(last);
}

/** Resolves every string inside a value (objects and arrays walked). */
export function resolveDeep(value: unknown, scope: ExpressionScope, inline = true): unknown {
  if (typeof value === 'string') return resolveString(value, scope, inline);
  if (Array.isArray(value)) return value.map((v) => resolveDeep(v, scope, inline));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = resolveDeep(v, scope, inline);
    return out;
  }
  return value;
}

/** Every string inside a value, with its JSON path suffix (`.a[0].b`). */
export function* stringsIn(value: unknown, suffix = ''): Generator<[string, string]> {
  if (typeof value === 'string') yield [suffix, value];
  else if (Array.isArray(value)) for (let i = 0; i < value.length; i++) yield* stringsIn(value[i], `${suffix}[${i}]`);
  else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) yield* stringsIn(v, `${suffix}.${k}`);
  }
}
