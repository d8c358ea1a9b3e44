/**
 * Screening candidate pairs by dot product with WebAssembly SIMD (f32x4, two accumulators): plain
 * JavaScript does ~0.7e9 multiply-adds a second, this ~4× that, and a 100k-image search screens ~1e10.
 * The kernel is a few dozen instructions, written out byte by byte and wrapped into a module by the
 * engine's small assembler (wasm/asm.ts; no toolchain, nothing to download).
 *
 * float32 sums round: a screen keeps a pair when its sum is ≥ t, and callers pass t lowered by more than
 * the worst-case error (len · 2⁻²³ for rows of norm ≤ 1: 1.6e-4 at 1280 — they pass 2e-4 below their
 * bound and re-check survivors exactly in float64), so a screen never drops a pair that passes exactly.
 *
 * Rows live in one WebAssembly.Memory sized when the arena is made (it never grows: growing would
 * detach every view handed out), allocated by a bump allocator, 32-byte aligned, row stride a multiple
 * of 8 floats (zero padding adds nothing to a dot product).
 */
import { Fn } from '../wasm/asm';
import { compileKernels, fixedMemory, instantiate, type WasmMemory, type WasmModule } from '../wasm/runtime';

/** Every LEB128 here is < 128 except the two SIMD arithmetic opcodes (spelled out). */
const V128_ZERO = [0xfd, 0x0c, ...new Array<number>(16).fill(0)];
const F32X4_MUL = [0xfd, 0xe6, 0x01];
const F32X4_ADD = [0xfd, 0xe4, 0x01];
const get = (i: number) => [0x20, i];
const set = (i: number) => [0x21, i];
const tee = (i: number) => [0x22, i];
const i32c = (v: number) => [0x41, v];
const I32_ADD = 0x6a;
const I32_MUL = 0x6c;
const I32_SHL = 0x74;
const I32_GE_U = 0x4f;
const v128Load = (offset: number) => [0xfd, 0x00, 0x04, offset];
const lane = (l: number) => [0xfd, 0x1f, l];

// filter(pairs, count, base, stride, len, t) -> kept. Locals: p 6, kept 7, a 8, b 9, e 10, i 11, j 12,
// acc0 13, acc1 14. Keeps (in place, in order) the pairs (i, j) whose rows' dot product is ≥ t.
// prettier-ignore
const BODY = [
  ...[0x02, 0x40, 0x03, 0x40], // block, loop (over pairs)
  ...get(6), ...get(1), I32_GE_U, 0x0d, 1,
  ...get(0), ...get(6), ...i32c(3), I32_SHL, I32_ADD, ...tee(10),
  ...[0x28, 0x02, 0x00], ...set(11), // i = pairs[2p]
  ...get(10), ...[0x28, 0x02, 0x04], ...set(12), // j = pairs[2p + 1]
  ...get(2), ...get(11), ...get(3), I32_MUL, I32_ADD, ...set(8), // a = base + i·stride
  ...get(2), ...get(12), ...get(3), I32_MUL, I32_ADD, ...set(9), // b = base + j·stride
  ...get(8), ...get(4), ...i32c(2), I32_SHL, I32_ADD, ...set(10), // e = a + 4·len
  ...V128_ZERO, ...set(13), ...V128_ZERO, ...set(14),
  ...[0x02, 0x40, 0x03, 0x40], // block, loop (over 8 floats at a time)
  ...get(8), ...get(10), I32_GE_U, 0x0d, 1,
  ...get(13), ...get(8), ...v128Load(0), ...get(9), ...v128Load(0), ...F32X4_MUL, ...F32X4_ADD, ...set(13),
  ...get(14), ...get(8), ...v128Load(16), ...get(9), ...v128Load(16), ...F32X4_MUL, ...F32X4_ADD, ...set(14),
  ...get(8), ...i32c(32), I32_ADD, ...set(8),
  ...get(9), ...i32c(32), I32_ADD, ...set(9),
  ...[0x0c, 0, 0x0b, 0x0b], // br loop, end, end
  ...get(13), ...get(14), ...F32X4_ADD, ...tee(13), ...lane(0),
  ...get(13), ...lane(1), 0x92, ...get(13), ...lane(2), 0x92, ...get(13), ...lane(3), 0x92,
  ...get(5), 0x60, // f32.ge
  ...[0x04, 0x40], // if: pairs[2·kept] = i, pairs[2·kept + 1] = j, kept++
  ...get(0), ...get(7), ...i32c(3), I32_SHL, I32_ADD, ...tee(10), ...get(11), ...[0x36, 0x02, 0x00],
  ...get(10), ...get(12), ...[0x36, 0x02, 0x04],
  ...get(7), ...i32c(1), I32_ADD, ...set(7),
  0x0b,
  ...get(6), ...i32c(1), I32_ADD, ...set(6),
  ...[0x0c, 0, 0x0b, 0x0b], // br loop, end, end
  ...get(7),
];

