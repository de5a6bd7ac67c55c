import { ApiError } from '@alien/envelope';
import { IsObject, IsOptional, IsString } from 'class-validator';
import { createValidationPipe, usesShadowedKeys } from './validation';

class RunBody {
  @IsOptional()
  @IsString()
  name?: string;

  @IsOptional()
  @IsObject()
  input?: Record<string, unknown>;

  @IsOptional()
  @IsObject()
  schema?: Record<string, unknown>;
}

const pipe = createValidationPipe();
const asBody = { type: 'body' as const, metatype: RunBody, data: undefined };
const validate = (body: unknown) => pipe.transform(body, asBody) as Promise<any>;
const refusal = async (body: unknown) => {
  const error = await validate(body).then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ApiError);
  return (error as ApiError).messages;
};

describe('body validation and keys named like Object.prototype members', () => {
  it('keeps free-form keys such as constructor, toString, valueOf, hasOwnProperty and prototype (they vanished before)', async () => {
    const input = { name: 'Ada', constructor: 'c', toString: 't', valueOf: { deep: [{ prototype: 1, isPrototypeOf: null }] } };
    const schema = { fields: { constructor: { type: 'string' }, hasOwnProperty: { type: 'string', required: true } } };
    const out = await validate(JSON.parse(JSON.stringify({ name: 'run', input, schema })));
    expect(out).toBeInstanceOf(RunBody);
    expect(JSON.parse(JSON.stringify(out))).toEqual({ name: 'run', input, schema });
  });

  it('leaves a body it would not touch as it was (no copy made)', async () => {
    expect(usesShadowedKeys({ name: 'x', input: { a: [{ b: 1 }] } })).toBe(false);
    expect(usesShadowedKeys({ input: { a: [{ toString: 1 }] } })).toBe(true);
    const out = await validate({ name: 'plain', input: { a: 1 } });
    expect(JSON.parse(JSON.stringify(out))).toEqual({ name: 'plain', input: { a: 1 } });
  });

  it('refuses such a key at the top level as an unknown field instead of ignoring it', async () => {
    expect(await refusal({ name: 'x', toString: 'y' })).toEqual([expect.objectContaining({ field: 'toString', rule: 'unknownField' })]);
    expect(await refusal({ name: 'x', valueOf: { a: 1 } })).toEqual([expect.objectContaining({ field: 'valueOf', rule: 'unknownField' })]);
    expect(await refusal({ name: 'x', constructor: 'y' })).toEqual([expect.objectContaining({ field: 'constructor', rule: 'unknownField' })]);
  });

  it('still validates the restored values (a wrong type stays a 422)', async () => {
    expect(await refusal({ name: 5, input: { toString: 1 } })).toEqual([expect.objectContaining({ field: 'name', rule: 'string' })]);
    expect(await refusal({ input: 'not an object', schema: { toString: 1 } })).toEqual([expect.objectContaining({ field: 'input', rule: 'object' })]);
  });
});
