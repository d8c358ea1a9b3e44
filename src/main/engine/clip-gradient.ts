import { tf } from './tf';

const KERNEL = 'TransferStudioClipByValueGrad';

/** The parts of tfjs' wasm backend this kernel reads: tensors are offsets into the module's heap. */
interface WasmBackend {
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  wasm: { HEAPU8: Uint8Array };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
}

/**
 * tfjs' ClipByValue gradient (MobileNetV2's ReLU6) is where(x ≥ lo ∧ x ≤ hi, dy, 0): GreaterEqual,
 * LessEqual, LogicalAnd, ZerosLike and Select, each over the whole activation, whose broadcasts of a
 * scalar are slow on wasm (~45% of a fine-tune step of MobileNetV2's top 20 layers at batch 32). On
 * wasm the same mask runs in one pass over flat arrays; other backends keep tfjs' own formula.
 */
let installed = false;
export function installClipGradient(): boolean {
  if (installed) return false;
  installed = true;
  tf.registerKernel({
    kernelName: KERNEL,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const w = backend as unknown as WasmBackend;
      const { x, dy } = inputs as Record<string, tf.TensorInfo>;
      const { clipValueMin: lo, clipValueMax: hi } = attrs as { clipValueMin: number; clipValueMax: number };
      const out = w.makeOutput([...dy.shape], 'float32');
      // Views of the heap, taken after the output's allocation (which may grow the heap): no copies.
      const heap = new Float32Array(w.wasm.HEAPU8.buffer);
      const at = (t: tf.TensorInfo) => w.dataIdMap.get(t.dataId)!.memoryOffset / 4;
      const [xi, gi, oi] = [at(x), at(dy), at(out)];
      const n = tf.util.sizeFromShape(dy.shape);
      for (let i = 0; i < n; i++) {
        const v = heap[xi + i];
        heap[oi + i] = v >= lo && v <= hi ? heap[gi + i] : 0;
      }
      return out;
    },
  });
  const original = tf.getGradient('ClipByValue');
  if (!original) return true;
  tf.registerGradient({
    ...original,
    gradFunc: (dy, saved, attrs) => {
      const [x] = saved;
      const flat = !Array.isArray(dy) && dy.dtype === 'float32' && x.dtype === 'float32';
      if (tf.getBackend() !== 'wasm' || !flat || !tf.util.arraysEqual(x.shape, dy.shape))
        return original.gradFunc(dy, saved, attrs);
      return { x: () => tf.engine().runKernel(KERNEL, { x, dy }, attrs) as tf.Tensor };
    },
  });
  return true;
}
