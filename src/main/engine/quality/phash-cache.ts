/**
 * Perceptual hashes cached by content hash beside the feature store (`<cache>/store/phash-v<N>/`), so a
 * warm `train` never decodes an image again for them (10k images: ~20 s of CPU). One file of fixed-size
 * records, each verified on read by its own checksum: a damaged record is dropped and its image hashed
 * again, the rest still count. Written atomically (temp + rename) when anything new was computed; two
 * processes writing at once lose one's additions, never the file. PHASH_VERSION names the folder:
 * anything that changes a hash's value (decode, resize, DCT, bit order) bumps it.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../util/write-atomic';
import { perceptualHashes, type PerceptualHash } from './phash';

/** 2: hashed from extraction's own 224×224 decode (1: a separate 32×32 grey decode). */
export const PHASH_VERSION = 2;
const MAGIC = 'TSPHASH1';
const HEADER = 16;
/** Content hash (32) + hash (8) + mirrored hash (8) + checksum (4). */
const RECORD = 52;

export function phashCacheFile(cacheDir: string): string {
  return path.join(cacheDir, 'store', `phash-v${PHASH_VERSION}`, 'phashes.bin');
}

function checksum(record: Uint8Array): Buffer {
  return createHash('sha256')
    .update(record.subarray(0, RECORD - 4))
    .digest()
    .subarray(0, 4);
}

export interface PhashCacheRead {
  hashes: Map<string, PerceptualHash>;
  /** Records dropped: checksum mismatch, or a torn tail. */
  corrupt: number;
}

/** The cached hashes (none when there is no file or it is not one of ours). */
export async function readPhashCache(file: string): Promise<PhashCacheRead> {
  const hashes = new Map<string, PerceptualHash>();
  const buf = await readFile(file).catch(() => null);
  if (!buf || buf.length < HEADER || buf.toString('latin1', 0, 8) !== MAGIC) return { hashes, corrupt: 0 };
  const count = buf.readUInt32LE(8);
  let corrupt = 0;
  for (let r = 0; r < count; r++) {
    const at = HEADER + r * RECORD;
    if (at + RECORD > buf.length) {
      corrupt += count - r;
      break;
    }
    const rec = buf.subarray(at, at + RECORD);
    if (!checksum(rec).equals(rec.subarray(RECORD - 4))) {
      corrupt++;
      continue;
    }
    hashes.set(rec.toString('hex', 0, 32), {
      hash: rec.toString('hex', 32, 40),
      mirrored: rec.toString('hex', 40, 48),
    });
  }
  return { hashes, corrupt };
}

export async function writePhashCache(
  file: string,
  hashes: ReadonlyMap<string, PerceptualHash>,
): Promise<void> {
  const buf = Buffer.alloc(HEADER + hashes.size * RECORD);
  buf.write(MAGIC, 0, 'latin1');
  buf.writeUInt32LE(hashes.size, 8);
  let at = HEADER;
  for (const [content, h] of hashes) {
    const rec = buf.subarray(at, at + RECORD);
    rec.write(content, 0, 32, 'hex');
    rec.write(h.hash, 32, 8, 'hex');
    rec.write(h.mirrored, 40, 8, 'hex');
    checksum(rec).copy(rec, RECORD - 4);
    at += RECORD;
  }
  await writeFileAtomic(file, buf);
}

const HEX64 = /^[0-9a-f]{64}$/;
const HEX16 = /^[0-9a-f]{16}$/;
/** Only well-formed keys and values go in (a record holds exactly these bytes). */
const keep = (content: string, h: PerceptualHash) =>
  HEX64.test(content) && HEX16.test(h.hash) && HEX16.test(h.mirrored);

export interface CachedPhashes {
  /** Entry i for image i; null where it could not be decoded (never cached: tried again next time). */
  hashes: (PerceptualHash | null)[];
  /** Decoded here. */
  computed: number;
  /** Taken from `known` (feature extraction's decode). */
  fromExtraction: number;
  cached: number;
  /** Cache records dropped as damaged (their images were hashed again). */
  corrupt: number;
}

/**
 * Perceptual hashes of images known by content hash (sha-256 hex of the file's bytes), from the cache
 * under `cacheDir` where it has them, computed (and added to it) where not. No `cacheDir`: all computed.
 */
export async function cachedPerceptualHashes(
  images: readonly { path: string; contentHash: string }[],
  cacheDir: string | null,
  o: {
    signal?: AbortSignal;
    concurrency?: number;
    /** Hashes already taken of these images (feature extraction's decode): used, and cached. */
    known?: ReadonlyMap<string, PerceptualHash>;
  } = {},
): Promise<CachedPhashes> {
  const file = cacheDir ? phashCacheFile(cacheDir) : null;
  const read = file ? await readPhashCache(file) : { hashes: new Map<string, PerceptualHash>(), corrupt: 0 };
  const out: (PerceptualHash | null)[] = images.map((im) => read.hashes.get(im.contentHash) ?? null);
  const cached = out.filter((h) => h).length;
  let added = 0;
  images.forEach((im, i) => {
    const h = out[i] ? undefined : o.known?.get(im.contentHash);
    if (!h) return;
    out[i] = h;
    if (keep(im.contentHash, h)) {
      read.hashes.set(im.contentHash, h);
      added++;
    }
  });
  const fromExtraction = added;
  const missing = images.flatMap((_, i) => (out[i] ? [] : [i]));
  const computed = await perceptualHashes(
    missing.map((i) => images[i].path),
    o,
  );
  missing.forEach((i, k) => {
    const h = computed[k];
    out[i] = h;
    if (h && keep(images[i].contentHash, h)) {
      read.hashes.set(images[i].contentHash, h);
      added++;
    }
  });
  // Damaged records are rewritten too (without them), so they are not dropped again on every read.
  // A cache that cannot be written (read-only, full disk) only costs the next run the decodes.
  if (file && (added > 0 || read.corrupt > 0))
    await writePhashCache(file, read.hashes).catch(() => undefined);
  return { hashes: out, computed: missing.length, fromExtraction, cached, corrupt: read.corrupt };
}
