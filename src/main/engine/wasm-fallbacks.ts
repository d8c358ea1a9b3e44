import { installClipGradient } from './clip-gradient';
import { installMeanGradient } from './mean-gradient';
import { installWasmFastKernels } from './wasm-fast-kernels';
import { depthwiseFilterGradSimd, depthwiseInputGradSimd } from './wasm/depthwise-simd';
import { offsetOf, type WasmHeap } from './wasm/tfjs-heap';
import { tf } from './tf';

type TensorInfo = tf.TensorInfo;
/** tfjs' wasm backend: tensors are offsets into its module's heap. */
interface WasmLike extends WasmHeap {
  makeOutput(
    shape: number[],
    dtype: tf.DataType,
    memoryOffset?: number,
    values?: tf.backend_util.BackendValues,
  ): TensorInfo;
}
type Conv4 = [number, number, number, number];
type Attrs = {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | tf.backend_util.ExplicitPadding;
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  dilations?: number | [number, number];
  filterShape?: Conv4;
  inputShape?: Conv4;
  dataFormat?: 'NHWC' | 'NCHW';
};

/**
 * A float32 tensor's values as a view of the wasm heap (no copy): valid until the next allocation in
 * the module, so read them before making the output.
 */
const f32 = (w: WasmLike, t: TensorInfo) =>
  new Float32Array(w.wasm.HEAPU8.buffer, offsetOf(w, t), tf.util.sizeFromShape(t.shape));

/**
 * A 1×1, stride-1, unpadded convolution is a matrix product over the flattened positions: these are
 * MobileNets' pointwise convolutions, most of what fine-tuning their top layers computes. Their
 * gradients run as one wasm BatchMatMul instead of scalar loops.
 */
function isPointwise(c: tf.backend_util.Conv2DInfo): boolean {
  return (
    c.filterHeight === 1 &&
    c.filterWidth === 1 &&
    c.strideHeight === 1 &&
    c.strideWidth === 1 &&
    c.dilationHeight === 1 &&
    c.dilationWidth === 1 &&
    c.padInfo.top === 0 &&
    c.padInfo.left === 0 &&
    c.padInfo.bottom === 0 &&
    c.padInfo.right === 0
  );
}

/**
 * a·b, with a or b transposed first, by the wasm backend's own kernels on reshaped views. Its
 * BatchMatMul with a transpose flag is ~10× slower than an explicit Transpose followed by a plain one.
 */
function matMul(
  backend: unknown,
  a: TensorInfo,
  aShape: [number, number],
  b: TensorInfo,
  bShape: [number, number],
  transpose: 'a' | 'b',
  outShape: number[],
): TensorInfo {
  const be = backend as tf.KernelBackend;
  const kernel = (name: string) => {
    const k = tf.getKernel(name, 'wasm');
    if (!k) throw new Error(`wasm ${name} kernel missing`);
    return k.kernelFunc;
  };
  const view = (t: TensorInfo, shape: number[]): TensorInfo => ({ dataId: t.dataId, shape, dtype: t.dtype });
  const flip = (t: TensorInfo, shape: [number, number]) =>
    kernel('Transpose')({
      inputs: { x: view(t, shape) },
      attrs: { perm: [1, 0] },
      backend: be,
    }) as TensorInfo;
  const ta = transpose === 'a' ? flip(a, aShape) : view(a, aShape);
  const tb = transpose === 'b' ? flip(b, bShape) : view(b, bShape);
  try {
    const out = kernel('BatchMatMul')({
      inputs: { a: ta, b: tb },
      attrs: { transposeA: false, transposeB: false },
      backend: be,
    }) as TensorInfo;
    return view(out, outShape);
  } finally {
    be.disposeData((transpose === 'a' ? ta : tb).dataId);
  }
}