function filterKernel(): Fn {
  const fn = new Fn('filter', ['i32', 'i32', 'i32', 'i32', 'i32', 'f32'], ['i32']);
  for (let i = 0; i < 7; i++) fn.local('i32');
  fn.local('v128');
  fn.local('v128');
  return fn.raw(BODY);
}

type Filter = (pairs: number, count: number, base: number, stride: number, len: number, t: number) => number;

let compiled: WasmModule | null | undefined;
function wasmModule(): WasmModule | null {
  // null: no SIMD in this runtime, callers use JavaScript
  if (compiled === undefined) compiled = compileKernels([filterKernel()]);
  return compiled;
}

const PAGE = 65536;
/** Largest arena: wasm32 memory is at most 4 GiB. */
const MAX_BYTES = 4 * 1024 ** 3 - PAGE;

export class DotArena {
  private used = 0;
  private constructor(
    private readonly memory: WasmMemory,
    private readonly run: Filter,
  ) {}

  /** An arena of at least `bytes`, or null when WebAssembly SIMD is unavailable or it is too large. */
  static create(bytes: number): DotArena | null {
    const mod = wasmModule();
    if (!mod || bytes > MAX_BYTES) return null;
    const pages = Math.max(1, Math.ceil(bytes / PAGE));
    try {
      const memory = fixedMemory(pages);
      return new DotArena(memory, instantiate(mod, memory).filter as Filter);
    } catch {
      return null; // no memory for it (RangeError): the plain JavaScript path needs none extra
    }
  }

  /** Bytes an allocation of `count` elements takes (with its alignment). */
  static bytes(count: number, elementBytes = 4): number {
    return Math.ceil((count * elementBytes) / 32) * 32;
  }

  /** Rows of `len` floats padded to a multiple of 8 (what `filter` needs). */
  static stride(len: number): number {
    return Math.ceil(len / 8) * 8;
  }

  floats(count: number): Float32Array {
    return new Float32Array(this.memory.buffer, this.take(count * 4), count);
  }

  ints(count: number): Int32Array {
    return new Int32Array(this.memory.buffer, this.take(count * 4), count);
  }

  private take(bytes: number): number {
    const at = this.used;
    const size = DotArena.bytes(bytes, 1);
    if (at + size > this.memory.buffer.byteLength) throw new Error('dot arena: out of space');
    this.used += size;
    return at;
  }

  /** Where the next allocation goes: `release(mark)` frees everything allocated since. */
  mark(): number {
    return this.used;
  }

  release(mark: number): void {
    // Later searches get zeroed memory, as a fresh allocation would.
    new Uint8Array(this.memory.buffer, mark, this.used - mark).fill(0);
    this.used = mark;
  }

  owns(a: Float32Array | Int32Array): boolean {
    return a.buffer === this.memory.buffer;
  }

  /**
   * Keeps, in place and in order, the first `count` pairs (i, j) of `pairs` (flat [i, j, i, j, …]) whose
   * rows of `rows` (stride floats apart, the first `len` compared; stride and len multiples of 8) have a
   * float32 dot product ≥ t. Returns how many it kept.
   */
  filter(
    pairs: Int32Array,
    count: number,
    rows: Float32Array,
    stride: number,
    len: number,
    t: number,
  ): number {
    if (!this.owns(pairs) || !this.owns(rows)) throw new Error('dot arena: arrays must be its own');
    if (stride % 8 || len % 8 || len > stride)
      throw new Error('dot arena: stride and len must be multiples of 8');
    if (count * 2 > pairs.length) throw new Error('dot arena: more pairs than the buffer holds');
    return this.run(pairs.byteOffset, count, rows.byteOffset, stride * 4, len, t);
  }
}
