/**
 * The little of the WebAssembly API our kernels use (the Node typings this project compiles with, without
 * the DOM lib, declare none): compile an assembled module, make a memory, bind a module to a memory.
 */
import { assemble, type Fn } from './asm';

export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}
export type WasmModule = { readonly wasmModule: unique symbol };

interface WasmApi {
  Module: new (bytes: Uint8Array) => WasmModule;
  Memory: new (d: { initial: number; maximum: number }) => WasmMemory;
  Instance: new (m: WasmModule, imports: object) => { exports: Record<string, unknown> };
}
const wasm = (globalThis as unknown as { WebAssembly: WasmApi }).WebAssembly;

/** `fns` assembled and compiled, or null where this runtime cannot (no SIMD): callers fall back to JS. */
export function compileKernels(fns: Fn[]): WasmModule | null {
  try {
    return new wasm.Module(assemble(fns));
  } catch {
    return null;
  }
}

/** A memory of a fixed size (never grown: growing detaches every view of it). */
export const fixedMemory = (pages: number): WasmMemory => new wasm.Memory({ initial: pages, maximum: pages });

/** The module's exports, bound to `memory` (imported as env.memory). */
export const instantiate = (m: WasmModule, memory: WasmMemory): Record<string, unknown> =>
  new wasm.Instance(m, { env: { memory } }).exports;
