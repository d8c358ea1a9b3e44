/**
 * sharp-made thumbnails (cached on disk) and previews for the image protocol / HTTP route.
 * sharp works on libuv threads, so main's event loop stays free; a small LIFO queue keeps the most
 * recently requested (= currently visible) images first and drops requests nobody waits for anymore.
 */
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { ImageKind } from '@shared/ipc/image-url';
import { writeFileAtomic } from '../util/write-atomic';

export const THUMB_SIZE = 192;
export const PREVIEW_MAX = 1600;
/** Bump when the thumbnail recipe changes, so old cache entries are not served. */
const THUMB_VERSION = 1;

export interface RenderedImage {
  body: Buffer;
  contentType: string;
}

export class ImageAbortedError extends Error {
  override name = 'AbortError';
}

export class ImageService {
  private readonly queue: (() => void)[] = [];
  private active = 0;

  constructor(
    private readonly cacheDir: () => string,
    private readonly concurrency = 4,
  ) {}

  /** `file` must already be confined (see confine.ts). */
  async render(file: string, kind: ImageKind, signal?: AbortSignal): Promise<RenderedImage> {
    await this.slot(signal);
    try {
      if (signal?.aborted) throw new ImageAbortedError('request gone');
      return kind === 'thumb' ? await this.thumb(file) : await preview(file);
    } finally {
      this.release();
    }
  }

  private async thumb(file: string): Promise<RenderedImage> {
    const s = await stat(file);
    const key = createHash('sha1')
      .update(`${THUMB_VERSION}|${THUMB_SIZE}|${file}|${s.size}|${s.mtimeMs}`)
      .digest('hex');
    const cached = path.join(this.cacheDir(), 'thumbs', key.slice(0, 2), `${key}.webp`);
    try {
      return { body: await readFile(cached), contentType: 'image/webp' };
    } catch {
      // not cached yet
    }
    const body = await sharp(file, { limitInputPixels: 100_000_000, failOn: 'none' })
      .rotate()
      .resize(THUMB_SIZE, THUMB_SIZE, { fit: 'cover', position: 'attention' })
      .webp({ quality: 72 })
      .toBuffer();
    await writeFileAtomic(cached, body).catch(() => undefined); // a full disk must not break browsing
    return { body, contentType: 'image/webp' };
  }

  private slot(signal?: AbortSignal): Promise<void> {
    if (this.active < this.concurrency) {
      this.active++;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const go = () => {
        signal?.removeEventListener('abort', drop);
        this.active++;
        resolve();
      };
      const drop = () => {
        const i = this.queue.indexOf(go);
        if (i >= 0) this.queue.splice(i, 1);
        reject(new ImageAbortedError('request gone'));
      };
      signal?.addEventListener('abort', drop, { once: true });
      this.queue.push(go);
    });
  }

  private release(): void {
    this.active--;
    // LIFO: the newest request is the one on screen now.
    this.queue.pop()?.();
  }
}

async function preview(file: string): Promise<RenderedImage> {
  const body = await sharp(file, { limitInputPixels: 100_000_000, failOn: 'none' })
    .rotate()
    .resize(PREVIEW_MAX, PREVIEW_MAX, { fit: 'inside', withoutEnlargement: true })
    .jpeg({ quality: 88, mozjpeg: false })
    .toBuffer();
  return { body, contentType: 'image/jpeg' };
}
