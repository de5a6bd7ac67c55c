/** Stable codes of node and run errors (what a client may branch on). */
export type EngineErrorCode =
  | 'invalid_graph'
  | 'invalid_input'
  | 'invalid_params'
  | 'expression_error'
  | 'node_timeout'
  | 'cancelled'
  | 'ssrf_refused'
  | 'http_error'
  | 'http_status'
  | 'response_too_large'
  | 'too_many_redirects'
  | 'upstream_error'
  | 'service_unavailable'
  | 'subworkflow_depth_exceeded'
  | 'subworkflow_failed'
  | 'node_error';

/** One message of a validation failure, the envelope's `{field, rule, message}`. */
export interface ValidationIssue {
  field: string;
  rule: string;
  message: string;
}

/** What a failed node or run reports: never a stack, never a secret. */
export interface EngineErrorInfo {
  nodeId?: string;
  code: EngineErrorCode;
  message: string;
  /** Validation issues (`invalid_graph`, `invalid_input`, `invalid_params`). */
  issues?: ValidationIssue[];
  /** Upstream HTTP status (`http_status`, `upstream_error`). */
  status?: number;
}

/** The error a node executor throws for a known failure. Anything else becomes `node_error`. */
export class EngineError extends Error {
  constructor(
    readonly code: EngineErrorCode,
    message: string,
    readonly extra: { issues?: ValidationIssue[]; status?: number; nodeId?: string } = {},
  ) {
    super(message);
    this.name = 'EngineError';
  }

  toInfo(nodeId?: string): EngineErrorInfo {
    const info: EngineErrorInfo = { code: this.code, message: this.message };
    const id = this.extra.nodeId ?? nodeId;
    if (id !== undefined) info.nodeId = id;
    if (this.extra.issues) info.issues = this.extra.issues;
    if (this.extra.status !== undefined) info.status = this.extra.status;
    return info;
  }
}

/** Typed info for anything thrown by node code (the message kept, the stack dropped). */
export function toErrorInfo(error: unknown, nodeId?: string): EngineErrorInfo {
  if (error instanceof EngineError) return error.toInfo(nodeId);
  const message = error instanceof Error ? error.message : typeof error === 'string' ? error : 'node failed';
  const info: EngineErrorInfo = { code: 'node_error', message: (message.split('\n')[0] ?? '').slice(0, 1000) };
  if (nodeId !== undefined) info.nodeId = nodeId;
  return info;
}
