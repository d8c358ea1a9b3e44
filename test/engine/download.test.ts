/**
 * Registry downloads over loopback, through the loaders a run uses (`resolveBase`): a tfjs layers model
 * file by file (progress over all its bytes, resume after a cut connection and after a cancel, checked
 * against its manifest, moved into place whole) and a Keras application's weights (md5-verified: a
 * wrong file is refused and removed).
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/main/engine/backend';
import type { DownloadProgress } from '../../src/main/engine/bases/download';
import { loadBase } from '../../src/main/engine/bases/load';
import { findBase } from '../../src/main/engine/bases/registry';
import { downloadLayersModel, resolveBase } from '../../src/main/engine/bases/resolve';
import { MODELS } from '../helpers/shared';

// The official URLs are unreachable here, so the same files are served from 127.0.0.1.
const SRC = path.join(MODELS, 'mobilenet_v1_0.25_224');
const BIG = 'group29-shard1of1'; // 1,028,000 bytes: where the connection gets cut
const tmp = mkdtempSync(path.join(os.tmpdir(), 'ts-dl-'));
let server: http.Server;
let base = '';
const seen: { url: string; range: string | null }[] = [];
let cutNext = 0;
/** The next request for this file calls `hit` (a test's cancel) and is answered late. */
let holdAt: { name: string; hit: () => void } | null = null;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    const url = req.url!;
    const range = req.headers.range ?? null;
    seen.push({ url, range });
    const name = decodeURIComponent(new URL(url, 'http://x').pathname).split('/').pop()!;
    if (url.startsWith('/broken/') && name === BIG) return void res.writeHead(404).end();
    const file = url.startsWith('/keras/')
      ? path.join(MODELS, 'keras', 'mobilenet_v1_0.25_224.h5')
      : path.join(SRC, name);
    if (!existsSync(file)) return void res.writeHead(404).end();
    if (holdAt?.name === name) {
      holdAt.hit();
      holdAt = null;
      return void setTimeout(() => res.writeHead(503).end(), 200);
    }
    // /short/ serves one shard 4 bytes short (consistently: its length header agrees).
    const full = readFileSync(file);
    const body = url.startsWith('/short/') && name === 'group2-shard1of1' ? full.subarray(4) : full;
    const m = /^bytes=(\d+)-$/.exec(range ?? '');
    const start = m ? Number(m[1]) : 0;
    res.writeHead(m ? 206 : 200, {
      'content-length': body.length - start,
      etag: '"v1"',
      ...(m ? { 'content-range': `bytes ${start}-${body.length - 1}/${body.length}` } : {}),
    });
    // A cut connection: half the file, then the socket is destroyed.
    if (name === BIG && cutNext > 0) {
      cutNext--;
      res.write(body.subarray(start, start + 400_000), () => res.socket?.destroy());
      return;
    }
    res.end(body.subarray(start));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  await initBackend('wasm');
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(tmp, { recursive: true, force: true });
});

/** Requests for the official host go to the loopback server (path kept under `prefix`). */
const redirect =
  (prefix: string): typeof fetch =>
  (input, init) =>
    fetch(`${base}${prefix}${new URL(String(input)).pathname}`, init);

describe('base download', () => {
  it('fetches model.json and every shard, checked against the manifest; the copy loads with the same fingerprint', async () => {
    const dest = path.join(tmp, 'models', 'mobilenet_v1_0.25_224');
    const progress: DownloadProgress[] = [];
    await downloadLayersModel(`${base}/tfjs/model.json`, dest, { onProgress: (p) => progress.push(p) });
    expect(progress.at(-1)).toMatchObject({ done: true, bytes: 1_902_176, total: 1_902_176 });
    expect(readdirSync(dest).filter((f) => f.startsWith('group'))).toHaveLength(55);
    // The sha256 of every file as found, recorded beside it; the staging folder is gone.
    const record = JSON.parse(readFileSync(path.join(dest, 'download.json'), 'utf8')) as {
      sha256: Record<string, string>;
    };
    expect(record.sha256['model.json']).toBe(
      /^(\w{64})\s+model\.json$/m.exec(readFileSync(path.join(SRC, 'SHA256SUMS'), 'utf8'))![1],
    );
    expect(existsSync(path.join(tmp, 'models', 'downloads', 'mobilenet_v1_0.25_224'))).toBe(false);
    const a = await loadBase({ dir: dest, entry: null, source: 'download' });
    const b = await loadBase(
      await resolveBase('mobilenet_v1_0.25_224', { mirrorDir: MODELS, download: false }),
    );
    // An unknown folder is cut where its classifier starts (before global pooling), as the registry does…
    expect(a.featureLayer).toBe('conv_pw_13_relu');
    expect(a.featureShape).toEqual([7, 7, 256]);
    // …and the same bytes give the same fingerprint, so the feature cache is shared.
    expect(a.fingerprint).toBe(b.fingerprint);
  });

  it('a failed shard leaves no model behind, says what failed, and keeps what it fetched to resume', async () => {
    const dest = path.join(tmp, 'broken', 'm');
    await expect(downloadLayersModel(`${base}/broken/model.json`, dest)).rejects.toThrow(
      new RegExp(`${BIG}: HTTP 404`),
    );
    expect(existsSync(dest)).toBe(false);
    expect(readdirSync(path.join(tmp, 'broken'))).toEqual(['downloads']);
    expect(readdirSync(path.join(tmp, 'broken', 'downloads', 'm'))).toContain('group28-shard1of1');
  });

  it("shards that do not add up to what the manifest's weights need are refused and removed", async () => {
    const dest = path.join(tmp, 'short', 'm');
    await expect(downloadLayersModel(`${base}/short/model.json`, dest)).rejects.toThrow(
      /weight group 2 \(group2-shard1of1\) has 124 bytes but its weights need 128; the files were removed/,
    );
    expect(existsSync(dest)).toBe(false);
    expect(existsSync(path.join(tmp, 'short', 'downloads', 'm', 'group2-shard1of1'))).toBe(false);
  });

  it('an unreachable host gives an offline hint', async () => {
    await expect(downloadLayersModel('http://127.0.0.1:9/model.json', path.join(tmp, 'x'))).rejects.toThrow(
      /cannot download .*Offline\? Put the file in a local mirror/,
    );
  });
});

