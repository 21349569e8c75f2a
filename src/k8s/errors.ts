import { SpeakersimError } from '../core/errors.js';

/** One entry of `status.details.causes`, as the real API server reports field errors. */
export interface StatusCause {
  reason: string;
  message: string;
  field?: string;
}

/** Who the error is about, for `status.details`. */
export interface StatusTarget {
  name?: string;
  group?: string;
  kind?: string;
}

/**
 * An error the API server answers with a `Status` body. `reason` is the Kubernetes
 * StatusReason (NotFound, AlreadyExists, Conflict, Invalid, BadRequest, ...), `httpCode` the
 * HTTP status; `code` is speakersim's stable code (`ERR_K8S_<REASON>`).
 */
export class ApiStatusError extends SpeakersimError {
  readonly httpCode: number;
  readonly reason: string;
  readonly target: StatusTarget;
  readonly causes: StatusCause[];

  constructor(
    httpCode: number,
    reason: string,
    message: string,
    target: StatusTarget = {},
    causes: StatusCause[] = [],
    /** For answers without a reason (the real server's StatusReasonUnknown). */
    code = `ERR_K8S_${reason.toUpperCase()}`,
  ) {
    super(code, message);
    this.httpCode = httpCode;
    this.reason = reason;
    this.target = target;
    this.causes = causes;
  }

  /** The `Status` object a real API server sends for this error. */
  toStatus(): Record<string, unknown> {
    const details: Record<string, unknown> = {};
    if (this.target.name !== undefined) details['name'] = this.target.name;
    if (this.target.group !== undefined) details['group'] = this.target.group;
    if (this.target.kind !== undefined) details['kind'] = this.target.kind;
    if (this.causes.length > 0) details['causes'] = this.causes;
    const status: Record<string, unknown> = {
      kind: 'Status',
      apiVersion: 'v1',
      metadata: {},
      status: 'Failure',
      message: this.message,
      reason: this.reason,
      code: this.httpCode,
    };
    if (!this.reason) delete status['reason'];
    if (Object.keys(details).length > 0) status['details'] = details;
    return status;
  }
}

/** `<plural>.<group> "<name>" not found`: kubectl prints this after `Error from server (NotFound): `. */
export function notFound(plural: string, group: string, name: string): ApiStatusError {
  const qualified = group ? `${plural}.${group}` : plural;
  return new ApiStatusError(404, 'NotFound', `${qualified} "${name}" not found`, {
    name,
    group,
    kind: plural,
  });
}

export function alreadyExists(plural: string, group: string, name: string): ApiStatusError {
  const qualified = group ? `${plural}.${group}` : plural;
  return new ApiStatusError(409, 'AlreadyExists', `${qualified} "${name}" already exists`, {
    name,
    group,
    kind: plural,
  });
}

export function conflict(plural: string, group: string, name: string, why: string): ApiStatusError {
  const qualified = group ? `${plural}.${group}` : plural;
  return new ApiStatusError(
    409,
    'Conflict',
    `Operation cannot be fulfilled on ${qualified} "${name}": ${why}`,
    { name, group, kind: plural },
  );
}

export function badRequest(message: string): ApiStatusError {
  return new ApiStatusError(400, 'BadRequest', message);
}

export function invalid(
  kind: string,
  group: string,
  name: string,
  causes: StatusCause[],
): ApiStatusError {
  const qualified = group ? `${kind}.${group}` : kind;
  const summary = causes.map((c) => (c.field ? `${c.field}: ${c.message}` : c.message));
  const list = summary.length === 1 ? summary[0] : `[${summary.join(', ')}]`;
  return new ApiStatusError(
    422,
    'Invalid',
    `${qualified} "${name}" is invalid: ${list}`,
    { name, group, kind },
    causes,
  );
}

export function gone(message: string): ApiStatusError {
  return new ApiStatusError(410, 'Expired', message);
}

export function methodNotAllowed(message: string): ApiStatusError {
  return new ApiStatusError(405, 'MethodNotAllowed', message);
}

export function unsupportedMediaType(contentType: string): ApiStatusError {
  return new ApiStatusError(
    415,
    'UnsupportedMediaType',
    `the body of the request was in an unknown format - accepted media types include: application/json-patch+json, application/merge-patch+json, application/apply-patch+yaml (got ${contentType})`,
  );
}

/**
 * What kube-apiserver answers when etcd refuses a write over its request limit (1.5 MiB): etcd's
 * own error, passed through as a 500 without a reason (kubernetes/kubernetes#112152).
 */
export function storageRequestTooLarge(): ApiStatusError {
  return new ApiStatusError(
    500,
    '',
    'etcdserver: request is too large',
    {},
    [],
    'ERR_K8S_STORAGE_REQUEST_TOO_LARGE',
  );
}
