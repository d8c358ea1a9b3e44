import { shuffleInPlace } from '../util/random';

/**
 * An epoch's order for streaming from disk. Items are sorted by where their vectors lie, cut into blocks
 * of about `blockBytes` (one sequential read each), and the blocks are dealt at random into windows of
 * about `windowBytes` decoded; each window is shuffled. Consecutive batches then draw from one window
 * at a time (bounded memory, large reads), and each window mixes blocks from all over the dataset, so
 * batches are as varied as a full shuffle even when the store holds the data class by class.
 */
export interface EpochPlan {
  /** Item indices in training order. */
  order: number[];
  /** Items of each window, in the order its buffer holds them. */
  windows: number[][];
  windowOf: Int32Array;
  slotOf: Int32Array;
}

export interface PlanSizes {
  storedBytesPerRow: number;
  decodedBytesPerRow: number;
  blockBytes?: number;
  windowBytes?: number;
}

export function planWindows(positions: Float64Array, s: PlanSizes, rand: (() => number) | null): EpochPlan {
  const n = positions.length;
  const items = Array.from({ length: n }, (_, i) => i);
  if (rand) items.sort((a, b) => positions[a] - positions[b]);
  const blockRows = Math.max(1, Math.floor((s.blockBytes ?? 1 << 20) / s.storedBytesPerRow));
  const blocks: number[][] = [];
  for (let i = 0; i < n; i += blockRows) blocks.push(items.slice(i, i + blockRows));
  if (rand) shuffleInPlace(blocks, rand);
  const perWindow = Math.max(1, Math.floor((s.windowBytes ?? 32 << 20) / (blockRows * s.decodedBytesPerRow)));
  const windows: number[][] = [];
  for (let b = 0; b < blocks.length; b += perWindow) {
    const w = blocks.slice(b, b + perWindow).flat();
    if (rand) shuffleInPlace(w, rand);
    windows.push(w);
  }
  const windowOf = new Int32Array(n);
  const slotOf = new Int32Array(n);
  windows.forEach((w, wi) =>
    w.forEach((item, slot) => {
      windowOf[item] = wi;
      slotOf[item] = slot;
    }),
  );
  return { order: windows.flat(), windows, windowOf, slotOf };
}

/**
 * Serves batches from an epoch plan, holding at most the windows the current batch spans plus the next
 * one (read ahead while the current one trains).
 */
export class WindowReader {
  private loaded = new Map<number, Promise<Float32Array>>();
  constructor(
    private readonly plan: EpochPlan,
    private readonly vectorSize: number,
    private readonly load: (items: number[]) => Promise<Float32Array>,
  ) {}

  private window(w: number): Promise<Float32Array> {
    let p = this.loaded.get(w);
    if (!p) {
      p = this.load(this.plan.windows[w]);
      // A failed read-ahead surfaces when (if) its window is used, not as an unhandled rejection.
      p.catch(() => undefined);
      this.loaded.set(w, p);
    }
    return p;
  }

  async gather(indices: number[], out: Float32Array): Promise<void> {
    const need = [...new Set(indices.map((i) => this.plan.windowOf[i]))].sort((a, b) => a - b);
    for (const w of this.loaded.keys()) if (w < need[0]) this.loaded.delete(w);
    const data = new Map<number, Float32Array>();
    for (const w of need) data.set(w, await this.window(w));
    const next = need[need.length - 1] + 1;
    if (next < this.plan.windows.length) void this.window(next);
    const n = this.vectorSize;
    indices.forEach((item, j) => {
      const src = data.get(this.plan.windowOf[item])!;
      const s = this.plan.slotOf[item] * n;
      out.set(src.subarray(s, s + n), j * n);
    });
  }
}
