import { shuffleInPlace } from '@shared/random';

/**
 * An epoch's order for streaming from disk. Items are sorted by where their vectors lie and cut into
 * blocks of about `blockBytes` (one sequential read each; boundaries move every epoch). Blocks are dealt
 * into windows of about `windowBytes` decoded, stratified: each window takes one block, at random, from
 * every run of W neighbouring blocks, so every window spans the whole store evenly. Windows and the
 * items inside each are shuffled. Batches then draw from one window at a time (bounded memory, large
 * reads) and are as varied as a full shuffle even when the store holds the data class by class.
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
  const blockRows = Math.max(1, Math.floor((s.blockBytes ?? 512 << 10) / s.storedBytesPerRow));
  const windowRows = Math.max(blockRows, Math.floor((s.windowBytes ?? 32 << 20) / s.decodedBytesPerRow));
  const blocks: number[][] = [];
  let start = rand ? Math.floor(rand() * blockRows) : 0;
  if (start > 0) blocks.push(items.slice(0, start));
  for (; start < n; start += blockRows) blocks.push(items.slice(start, start + blockRows));
  const perWindow = Math.floor(windowRows / blockRows);
  const count = Math.max(1, Math.ceil(blocks.length / perWindow));
  const windows: number[][] = Array.from({ length: count }, () => []);
  if (!rand)
    // In order (evaluation): window k holds consecutive blocks.
    blocks.forEach((b, i) => windows[Math.floor(i / perWindow)].push(...b));
  else
    for (let g = 0; g < blocks.length; g += count) {
      const slots = shuffleInPlace(
        Array.from({ length: count }, (_, k) => k),
        rand,
      );
      blocks.slice(g, g + count).forEach((b, k) => windows[slots[k]].push(...b));
    }
  if (rand) {
    shuffleInPlace(windows, rand);
    for (const w of windows) shuffleInPlace(w, rand);
  }
  const kept = windows.filter((w) => w.length > 0);
  const windowOf = new Int32Array(n);
  const slotOf = new Int32Array(n);
  kept.forEach((w, wi) =>
    w.forEach((item, slot) => {
      windowOf[item] = wi;
      slotOf[item] = slot;
    }),
  );
  return { order: kept.flat(), windows: kept, windowOf, slotOf };
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
