/**
 * Downloads a person can trust: progress (bytes, speed, ETA), cancellable, resumable (HTTP Range into a
 * `.part` file beside the destination), hash-verified before use (Keras `file_hash`: sha256 or md5) and
 * renamed into place only when verified. A local mirror folder overrides the URL.
 */
import { CodedError, type ErrorCode } from '@shared/errors';
import { existsSync } from 'node:fs';
import { mkdir, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { hashAlgorithmFor, hashFile } from '../../util/hash';
import { downloadUrl } from '../../util/download-url';
import { modelMirrors } from '../../util/paths';

export class DownloadError extends CodedError {
  override name = 'DownloadError';
  constructor(message: string, code: ErrorCode = 'IO_ERROR') {
    super(code, message);
  }
}
export class DownloadCancelledError extends DownloadError {
  override name = 'DownloadCancelledError';
  constructor(message: string) {
    super(message, 'CANCELLED');
  }
}

export interface DownloadProgress {
  url: string;
  /** Bytes of the file on disk so far (a resumed part included). */
  bytes: number;
  /** Full size when the server says it, else null. */
  total: number | null;
  /** Bytes already there when this attempt started (resume point). */
  resumedFrom: number;
  /** Recent transfer speed, bytes/s (0 until measurable). */
  bytesPerSec: number;
  /** Estimated time to completion, or null when unknown. */
  etaMs: number | null;
  done: boolean;
}

export interface DownloadOptions {
  url: string;
  /** Final path (normally in the model cache). */
  dest: string;
  /** Keras `file_hash`: 64 hex digits → sha256, 32 → md5 (as `keras.utils.get_file`). */
  fileHash?: string | null;
  signal?: AbortSignal;
  onProgress?: (p: DownloadProgress) => void;
  fetchImpl?: typeof fetch;
  /** Automatic resumes after a dropped connection (default 3). */
  retries?: number;
  /** Local mirror folders to look in first (default: the configured mirrors). */
  mirrorDirs?: string[];
  /** The file's path inside a mirror (default: the URL's file name). */
  mirrorName?: string;
  /** Minimum interval between progress events (default 200 ms; the final event always fires). */
  progressIntervalMs?: number;
}

export interface DownloadResult {
  path: string;
  source: 'mirror' | 'cache' | 'download';
  bytes: number;
}

interface PartMeta {
  url: string;
  etag: string | null;
  lastModified: string | null;
}

const sizeOf = (file: string) =>
  stat(file).then(
    (s) => s.size,
    () => 0,
  );

function checkHashFormat(h: string | null | undefined): string | null {
  if (!h) return null;
  const lower = h.toLowerCase();
  if (!/^([0-9a-f]{64}|[0-9a-f]{32})$/.test(lower))
    throw new DownloadError(`file hash "${h}" is neither sha256 (64 hex digits) nor md5 (32 hex digits)`);
  return lower;
}

async function matches(file: string, expected: string): Promise<{ ok: boolean; actual: string }> {
  const actual = await hashFile(file, hashAlgorithmFor(expected));
  return { ok: actual === expected, actual };
}

/** Moving-window speed: the last few seconds, so a stall shows quickly and a burst does not dominate. */
export class Speed {
  private samples: { t: number; bytes: number }[] = [];
  add(t: number, bytes: number): number {
    this.samples.push({ t, bytes });
    while (this.samples.length > 2 && t - this.samples[0].t > 3000) this.samples.shift();
    const first = this.samples[0];
    const dt = t - first.t;
    return dt > 0 ? ((bytes - first.bytes) * 1000) / dt : 0;
  }
}

const isAbort = (e: unknown, signal?: AbortSignal) =>
  Boolean(signal?.aborted) || (e as Error)?.name === 'AbortError';

const describe = (e: unknown) => {
  const err = e as Error & { cause?: Error & { code?: string } };
  return err.cause ? `${err.message} (${err.cause.code ?? err.cause.message})` : err.message;
};

/** Fetch `url` to `dest` (see the module comment). Throws DownloadError / DownloadCancelledError. */
export async function downloadFile(opts: DownloadOptions): Promise<DownloadResult> {
  const expected = checkHashFormat(opts.fileHash);
  const algo = expected ? hashAlgorithmFor(expected) : null;
  const name = opts.mirrorName ?? path.basename(new URL(opts.url).pathname);

  for (const mirror of opts.mirrorDirs ?? modelMirrors()) {
    const candidate = path.join(mirror, name);
    if (!existsSync(candidate)) continue;
    if (expected) {
      const { ok, actual } = await matches(candidate, expected);
      if (!ok)
        throw new DownloadError(
          `${candidate} (local mirror) does not match its ${algo} ${expected} (got ${actual}); replace or remove it`,
        );
    }
    return { path: candidate, source: 'mirror', bytes: await sizeOf(candidate) };
  }

  if (existsSync(opts.dest)) {
    if (!expected || (await matches(opts.dest, expected)).ok)
      return { path: opts.dest, source: 'cache', bytes: await sizeOf(opts.dest) };
    await rm(opts.dest, { force: true }); // a stale or damaged copy: fetch it again, as Keras does
  }

  const part = `${opts.dest}.part`;
  const metaFile = `${part}.json`;
  await mkdir(path.dirname(opts.dest), { recursive: true });
  await transfer(opts, part, metaFile);

  if (expected) {
    const { ok, actual } = await matches(part, expected);
    if (!ok) {
      await rm(part, { force: true });
      await rm(metaFile, { force: true });
      throw new DownloadError(
        `${opts.url}: the download does not match its ${algo} hash (expected ${expected}, got ${actual}); ` +
          `the file was removed. It was corrupted in transit or changed on the server.`,
      );
    }
  }
  await rename(part, opts.dest);
  await rm(metaFile, { force: true });
  return { path: opts.dest, source: 'download', bytes: await sizeOf(opts.dest) };
}

/** Bring `part` to the full file, resuming across dropped connections (and across calls). */
async function transfer(opts: DownloadOptions, part: string, metaFile: string): Promise<void> {
  const fetchImpl = opts.fetchImpl ?? fetch;
  const retries = opts.retries ?? 3;
  const interval = opts.progressIntervalMs ?? 200;
  let meta = await readFile(metaFile, 'utf8')
    .then((s) => JSON.parse(s) as PartMeta)
    .catch(() => null);
  if (!meta || meta.url !== opts.url) {
    await rm(part, { force: true });
    meta = null;
  }
  const speed = new Speed();
  let lastEmit = 0;
  for (let attempt = 0; ; attempt++) {
    if (attempt > retries + 2)
      throw new DownloadError(`cannot download ${opts.url}: the server keeps answering ranges wrongly`);
    const start = await sizeOf(part);
    const headers: Record<string, string> = {};
    if (start > 0) {
      headers.Range = `bytes=${start}-`;
      // If-Range: a changed file comes back whole (200) instead of a wrong tail.
      const validator = meta?.etag ?? meta?.lastModified;
      if (validator) headers['If-Range'] = validator;
    }
    let res: Response;
    try {
      res = await fetchImpl(downloadUrl(opts.url), { headers, signal: opts.signal });
    } catch (e) {
      if (isAbort(e, opts.signal)) throw new DownloadCancelledError(`download of ${opts.url} cancelled`);
      if (attempt < retries) {
        await sleep(300 * (attempt + 1), opts.signal);
        continue;
      }
      throw new DownloadError(
        `cannot download ${opts.url}: ${describe(e)}. Offline? Put the file in a local mirror (TRANSFER_STUDIO_MODELS).`,
      );
    }
    let offset: number;
    let total: number | null;
    if (res.status === 206) {
      const m = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(res.headers.get('content-range') ?? '');
      if (!m || Number(m[1]) !== start) {
        await res.body?.cancel();
        await rm(part, { force: true }); // an unexpected range: start clean
        continue;
      }
      offset = start;
      total = m[3] === '*' ? null : Number(m[3]);
    } else if (res.status === 200) {
      offset = 0; // the server ignored the range (or the file changed): start over
      const len = res.headers.get('content-length');
      total = len === null ? null : Number(len);
    } else if (res.status === 416 && start > 0) {
      await res.body?.cancel();
      const m = /\/(\d+)$/.exec(res.headers.get('content-range') ?? '');
      if (m && Number(m[1]) === start) return; // already complete
      await rm(part, { force: true });
      continue;
    } else {
      await res.body?.cancel();
      const retryable = res.status >= 500 || res.status === 429;
      if (retryable && attempt < retries) {
        await sleep(300 * (attempt + 1), opts.signal);
        continue;
      }
      throw new DownloadError(`cannot download ${opts.url}: HTTP ${res.status}`);
    }
    meta = { url: opts.url, etag: res.headers.get('etag'), lastModified: res.headers.get('last-modified') };
    await writeFile(metaFile, JSON.stringify(meta));

    const fh = await open(part, offset > 0 ? 'a' : 'w');
    let bytes = offset;
    const emit = (done: boolean) => {
      const now = Date.now();
      const rate = speed.add(now, bytes);
      if (!done && now - lastEmit < interval) return;
      lastEmit = now;
      opts.onProgress?.({
        url: opts.url,
        bytes,
        total,
        resumedFrom: offset,
        bytesPerSec: rate,
        etaMs: total !== null && rate > 0 ? ((total - bytes) * 1000) / rate : null,
        done,
      });
    };
    let cut: unknown = null;
    try {
      emit(false);
      if (res.body)
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          await fh.write(chunk);
          bytes += chunk.byteLength;
          emit(false);
        }
      await fh.sync();
    } catch (e) {
      if (isAbort(e, opts.signal))
        throw new DownloadCancelledError(
          `download of ${opts.url} cancelled at ${bytes} bytes (kept to resume)`,
        );
      cut = e;
    } finally {
      await fh.close().catch(() => undefined);
    }
    if (!cut && (total === null || bytes === total)) {
      emit(true);
      return;
    }
    if (!cut && bytes > total!) {
      await rm(part, { force: true });
      throw new DownloadError(`${opts.url}: received ${bytes} bytes, more than the ${total} announced`);
    }
    if (attempt >= retries)
      throw new DownloadError(
        `download of ${opts.url} kept failing at ${bytes}${total ? `/${total}` : ''} bytes` +
          `${cut ? `: ${describe(cut)}` : ''}; run again to resume`,
      );
    await sleep(300 * (attempt + 1), opts.signal);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new DownloadCancelledError('download cancelled'));
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new DownloadCancelledError('download cancelled'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
