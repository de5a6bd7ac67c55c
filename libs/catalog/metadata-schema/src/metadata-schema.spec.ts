import { ApiError } from '@alien/envelope';
import { canonicalJson, parseDatasetSchema, sameFields, validateMetadata } from './metadata-schema';

function messagesOf(fn: () => unknown) {
  try {
    fn();
  } catch (e) {
    if (e instanceof ApiError) return e.messages;
    throw e;
  }
  throw new Error('did not throw');
}

describe(parseDatasetSchema.name, () => {
  it('accepts every field type, nested arrays and objects, and normalises an absent fields map to {}', () => {
    const schema = {
      fields: {
        title: { type: 'string', required: true, description: 'Document title' },
        year: { type: 'integer' },
        score: { type: 'number' },
        public: { type: 'boolean' },
        published: { type: 'date' },
        authors: { type: 'array', items: { type: 'object', fields: { name: { type: 'string', required: true } } } },
        extra: { type: 'object' },
      },
    };
    expect(parseDatasetSchema(schema)).toEqual(schema);
    expect(parseDatasetSchema({})).toEqual({ fields: {} });
    // A schema copied from a view carries its version: accepted and ignored.
    expect(parseDatasetSchema({ version: 4, fields: {} })).toEqual({ fields: {} });
  });

  it.each([
    ['not an object', 'x', 'schema', 'object'],
    ['a version that is not a number (the catalog manages it)', { version: 'v3', fields: {} }, 'schema.version', 'number'],
    ['an unknown top-level property', { fields: {}, strict: true }, 'schema.strict', 'unknownField'],
    ['an unknown type', { fields: { a: { type: 'uuid' } } }, 'schema.fields.a.type', 'enum'],
    ['a bad field name', { fields: { 'a b': { type: 'string' } } }, 'schema.fields.a b', 'regex'],
    ['required that is not a boolean', { fields: { a: { type: 'string', required: 'yes' } } }, 'schema.fields.a.required', 'boolean'],
    ['items on a string', { fields: { a: { type: 'string', items: { type: 'string' } } } }, 'schema.fields.a.items', 'unknownField'],
    ['an unknown property', { fields: { a: { type: 'string', format: 'email' } } }, 'schema.fields.a.format', 'unknownField'],
    ['a field that is not an object', { fields: { a: 'string' } }, 'schema.fields.a', 'object'],
  ])('refuses %s with 422 naming the field and rule', (_what, input, field, rule) => {
    expect(messagesOf(() => parseDatasetSchema(input))).toContainEqual({ field, rule, message: expect.any(String) });
  });

  it('refuses nesting deeper than five levels', () => {
    let spec: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 6; i++) spec = { type: 'array', items: spec };
    expect(messagesOf(() => parseDatasetSchema({ fields: { deep: spec } }))).toContainEqual(expect.objectContaining({ rule: 'maxDepth' }));
  });
});

describe(validateMetadata.name, () => {
  const schema = parseDatasetSchema({
    fields: {
      title: { type: 'string', required: true },
      year: { type: 'integer' },
      score: { type: 'number' },
      draft: { type: 'boolean' },
      published: { type: 'date' },
      tags: { type: 'array', items: { type: 'string' } },
      author: { type: 'object', fields: { name: { type: 'string', required: true } } },
    },
  });

  it('accepts conforming metadata; null counts as absent', () => {
    expect(
      validateMetadata(schema, {
        title: 'A',
        year: 2024,
        score: 0.5,
        draft: false,
        published: '2024-02-29',
        tags: ['x'],
        author: { name: 'Ada' },
      }),
    ).toEqual([]);
    expect(validateMetadata(schema, { title: 'A', year: null, published: '2024-05-31T12:00:00.123Z' })).toEqual([]);
  });

  it('names the field and rule of every problem: missing required, wrong type, bad date, unknown field', () => {
    expect(
      validateMetadata(schema, { year: '2024', score: 'high', published: '2023-02-29', tags: ['a', 2], author: {}, color: 'red' }),
    ).toEqual([
      { field: 'metadata.title', rule: 'required', message: expect.any(String) },
      { field: 'metadata.year', rule: 'type', message: 'metadata.year must be an integer (got string)' },
      { field: 'metadata.score', rule: 'type', message: expect.any(String) },
      { field: 'metadata.published', rule: 'date', message: expect.any(String) },
      { field: 'metadata.tags.1', rule: 'type', message: expect.any(String) },
      { field: 'metadata.author.name', rule: 'required', message: expect.any(String) },
      { field: 'metadata.color', rule: 'unknownField', message: expect.any(String) },
    ]);
    expect(validateMetadata(schema, { title: 'A', year: 1.5 })).toEqual([{ field: 'metadata.year', rule: 'type', message: expect.any(String) }]);
    expect(validateMetadata(schema, [])).toEqual([{ field: 'metadata', rule: 'object', message: expect.any(String) }]);
  });

  it('fields named like Object.prototype members are plain fields: an absent one is absent, not an inherited function', () => {
    const odd = parseDatasetSchema({ fields: { constructor: { type: 'string' }, toString: { type: 'string' }, valueOf: { type: 'integer', required: true } } });
    expect(Object.keys(odd.fields).sort()).toEqual(['constructor', 'toString', 'valueOf']);
    // Before: metadata without "toString" was checked against Object.prototype.toString ("must be a string (got function)").
    expect(validateMetadata(odd, { valueOf: 1 })).toEqual([]);
    expect(validateMetadata(odd, {})).toEqual([{ field: 'metadata.valueOf', rule: 'required', message: expect.any(String) }]);
    expect(validateMetadata(odd, JSON.parse('{"valueOf": 2, "constructor": "c", "toString": 3}'))).toEqual([
      { field: 'metadata.toString', rule: 'type', message: expect.any(String) },
    ]);
  });
});

describe(sameFields.name, () => {
  it('ignores key order and sees any real change', () => {
    const a = { fields: { a: { type: 'string' as const, required: true }, b: { type: 'integer' as const } } };
    const b = { fields: { b: { type: 'integer' as const }, a: { required: true, type: 'string' as const } } };
    expect(sameFields(a, b)).toBe(true);
    expect(sameFields(a, { fields: { ...a.fields, b: { type: 'number' } } })).toBe(false);
    expect(canonicalJson({ b: 1, a: [{ d: 1, c: 2 }] })).toBe('{"a":[{"c":2,"d":1}],"b":1}');
  });
});
