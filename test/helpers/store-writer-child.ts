/**
 * A second process writing a feature store set (for concurrency and crash tests):
 *   tsx store-writer-child.ts <root> <first> <count> <maxChunkBytes> <seal|die> [barrier folder]
 * Writes vectors for keys first..first+count-1 (each vector a pure function of its key, so two writers'
 * copies are identical), then seals, or flushes and kills itself (SIGKILL) leaving an unsealed chunk.
 */
import { readdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { FeatureStore } from '../../src/main/engine/store/store';
import { encodeVector } from '../../src/main/engine/store/table';
import { recordKey } from '../../src/main/engine/store/format';
import { TEST_SET, TEST_INFO, TEST_SIZE, testVector } from './store-fixture';

const [root, first, count, maxChunkBytes, mode, barrier] = process.argv.slice(2);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const store = new FeatureStore(root, { maxChunkBytes: Number(maxChunkBytes) });
const set = await store.open(TEST_SET, TEST_INFO, TEST_SIZE);
// With a barrier folder: announce readiness, wait for the other writer, then write in small bursts so
// the two really interleave.
if (barrier) {
  writeFileSync(path.join(barrier, `${process.pid}`), '');
  while (readdirSync(barrier).length < 2) await sleep(5);
}
const started = Date.now();
for (let i = Number(first); i < Number(first) + Number(count); i++) {
  const enc = encodeVector(testVector(i), 'float16');
  await set.put(recordKey(`image-${i}`, 'clean'), enc.dtype, enc.bytes);
  if (barrier && i % 25 === 0) await sleep(1);
}
if (mode === 'die') {
  await set.flush();
  process.kill(process.pid, 'SIGKILL');
}
const ended = Date.now();
await set.close();
process.stdout.write(`${JSON.stringify({ wrote: Number(count), started, ended })}\n`);
