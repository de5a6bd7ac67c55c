import { failure, paginated, success, validationFailure } from './envelope';

describe('envelope', () => {
  it('wraps data in a success envelope', () => {
    expect(success({ id: 1 })).toEqual({ success: true, data: { id: 1 } });
  });

  it('computes lastPage from total and perPage, never below 1', () => {
    expect(paginated({ items: [1, 2], total: 41, page: 2, perPage: 20 }).meta).toEqual({
      currentPage: 2,
      total: 41,
      perPage: 20,
      lastPage: 3,
    });
    expect(paginated({ items: [], total: 0, page: 1, perPage: 20 }).meta.lastPage).toBe(1);
  });

  it('uses the standard message for a status unless one is given', () => {
    expect(failure(404)).toEqual({ success: false, message: 'Resource not found', error: { status: 404 } });
    expect(failure(409, 'Slug taken', 'conflict')).toEqual({
      success: false,
      message: 'Slug taken',
      error: { status: 409, code: 'conflict' },
    });
  });

  it('builds the validation envelope with 422 and messages', () => {
    const messages = [{ field: 'slug', rule: 'regex', message: 'bad' }];
    expect(validationFailure(messages)).toEqual({
      success: false,
      message: 'Validation failure',
      error: { status: 422, messages },
    });
  });
});
