/** Turning anything a handler throws into the contract's typed ApiError. */
import { ZodError } from 'zod';
import { CodedError } from '@shared/errors';
import type { ApiError } from '@shared/ipc/contract';

/** Throw this from a handler to answer with a specific code. */
export class ApiException extends CodedError {
  override name = 'ApiException';
}

export function zodIssues(e: ZodError): NonNullable<ApiError['issues']> {
  return e.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
}

export function toApiError(e: unknown): ApiError {
  // Engine errors arrive as EngineJobError with the code they were thrown with.
  if (e instanceof CodedError) return { code: e.code, message: e.message };
  if (e instanceof ZodError) return { code: 'BAD_REQUEST', message: 'invalid value', issues: zodIssues(e) };
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'INTERNAL', message: message || 'internal error' };
}
