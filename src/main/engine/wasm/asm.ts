/**
 * A minimal WebAssembly assembler: enough to emit small SIMD kernels (i32 and v128 locals, loops, loads,
 * stores, f32x4 arithmetic) as a module that imports its memory. Kernels are generated per shape, so
 * strides and unrolling are constants in the code (memory offsets as immediates, no index arithmetic).
 * Opcodes from the WebAssembly core and fixed-width SIMD specifications.
 */

export type ValType = 'i32' | 'f32' | 'f64' | 'v128';
const TYPE: Record<ValType, number> = { i32: 0x7f, f32: 0x7d, f64: 0x7c, v128: 0x7b };

function uleb(n: number): number[] {
  const out: number[] = [];
  do {
    let b = n & 0x7f;
    n >>>= 7;
    if (n) b |= 0x80;
    out.push(b);
  } while (n);
  return out;
}

function sleb(n: number): number[] {
  const out: number[] = [];
  for (;;) {
    const b = n & 0x7f;
    n >>= 7;
    if ((n === 0 && !(b & 0x40)) || (n === -1 && b & 0x40)) {
      out.push(b);
      return out;
    }
    out.push(b | 0x80);
  }
}

const vec = (items: number[][]) => [...uleb(items.length), ...items.flat()];
const name = (s: string) => vec([...s].map((c) => [c.charCodeAt(0)]));
const section = (id: number, body: number[]) => [id, ...uleb(body.length), ...body];

/** f32x4 operations by name (SIMD opcode after the 0xfd prefix). */
const F32X4 = { add: 0xe4, sub: 0xe5, mul: 0xe6, div: 0xe7, sqrt: 0xe3, max: 0xe9 } as const;
/** f32x4 lane comparisons: each lane all ones (true) or all zeros. */
const F32X4_CMP = { eq: 0x41, ne: 0x42, lt: 0x43, gt: 0x44, le: 0x45, ge: 0x46 } as const;

/** One function's body, written as a sequence of instructions on numbered locals. */
export class Fn {
  readonly code: number[] = [];
  private readonly locals: ValType[] = [];
  constructor(
    readonly exportName: string,
    readonly params: ValType[],
    readonly results: ValType[] = [],
  ) {}

  /** A new local of type `t` (numbered after the parameters). */
  local(t: ValType): number {
    this.locals.push(t);
    return this.params.length + this.locals.length - 1;
  }

  private op(...bytes: number[]): this {
    this.code.push(...bytes);
    return this;
  }
  private simd(op: number, ...rest: number[]): this {
    return this.op(0xfd, ...uleb(op), ...rest);
  }

  get(i: number) {
    return this.op(0x20, ...uleb(i));
  }
  set(i: number) {
    return this.op(0x21, ...uleb(i));
  }
  i32(v: number) {
    return this.op(0x41, ...sleb(v | 0));
  }
  f32(v: number) {
    const b = new Uint8Array(new Float32Array([v]).buffer);
    return this.op(0x43, ...b);
  }
  i32add() {
    return this.op(0x6a);
  }
  i32mul() {
    return this.op(0x6c);
  }
  i32ne() {
    return this.op(0x47);
  }
  i32ltU() {
    return this.op(0x49);
  }
  /** `local += by` for an i32 local. */
  inc(i: number, by: number) {
    return this.get(i).i32(by).i32add().set(i);
  }
  /** v128.load of 4 floats at address (on the stack) + offset. */
  load(offset: number) {
    return this.simd(0x00, 2, ...uleb(offset));
  }
  store(offset: number) {
    return this.simd(0x0b, 2, ...uleb(offset));
  }
  /** One float at address + offset, in all four lanes. */
  loadSplat(offset: number) {
    return this.simd(0x09, 2, ...uleb(offset));
  }
  /** An f32 (on the stack) in all four lanes. */
  splat() {
    return this.simd(0x13);
  }
  zero() {
    return this.simd(0x0c, ...new Array<number>(16).fill(0));
  }
  f32x4(op: keyof typeof F32X4) {
    return this.simd(F32X4[op]);
  }
  f32x4cmp(op: keyof typeof F32X4_CMP) {
    return this.simd(F32X4_CMP[op]);
  }
  /** Bitwise and of two v128 (a comparison's mask keeps a lane's bits or zeroes them). */
  and() {
    return this.simd(0x4e);
  }
  /** Lanes 0 and 1 of an f32x4 as an f64x2. */
  promoteLow() {
    return this.simd(0x5f);
  }
  /** Lanes 2 and 3 of an f32x4 moved to lanes 0 and 1 (a shuffle: the vector must be on the stack twice). */
  highToLow() {
    return this.simd(0x0d, 8, 9, 10, 11, 12, 13, 14, 15, 8, 9, 10, 11, 12, 13, 14, 15);
  }
  f64x2add() {
    return this.simd(0xf0);
  }
  f64x2lane(lane: number) {
    return this.simd(0x21, lane);
  }
  f64add() {
    return this.op(0xa0);
  }
  /** loop … br_if (condition computed by `cond`) end: runs `body` while `cond` leaves non-zero. */
  doWhile(body: () => void, cond: () => void) {
    this.op(0x03, 0x40);
    body();
    cond();
    return this.op(0x0d, 0).op(0x0b);
  }
  /**
   * For each of `rows` rows (an i32 parameter or local, counted down to 0): `body(i)` for the byte offset
   * i = 0, 16, … < `bytes` (a non-zero multiple of 16; an i32 parameter or local), then `next()`.
   */
  forRows(rows: number, bytes: number, body: (i: number) => void, next: () => void) {
    const i = this.local('i32');
    return this.get(rows).ifNonZero(() =>
      this.doWhile(
        () => {
          this.i32(0).set(i);
          this.doWhile(
            () => {
              body(i);
              this.inc(i, 16);
            },
            () => this.get(i).get(bytes).i32ne(),
          );
          next();
          this.inc(rows, -1);
        },
        () => this.get(rows),
      ),
    );
  }

  /** Instructions already encoded (a kernel written out byte by byte). */
  raw(bytes: readonly number[]): this {
    return this.op(...bytes);
  }

  /** block (if the top of the stack is zero, skip `body`) end. */
  ifNonZero(body: () => void) {
    this.op(0x04, 0x40);
    body();
    return this.op(0x0b);
  }

  encode(): number[] {
    const groups = this.locals.map((t) => [1, TYPE[t]]);
    const body = [...vec(groups), ...this.code, 0x0b];
    return [...uleb(body.length), ...body];
  }
}

/** A module of `fns` importing its memory as env.memory. */
export function assemble(fns: Fn[]): Uint8Array {
  const types = section(
    1,
    vec(
      fns.map((f) => [0x60, ...vec(f.params.map((p) => [TYPE[p]])), ...vec(f.results.map((r) => [TYPE[r]]))]),
    ),
  );
  const imports = section(2, vec([[...name('env'), ...name('memory'), 0x02, 0x00, 1]]));
  const funcs = section(3, vec(fns.map((_, i) => uleb(i))));
  const exports = section(7, vec(fns.map((f, i) => [...name(f.exportName), 0x00, ...uleb(i)])));
  const code = section(10, vec(fns.map((f) => f.encode())));
  return Uint8Array.from([
    0,
    0x61,
    0x73,
    0x6d,
    1,
    0,
    0,
    0,
    ...types,
    ...imports,
    ...funcs,
    ...exports,
    ...code,
  ]);
}
