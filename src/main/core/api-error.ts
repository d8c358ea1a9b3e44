/** Turning anything a handler throws into the contract's typed ApiError. */
import { ZodError } from 'zod';
import type { ApiError, ApiErrorCode } from '../../shared/ipc/contract';
import { EngineJobError } from '../engine-host/host';

/** Throw this from a handler to answer with a specific code. */
export class ApiException extends Error {
  override name = 'ApiException';
  constructor(
    readonly code: ApiErrorCode,
    message: string,
  ) {
    super(message);
  }
}

export function zodIssues(e: ZodError): NonNullable<ApiError['issues']> {
  return e.issues.map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
}

export function toApiError(e: unknown): ApiError {
  if (e instanceof ApiException) return { code: e.code, message: e.message };
  if (e instanceof EngineJobError) return { code: e.code, message: e.message };
  if (e instanceof ZodError) return { code: 'BAD_REQUEST', message: 'invalid value', issues: zodIssues(e) };
  if (e instanceof Error && e.name === 'DatasetError') return { code: 'DATASET_ERROR', message: e.message };
  const message = e instanceof Error ? e.message : String(e);
  return { code: 'INTERNAL', message: message || 'internal error' };
}
