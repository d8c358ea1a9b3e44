/**
 * WebAssembly SIMD kernels for the fast head trainer, working in place on arrays that live in one
 * wasm memory (an arena): the head's weights, optimizer state, batch and workspace stay there for a
 * whole training phase, so a product is one call with no copies. Through tfjs' wasm backend each
 * product copied both operands into its heap, XNNPACK repacked the (changing) weight matrix on every
 * call, and the result was copied out; the optimizer update ran in scalar JS at ~8 ns per weight.
 *
 * The products are generated per shape (wasm/asm.ts): strides and unrolled block offsets are constants.
 * The arithmetic is float32 with a different summation order than XNNPACK's, so results agree with the
 * tfjs path within float tolerance (as they did before), not bit for bit.
 */
import { Fn } from '../wasm/asm';
import { compileKernels, fixedMemory, instantiate, type WasmMemory, type WasmModule } from '../wasm/runtime';
import { elementwiseKernels, type OptimizerKernels } from './simd-elementwise';

export type { OptimizerKernels } from './simd-elementwise';

/** Rows × 4-float vectors of an output block held in registers (x64 has 16 vector registers). */
const NN_ROWS = 4;
const NN_VECS = 2;
const TN_ROWS = 4;
const TN_VECS = 2;

/** out[R × 4V block] += Σ_p splat(a[r, p]) · b[p, vector v], the products shared by both kernels. */
function block(
  f: Fn,
  acc: number[][],
  loads: () => void,
  splatRow: (r: number) => void,
  vecOf: (v: number) => void,
) {
  const V = acc[0].length;
  const bv = Array.from({ length: V }, () => f.local('v128'));
  const s = f.local('v128');
  loads();
  for (let v = 0; v < V; v++) {
    vecOf(v);
    f.set(bv[v]);
  }
  acc.forEach((row, r) => {
    splatRow(r);
    f.set(s);
    row.forEach((a, v) => f.get(a).get(s).get(bv[v]).f32x4('mul').f32x4('add').set(a));
  });
}

/** Column blocks of `vecs` vectors covering u/4 vectors, then single-vector blocks for the rest. */
function columnBlocks(u4: number, vecs: number): { j: number; V: number }[] {
  const out: { j: number; V: number }[] = [];
  let v = 0;
  for (; v + vecs <= u4; v += vecs) out.push({ j: v * 16, V: vecs });
  for (; v < u4; v++) out.push({ j: v * 16, V: 1 });
  return out;
}

/**
 * nn_R(a, b, c): c[R × u] = a[R × k] · b[k × u] (row-major, byte addresses) for R = NN_ROWS and R = 1.
 * The caller walks the rows of a batch in blocks.
 */
function nnKernel(k: number, u: number, R: number): Fn {
  const f = new Fn(`nn${R}`, ['i32', 'i32', 'i32']);
  const [a, b, c] = [0, 1, 2];
  const pa = f.local('i32');
  const pb = f.local('i32');
  const end = f.local('i32');
  for (const { j, V } of columnBlocks(u / 4, NN_VECS)) {
    const acc = Array.from({ length: R }, () => Array.from({ length: V }, () => f.local('v128')));
    acc.flat().forEach((x) => f.zero().set(x));
    f.get(a).set(pa);
    f.get(b).i32(j).i32add().set(pb);
    f.get(a)
      .i32(k * 4)
      .i32add()
      .set(end);
    f.doWhile(
      () => {
        block(
          f,
          acc,
          () => {},
          (r) => f.get(pa).loadSplat(r * k * 4),
          (v) => f.get(pb).load(v * 16),
        );
        f.inc(pa, 4).inc(pb, u * 4);
      },
      () => f.get(pa).get(end).i32ne(),
    );
    acc.forEach((row, r) =>
      row.forEach((x, v) =>
        f
          .get(c)
          .get(x)
          .store(r * u * 4 + j + v * 16),
      ),
    );
  }
  return f;
}

/** tn(a, b, c, n): c[k × u] = a[n × k]ᵀ · b[n × u], blocks of TN_ROWS rows of c (k % 4 = 0). */
function tnKernel(k: number, u: number): Fn {
  const f = new Fn('tn', ['i32', 'i32', 'i32', 'i32']);
  const [a, b, c, n] = [0, 1, 2, 3];
  const p = f.local('i32'); // byte offset of the block's first column of a
  const row = f.local('i32'); // address of the block's first row of c
  const span = f.local('i32'); // n · k · 4
  const pa = f.local('i32');
  const pb = f.local('i32');
  const end = f.local('i32');
  const R = TN_ROWS;
  f.get(n)
    .i32(k * 4)
    .i32mul()
    .set(span);
  f.i32(0).set(p);
  f.get(c).set(row);
  f.doWhile(
    () => {
      for (const { j, V } of columnBlocks(u / 4, TN_VECS)) {
        const acc = Array.from({ length: R }, () => Array.from({ length: V }, () => f.local('v128')));
        acc.flat().forEach((x) => f.zero().set(x));
        f.get(a).get(p).i32add().set(pa);
        f.get(b).i32(j).i32add().set(pb);
        f.get(pa).get(span).i32add().set(end);
        f.doWhile(
          () => {
            block(
              f,
              acc,
              () => {},
              (r) => f.get(pa).loadSplat(r * 4),
              (v) => f.get(pb).load(v * 16),
            );
            f.inc(pa, k * 4).inc(pb, u * 4);
          },
          () => f.get(pa).get(end).i32ne(),
        );
        acc.forEach((r, ri) =>
          r.forEach((x, v) =>
            f
              .get(row)
              .get(x)
              .store(ri * u * 4 + j + v * 16),
          ),
        );
      }
      f.inc(p, R * 4).inc(row, R * u * 4);
    },
    () =>
      f
        .get(p)
        .i32(k * 4)
        .i32ne(),
  );
  return f;
}