/** dW = Σ x ⊗ dy over batch and positions (NHWC). Inner loop runs over contiguous output channels. */
function conv2DBackpropFilter(
  x: Float32Array,
  dy: Float32Array,
  c: tf.backend_util.Conv2DInfo,
): Float32Array {
  const {
    batchSize,
    inHeight,
    inWidth,
    inChannels,
    outHeight,
    outWidth,
    outChannels,
    filterHeight,
    filterWidth,
  } = c;
  const dW = new Float32Array(filterHeight * filterWidth * inChannels * outChannels);
  for (let b = 0; b < batchSize; b++)
    for (let yR = 0; yR < outHeight; yR++)
      for (let yC = 0; yC < outWidth; yC++) {
        const dyOff = ((b * outHeight + yR) * outWidth + yC) * outChannels;
        for (let wR = 0; wR < filterHeight; wR++) {
          const xR = yR * c.strideHeight + wR * c.dilationHeight - c.padInfo.top;
          if (xR < 0 || xR >= inHeight) continue;
          for (let wC = 0; wC < filterWidth; wC++) {
            const xC = yC * c.strideWidth + wC * c.dilationWidth - c.padInfo.left;
            if (xC < 0 || xC >= inWidth) continue;
            const xOff = ((b * inHeight + xR) * inWidth + xC) * inChannels;
            const wOff = (wR * filterWidth + wC) * inChannels * outChannels;
            for (let d1 = 0; d1 < inChannels; d1++) {
              const xv = x[xOff + d1];
              if (xv === 0) continue; // post-ReLU inputs are mostly zero
              const o = wOff + d1 * outChannels;
              for (let d2 = 0; d2 < outChannels; d2++) dW[o + d2] += xv * dy[dyOff + d2];
            }
          }
        }
      }
  return dW;
}

/** Depthwise: filter [fh, fw, inC, mult]; output channel d1*mult+q. `input` true → dx (scatter), else dW. */
function depthwiseBackprop(
  a: Float32Array,
  dy: Float32Array,
  c: tf.backend_util.Conv2DInfo,
  input: boolean,
): Float32Array {
  const {
    batchSize,
    inHeight,
    inWidth,
    inChannels,
    outHeight,
    outWidth,
    outChannels,
    filterHeight,
    filterWidth,
  } = c;
  const mult = outChannels / inChannels;
  const out = new Float32Array(
    input ? batchSize * inHeight * inWidth * inChannels : filterHeight * filterWidth * outChannels,
  );
  for (let b = 0; b < batchSize; b++)
    for (let yR = 0; yR < outHeight; yR++)
      for (let yC = 0; yC < outWidth; yC++) {
        const dyOff = ((b * outHeight + yR) * outWidth + yC) * outChannels;
        for (let wR = 0; wR < filterHeight; wR++) {
          const xR = yR * c.strideHeight + wR * c.dilationHeight - c.padInfo.top;
          if (xR < 0 || xR >= inHeight) continue;
          for (let wC = 0; wC < filterWidth; wC++) {
            const xC = yC * c.strideWidth + wC * c.dilationWidth - c.padInfo.left;
            if (xC < 0 || xC >= inWidth) continue;
            const xOff = ((b * inHeight + xR) * inWidth + xC) * inChannels;
            const wOff = (wR * filterWidth + wC) * outChannels;
            if (mult === 1) {
              // MobileNets' case: channel d only meets channel d, so one flat, branch-free loop.
              if (input) for (let d = 0; d < inChannels; d++) out[xOff + d] += dy[dyOff + d] * a[wOff + d];
              else for (let d = 0; d < inChannels; d++) out[wOff + d] += a[xOff + d] * dy[dyOff + d];
            } else if (input) {
              // a = filter: dx[x] += Σ_q dy[d1*mult+q] · w[d1*mult+q]
              for (let d1 = 0; d1 < inChannels; d1++) {
                let s = 0;
                for (let q = 0; q < mult; q++) s += dy[dyOff + d1 * mult + q] * a[wOff + d1 * mult + q];
                out[xOff + d1] += s;
              }
            } else {
              // a = x: dW[w] += x · dy
              for (let d1 = 0; d1 < inChannels; d1++) {
                const xv = a[xOff + d1];
                if (xv === 0) continue;
                for (let q = 0; q < mult; q++) out[wOff + d1 * mult + q] += xv * dy[dyOff + d1 * mult + q];
              }
            }
          }
        }
      }
  return out;
}

