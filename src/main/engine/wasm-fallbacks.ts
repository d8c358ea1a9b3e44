import { tf } from './tf';

type TensorInfo = tf.TensorInfo;
interface WasmLike {
  readSync(dataId: object): tf.backend_util.BackendValues;
  makeOutput(shape: number[], dtype: tf.DataType, memoryOffset?: number, values?: tf.backend_util.BackendValues): TensorInfo;
}
interface CpuLike {
  makeTensorInfo(shape: number[], dtype: tf.DataType, values?: tf.backend_util.BackendValues): TensorInfo;
  readSync(dataId: object): tf.backend_util.BackendValues;
  disposeData(dataId: object, force?: boolean): boolean;
}

/** The wasm backend lacks these gradient kernels; fine-tuning conv layers needs them. */
const BRIDGED = ['Conv2DBackpropFilter', 'DepthwiseConv2dNativeBackpropFilter', 'DepthwiseConv2dNativeBackpropInput'];

/**
 * Register wasm kernels that run the cpu backend's implementation: copy inputs out of the wasm heap,
 * run the cpu kernel, copy the result back. Slower than native but exact, and only on the backward pass.
 * Returns the kernel names bridged.
 */
export function installWasmFallbacks(): string[] {
  const installed: string[] = [];
  const cpu = tf.findBackend('cpu') as unknown as CpuLike | null;
  if (!cpu) return installed;
  for (const kernelName of BRIDGED) {
    if (tf.getKernel(kernelName, 'wasm')) continue;
    const cpuKernel = tf.getKernel(kernelName, 'cpu');
    if (!cpuKernel) continue;
    tf.registerKernel({
      kernelName,
      backendName: 'wasm',
      kernelFunc: ({ inputs, attrs, backend }) => {
        const wasm = backend as unknown as WasmLike;
        const cpuInputs: Record<string, TensorInfo> = {};
        for (const [k, t] of Object.entries(inputs)) {
          if (!t) continue;
          cpuInputs[k] = cpu.makeTensorInfo(t.shape, t.dtype, wasm.readSync(t.dataId));
        }
        const out = cpuKernel.kernelFunc({
          inputs: cpuInputs,
          attrs,
          backend: cpu as unknown as tf.KernelBackend,
        }) as TensorInfo;
        try {
          return wasm.makeOutput(out.shape, out.dtype, undefined, cpu.readSync(out.dataId));
        } finally {
          for (const t of Object.values(cpuInputs)) cpu.disposeData(t.dataId, true);
          cpu.disposeData(out.dataId, true);
        }
      },
    });
    installed.push(kernelName);
  }
  return installed;
}
