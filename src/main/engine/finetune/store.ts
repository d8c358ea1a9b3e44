import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../util/write-atomic';

/**
 * Where boundary tensors live between the frozen pass and training: one entry per (image, view), each a
 * list of float arrays (one per boundary tensor, plus whatever else the caller keeps with them). Minimal
 * on purpose, so the chunked feature store can back it later. `get` returns null for a miss and for an
 * entry that fails verification: the caller recomputes, never trains on bad data.
 */
export interface BoundaryStore {
  get(key: string): Promise<Float32Array[] | null>;
  put(key: string, arrays: Float32Array[]): Promise<void>;
}

/** Everything that changes the numbers of an entry: the feature key's parts plus the boundary. */
export function boundaryVariant(parts: Record<string, unknown>, boundary: string[]): string {
  return createHash('sha256')
    .update(JSON.stringify({ ...parts, boundary }))
    .digest('hex')
    .slice(0, 20);
}

/** Entry key: variant (everything but the image) + content hash + view. */
export const boundaryKey = (variant: string, contentHash: string, view: number) =>
  `${variant}/${contentHash}/${view}`;

export class MemoryBoundaryStore implements BoundaryStore {
  private map = new Map<string, Float32Array[]>();
  async get(key: string) {
    return this.map.get(key) ?? null;
  }
  async put(key: string, arrays: Float32Array[]) {
    this.map.set(key, arrays);
  }
  get size() {
    return this.map.size;
  }
}

const MAGIC = 0x31425354; // "TSB1" little-endian
const DIGEST = 16;

const digest = (payload: Uint8Array) => createHash('sha256').update(payload).digest().subarray(0, DIGEST);

/** [magic u32][count u32][length u32 × count][sha256(payload)[:16]][payload: float32 arrays back to back] */
export function encodeEntry(arrays: Float32Array[]): Uint8Array {
  const head = 8 + 4 * arrays.length;
  const floats = arrays.reduce((a, x) => a + x.length, 0);
  const out = new Uint8Array(head + DIGEST + floats * 4);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, MAGIC, true);
  dv.setUint32(4, arrays.length, true);
  arrays.forEach((a, i) => dv.setUint32(8 + 4 * i, a.length, true));
  let o = head + DIGEST;
  for (const a of arrays) {
    out.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), o);
    o += a.byteLength;
  }
  out.set(digest(out.subarray(head + DIGEST)), head);
  return out;
}

/** The arrays back, or null when the bytes are not a complete, intact entry. */
export function decodeEntry(buf: Uint8Array): Float32Array[] | null {
  if (buf.byteLength < 8) return null;
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (dv.getUint32(0, true) !== MAGIC) return null;
  const count = dv.getUint32(4, true);
  const head = 8 + 4 * count;
  if (count > 4096 || buf.byteLength < head + DIGEST) return null;
  const lengths = Array.from({ length: count }, (_, i) => dv.getUint32(8 + 4 * i, true));
  const floats = lengths.reduce((a, b) => a + b, 0);
  if (buf.byteLength !== head + DIGEST + floats * 4) return null;
  const payload = buf.subarray(head + DIGEST);
  if (Buffer.compare(digest(payload), buf.subarray(head, head + DIGEST)) !== 0) return null;
  // Copy into aligned arrays: file buffers may start at any offset.
  const all = new Float32Array(floats);
  new Uint8Array(all.buffer).set(payload);
  let o = 0;
  return lengths.map((n) => {
    const a = all.subarray(o, o + n);
    o += n;
    return a;
  });
}

/** One checksummed file per entry, written atomically (a killed process leaves the old file or none). */
export class DiskBoundaryStore implements BoundaryStore {
  constructor(readonly root: string) {}

  private file(key: string): string {
    const [variant, hash, view] = key.split('/');
    if (!variant || !hash || view === undefined || key.split('/').length !== 3)
      throw new Error(`bad boundary store key "${key}"`);
    return path.join(this.root, 'boundary', variant, hash.slice(0, 2), `${hash}.${view}.tsb`);
  }

  async get(key: string): Promise<Float32Array[] | null> {
    const buf = await readFile(this.file(key)).catch(() => null);
    return buf && decodeEntry(buf);
  }

  async put(key: string, arrays: Float32Array[]): Promise<void> {
    await writeFileAtomic(this.file(key), encodeEntry(arrays));
  }
}
