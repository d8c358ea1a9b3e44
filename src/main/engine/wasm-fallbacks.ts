import { tf } from './tf';

type TensorInfo = tf.TensorInfo;
interface WasmLike {
  readSync(dataId: object): tf.backend_util.BackendValues;
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

const f32 = (w: WasmLike, t: TensorInfo) => w.readSync(t.dataId) as Float32Array;

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
            if (input) {
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
    return w.makeOutput(
      [...a.filterShape!],
      'float32',
      undefined,
      conv2DBackpropFilter(f32(w, x), f32(w, dy), c),
    );
  });
  reg('DepthwiseConv2dNativeBackpropFilter', (w, { x, dy }, a) => {
    const c = info(x.shape as Conv4, a.filterShape!, a, true);
    return w.makeOutput(
      [...a.filterShape!],
      'float32',
      undefined,
      depthwiseBackprop(f32(w, x), f32(w, dy), c, false),
    );
  });
  reg('DepthwiseConv2dNativeBackpropInput', (w, { dy, filter }, a) => {
    const c = info(a.inputShape!, filter.shape as Conv4, a, true);
    return w.makeOutput(
      [...a.inputShape!],
      'float32',
      undefined,
      depthwiseBackprop(f32(w, filter), f32(w, dy), c, true),
    );
  });
  return installed;
}
