/**
 * The `tfjs-download` family: a tfjs layers model (model.json + weight shards) fetched file by file with
 * `downloadFile` — progress, cancel, resume (the files fetched so far stay in `<models>/downloads/<id>/`),
 * verified, then moved into `<models>/<id>` in one rename.
 *
 * Verification: tfjs-models publishes no checksums, and none can be pinned from here (no network), so
 * a download is checked against its own manifest — every weight group's shards add up to exactly the
 * bytes its weights' shapes and dtypes need — and the sha256 of each file is recorded beside it
 * (`download.json`) as found on first use.
 */
import { createHash } from 'node:crypto';
import { readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { writeDirAtomic } from '../../util/write-dir-atomic';
import { DownloadError, type DownloadProgress, Speed, downloadFile } from './download';

export interface LayersDownloadOptions {
  fetchImpl?: typeof fetch;
  signal?: AbortSignal;
  /** Progress over all the model's files (bytes of the weights; total known once model.json is in). */
  onProgress?: (p: DownloadProgress) => void;
  /** Where partial files are kept between attempts (default `<dirname(dest)>/downloads/<basename(dest)>`). */
  stagingDir?: string;
}

interface WeightEntry {
  name: string;
  shape: number[];
  dtype?: string;
  quantization?: { dtype: string };
}
interface Manifest {
  weightsManifest?: { paths: string[]; weights: WeightEntry[] }[];
}

const DTYPE_BYTES: Record<string, number> = {
  float32: 4,
  int32: 4,
  bool: 1,
  uint8: 1,
  uint16: 2,
  float16: 2,
};

/** Bytes a weight group must hold, from its weights' shapes and (quantized) dtypes. */
function groupBytes(weights: WeightEntry[], label: string): number {
  let n = 0;
  for (const w of weights) {
    const dtype = w.quantization?.dtype ?? w.dtype ?? 'float32';
    const size = DTYPE_BYTES[dtype];
    if (!size)
      throw new DownloadError(`${label}: weight ${w.name} has dtype ${dtype}, which is not supported`);
    n += w.shape.reduce((a, b) => a * b, 1) * size;
  }
  return n;
}

const sizeOf = (f: string) =>
  stat(f).then(
    (s) => s.size,
    () => 0,
  );

async function sha256Of(file: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(file))
    .digest('hex');
}

/** Download model.json and its shards into `dest`, verified and atomically (see the module comment). */
export async function downloadLayersModel(
  url: string,
  dest: string,
  opts: LayersDownloadOptions = {},
): Promise<void> {
  const staging = opts.stagingDir ?? path.join(path.dirname(dest), 'downloads', path.basename(dest));
  const common = { fetchImpl: opts.fetchImpl, signal: opts.signal, mirrorDirs: [], retries: 3 };
  await downloadFile({ ...common, url, dest: path.join(staging, 'model.json') });
  const manifestText = await readFile(path.join(staging, 'model.json'), 'utf8');
  let manifest: Manifest;
  try {
    manifest = JSON.parse(manifestText) as Manifest;
  } catch (e) {
    await rm(path.join(staging, 'model.json'), { force: true });
    throw new DownloadError(`${url} is not a tfjs model.json (${(e as Error).message})`);
  }
  const groups = manifest.weightsManifest ?? [];
  for (const p of groups.flatMap((g) => g.paths))
    if (p.includes('..') || path.isAbsolute(p) || /[\\/]/.test(p))
      throw new DownloadError(`refusing weight path ${p} in ${url}`);
  const expected = groups.map((g) => groupBytes(g.weights, url));
  const total = expected.reduce((a, b) => a + b, 0);

  // One progress stream over every shard: bytes done in earlier files plus the current one.
  const speed = new Speed();
  const paths = groups.flatMap((g) => g.paths);
  const sizes = await Promise.all(paths.map((p) => sizeOf(path.join(staging, p))));
  const resumedFrom = Math.min(
    total,
    sizes.reduce((a, b) => a + b, 0) +
      (await Promise.all(paths.map((p) => sizeOf(path.join(staging, `${p}.part`))))).reduce(
        (a, b) => a + b,
        0,
      ),
  );
  let before = 0;
  let lastEmit = 0;
  const report = (bytes: number, done: boolean) => {
    const now = Date.now();
    const rate = speed.add(now, bytes);
    // Many small shards would each report: at most one event per 200 ms, the last always.
    if (!done && now - lastEmit < 200) return;
    lastEmit = now;
    opts.onProgress?.({
      url,
      bytes,
      total,
      resumedFrom,
      bytesPerSec: rate,
      etaMs: rate > 0 ? ((total - bytes) * 1000) / rate : null,
      done,
    });
  };
  report(resumedFrom, false);
  for (const p of paths) {
    const got = await downloadFile({
      ...common,
      url: new URL(p, url).toString(),
      dest: path.join(staging, p),
      onProgress: (f) => report(before + f.bytes, false),
    });
    before += got.bytes;
  }
  // The shards must be exactly what the manifest's weights need, group by group.
  let at = 0;
  for (const [i, g] of groups.entries()) {
    const got = (await Promise.all(g.paths.map((p) => sizeOf(path.join(staging, p))))).reduce(
      (a, b) => a + b,
      0,
    );
    if (got !== expected[i]) {
      await Promise.all(g.paths.map((p) => rm(path.join(staging, p), { force: true })));
      throw new DownloadError(
        `${url}: weight group ${i + 1} (${g.paths.join(', ')}) has ${got} bytes but its weights need ${expected[i]}; ` +
          `the files were removed (damaged in transit or changed on the server) — run again to fetch them`,
      );
    }
    at += got;
  }
  const files = ['model.json', ...paths];
  const hashes = Object.fromEntries(
    await Promise.all(files.map(async (f) => [f, await sha256Of(path.join(staging, f))] as const)),
  );
  await writeDirAtomic(dest, async (tmp) => {
    for (const f of files) await rename(path.join(staging, f), path.join(tmp, f));
    await writeFile(
      path.join(tmp, 'download.json'),
      JSON.stringify({ url, bytes: at, sha256: hashes, downloadedAt: new Date().toISOString() }, null, 2),
    );
  });
  await rm(staging, { recursive: true, force: true });
  report(total, true);
}
