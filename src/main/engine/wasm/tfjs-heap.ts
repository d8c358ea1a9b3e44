/**
 * Kernels that run on tfjs' own wasm heap: tfjs-backend-wasm keeps every tensor at a byte offset in its
 * module's memory, so a kernel instantiated against that memory reads and writes tensors in place.
 */
import type { Fn } from './asm';
import { compileKernels, instantiate, type WasmMemory, type WasmModule } from './runtime';
import { tf } from '../tf';

/** The parts of tfjs' wasm backend these kernels use. */
export interface WasmHeap {
  dataIdMap: { get(dataId: object): { memoryOffset: number } | undefined };
  wasm: { HEAPU8: Uint8Array; asm?: { memory?: WasmMemory } };
  makeOutput(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: object): boolean;
}

/** A tensor's byte offset in the heap. */
export const offsetOf = (w: WasmHeap, t: tf.TensorInfo): number => w.dataIdMap.get(t.dataId)!.memoryOffset;

/**
 * The kernel `make` writes, compiled once and bound to the backend's memory on first use: a function
 * of byte offsets, or null where it cannot run (no wasm SIMD in this runtime, or no access to the memory).
 */
export function heapKernel<K>(make: () => Fn): (w: WasmHeap) => K | null {
  let module: WasmModule | null | undefined;
  let name = '';
  const bound = new WeakMap<WasmMemory, K>();
  return (w) => {
    const memory = w.wasm.asm?.memory;
    if (!memory) return null;
    if (module === undefined) {
      const fn = make();
      name = fn.exportName;
      module = compileKernels([fn]);
    }
    if (!module) return null;
    let k = bound.get(memory);
    if (!k) {
      k = instantiate(module, memory)[name] as K;
      bound.set(memory, k);
    }
    return k;
  };
}
