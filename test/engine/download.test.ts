import { createReadStream, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { initBackend } from '../../src/main/engine/backend';
import { loadBase } from '../../src/main/engine/bases/load';
import { BaseNotFoundError, downloadLayersModel, resolveBase } from '../../src/main/engine/bases/resolve';
import { MODELS } from '../helpers/shared';

// The official URLs are unreachable here, so the same files are served from 127.0.0.1.
const SRC = path.join(MODELS, 'mobilenet_v1_0.25_224');
const tmp = mkdtempSync(path.join(os.tmpdir(), 'ts-dl-'));
let server: http.Server;
let base = '';
let requests = 0;

beforeAll(async () => {
  server = http.createServer((req, res) => {
    requests++;
    const name = decodeURIComponent(new URL(req.url!, 'http://x').pathname).split('/').pop()!;
    if (req.url!.startsWith('/broken/') && name === 'group29-shard1of1') {
      res.writeHead(404).end();
      return;
    }
    const file = path.join(SRC, name);
    if (!existsSync(file)) return void res.writeHead(404).end();
    res.writeHead(200);
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  await new Promise((r) => server.close(r));
  rmSync(tmp, { recursive: true, force: true });
});

describe('base download', () => {
  it('fetches model.json and every shard atomically; the copy loads with the same fingerprint', async () => {
    const dest = path.join(tmp, 'models', 'mobilenet_v1_0.25_224');
    const progress: number[] = [];
    await downloadLayersModel(`${base}/tfjs/model.json`, dest, fetch, (d) => progress.push(d));
    expect(progress.at(-1)).toBe(55);
    expect(readdirSync(dest).filter((f) => f.startsWith('group'))).toHaveLength(55);
    await initBackend('wasm');
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

  it('a failed shard leaves nothing behind and says what failed', async () => {
    const dest = path.join(tmp, 'broken', 'm');
    await expect(downloadLayersModel(`${base}/broken/model.json`, dest, fetch)).rejects.toThrow(
      /group29-shard1of1: HTTP 404/,
    );
    expect(existsSync(dest)).toBe(false);
    expect(readdirSync(path.join(tmp, 'broken'))).toEqual([]);
  });

  it('an unreachable host gives an offline hint', async () => {
    const before = requests;
    await expect(
      downloadLayersModel('http://127.0.0.1:9/model.json', path.join(tmp, 'x'), fetch),
    ).rejects.toThrow(/cannot download .*Offline\? Put the model in a local mirror/);
    expect(requests).toBe(before);
  });

  it('a Keras-only base explains the one-line conversion instead of downloading', async () => {
    await expect(
      resolveBase('resnet50', { modelsDir: path.join(tmp, 'models'), mirrorDir: tmp }),
    ).rejects.toThrow(BaseNotFoundError);
    await expect(
      resolveBase('resnet50', { modelsDir: path.join(tmp, 'models'), mirrorDir: tmp }),
    ).rejects.toThrow(/tensorflowjs.*ResNet50/);
  });
});
