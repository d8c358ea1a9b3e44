import { tf } from './tf';

/**
 * tfjs' Mean gradient multiplies the reshaped dy by ones(x.shape): a JS array of ones the size of the
 * input (a [32, 7, 7, 1280] global average pool's is 8 MB, filled and uploaded every training step)
 * before dividing by the pooled count. dy · 1 is exact, so broadcasting dy instead (a Tile, in the
 * backend's memory) gives the same values bit for bit. Registered once, for every backend.
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
          return tf.div(tf.broadcastTo(tf.reshape(g, kept), x.shape), reduceSize);
        },
      };
    },
  });
  return true;
}
