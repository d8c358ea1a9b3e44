/** Errors of the quality tools, with the codes main and the CLI read (src/shared/errors.ts). */
import { CodedError } from '@shared/errors';

/** A quality job (duplicates, cross-validation, label review) was stopped. */
export class QualityStoppedError extends CodedError {
  override name = 'QualityStoppedError';
  constructor() {
    super('CANCELLED', 'stopped');
  }
}

/** A request the quality tools cannot carry out as asked (bad plan, wrong group, no such class). */
export class QualityRequestError extends CodedError {
  override name = 'QualityRequestError';
  constructor(message: string) {
    super('BAD_REQUEST', message);
  }
}

/** A relabel or its undo found the files not as recorded: nothing was moved. */
export class RelabelError extends CodedError {
  override name = 'RelabelError';
  constructor(message: string) {
    super('CONFLICT', message);
  }
}