/**
 * For a stride-1, undilated depthwise convolution (multiplier 1) padded the same on every side, the
 * input gradient is the depthwise convolution of dy with the spatially flipped filter, padded
 * k − 1 − pad: wasm's own (XNNPACK) forward kernel, ~20× the scalar loop. The pad, or null.
 */
function symmetricStride1Pad(c: tf.backend_util.Conv2DInfo): number | null {
  const p = c.padInfo;
  const square = c.filterHeight === c.filterWidth && p.top === p.left;
  const symmetric = p.top === p.bottom && p.left === p.right;
  const plain =
    c.strideHeight === 1 && c.strideWidth === 1 && c.dilationHeight === 1 && c.dilationWidth === 1;
  return square && symmetric && plain && c.outChannels === c.inChannels ? c.filterHeight - 1 - p.top : null;
}

function depthwiseTransposed(backend: unknown, dy: TensorInfo, filter: TensorInfo, pad: number): TensorInfo {
  const be = backend as tf.KernelBackend;
  const kernel = (name: string) => tf.getKernel(name, 'wasm')!.kernelFunc;
  const flipped = kernel('Reverse')({
    inputs: { x: filter },
    attrs: { dims: [0, 1] },
    backend: be,
  }) as TensorInfo;
  try {
    return kernel('DepthwiseConv2dNative')({
      inputs: { x: dy, filter: flipped },
      attrs: { strides: [1, 1], pad, dilations: [1, 1], dataFormat: 'NHWC' },
      backend: be,
    }) as TensorInfo;
  } finally {
    be.disposeData(flipped.dataId);
  }
}

/**
 * tfjs' FusedBatchNorm gradient tiles 1/σ to the full activation shape before multiplying (a Tile as
 * large as the activation, per BatchNorm, per step: the largest cost of fine-tuning MobileNetV2's top on
 * wasm). The same sums with broadcasting instead; registered once, for every backend.
 */
let batchNormGradient = false;
function installBatchNormGradient(): void {
  if (batchNormGradient) return;
  batchNormGradient = true;
  tf.registerGradient({
    kernelName: 'FusedBatchNorm',
    inputsToSave: ['x', 'mean', 'variance', 'scale'],
    gradFunc: (dy, saved, attrs) => {
      const { varianceEpsilon } = attrs as unknown as { varianceEpsilon: number };
      const [x, mean, variance, scale] = saved;
      const g = Array.isArray(dy) ? dy[0] : dy;
      const scaleValue = scale ?? tf.scalar(1);
      const axes = tf.backend_util.getReductionAxes(mean.shape, x.shape);
      const sumToMean = (t: tf.Tensor) => tf.reshape(axes.length ? tf.sum(t, axes) : t, mean.shape);
      const rstd = tf.rsqrt(tf.add(variance, tf.scalar(varianceEpsilon)));
      const gScaled = () => tf.mul(g, scaleValue);
      return {
        x: () => tf.reshape(tf.mul(g, tf.mul(rstd, scaleValue)), x.shape),
        mean: () => sumToMean(tf.mul(tf.neg(rstd), gScaled())),
        variance: () => sumToMean(tf.mul(tf.mul(tf.mul(tf.pow(rstd, 3), -0.5), tf.sub(x, mean)), gScaled())),
        scale: () => sumToMean(tf.mul(g, tf.mul(tf.sub(x, mean), rstd))),
        offset: () => sumToMean(g),
      };
    },
  });
}

/**
 * The wasm backend lacks three gradient kernels that fine-tuning conv layers needs. tfjs' cpu versions
 * exist but index through TensorBuffer.get (~30 s for one 1×1 conv gradient at batch 32); these are
 * the same sums over flat typed arrays, registered for wasm. Only channels-last (all our models).
 */
