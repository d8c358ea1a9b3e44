import { tf } from './tf';

/**
 * tfjs' Mean gradient multiplies the reshaped dy by ones(x.shape), made as a JS array of ones the size
 * of the input (a [32, 7, 7, 1280] global average pool's is 8 MB, filled and uploaded every training
 * step), then divides by the pooled count. The same ops with the ones made by the backend's Fill, in its
 * own memory: the same values bit for bit. (tf.broadcastTo instead was 10× slower: wasm's Tile.)
 * Registered once, for every backend.
 */
let installed = false;
export function installMeanGradient(): boolean {
  if (installed) return false;
  installed = true;
  tf.registerGradient({
    kernelName: 'Mean',
    inputsToSave: ['x'],
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const { axis } = attrs as unknown as { axis: number | number[] };
      const axes = tf.util.parseAxisParam(axis, x.shape);
      const reduceSize = axes.reduce((n, a) => n * x.shape[a], 1);
      const g = Array.isArray(dy) ? dy[0] : dy;
      return {
        x: () => {
          const kept = x.shape.map((d, i) => (axes.includes(i) ? 1 : d));
          return tf.div(tf.mul(tf.reshape(g, kept), tf.fill(x.shape, 1, 'float32')), reduceSize);
        },
      };
    },
  });
  return true;
}
