/**
 * A layer graph that a target format cannot express (an unsupported layer, config or weight). Each
 * format's entry point turns it into its own error class; the message always names the layer and class.
 */
import { CodedError } from '@shared/errors';
export class LayerGraphError extends CodedError {
  override name = 'LayerGraphError';
  constructor(message: string) {
    super('UNSUPPORTED', message);
  }
}