interface ProductKernels {
  [nn: `nn${number}`]: (a: number, b: number, c: number) => void;
  tn(a: number, b: number, c: number, n: number): void;
}

const modules = new Map<string, WasmModule | null>();

/** The kernels `make` builds, compiled once per key; null where this runtime has no wasm SIMD. */
function compiledOrNull(key: string, make: () => Fn[]): WasmModule | null {
  if (!modules.has(key)) modules.set(key, compileKernels(make()));
  return modules.get(key)!;
}

function compiled(key: string, make: () => Fn[]): WasmModule {
  const m = compiledOrNull(key, make);
  if (!m) throw new Error('WebAssembly SIMD is not available');
  return m;
}

/** Whether this runtime runs wasm SIMD (Node ≥ 16.4 does; checked once by compiling the kernels). */
export const simdSupported = (): boolean => compiledOrNull('opt', elementwiseKernels) !== null;

const arenas = new WeakMap<ArrayBuffer, SimdArena>();
const KEEP_BYTES = 64 * 1024 ** 2;
const free: SimdArena[] = [];

/**
 * One wasm memory holding a training phase's arrays, with the kernels bound to it. Never grown (that
 * would detach every view), so it is sized for the phase up front; untouched pages cost nothing.
 */
export class SimdArena {
  private readonly memory: WasmMemory;
  private top = 0;
  private readonly products = new Map<string, ProductKernels>();
  readonly opt: OptimizerKernels;

  private constructor(readonly bytes: number) {
    const pages = Math.ceil(bytes / 65536);
    this.memory = fixedMemory(pages);
    this.opt = this.instance(compiled('opt', elementwiseKernels)) as unknown as OptimizerKernels;
    arenas.set(this.memory.buffer, this);
  }

  /** An arena of at least `bytes` (a released one when one is large enough); release() it after use. */
  static acquire(bytes: number): SimdArena {
    const i = free.findIndex((a) => a.bytes >= bytes);
    const arena = i >= 0 ? free.splice(i, 1)[0] : new SimdArena(bytes);
    arena.top = 0;
    return arena;
  }

  /**
   * Hands the arena back for reuse (its arrays must no longer be used): cross-validation trains dozens of
   * heads, and a reused arena's pages are already mapped. Keeps the two largest up to KEEP_BYTES (a big
   * custom head's arena is left to the garbage collector rather than held by a long-lived engine).
   */
  release(): void {
    if (this.bytes > KEEP_BYTES) return;
    free.push(this);
    free.sort((x, y) => y.bytes - x.bytes);
    free.length = Math.min(free.length, 2);
  }

  /** The arena holding every one of these arrays, if one does. */
  static of(...arrays: Float32Array[]): SimdArena | null {
    const arena = arenas.get(arrays[0].buffer as ArrayBuffer);
    return arena && arrays.every((a) => a.buffer === arrays[0].buffer) ? arena : null;
  }

  /** A zeroed float array of `size` in the arena, 16-byte aligned. */
  alloc(size: number): Float32Array {
    const at = this.top;
    const end = at + Math.ceil((size * 4) / 16) * 16;
    if (end > this.bytes) throw new Error(`SIMD arena of ${this.bytes} bytes is full`);
    this.top = end;
    return new Float32Array(this.memory.buffer, at, size).fill(0);
  }

  /** alloc(), or a heap array when the arena is full (correct, only without the SIMD kernels). */
  allocOrHeap(size: number): Float32Array {
    return this.top + size * 4 <= this.bytes ? this.alloc(size) : new Float32Array(size);
  }

  private instance(m: WasmModule): object {
    return instantiate(m, this.memory);
  }

  /** c[m × n] = a[m × k] · b[k × n] (k and n multiples of 4). */
  nn(a: Float32Array, b: Float32Array, c: Float32Array, m: number, k: number, n: number): void {
    const p = this.productKernels(k, n);
    const rowA = k * 4 * NN_ROWS;
    const rowC = n * 4 * NN_ROWS;
    let i = 0;
    for (let pa = a.byteOffset, pc = c.byteOffset; i + NN_ROWS <= m; i += NN_ROWS, pa += rowA, pc += rowC)
      p[`nn${NN_ROWS}`](pa, b.byteOffset, pc);
    for (; i < m; i++) p.nn1(a.byteOffset + i * k * 4, b.byteOffset, c.byteOffset + i * n * 4);
  }

  /** c[k × n] = a[m × k]ᵀ · b[m × n] (k and n multiples of 4, m ≥ 1). */
  tn(a: Float32Array, b: Float32Array, c: Float32Array, m: number, k: number, n: number): void {
    this.productKernels(k, n).tn(a.byteOffset, b.byteOffset, c.byteOffset, m);
  }

  private productKernels(k: number, u: number): ProductKernels {
    const key = `${k}x${u}`;
    let p = this.products.get(key);
    if (!p) {
      const module = compiled(key, () => [nnKernel(k, u, NN_ROWS), nnKernel(k, u, 1), tnKernel(k, u)]);
      p = this.instance(module) as unknown as ProductKernels;
      this.products.set(key, p);
    }
    return p;
  }
}

/** Whether the SIMD products take an inner size k and output width n (else the caller's own path). */
export const simdShape = (k: number, n: number) => k % 4 === 0 && n % 4 === 0 && k > 0 && n > 0;
