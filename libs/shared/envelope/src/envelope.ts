/** Response envelopes every gateway route returns (see DESIGN.md, "Contracts that every route keeps"). */

export interface SuccessEnvelope<T> {
  success: true;
  data: T;
}

export interface PageMeta {
  currentPage: number;
  total: number;
  perPage: number;
  lastPage: number;
}

export interface PaginatedEnvelope<T> {
  success: true;
  meta: PageMeta;
  data: T[];
}

export interface ValidationMessage {
  field: string;
  rule: string;
  message: string;
}

export interface ErrorEnvelope {
  success: false;
  message: string;
  error: { status: number; code?: string; messages?: ValidationMessage[] };
}

/** A page of rows as services return it; the gateway turns it into a PaginatedEnvelope. */
export interface Page<T> {
  items: T[];
  total: number;
  page: number;
  perPage: number;
}

export function success<T>(data: T): SuccessEnvelope<T> {
  return { success: true, data };
}

export function paginated<T>(page: Page<T>): PaginatedEnvelope<T> {
  return {
    success: true,
    meta: {
      currentPage: page.page,
      total: page.total,
      perPage: page.perPage,
      lastPage: Math.max(1, Math.ceil(page.total / page.perPage)),
    },
    data: page.items,
  };
}

/** Default messages per status, so every error envelope reads the same for the same status. */
export const STATUS_MESSAGES: Readonly<Record<number, string>> = {
  400: 'Bad request',
  401: 'Unauthenticated',
  403: 'Forbidden',
  404: 'Resource not found',
  405: 'Method not allowed',
  408: 'Request timeout',
  409: 'Conflict',
  413: 'Payload too large',
  415: 'Unsupported media type',
  422: 'Validation failure',
  429: 'Too many requests',
  500: 'Internal server error',
  502: 'Bad gateway',
  503: 'Service unavailable',
  504: 'Gateway timeout',
};

export function failure(status: number, message?: string, code?: string): ErrorEnvelope {
  const error: ErrorEnvelope['error'] = { status };
  if (code) error.code = code;
  return { success: false, message: message ?? STATUS_MESSAGES[status] ?? 'Error', error };
}

export function validationFailure(messages: ValidationMessage[]): ErrorEnvelope {
  return { success: false, message: 'Validation failure', error: { status: 422, messages } };
}

export function isPaginatedPage(value: unknown): value is Page<unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    Array.isArray((value as Page<unknown>).items) &&
    typeof (value as Page<unknown>).total === 'number' &&
    typeof (value as Page<unknown>).perPage === 'number'
  );
}
