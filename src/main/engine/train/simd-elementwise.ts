/**
 * Element-wise wasm SIMD kernels of the fast head trainer (generated with wasm/asm.ts): the optimizer
 * updates (the same formulas as dense-math's scalar ones, and tfjs', in float32) and a kernel's L2 terms.
 * Arguments are byte addresses in the arena's memory (dense-simd.ts) and byte counts (multiples of 16).
 */
import { Fn } from '../wasm/asm';

/**
 * Element-wise optimizer updates over `bytes` bytes (a multiple of 16) of arrays at the given addresses,
 * the same formulas as dense-math's (and tfjs'), in float32.
 */
export function elementwiseKernels(): Fn[] {
  const consts = (f: Fn, values: number[]) =>
    values.map((v) => {
      const l = f.local('v128');
      f.f32(v).splat().set(l);
      return l;
    });
  const splatParam = (f: Fn, param: number) => {
    const l = f.local('v128');
    f.get(param).splat().set(l);
    return l;
  };
  /** Runs `step(o)` for o = 0, 16, … < bytes (o: a local holding the byte offset). */
  const loop = (f: Fn, bytesParam: number, step: (o: number) => void) => {
    const o = f.local('i32');
    f.i32(0).set(o);
    f.get(bytesParam).ifNonZero(() =>
      f.doWhile(
        () => {
          step(o);
          f.inc(o, 16);
        },
        () => f.get(o).get(bytesParam).i32ne(),
      ),
    );
  };
  const at = (f: Fn, base: number, o: number) => f.get(base).get(o).i32add();

  // adam(w, g, m, v, bytes, lr/(1-β1ᵗ), 1/(1-β2ᵗ), ε)
  const adam = new Fn('adam', ['i32', 'i32', 'i32', 'i32', 'i32', 'f32', 'f32', 'f32']);
  {
    const f = adam;
    const [w, g, m, v, bytes] = [0, 1, 2, 3, 4];
    const [lr, invC2, eps] = [5, 6, 7].map((p) => splatParam(f, p));
    const [b1, c1, b2, c2] = consts(f, [0.9, 1 - 0.9, 0.999, 1 - 0.999]);
    const gi = f.local('v128');
    const mi = f.local('v128');
    const vi = f.local('v128');
    loop(f, bytes, (o) => {
      at(f, g, o).load(0).set(gi);
      at(f, m, o).load(0).get(b1).f32x4('mul').get(gi).get(c1).f32x4('mul').f32x4('add').set(mi);
      at(f, v, o).load(0).get(b2).f32x4('mul');
      f.get(gi).get(gi).f32x4('mul').get(c2).f32x4('mul').f32x4('add').set(vi);
      at(f, m, o).get(mi).store(0);
      at(f, v, o).get(vi).store(0);
      at(f, w, o);
      at(f, w, o).load(0);
      f.get(lr).get(mi).f32x4('mul');
      f.get(vi).get(invC2).f32x4('mul').f32x4('sqrt').get(eps).f32x4('add');
      f.f32x4('div').f32x4('sub').store(0);
    });
  }
  // momentum(w, g, acc, bytes, lr, momentum)
  const momentum = new Fn('momentum', ['i32', 'i32', 'i32', 'i32', 'f32', 'f32']);
  {
    const f = momentum;
    const [w, g, acc, bytes] = [0, 1, 2, 3];
    const [lr, mom] = [4, 5].map((p) => splatParam(f, p));
    const ai = f.local('v128');
    loop(f, bytes, (o) => {
      at(f, acc, o).load(0).get(mom).f32x4('mul');
      at(f, g, o).load(0).f32x4('add').set(ai);
      at(f, acc, o).get(ai).store(0);
      at(f, w, o);
      at(f, w, o).load(0).get(lr).get(ai).f32x4('mul').f32x4('sub').store(0);
    });
  }
  // rmsprop(w, g, ms, mom, bytes, lr, ε)
  const rmsprop = new Fn('rmsprop', ['i32', 'i32', 'i32', 'i32', 'i32', 'f32', 'f32']);
  {
    const f = rmsprop;
    const [w, g, ms, mom, bytes] = [0, 1, 2, 3, 4];
    const [lr, eps] = [5, 6].map((p) => splatParam(f, p));
    const [decay, rest] = consts(f, [0.9, 1 - 0.9]);
    const gi = f.local('v128');
    const si = f.local('v128');
    const mo = f.local('v128');
    loop(f, bytes, (o) => {
      at(f, g, o).load(0).set(gi);
      at(f, ms, o).load(0).get(decay).f32x4('mul');
      f.get(gi).get(gi).f32x4('mul').get(rest).f32x4('mul').f32x4('add').set(si);
      at(f, ms, o).get(si).store(0);
      f.get(gi).get(lr).f32x4('mul').get(si).get(eps).f32x4('add').f32x4('sqrt').f32x4('div').set(mo);
      at(f, mom, o).get(mo).store(0);
      at(f, w, o);
      at(f, w, o).load(0).get(mo).f32x4('sub').store(0);
    });
  }
  // axpy(y, x, bytes, a): y += a·x (a kernel's L2 gradient term)
  const axpy = new Fn('axpy', ['i32', 'i32', 'i32', 'f32']);
  {
    const f = axpy;
    const a = splatParam(f, 3);
    loop(f, 2, (o) => {
      at(f, 0, o);
      at(f, 0, o).load(0).get(a);
      at(f, 1, o).load(0).f32x4('mul').f32x4('add').store(0);
    });
  }
  // sumSquares(x, bytes): Σ x² (squares in float32, summed in float64: a kernel's L2 loss term)
  const sumSquares = new Fn('sumSquares', ['i32', 'i32'], ['f64']);
  {
    const f = sumSquares;
    const acc = f.local('v128');
    const sq = f.local('v128');
    f.zero().set(acc);
    loop(f, 1, (o) => {
      at(f, 0, o).load(0);
      at(f, 0, o).load(0).f32x4('mul').set(sq);
      f.get(acc).get(sq).promoteLow().f64x2add();
      f.get(sq).get(sq).highToLow().promoteLow().f64x2add().set(acc);
    });
    f.get(acc).f64x2lane(0).get(acc).f64x2lane(1).f64add();
  }
  return [adam, momentum, rmsprop, axpy, sumSquares];
}

export interface OptimizerKernels {
  adam(w: number, g: number, m: number, v: number, bytes: number, lr: number, ic2: number, eps: number): void;
  momentum(w: number, g: number, acc: number, bytes: number, lr: number, momentum: number): void;
  rmsprop(w: number, g: number, ms: number, mom: number, bytes: number, lr: number, eps: number): void;
  axpy(y: number, x: number, bytes: number, a: number): void;
  sumSquares(x: number, bytes: number): number;
}
