import { mkdir, open, readFile, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../util/write-atomic';
import { checkRecord, DTYPE, encodeIdx, parseIdx, recordBytes, type Dtype } from './format';
import { loadChunks } from './scan';
import { ChunkWriter } from './writer';

/** Where a record lives: chunk number, byte offset and dtype packed in one float64-safe integer. */
export type Loc = number;
const CHUNK_SPAN = 2 ** 33;
export const packLoc = (chunk: number, offset: number, dtype: Dtype): Loc =>
  chunk * CHUNK_SPAN + offset * 2 + (dtype === DTYPE.f32 ? 1 : 0);
export function unpackLoc(loc: Loc): { chunk: number; offset: number; dtype: Dtype } {
  const chunk = Math.floor(loc / CHUNK_SPAN);
  const rest = loc - chunk * CHUNK_SPAN;
  return { chunk, offset: Math.floor(rest / 2), dtype: rest % 2 ? DTYPE.f32 : DTYPE.f16 };
}

/** Reads closer than this are merged into one sequential read. */
const GAP_BYTES = 256 << 10;
const MAX_READ_BYTES = 16 << 20;
export const DEFAULT_CHUNK_BYTES = 128 << 20;

/** One visited record: its payload is `buf[at, at + bytes)`, valid only during the callback. */
export type RecordVisitor = (i: number, dtype: Dtype, buf: Buffer, at: number) => void;

/**
 * One set of a store (one base + pixel pipeline + stored form + precision): an in-memory index over
 * the set's chunk files, checked reads, and this process's own writer. Records that fail a check are
 * dropped from the index at once and from their chunk's index file on `close()`, so they are recomputed.
 */
export class StoreSet {
  /** Records found damaged (checksum, key, length, truncation) since open. */
  corrupt = 0;
  private chunkNames: string[] = [];
  private index = new Map<string, Loc>();
  private drops = new Map<number, Set<number>>();
  private writer: ChunkWriter | null = null;

  private constructor(
    readonly dir: string,
    readonly setKey: string,
    readonly vectorSize: number,
    private readonly maxChunkBytes: number,
  ) {}

  static async open(
    dir: string,
    setKey: string,
    vectorSize: number,
    o: { descriptor?: object; maxChunkBytes?: number; readOnly?: boolean } = {},
  ): Promise<StoreSet> {
    const set = new StoreSet(dir, setKey, vectorSize, o.maxChunkBytes ?? DEFAULT_CHUNK_BYTES);
    if (!o.readOnly) {
      await mkdir(dir, { recursive: true });
      const meta = path.join(dir, 'set.json');
      const existing = await readFile(meta, 'utf8').catch(() => null);
      if (existing === null && o.descriptor)
        await writeFileAtomic(meta, `${JSON.stringify({ setKey, vectorSize, ...o.descriptor }, null, 2)}\n`);
    }
    const chunks = await loadChunks(dir, setKey, vectorSize, (n) => (set.corrupt += n));
    for (const c of chunks) {
      const no = set.chunkNames.push(c.name) - 1;
      for (const e of c.entries) set.index.set(e.key, packLoc(no, e.offset, e.dtype));
    }
    if (!o.readOnly)
      set.writer = new ChunkWriter(dir, setKey, vectorSize, set.maxChunkBytes, (name) => {
        return set.chunkNames.push(name) - 1;
      });
    return set;
  }

  get size(): number {
    return this.index.size;
  }

  locate(key: string): Loc | undefined {
    return this.index.get(key);
  }

  /** Why the store stopped accepting records (e.g. ENOSPC), if it did. */
  get writeError(): Error | null {
    return this.writer?.error ?? null;
  }

  async put(key: string, dtype: Dtype, payload: Uint8Array): Promise<Loc | null> {
    const w = await this.writer?.append(key, dtype, payload);
    if (!w) return null;
    const loc = packLoc(w.chunk, w.offset, dtype);
    this.index.set(key, loc);
    return loc;
  }

  /** Makes every record put so far readable by location. */
  async flush(): Promise<void> {
    await this.writer?.flush();
  }

  /** A record that failed a check: never used again, and removed from its chunk's index on close. */
  drop(loc: Loc, key?: string) {
    const { chunk, offset } = unpackLoc(loc);
    if (key !== undefined && this.index.get(key) === loc) this.index.delete(key);
    let s = this.drops.get(chunk);
    if (!s) this.drops.set(chunk, (s = new Set()));
    if (!s.has(offset)) this.corrupt++;
    s.add(offset);
  }

  /**
   * Reads records by location in large sequential reads (sorted, nearby ones merged) and checks each
   * (header, key, crc) before `visit` sees it. Returns the indices that failed (and were dropped).
   */
  async readLocs(locs: ArrayLike<Loc>, keys: ArrayLike<string>, visit: RecordVisitor): Promise<number[]> {
    const order = Array.from({ length: locs.length }, (_, i) => i).sort((a, b) => locs[a] - locs[b]);
    const failed: number[] = [];
    const handles = new Map<number, FileHandle | null>();
    try {
      let g = 0;
      while (g < order.length) {
        const first = unpackLoc(locs[order[g]]);
        const start = first.offset;
        let end = start + recordBytes(first.dtype, this.vectorSize);
        let h = g + 1;
        for (; h < order.length; h++) {
          const n = unpackLoc(locs[order[h]]);
          const nEnd = n.offset + recordBytes(n.dtype, this.vectorSize);
          if (n.chunk !== first.chunk || n.offset - end > GAP_BYTES || nEnd - start > MAX_READ_BYTES) break;
          end = Math.max(end, nEnd);
        }
        let fh = handles.get(first.chunk);
        if (fh === undefined) {
          const name = this.chunkNames[first.chunk];
          fh = await open(path.join(this.dir, `${name}.chunk`), 'r').catch(() => null);
          handles.set(first.chunk, fh);
        }
        const buf = Buffer.allocUnsafe(end - start);
        const got = fh ? (await fh.read(buf, 0, buf.length, start)).bytesRead : 0;
        const view = buf.subarray(0, got);
        for (let k = g; k < h; k++) {
          const i = order[k];
          const at = unpackLoc(locs[i]).offset - start;
          const r = checkRecord(view, at, this.vectorSize, keys[i]);
          if (r.status === 'ok') visit(i, r.dtype, view, r.payloadStart);
          else {
            failed.push(i);
            this.drop(locs[i], keys[i]);
          }
        }
        g = h;
      }
    } finally {
      await Promise.all([...handles.values()].map((fh) => fh?.close()));
    }
    return failed;
  }

  /** Seals this process's chunk and removes dropped records from their chunks' index files. */
  async close(): Promise<void> {
    await this.writer?.close();
    for (const [chunk, offsets] of this.drops) {
      const file = path.join(this.dir, `${this.chunkNames[chunk]}.idx`);
      const parsed = parseIdx(
        await readFile(file).catch(() => Buffer.alloc(0)),
        this.setKey,
        this.vectorSize,
      );
      if (!parsed) continue; // unsealed (scanned on every open, checksums and all) or already gone
      const kept = parsed.entries.filter((e) => !offsets.has(e.offset));
      if (kept.length !== parsed.entries.length)
        await writeFileAtomic(file, encodeIdx(this.setKey, this.vectorSize, parsed.chunkBytes, kept)).catch(
          () => undefined,
        );
    }
    this.drops.clear();
  }
}
