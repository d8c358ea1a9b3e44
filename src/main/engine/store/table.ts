import { CodedError } from '@shared/errors';
import { DTYPE, type Dtype } from './format';
import { decodeHalf, encodeHalf, fitsHalf } from './half';
import type { Precision } from './store';
import type { Loc, StoreSet } from './set';

/** A feature vector encoded as stored: float16 where it fits (and the set allows it), else float32. */
export interface Encoded {
  dtype: Dtype;
  bytes: Uint8Array;
}

export function encodeVector(v: Float32Array, precision: Precision): Encoded {
  if (precision === 'float16' && fitsHalf(v)) {
    const h = encodeHalf(v);
    return { dtype: DTYPE.f16, bytes: new Uint8Array(h.buffer, h.byteOffset, h.byteLength) };
  }
  return { dtype: DTYPE.f32, bytes: new Uint8Array(v.buffer, v.byteOffset, v.byteLength) };
}

/** A stored record failed its check after extraction (damaged mid-run): this run stops; the next recomputes. */
export class FeatureStoreCorruptError extends CodedError {
  override name = 'FeatureStoreCorruptError';
  constructor(message: string) {
    super('IO_ERROR', message);
  }
}

/** Decodes a stored payload (any alignment) into `out[outOffset…]`. */
export function decodeInto(
  dtype: Dtype,
  buf: Uint8Array,
  at: number,
  n: number,
  out: Float32Array,
  outOffset: number,
) {
  if (dtype === DTYPE.f16) {
    const src =
      (buf.byteOffset + at) % 2 === 0
        ? new Uint16Array(buf.buffer, buf.byteOffset + at, n)
        : new Uint16Array(buf.slice(at, at + n * 2).buffer);
    decodeHalf(src, 0, n, out, outOffset);
  } else {
    new Uint8Array(out.buffer, out.byteOffset + outOffset * 4, n * 4).set(buf.subarray(at, at + n * 4));
  }
}

/**
 * Feature vectors by row (one row per image view), as training reads them: a batch of rows decoded into
 * one float32 buffer.
 */
export interface FeatureTable {
  readonly mode: 'memory' | 'stream';
  readonly rows: number;
  readonly vectorSize: number;
  /** Stored bytes per row (float16 or float32), for sizing sequential reads. */
  readonly storedBytesPerRow: number;
  /** Decodes rows[j] into out[j·vectorSize…]. */
  read(rows: ArrayLike<number>, out: Float32Array): Promise<void>;
  /** Where a row lies on disk (stream mode; row order in memory mode): reading in this order is sequential. */
  position(row: number): number;
  /** Persists anything learned while reading (records found damaged). */
  close(): Promise<void>;
}

/**
 * Rows held in memory exactly as stored (float16 arena, float32 for the rare row outside float16's
 * range), so a cold run, a warm run and a run without a store train on identical numbers.
 */
export class MemoryTable implements FeatureTable {
  readonly mode = 'memory';
  readonly storedBytesPerRow: number;
  private half: Uint16Array | null;
  private full: Float32Array | null;
  private wide = new Map<number, Float32Array>();

  constructor(
    readonly rows: number,
    readonly vectorSize: number,
    precision: Precision,
  ) {
    this.half = precision === 'float16' ? new Uint16Array(rows * vectorSize) : null;
    this.full = precision === 'float32' ? new Float32Array(rows * vectorSize) : null;
    this.storedBytesPerRow = vectorSize * (this.half ? 2 : 4);
  }

  set(row: number, dtype: Dtype, buf: Uint8Array, at = 0) {
    const n = this.vectorSize;
    if (this.half && dtype === DTYPE.f16)
      new Uint8Array(this.half.buffer, row * n * 2, n * 2).set(buf.subarray(at, at + n * 2));
    else if (this.full) decodeInto(dtype, buf, at, n, this.full, row * n);
    else {
      const v = new Float32Array(n);
      decodeInto(dtype, buf, at, n, v, 0);
      this.wide.set(row, v);
    }
  }

  async read(rows: ArrayLike<number>, out: Float32Array): Promise<void> {
    const n = this.vectorSize;
    if (!this.half && !this.full) throw new Error('the feature table was closed');
    for (let j = 0; j < rows.length; j++) {
      const r = rows[j];
      const wide = this.wide.get(r);
      if (wide) out.set(wide, j * n);
      else if (this.half) decodeHalf(this.half, r * n, n, out, j * n);
      else out.set(this.full!.subarray(r * n, (r + 1) * n), j * n);
    }
  }

  position(row: number): number {
    return row;
  }

  /** Frees the rows (at 100k pooled float16 vectors, a quarter of a gigabyte): nothing reads them after. */
  async close(): Promise<void> {
    this.half = null;
    this.full = null;
    this.wide.clear();
  }
}

/** Rows read from the store on demand; memory holds only their locations (bounded, however many rows). */
export class StoreTable implements FeatureTable {
  readonly mode = 'stream';
  readonly storedBytesPerRow: number;
  private locs: Float64Array;
  private keys: string[];

  constructor(
    private readonly store: StoreSet,
    readonly rows: number,
    readonly vectorSize: number,
    precision: Precision,
  ) {
    this.locs = new Float64Array(rows).fill(-1);
    this.keys = new Array<string>(rows);
    this.storedBytesPerRow = vectorSize * (precision === 'float16' ? 2 : 4);
  }

  set(row: number, loc: Loc, key: string) {
    this.locs[row] = loc;
    this.keys[row] = key;
  }

  has(row: number): boolean {
    return this.locs[row] >= 0;
  }

  async read(rows: ArrayLike<number>, out: Float32Array): Promise<void> {
    const n = this.vectorSize;
    const locs = Float64Array.from(rows as ArrayLike<number>, (r) => this.locs[r]);
    const keys = Array.from(rows as ArrayLike<number>, (r) => this.keys[r]);
    const failed = await this.store.readLocs(locs, keys, (j, dtype, buf, at) =>
      decodeInto(dtype, buf, at, n, out, j * n),
    );
    if (failed.length)
      throw new FeatureStoreCorruptError(
        `${failed.length} stored feature vector(s) changed on disk during training (checksum mismatch): they are dropped; run again to recompute them`,
      );
  }

  position(row: number): number {
    return this.locs[row];
  }

  close(): Promise<void> {
    return this.store.close();
  }
}
