/**
 * Reads and validates environment variables once, at start. A bad value fails fast and names the
 * variable; secrets are never echoed back.
 */

type Source = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

interface Common {
  /** Marks a secret: its value never appears in an error message. */
  secret?: boolean;
}

export interface StringSpec extends Common {
  kind: 'string';
  default?: string;
  pattern?: RegExp;
}
export interface IntSpec extends Common {
  kind: 'int';
  default?: number;
  min?: number;
  max?: number;
}
export interface BoolSpec extends Common {
  kind: 'bool';
  default?: boolean;
}
export interface EnumSpec<T extends string> extends Common {
  kind: 'enum';
  values: readonly T[];
  default?: T;
}
export interface UrlSpec extends Common {
  kind: 'url';
  default?: string;
  protocols?: readonly string[];
}

export type Spec = StringSpec | IntSpec | BoolSpec | EnumSpec<string> | UrlSpec;

type ValueOf<S> = S extends IntSpec
  ? number
  : S extends BoolSpec
    ? boolean
    : S extends EnumSpec<infer T>
      ? T
      : string;

export type Config<T extends Record<string, Spec & { optional?: boolean }>> = {
  [K in keyof T]: T[K] extends { optional: true } ? ValueOf<T[K]> | undefined : ValueOf<T[K]>;
};

type Opt = { optional?: boolean };

// `const` type parameters keep `optional: true` literal, so Config<> types such variables `T | undefined`.
export const str = <const O extends Omit<StringSpec, 'kind'> & Opt>(o: O = {} as O) => ({ kind: 'string', ...o }) as StringSpec & O;
export const int = <const O extends Omit<IntSpec, 'kind'> & Opt>(o: O = {} as O) => ({ kind: 'int', ...o }) as IntSpec & O;
export const bool = <const O extends Omit<BoolSpec, 'kind'>>(o: O = {} as O) => ({ kind: 'bool', ...o }) as BoolSpec & O;
export const oneOf = <T extends string>(values: readonly T[], o: { default?: T } = {}) =>
  ({ kind: 'enum', values, ...o }) as EnumSpec<T>;
export const url = <const O extends Omit<UrlSpec, 'kind'> & Opt>(o: O = {} as O) => ({ kind: 'url', ...o }) as UrlSpec & O;

function describe(name: string, spec: Spec, raw: string): string {
  return spec.secret ? `${name} (secret, value hidden)` : `${name}=${JSON.stringify(raw)}`;
}

function parseOne(name: string, spec: Spec & { optional?: boolean }, raw: string | undefined): unknown {
  if (raw === undefined || raw === '') {
    if (spec.default !== undefined) return spec.default;
    if (spec.optional) return undefined;
    throw new ConfigError(`${name} is required`);
  }
  switch (spec.kind) {
    case 'string':
      if (spec.pattern && !spec.pattern.test(raw)) {
        throw new ConfigError(`${describe(name, spec, raw)} must match ${spec.pattern}`);
      }
      return raw;
    case 'int': {
      if (!/^-?[0-9]+$/.test(raw)) throw new ConfigError(`${describe(name, spec, raw)} must be an integer`);
      const n = Number(raw);
      if (spec.min !== undefined && n < spec.min) {
        throw new ConfigError(`${describe(name, spec, raw)} must be ≥ ${spec.min}`);
      }
      if (spec.max !== undefined && n > spec.max) {
        throw new ConfigError(`${describe(name, spec, raw)} must be ≤ ${spec.max}`);
      }
      return n;
    }
    case 'bool':
      if (/^(1|true|yes|on)$/i.test(raw)) return true;
      if (/^(0|false|no|off)$/i.test(raw)) return false;
      throw new ConfigError(`${describe(name, spec, raw)} must be true or false`);
    case 'enum':
      if (!spec.values.includes(raw)) {
        throw new ConfigError(`${describe(name, spec, raw)} must be one of ${spec.values.join(', ')}`);
      }
      return raw;
    case 'url': {
      let parsed: URL;
      try {
        parsed = new URL(raw);
      } catch {
        throw new ConfigError(`${describe(name, spec, raw)} must be a URL`);
      }
      if (spec.protocols && !spec.protocols.includes(parsed.protocol.replace(/:$/, ''))) {
        throw new ConfigError(`${describe(name, spec, raw)} must use ${spec.protocols.join(' or ')}`);
      }
      return raw;
    }
  }
}

/** Reads every variable in `specs` from `source` (process.env by default), collecting all errors. */
export function readConfig<T extends Record<string, Spec & { optional?: boolean }>>(
  specs: T,
  source: Source = process.env,
): Config<T> {
  const out: Record<string, unknown> = {};
  const errors: string[] = [];
  for (const [name, spec] of Object.entries(specs)) {
    try {
      out[name] = parseOne(name, spec, source[name]);
    } catch (e) {
      errors.push((e as Error).message);
    }
  }
  if (errors.length) throw new ConfigError(`Invalid configuration: ${errors.join('; ')}`);
  return out as Config<T>;
}
