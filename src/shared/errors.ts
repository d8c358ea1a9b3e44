/**
 * Error codes, mapped once: every error the engine, main or the CLI can explain carries one of these,
 * from where it is thrown to where it is shown (the contract's ApiError, the CLI's exit status).
 */
import { z } from 'zod';

export const ErrorCode = z.enum([
  'BAD_REQUEST',
  'UNKNOWN_CHANNEL',
  'NOT_FOUND',
  'FORBIDDEN',
  'UNSUPPORTED',
  'DATASET_ERROR',
  'CANCELLED',
  'ENGINE_CRASHED',
  /** The request clashes with the current state (e.g. a second training while one runs). */
  'CONFLICT',
  /** A file or folder could not be written or read (export target not writable, …). */
  'IO_ERROR',
  /** Browser mode: the WebSocket to the server dropped before an answer came. */
  'DISCONNECTED',
  'INTERNAL',
]);
export type ErrorCode = z.infer<typeof ErrorCode>;

/** An error that says what kind of failure it is. Subclasses fix their code. */
export class CodedError extends Error {
  constructor(
    readonly code: ErrorCode,
    message: string,
  ) {
    super(message);
  }
}

/** The code of anything thrown: INTERNAL unless it knows better (then it is ours to fix, not the user's). */
export const errorCode = (e: unknown): ErrorCode => (e instanceof CodedError ? e.code : 'INTERNAL');
