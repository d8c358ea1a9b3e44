import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '../../util/write-atomic';

/**
 * Features on disk, one raw float32 file per (image content, view), under a folder named for everything
 * that changes the numbers: base weights + cut, resize mode, preprocessing, and for augmented views the
 * spec and seed. Keyed by content hash, so renamed or moved files still hit.
 */
export class FeatureCache {
  constructor(readonly root: string) {}

  static variantKey(parts: Record<string, unknown>): string {
    return createHash('sha256').update(JSON.stringify(parts)).digest('hex').slice(0, 20);
  }

  private file(variant: string, contentHash: string): string {
    return path.join(this.root, 'features', variant, contentHash.slice(0, 2), `${contentHash}.f32`);
  }

  async get(variant: string, contentHash: string, expectedLength: number): Promise<Float32Array | null> {
    try {
      const buf = await readFile(this.file(variant, contentHash));
      if (buf.byteLength !== expectedLength * 4) return null;
      // Copy into an aligned buffer: Buffer pools may start at odd offsets.
      const out = new Float32Array(expectedLength);
      new Uint8Array(out.buffer).set(buf);
      return out;
    } catch {
      return null;
    }
  }

  /** Atomic, with a unique temp name: two identical images in one dataset may be written at once. */
  async put(variant: string, contentHash: string, features: Float32Array): Promise<void> {
    await writeFileAtomic(
      this.file(variant, contentHash),
      new Uint8Array(features.buffer, features.byteOffset, features.byteLength),
    );
  }
}

export function contentHash(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}
