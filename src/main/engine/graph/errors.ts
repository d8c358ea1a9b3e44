/**
 * A layer graph that a target format cannot express (an unsupported layer, config or weight). Each
 * format's entry point turns it into its own error class; the message always names the layer and class.
 */
export class LayerGraphError extends Error {
  override name = 'LayerGraphError';
}