export function installWasmFallbacks(): string[] {
  const installed: string[] = [];
  const reg = (
    kernelName: string,
    fn: (w: WasmLike, inputs: Record<string, TensorInfo>, attrs: Attrs) => TensorInfo,
  ) => {
    if (tf.getKernel(kernelName, 'wasm')) return;
    tf.registerKernel({
      kernelName,
      backendName: 'wasm',
      kernelFunc: ({ inputs, attrs, backend }) =>
        fn(backend as unknown as WasmLike, inputs as Record<string, TensorInfo>, attrs as unknown as Attrs),
    });
    installed.push(kernelName);
  };
  const info = (xShape: Conv4, filterShape: Conv4, a: Attrs, depthwise: boolean) => {
    if (a.dataFormat === 'NCHW')
      throw new Error('channels-first convolutions are not supported on wasm for training');
    return tf.backend_util.computeConv2DInfo(
      xShape,
      filterShape,
      a.strides,
      a.dilations ?? 1,
      a.pad,
      a.dimRoundingMode,
      depthwise,
    );
  };
  reg('Conv2DBackpropFilter', (w, { x, dy }, a) => {
    const c = info(x.shape as Conv4, a.filterShape!, a, false);
    if (isPointwise(c)) {
      // dW[cin, cout] = Σ_positions x[p, cin] · dy[p, cout]
      const positions = c.batchSize * c.inHeight * c.inWidth;
      return matMul(w, x, [positions, c.inChannels], dy, [positions, c.outChannels], 'a', [
        ...a.filterShape!,
      ]);
    }
    return w.makeOutput(
      [...a.filterShape!],
      'float32',
      undefined,
      conv2DBackpropFilter(f32(w, x), f32(w, dy), c),
    );
  });
  reg('DepthwiseConv2dNativeBackpropFilter', (w, { x, dy }, a) => {
    const c = info(x.shape as Conv4, a.filterShape!, a, true);
    const simd = depthwiseFilterGradSimd(w, x, dy, c, [...a.filterShape!]);
    if (simd) return simd;
    return w.makeOutput(
      [...a.filterShape!],
      'float32',
      undefined,
      depthwiseBackprop(f32(w, x), f32(w, dy), c, false),
    );
  });
  reg('DepthwiseConv2dNativeBackpropInput', (w, { dy, filter }, a) => {
    const c = info(a.inputShape!, filter.shape as Conv4, a, true);
    const transposedPad = symmetricStride1Pad(c);
    if (transposedPad !== null) return depthwiseTransposed(w, dy, filter, transposedPad);
    const simd = depthwiseInputGradSimd(w, dy, filter, c, [...a.inputShape!]);
    if (simd) return simd;
    return w.makeOutput(
      [...a.inputShape!],
      'float32',
      undefined,
      depthwiseBackprop(f32(w, filter), f32(w, dy), c, true),
    );
  });
  installBatchNormGradient();
  installed.push(...installWasmFastKernels());
  if (installClipGradient()) installed.push('ClipByValue gradient (one pass)');
  if (installMeanGradient()) installed.push('Mean gradient (ones made by Fill)');
  // wasm has its own Conv2DBackpropInput; for pointwise convolutions the matrix product is faster.
  const nativeInput = tf.getKernel('Conv2DBackpropInput', 'wasm');
  if (nativeInput && !(nativeInput.kernelFunc as { pointwise?: boolean }).pointwise) {
    const kernelFunc: tf.KernelFunc = (args) => {
      const { dy, filter } = args.inputs as Record<string, TensorInfo>;
      const a = args.attrs as unknown as Attrs;
      const c = a.dataFormat === 'NCHW' ? null : info(a.inputShape!, filter.shape as Conv4, a, false);
      if (!c || !isPointwise(c)) return nativeInput.kernelFunc(args);
      // dx[p, cin] = Σ_cout dy[p, cout] · W[cin, cout]
      const positions = c.batchSize * c.inHeight * c.inWidth;
      const w: [number, number] = [c.inChannels, c.outChannels];
      return matMul(args.backend, dy, [positions, c.outChannels], filter, w, 'b', [...a.inputShape!]);
    };
    Object.assign(kernelFunc, { pointwise: true });
    tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
    tf.registerKernel({ ...nativeInput, kernelFunc });
    installed.push('Conv2DBackpropInput (pointwise)');
  }
  return installed;
}
