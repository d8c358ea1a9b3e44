/**
 * VGG16 extraction, ours vs the PyTorch peer, on the same real photos: `npx tsx bench/vgg16.bench.ts`
 * (`-- --quick` for 32 images). Prints ONE JSON object; progress goes to stderr. Timings on a shared
 * machine are noisy: each section reports the load average at its start.
 */
import os from 'node:os';
import path from 'node:path';
import { initBackend } from '../src/main/engine/backend';
import { scanDataset } from '../src/main/engine/dataset/scan';
import { torchVgg16Peer, vgg16Extraction } from './vgg16';

const DATA = path.resolve(import.meta.dirname, '../../shared/datasets/hymenoptera_data');
const quick = process.argv.includes('--quick');
const log = (s: string) => process.stderr.write(`[bench vgg16] ${s}\n`);

const backend = await initBackend('auto');
const scan = await scanDataset(DATA);
// Photos the peer's PIL decodes too (the dataset's GIF is reported as a problem by the scan anyway).
const all = scan.files.filter((f) => /\.(jpe?g|png)$/i.test(f.path));
const files = quick ? all.slice(0, 32) : all.slice(0, 128);

const ours = [];
for (const engines of [1, os.availableParallelism()]) {
  log(`ours, ${engines} engine(s), ${files.length} images…`);
  const load = os.loadavg()[0];
  ours.push({ ...(await vgg16Extraction(files, backend, engines)), loadAvg1AtStart: load });
}
log('PyTorch peer…');
const peerLoad = os.loadavg()[0];
const peer = { ...(await torchVgg16Peer(files)), loadAvg1AtStart: peerLoad };
const best = Math.max(...ours.map((o) => o.imagesPerSec));
const report = {
  bench: 'vgg16-extraction',
  quick,
  date: new Date().toISOString(),
  machine: { cores: os.availableParallelism(), cpu: os.cpus()[0]?.model ?? null, backend: backend.name },
  images: files.length,
  ours,
  peer,
  ratioToPeer: 'imagesPerSec' in peer ? Math.round((best / peer.imagesPerSec) * 100) / 100 : null,
};
process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
