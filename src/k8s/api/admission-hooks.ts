/**
 * Admission after schema validation, as the real API server runs it: CRD validation rules
 * (CEL) and validating admission webhooks see every create, update and delete, and a denial
 * stops the request before anything is stored. Hooks are plain synchronous functions here
 * (no HTTP round trip); what the client sees matches a real cluster: a webhook's denial is a
 * Status with the webhook's code (403 Forbidden for controller-runtime's `admission.Denied`)
 * and the message `admission webhook "<name>" denied the request: <reason>`, which kubectl
 * prints as `Error from server (Forbidden): error when creating "<file>": ...`.
 */
import { ApiStatusError } from '../errors.js';
import type { KubeObject, ResourceType } from '../resource-type.js';

export type AdmissionOperation = 'CREATE' | 'UPDATE' | 'DELETE';

export interface AdmissionRequest {
  operation: AdmissionOperation;
  type: ResourceType;
  /** `status` for writes through the status subresource. */
  subresource?: string;
  /** The object as it would be stored (CREATE, UPDATE). */
  object?: KubeObject;
  /** The stored object (UPDATE, DELETE). */
  oldObject?: KubeObject;
}

/** Read access to what is stored, for hooks that judge an object against the others. */
export interface AdmissionStoreView {
  /** Every stored object of (group, plural), in any namespace (namespace given: only there). */
  list(group: string, plural: string, namespace?: string): KubeObject[];
}

export interface AdmissionHook {
  readonly name: string;
  /** Throws an ApiStatusError to refuse the request; returns to admit it, with any warnings. */
  admit(request: AdmissionRequest, store: AdmissionStoreView): string[] | void;
}

/** The hooks one API server runs, in order; `enabled = false` admits everything. */
export class AdmissionHooks {
  private readonly hooks: AdmissionHook[] = [];
  /**
   * Off: objects a real cluster's webhooks would refuse are stored, so that a scenario can
   * show how the speakers report them (ConfigurationState) instead.
   */
  enabled = true;

  add(hook: AdmissionHook): void {
    this.hooks.push(hook);
  }

  names(): string[] {
    return this.hooks.map((h) => h.name);
  }

  /** Runs every hook (the first denial throws); returns the warnings for the client. */
  run(request: AdmissionRequest, store: AdmissionStoreView): string[] {
    if (!this.enabled) return [];
    const warnings: string[] = [];
    for (const hook of this.hooks) warnings.push(...(hook.admit(request, store) ?? []));
    return warnings;
  }
}

/** A validating webhook's denial, as the API server passes it on (webhookerrors.ToStatusErr). */
export function webhookDenied(webhook: string, reason: string, httpCode = 403): ApiStatusError {
  // The server never lets a denial through with a code below 400.
  const code = httpCode < 400 ? 400 : httpCode;
  return new ApiStatusError(
    code,
    code === 403 ? 'Forbidden' : code === 400 ? 'BadRequest' : 'Invalid',
    `admission webhook "${webhook}" denied the request: ${reason}`,
  );
}
