/**
 * Pairs (i, j, similarity) as columns in fixed-size typed chunks: 16 bytes a pair, and growing never
 * copies (a doubling array would hold 1.5–2× while it grows). A 100k-image search of a duplicate-heavy
 * set finds millions of pairs above the threshold before the local margin drops most of them; as
 * `{ i, j, s }` objects in an array they took ~60 bytes each (a quarter of a gigabyte at 4M).
 */
const CHUNK = 1 << 16;

export class PairList {
  private is: Int32Array[] = [];
  private js: Int32Array[] = [];
  private ss: Float64Array[] = [];
  length = 0;

  push(i: number, j: number, s: number): void {
    const c = this.length >>> 16;
    const k = this.length & (CHUNK - 1);
    if (k === 0) {
      this.is.push(new Int32Array(CHUNK));
      this.js.push(new Int32Array(CHUNK));
      this.ss.push(new Float64Array(CHUNK));
    }
    this.is[c][k] = i;
    this.js[c][k] = j;
    this.ss[c][k] = s;
    this.length++;
  }

  /** Visits every pair in the order pushed. */
  forEach(visit: (i: number, j: number, s: number) => void): void {
    for (let c = 0; c < this.is.length; c++) {
      const n = Math.min(CHUNK, this.length - c * CHUNK);
      const [is, js, ss] = [this.is[c], this.js[c], this.ss[c]];
      for (let k = 0; k < n; k++) visit(is[k], js[k], ss[k]);
    }
  }

  /** Each row that is in a pair, once, in the order it first appears. */
  rows(n: number): number[] {
    const seen = new Uint8Array(n);
    const out: number[] = [];
    const see = (r: number) => {
      if (seen[r]) return;
      seen[r] = 1;
      out.push(r);
    };
    this.forEach((i, j) => {
      see(i);
      see(j);
    });
    return out;
  }
}
