import { tf } from './tf';
import { Fn } from './wasm/asm';
import { heapKernel, offsetOf, type WasmHeap } from './wasm/tfjs-heap';

const KERNEL = 'TransferStudioClipByValueGrad';

/**
 * clip(out, x, dy, bytes, lo, hi): out = dy where lo ≤ x ≤ hi, else +0 (lane masks, so a kept value
 * is dy's exact bits and NaN x gives 0, as the scalar loop does), over `bytes` bytes (a multiple of 16).
 */
function clipKernel(): Fn {
  const f = new Fn('clip', ['i32', 'i32', 'i32', 'i32', 'f32', 'f32']);
  const [out, x, dy, bytes] = [0, 1, 2, 3];
  const [lo, hi] = [4, 5].map((p) => {
    const l = f.local('v128');
    f.get(p).splat().set(l);
    return l;
  });
  const i = f.local('i32');
  const xi = f.local('v128');
  f.i32(0).set(i);
  f.get(bytes).ifNonZero(() =>
    f.doWhile(
      () => {
        f.get(out).get(i).i32add();
        f.get(x).get(i).i32add().load(0).set(xi);
        f.get(dy).get(i).i32add().load(0);
        f.get(xi).get(lo).f32x4cmp('ge').and();
        f.get(xi).get(hi).f32x4cmp('le').and();
        f.store(0);
        f.inc(i, 16);
      },
      () => f.get(i).get(bytes).i32ne(),
    ),
  );
  return f;
}
type Clip = (out: number, x: number, dy: number, bytes: number, lo: number, hi: number) => void;
const clipOn = heapKernel<Clip>(clipKernel);

/**
 * tfjs' ClipByValue gradient (MobileNetV2's ReLU6) is where(x ≥ lo ∧ x ≤ hi, dy, 0): GreaterEqual,
 * LessEqual, LogicalAnd, ZerosLike and Select, each over the whole activation, whose broadcasts of a
 * scalar are slow on wasm (~45% of a fine-tune step of MobileNetV2's top 20 layers at batch 32). On
 * wasm the same mask runs in one pass (wasm SIMD where it runs); other backends keep tfjs' own formula.
 */
let installed = false;
export function installClipGradient(): boolean {
  if (installed) return false;
  installed = true;
  tf.registerKernel({
    kernelName: KERNEL,
    backendName: 'wasm',
    kernelFunc: ({ inputs, attrs, backend }) => {
      const w = backend as unknown as WasmHeap;
      const { x, dy } = inputs as Record<string, tf.TensorInfo>;
      const { clipValueMin: lo, clipValueMax: hi } = attrs as { clipValueMin: number; clipValueMax: number };
      const out = w.makeOutput([...dy.shape], 'float32');
      const n = tf.util.sizeFromShape(dy.shape);
      const [xa, ga, oa] = [x, dy, out].map((t) => offsetOf(w, t));
      // Four lanes at a time where wasm SIMD runs; the rest (or everything) in the scalar loop below.
      const clip = clipOn(w);
      const simd = clip ? n - (n % 4) : 0;
      if (clip && simd) clip(oa, xa, ga, simd * 4, lo, hi);
      // Views of the heap, taken after the output's allocation (which may grow the heap): no copies.
      const heap = new Float32Array(w.wasm.HEAPU8.buffer);
      const [xi, gi, oi] = [xa / 4, ga / 4, oa / 4];
      for (let i = simd; i < n; i++) {
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