describe('resolveBase downloads a registry base', () => {
  // mobilenet_v1_0.50_224 is not in the shared mirror, so resolveBase must fetch it; the loopback
  // server answers with the 0.25 model's files.
  const id = 'mobilenet_v1_0.50_224';

  it('resumes a cut connection, and a cancelled download continues where it stopped', async () => {
    const modelsDir = path.join(tmp, 'resolve-models');
    const ctl = new AbortController();
    const mark = seen.length;
    const first: DownloadProgress[] = [];
    cutNext = 1;
    holdAt = { name: 'group40-shard1of1', hit: () => ctl.abort() }; // cancelled after the big shard
    await expect(
      resolveBase(id, {
        modelsDir,
        fetchImpl: redirect('/tfjs'),
        signal: ctl.signal,
        onProgress: (p) => first.push(p),
      }),
    ).rejects.toMatchObject({ code: 'CANCELLED' });
    const bigRequests = seen.slice(mark).filter((s) => s.url.endsWith(BIG));
    // Cut at ≤ 400,000 bytes (what reached the client), then resumed with a Range request in the same call.
    expect(bigRequests).toHaveLength(2);
    expect(bigRequests[0].range).toBeNull();
    const resumedAt = Number(/^bytes=(\d+)-$/.exec(bigRequests[1].range ?? '')?.[1]);
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(400_000);
    expect(first.every((p) => p.total === 1_902_176)).toBe(true);
    expect(existsSync(path.join(modelsDir, id))).toBe(false);

    const second: DownloadProgress[] = [];
    const r = await resolveBase(id, {
      modelsDir,
      fetchImpl: redirect('/tfjs'),
      onProgress: (p) => second.push(p),
    });
    expect(r).toMatchObject({ source: 'download', family: 'tfjs-download', dir: path.join(modelsDir, id) });
    const fetched = Array.from(
      { length: 39 },
      (_, i) => statSync(path.join(SRC, `group${i + 1}-shard1of1`)).size,
    );
    expect(second[0].resumedFrom).toBe(fetched.reduce((x, y) => x + y, 0));
    expect(second.at(-1)).toMatchObject({ done: true, bytes: 1_902_176 });
    // The big shard was not fetched again.
    expect(seen.slice(mark).filter((s) => s.url.endsWith(BIG))).toHaveLength(2);
    expect(statSync(path.join(modelsDir, id, BIG)).size).toBe(1_028_000);
    const again = await resolveBase(id, { modelsDir, download: false });
    expect(again.source).toBe('cache');
  });

  it("a Keras application's weights that do not match Keras' md5 are refused and removed, before anything is built", async () => {
    const modelsDir = path.join(tmp, 'keras-models');
    const vgg = findBase('vgg16')!;
    expect(vgg.family).toBe('keras-application');
    await expect(resolveBase('vgg16', { modelsDir, fetchImpl: redirect('/keras') })).rejects.toThrow(
      /does not match its md5 hash \(expected 6d6bbae143d832006294945121d1f1fc, got \w{32}\); the file was removed/,
    );
    expect(readdirSync(path.join(modelsDir, 'downloads'))).toEqual([]);
    expect(existsSync(path.join(modelsDir, 'vgg16'))).toBe(false);
    // Offline, it says where the file could come from instead.
    await expect(resolveBase('vgg16', { modelsDir, download: false })).rejects.toThrow(
      /vgg16 is not on this machine and downloads are off .*vgg16_weights_tf_dim_ordering_tf_kernels_notop\.h5 in a mirror's keras\/ folder/,
    );
  });
});
