/** What resolving a base gives (every family ends as a tfjs layers-model folder), and its error. */
import { CodedError } from '@shared/errors';
import type { BaseEntry, BaseFamily } from './registry';

export class BaseNotFoundError extends CodedError {
  override name = 'BaseNotFoundError';
  constructor(message: string) {
    super('NOT_FOUND', message);
  }
}

export interface ResolvedBase {
  /** A tfjs layers-model folder (model.json + weights), whatever the family. */
  dir: string;
  /** Registry entry, or null for a user's own model. */
  entry: BaseEntry | null;
  source: 'path' | 'mirror' | 'cache' | 'download';
  /** Which loader produced it (absent: a caller that built the folder itself). */
  family?: BaseFamily;
}
