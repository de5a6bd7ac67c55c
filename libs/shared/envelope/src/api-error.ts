import { ErrorEnvelope, STATUS_MESSAGES, ValidationMessage, failure, validationFailure } from './envelope';

/** Stable machine-readable codes; `status` is what the gateway answers with. */
export const ERROR_CODES = {
  400: 'bad_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  408: 'timeout',
  409: 'conflict',
  413: 'payload_too_large',
  415: 'unsupported_media_type',
  422: 'validation_failed',
  429: 'rate_limited',
  500: 'internal',
  502: 'bad_gateway',
  503: 'unavailable',
  504: 'upstream_timeout',
} as const;

/** The shape an ApiError takes on the wire (NATS replies) — plain JSON. */
export interface ApiErrorPayload {
  status: number;
  code: string;
  message: string;
  messages?: ValidationMessage[];
}

/**
 * A typed error with an HTTP-meaningful status and a stable code. Services throw it, the RPC filter
 * serialises it, the gateway turns it back into the matching status and envelope.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message?: string,
    readonly code: string = (ERROR_CODES as Record<number, string>)[status] ?? 'error',
    readonly messages?: ValidationMessage[],
  ) {
    super(message ?? STATUS_MESSAGES[status] ?? 'Error');
    this.name = 'ApiError';
  }

  static badRequest(message?: string, code?: string) {
    return new ApiError(400, message, code);
  }
  static unauthenticated(message?: string, code?: string) {
    return new ApiError(401, message, code);
  }
  static forbidden(message?: string, code?: string) {
    return new ApiError(403, message, code);
  }
  static notFound(message?: string, code?: string) {
    return new ApiError(404, message, code);
  }
  static conflict(message?: string, code?: string) {
    return new ApiError(409, message, code);
  }
  static unavailable(message?: string, code?: string) {
    return new ApiError(503, message, code);
  }
  static validation(messages: ValidationMessage[]) {
    return new ApiError(422, 'Validation failure', ERROR_CODES[422], messages);
  }
  /** One-field validation failure, the common case at the edge. */
  static invalid(field: string, rule: string, message: string) {
    return ApiError.validation([{ field, rule, message }]);
  }

  toPayload(): ApiErrorPayload {
    const payload: ApiErrorPayload = { status: this.status, code: this.code, message: this.message };
    if (this.messages) payload.messages = this.messages;
    return payload;
  }

  toEnvelope(): ErrorEnvelope {
    if (this.status === 422 && this.messages) return validationFailure(this.messages);
    return failure(this.status, this.message, this.code);
  }

  static fromPayload(payload: ApiErrorPayload): ApiError {
    return new ApiError(payload.status, payload.message, payload.code, payload.messages);
  }

  static isPayload(value: unknown): value is ApiErrorPayload {
    return (
      typeof value === 'object' &&
      value !== null &&
      typeof (value as ApiErrorPayload).status === 'number' &&
      typeof (value as ApiErrorPayload).code === 'string' &&
      typeof (value as ApiErrorPayload).message === 'string'
    );
  }
}
